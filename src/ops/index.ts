// Every tensor operation, primitives and composites, under one roof for Tensor's methods and the
// public index.

export {
  neg, exp, expm1, log, log1p, sqrt, abs, sign, sin, cos, tanh, sigmoid, relu, erf,
  add, sub, mul, div, pow, maximum, minimum, eq, ne, gt, lt, ge, le,
  where, cast, clone, contiguous, type Operand, type AlphaOptions,
} from "./primitives/elementwise.js";
export { scatterAdd } from "./primitives/indexing.js";
export { reshape, view, flatten, squeeze, unsqueeze, permute, transpose, expand, slice, cat, stack, gather, matmul } from "./composite/shape.js";
export { sum, mean, max, min, argmax, argmin, logsumexp, variance, std, type VarianceOptions } from "./composite/reduce.js";
export { norm } from "./composite/norm.js";
export { leakyRelu, gelu, elu, softplus, silu, clamp } from "./composite/activations.js";
export { softmax, logSoftmax, type SoftmaxOptions } from "./composite/softmax.js";
export { dropout } from "./composite/dropout.js";
export { fullLike } from "../tensor/creation.js";
