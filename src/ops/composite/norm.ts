// Vector p-norms over all elements or some dims (torch.norm / torch.linalg.vector_norm): 2 (the
// default, also "fro"), 1, ±∞, 0 and any other p, with PyTorch's gradients at the kinks.

import { DTypeError, ValueError } from "../../errors.js";
import { isFloat } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { sqrtZeroGrad } from "./reduce.js";
import { where } from "../primitives/elementwise.js";

type Dims = number | readonly number[] | undefined;

/**
 * ‖x‖_p over `dim` (all elements when absent). The 2-norm's gradient is 0 at a zero vector and the
 * ∞-norm's is split among ties, as torch's.
 * @example tg.tensor([[3, 4], [1, 1]]).norm(1, 1)  // [7, 2]
 */
export function norm(x: Tensor, p: number | "fro" = 2, dim?: Dims, keepdim = false): Tensor {
  if (!isFloat(x.dtype)) throw new DTypeError(`norm: expected a floating-point tensor, got ${x.dtype}`);
  if (p === "fro") p = 2;
  if (typeof p !== "number" || Number.isNaN(p)) throw new ValueError(`norm: p must be a number or "fro", got ${String(p)}`);
  // A list keeps max/min's even split among ties, which is torch's ∞-norm gradient.
  const dims = dim === undefined ? undefined : typeof dim === "number" ? [dim] : dim;
  if (p === 2) return sqrtZeroGrad(x.mul(x).sum(dims, keepdim));
  if (p === 1) return x.abs().sum(dims, keepdim);
  if (p === Infinity) return x.abs().max(dims ?? allDims(x), keepdim);
  if (p === -Infinity) return x.abs().min(dims ?? allDims(x), keepdim);
  if (p === 0) return x.ne(0).sum(dims, keepdim).to(x.dtype);
  // As torch's backward, no gradient through zeros: |x|^p at x = 0 (infinite slope for p < 1) and
  // (Σ|x|^p)^(1/p) at a zero vector (infinite slope for p > 1) pass 0, not 0·∞ = NaN.
  return powZeroGrad(powZeroGrad(x.abs(), p).sum(dims, keepdim), 1 / p);
}

/** t^e for t ≥ 0 (or NaN, kept), whose gradient is 0 (not e·0^(e-1)) where t is 0. */
function powZeroGrad(t: Tensor, e: number): Tensor {
  const nonzero = t.ne(0);
  return where(nonzero, where(nonzero, t, 1).pow(e), 0);
}

function allDims(x: Tensor): number[] {
  return x.shape.map((_, i) => i);
}
