// Products along a dim (torch's prod and cumprod) written with mul, slice and cat: a product tree and
// a Hillis-Steele scan. Their gradients are then mul's, exact where inputs are zero (no division by
// x, unlike the textbook prod/x), and differentiable again.

import { DTypeError } from "../../errors.js";
import { composite } from "../../autograd/primitive.js";
import { isFloat } from "../../tensor/dtype.js";
import { normDim } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { fullLike, onesLike } from "../../tensor/creation.js";
import { cat, reshape, slice, squeeze } from "./shape.js";
import { checkKeepdim } from "../primitives/reduce.js";

/**
 * The product of all elements, or along `dim` (torch.prod). Integer tensors stay int32 (torch gives
 * int64, which tensorgrad does not have).
 * @example tg.tensor([[1, 2], [3, 0]]).prod(1) // [2, 0]
 */
export function prod(x: Tensor, dim?: number, keepdim = false): Tensor {
  checkKeepdim("prod", keepdim);
  // One unit for tracers: ONNX export writes a ReduceProd node rather than the product tree.
  return composite("prod", [x], { dim, keepdim }, () => prodOf(x, dim, keepdim));
}

function prodOf(x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (x.dtype === "bool") x = x.int(); // torch: the product of bools is an integer (int64)
  if (dim === undefined) return productAlong(reshape(x, [-1]), 0).reshape([]);
  const d = normDim("prod", dim, Math.max(x.ndim, 1));
  if (x.ndim === 0) return x;
  const out = productAlong(x, d);
  return keepdim ? out : squeeze(out, d);
}

/** Multiplies `x`'s slices along `d` pairwise until one is left (size 1 kept); an empty dim gives 1. */
function productAlong(x: Tensor, d: number): Tensor {
  let t = x;
  if (t.shape[d] === 0) return fullLike(t.sum(d, true), 1);
  while (t.shape[d] > 1) {
    const n = t.shape[d];
    const half = n >> 1;
    const paired = slice(t, d, 0, half).mul(slice(t, d, half, 2 * half));
    t = n % 2 === 1 ? cat([paired, slice(t, d, n - 1, n)], d) : paired;
  }
  return t;
}

/**
 * Running products along `dim` (torch.cumprod): out[i] = x[0]·…·x[i]. Computed in ⌈log₂ n⌉ steps,
 * each multiplying by the running products shifted by 1, 2, 4, … (ones shifted in).
 * @example tg.cumprod(tg.tensor([1, 2, 3, 4]), 0)  // [1, 2, 6, 24]
 */
export function cumprod(x: Tensor, dim: number): Tensor {
  if (x.dtype === "bool") x = x.int(); // torch: running products of bools are integers (int64)
  if (!isFloat(x.dtype) && x.dtype !== "int32") throw new DTypeError(`cumprod: unsupported dtype ${x.dtype}`);
  if (x.ndim === 0) return x.clone();
  const d = normDim("cumprod", dim, x.ndim);
  const n = x.shape[d];
  let t = x;
  for (let s = 1; s < n; s *= 2) {
    const ones = onesLike(slice(t, d, 0, s));
    t = t.mul(cat([ones, slice(t, d, 0, n - s)], d));
  }
  return t === x ? x.clone() : t;
}
