// The public surface of tensorgrad (see the API contract). Everything a user imports comes from here.

export { Tensor } from "./tensor/tensor.js";
export type { DType } from "./tensor/dtype.js";
export {
  tensor, zeros, ones, full, fullLike, zerosLike, onesLike, arange, linspace, eye, rand, randn, randint,
  type TensorOptions,
} from "./tensor/creation.js";
export { manualSeed, getRngState, setRngState, type RngState } from "./tensor/random.js";
export { noGrad } from "./autograd/grad-mode.js";
export { gradcheck, gradcheckAsync, gradgradcheck, type GradcheckOptions } from "./autograd/gradcheck.js";
export * as autograd from "./autograd/public.js";
export type { TensorHook, RemovableHandle } from "./autograd/hooks.js";
export {
  neg, exp, expm1, log, log1p, sqrt, abs, sign, sin, cos, tanh, sigmoid, relu, erf,
  add, sub, mul, div, pow, maximum, minimum, eq, ne, gt, lt, ge, le, where, clone,
  reshape, flatten, squeeze, unsqueeze, permute, transpose, expand, slice, cat, stack, gather, matmul,
  sum, mean, max, min, argmax, argmin, logsumexp, std, leakyRelu, gelu, elu, softplus, silu, clamp,
  softmax, logSoftmax, dropout, norm, amax, amin, argsort, sort, topk, cumsum, any, all,
  floor, ceil, round, trunc, tan, asin, acos, atan, sinh, cosh, asinh, atanh, log2, log10, exp2,
  frac, reciprocal, rsqrt, remainder, logit, lerp, addcmul, isnan, isinf, isfinite, nanToNum,
  logicalNot, logicalAnd, logicalOr, logicalXor,
  outer, dot, mm, bmm, diag, trace, repeat, tile, split, chunk, unbind, narrow, indexSelect, flip, roll, maskedFill, maskedSelect, tril, triu,
  prod, cumprod, einsum, bernoulli, multinomial, type MultinomialOptions,
} from "./ops/index.js";
export { variance as var } from "./ops/index.js";
export { getBackend, setBackend, listBackends } from "./backend/current.js";
// The WebAssembly SIMD backend registers itself and becomes the default where it can run
// (TENSORGRAD_BACKEND=js keeps the reference backend).
import "./backend/wasm/index.js";
export { TensorgradError, ShapeError, DTypeError, ValueError, FormatError, UnsupportedOpError, AsyncReadError } from "./errors.js";

export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as data from "./data/index.js";
export * as io from "./io-namespace.js";
export * as train from "./train/index.js";
