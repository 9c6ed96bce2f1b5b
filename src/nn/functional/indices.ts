// Class-index and embedding-index arguments: int32 tensors or plain number arrays, validated once
// here so every caller reports a bad index the same way.

import { DTypeError, ValueError } from "../../errors.js";
import { tensor, type NestedArray } from "../../tensor/creation.js";
import { Tensor } from "../../tensor/tensor.js";

export type IndexInput = Tensor | NestedArray;

/** `idx` as an int32 tensor; a float tensor is a DTypeError (torch wants int64 there). */
export function asIndexTensor(op: string, idx: IndexInput, what = "indices"): Tensor {
  if (idx instanceof Tensor) {
    if (idx.dtype !== "int32") {
      throw new DTypeError(`${op}: ${what} must be an int32 tensor (or a plain number array), got ${idx.dtype}; convert with .int()`);
    }
    return idx;
  }
  // Checked as host values (not through a tensor: float64 cannot live on every backend).
  const flat = (typeof idx === "number" || typeof idx === "boolean" ? [idx] : (idx as unknown[]).flat(Infinity as 1)) as (
    number | boolean
  )[];
  // A loop, not forEach: a closure over op and what would make JavaScriptCore allocate this function's
  // scope on every call, the tensor case above included (losses call this every step).
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== "boolean" && !Number.isInteger(v)) throw new ValueError(`${op}: ${what} must be integers, got ${v} at position ${i}`);
  }
  return tensor(idx, { dtype: "int32" });
}

/**
 * Throws a ValueError for the first index outside [0, n) other than `skip` (an ignore index), and
 * tells whether any index equals `skip` (callers then know whether a mask is needed at all).
 * `describe(v, n, op)` words the complaint, e.g. "target class 10 is out of range for 10 classes" (`op`
 * is passed through, so that a caller on a hot path can give a function that captures nothing).
 */
export function checkRange(
  idx: Tensor,
  n: number,
  describe: (v: number, n: number, op: string) => string,
  skip?: number,
  op = "",
): boolean {
  // Indices on a device (WebGPU) cannot be read synchronously: unchecked there, and a `skip` is
  // assumed present (the mask then costs a little but is always right).
  const data = idx._hostDataOrNull();
  if (data === null) return skip !== undefined;
  let skipped = false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === skip) skipped = true;
    else if (v < 0 || v >= n) throw new ValueError(describe(v, n, op));
  }
  return skipped;
}
