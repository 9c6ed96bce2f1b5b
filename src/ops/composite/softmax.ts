// softmax and logSoftmax along one dim, stable for large logits (the detached row maximum is
// subtracted first). Gradients come from the primitives they are built of.

import { DTypeError } from "../../errors.js";
import { isFloat } from "../../tensor/dtype.js";
import { normDim } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { logsumexp } from "./reduce.js";

export function softmax(x: Tensor, dim: number): Tensor {
  if (!isFloat(x.dtype)) throw new DTypeError(`softmax: expected a floating-point tensor, got ${x.dtype}`);
  dim = normDim("softmax", dim, x.ndim);
  const e = x.sub(x.detach().max(dim, true)).exp();
  return e.div(e.sum(dim, true));
}

/** x - logsumexp(x): exact for logits in the thousands, where log(softmax(x)) gives -inf. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  if (!isFloat(x.dtype)) throw new DTypeError(`logSoftmax: expected a floating-point tensor, got ${x.dtype}`);
  dim = normDim("logSoftmax", dim, x.ndim);
  return x.sub(logsumexp(x, dim, true));
}
