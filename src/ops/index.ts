// Every tensor operation, primitives and composites, under one roof for Tensor's methods and the
// public index.

export {
  neg,
  exp,
  expm1,
  log,
  log1p,
  sqrt,
  abs,
  sign,
  sin,
  cos,
  tanh,
  sigmoid,
  relu,
  erf,
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  eq,
  ne,
  gt,
  lt,
  ge,
  le,
  where,
  cast,
  clone,
  contiguous,
  type Operand,
  type AlphaOptions,
} from "./primitives/elementwise.js";
export { scatterAdd } from "./primitives/indexing.js";
export {
  reshape,
  view,
  flatten,
  squeeze,
  unsqueeze,
  permute,
  transpose,
  expand,
  slice,
  cat,
  stack,
  gather,
  matmul,
} from "./composite/shape.js";
export { sum, mean, max, min, amax, amin, argmax, argmin, logsumexp, variance, std, type VarianceOptions } from "./composite/reduce.js";
export { norm } from "./composite/norm.js";
export { floor, ceil, round, trunc, tan, asin, acos, atan, sinh, cosh, asinh, atanh, log2, log10, exp2 } from "./primitives/unary-math.js";
export {
  frac,
  reciprocal,
  rsqrt,
  remainder,
  logit,
  lerp,
  addcmul,
  isnan,
  isinf,
  isfinite,
  nanToNum,
  divide,
  type DivOptions,
  logicalNot,
  logicalAnd,
  logicalOr,
  logicalXor,
  type NanToNumOptions,
} from "./composite/math.js";
export { argsort, sort, topk, cumsum, any, all } from "./composite/sort.js";
export { outer, dot, mm, bmm, mT, diag, trace } from "./composite/linalg.js";
export {
  repeat,
  tile,
  split,
  chunk,
  unbind,
  narrow,
  indexSelect,
  flip,
  roll,
  maskedFill,
  maskedSelect,
  tril,
  triu,
} from "./composite/rearrange.js";
export { leakyRelu, gelu, elu, softplus, silu, clamp } from "./composite/activations.js";
export { softmax, logSoftmax, type SoftmaxOptions } from "./composite/softmax.js";
export {
  hardtanh,
  relu6,
  logSigmoid,
  softsign,
  mish,
  hardswish,
  hardsigmoid,
  selu,
  celu,
  softmin,
  glu,
  prelu,
} from "./composite/activations-more.js";
export { dropout } from "./composite/dropout.js";
export { prod, cumprod } from "./composite/product.js";
export { einsum } from "./composite/einsum.js";
export { bernoulli, multinomial, type MultinomialOptions } from "./composite/sampling.js";
export { fullLike } from "../tensor/creation.js";
