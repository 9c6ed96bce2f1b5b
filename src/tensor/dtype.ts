// Element types and the promotion rule for mixed operands (as torch: bool < int < float, wider
// float beats narrower; a plain JS number is a "weak" scalar that keeps an int32 tensor int32 only
// when it is itself an integer, and makes a bool tensor int32 or float32).

import type { DType as StorageDType, TypedArray } from "../backend/backend.js";
import type { HalfDType } from "./half.js";
import { arrayFor as backendArrayFor } from "../backend/backend.js";
export type { TypedArray } from "../backend/backend.js";
export type { StorageDType, HalfDType };

/**
 * Element type of a tensor (torch.float32, float64, int32, float16, bfloat16, bool). float16 and
 * bfloat16 are storage dtypes: their values are kept, rounded, in float32 memory, and arithmetic on
 * them computes and returns float32 (see README, "float16 and bfloat16"). bool is held as 0/1 in
 * int32 memory (see README, "bool tensors").
 */
export type DType = StorageDType | HalfDType | "bool";

export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "float16", "bfloat16", "bool"];

/** Whether `d` is a floating-point dtype (float32, float64, float16, bfloat16). */
export function isFloat(d: DType): boolean {
  return d !== "int32" && d !== "bool";
}

/** Whether `d` is float16 or bfloat16. */
export function isHalf(d: DType): d is HalfDType {
  return d === "float16" || d === "bfloat16";
}

/** The dtype of the memory that holds `d` (float32 for the 16-bit floats, int32 for bool). */
export function storageDType(d: DType): StorageDType {
  return d === "float16" || d === "bfloat16" ? "float32" : d === "bool" ? "int32" : d;
}

// torch's type categories: a higher category always wins a promotion.
function category(d: DType): number {
  return d === "bool" ? 0 : d === "int32" ? 1 : 2;
}

export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  const ca = category(a),
    cb = category(b);
  if (ca !== cb) return ca > cb ? (isHalf(a) ? "float32" : a) : isHalf(b) ? "float32" : b;
  if (a === "float64" || b === "float64") return "float64";
  return "float32";
}

/**
 * The dtype of a binary op's result (torch.result_type): tensors with dimensions decide within a
 * category (bool, int, float); a 0-d tensor wins only when its category is higher (a 0-d float64
 * keeps a float32 tensor float32, but makes an int32 one float64). Two 0-d operands promote as usual.
 */
export function resultType(a: { dtype: DType; ndim: number }, b: { dtype: DType; ndim: number }): DType {
  if (a.dtype === b.dtype) return a.dtype;
  if ((a.ndim === 0) === (b.ndim === 0)) return promote(a.dtype, b.dtype);
  const [dim, zero] = a.ndim === 0 ? [b, a] : [a, b];
  return category(zero.dtype) > category(dim.dtype) ? zero.dtype : dim.dtype;
}

/** The dtype a plain number takes next to a tensor of dtype `other`. */
export function scalarDType(value: number, other: DType): DType {
  // Arithmetic on float16/bfloat16 runs in float32, and the scalar stays unrounded as torch's does.
  if (other === "float16" || other === "bfloat16") return "float32";
  // Next to bool, a Python int makes the result int (int64 in torch, int32 here), a float float32.
  if ((other === "int32" || other === "bool") && !Number.isInteger(value)) return "float32";
  if (other === "bool") return "int32";
  return other;
}

/** A zero-filled host array of `n` elements of `dtype` (Float32Array for the 16-bit floats, Int32Array for bool). */
export function arrayFor(dtype: DType, n: number): TypedArray {
  return backendArrayFor(storageDType(dtype), n);
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  return "int32";
}
