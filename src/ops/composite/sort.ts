// Sorting and running sums as users call them (torch's sort, argsort, topk, cumsum, any, all):
// values come from a gather by argsort's indices, so gradients flow back to the sorted elements.

import { ValueError } from "../../errors.js";
import { normDim } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { argsortPrim, cumsumPrim } from "../primitives/scan.js";
import { amax, amin } from "./reduce.js";
import { checkKeepdim } from "../primitives/reduce.js";
import { slice } from "./shape.js";

type Dims = number | readonly number[] | undefined;

/**
 * Indices that sort `x` along `dim` (stable; NaN last ascending, first descending) (torch.argsort).
 * @example tg.argsort(tg.tensor([3, 1, 2]))  // [1, 2, 0], int32
 */
export function argsort(x: Tensor, dim = -1, descending = false): Tensor {
  requireBool("argsort", "descending", descending);
  const d = x.ndim === 0 ? 0 : normDim("argsort", dim, x.ndim);
  return argsortPrim([x], { dim: d, descending });
}

/**
 * [values, indices] of `x` sorted along `dim` (torch.sort, stable).
 * @example tg.sort(tg.tensor([3, 1, 2]), -1, true)  // [values [3, 2, 1], indices [0, 2, 1]]
 */
export function sort(x: Tensor, dim = -1, descending = false): [Tensor, Tensor] {
  requireBool("sort", "descending", descending);
  const idx = argsort(x, dim, descending);
  return [x.ndim === 0 ? x : x.gather(normDim("sort", dim, x.ndim), idx), idx];
}

/**
 * [values, indices] of the k largest (or smallest) elements along `dim`, sorted (torch.topk).
 * @example tg.topk(tg.tensor([1, 5, 3, 4]), 2)  // [values [5, 4], indices [1, 3]]
 */
export function topk(x: Tensor, k: number, dim = -1, largest = true): [Tensor, Tensor] {
  requireBool("topk", "largest", largest);
  const d = normDim("topk", dim, Math.max(1, x.ndim));
  const n = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > n) throw new ValueError(`topk: k must be an integer from 0 to ${n}, got ${k}`);
  const idx = x.ndim === 0 ? argsort(x) : slice(argsort(x, d, largest), d, 0, k);
  return [x.ndim === 0 ? x : x.gather(d, idx), idx];
}

/**
 * Running sum along `dim` (torch.cumsum).
 * @example tg.cumsum(tg.tensor([1, 2, 3]), 0)  // [1, 3, 6]
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  const d = x.ndim === 0 ? 0 : normDim("cumsum", dim, x.ndim);
  // Running counts of a bool tensor are int32 (torch's int64).
  return cumsumPrim([x.dtype === "bool" ? x.int() : x], { dim: d, reverse: false });
}

/**
 * Whether any element over `dim` is non-zero; a bool tensor (torch.any).
 * @example tg.any(tg.tensor([[0, 1], [0, 0]]), 1)  // [true, false]
 */
export function any(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkKeepdim("any", keepdim);
  return amax(x.ne(0), dim, keepdim);
}

/**
 * Whether every element over `dim` is non-zero; a bool tensor (torch.all).
 * @example tg.all(tg.tensor([[1, 1], [0, 1]]), 1)  // [true, false]
 */
export function all(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkKeepdim("all", keepdim);
  return amin(x.ne(0), dim, keepdim);
}

// A flag given as an options object ({ descending: false }) would be truthy and flip the order.
function requireBool(op: string, what: string, v: unknown): void {
  if (typeof v !== "boolean") throw new ValueError(`${op}: ${what} must be true or false, got ${v === null ? "null" : typeof v}`);
}
