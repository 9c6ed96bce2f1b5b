// softmax and logSoftmax along one dim, as users call them: validation here, the fused kernel and
// its gradient in primitives/softmax.ts. Both subtract the row maximum first, so large logits stay
// exact.

import type { Primitive } from "../../autograd/primitive.js";
import { DTypeError } from "../../errors.js";
import { isFloat, type DType } from "../../tensor/dtype.js";
import { checkDType, checkOptions } from "../../tensor/options.js";
import { normDim } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { logSoftmaxPrim, softmaxPrim } from "../primitives/softmax.js";

export interface SoftmaxOptions {
  /** Casts the input to this dtype first (torch's dtype argument), e.g. "float64" for precision. */
  dtype?: DType;
}

/**
 * exp(x) / Σ exp(x) along `dim`, with the row maximum subtracted first so large logits stay exact; each
 * slice sums to 1 (torch.softmax).
 * @example
 * ```ts
 * tg.softmax(tg.tensor([[1, 2, 3]]), -1).toArray(); // [[0.0900, 0.2447, 0.6652]]
 * ```
 */
export function softmax(x: Tensor, dim: number, opts?: SoftmaxOptions): Tensor {
  return alongDim("softmax", softmaxPrim, withDType("softmax", x, opts), dim);
}

/**
 * log(softmax(x)) computed as (x - max) - log Σ exp(x - max): exact for logits in the thousands, where
 * log(softmax(x)) itself gives -inf. Rows holding +inf, or only -inf, are NaN, as torch.
 * @example tg.logSoftmax(tg.tensor([0, 0]), -1)  // [-0.6931, -0.6931]
 */
export function logSoftmax(x: Tensor, dim: number, opts?: SoftmaxOptions): Tensor {
  return alongDim("logSoftmax", logSoftmaxPrim, withDType("logSoftmax", x, opts), dim);
}

function withDType(op: string, x: Tensor, opts: SoftmaxOptions | undefined): Tensor {
  if (opts === undefined) return x;
  checkOptions(op, opts, ["dtype"]);
  return opts.dtype === undefined ? x : x.to(checkDType(op, opts.dtype));
}

function alongDim(op: string, prim: Primitive<number>, x: Tensor, dim: number): Tensor {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor, got ${x.dtype}`);
  const d = normDim(op, dim, x.ndim);
  // A 0-d tensor is one row of one element (torch accepts dim 0 or -1 there).
  return x.ndim === 0 ? prim([x.reshape([1])], 0).reshape([]) : prim([x], d);
}
