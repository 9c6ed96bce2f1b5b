// float16 and bfloat16 (torch.half, torch.bfloat16) as storage dtypes. Their values are held in
// float32 storage on every backend, each already rounded to the narrow format (round to nearest,
// ties to even, as torch's casts), and the storage is tagged with the narrow dtype so that views of
// it keep the dtype. Arithmetic reads them as the float32 values they are and returns float32.

import type { Storage } from "../backend/backend.js";
import { DTypeError } from "../errors.js";

/** The 16-bit float dtypes: IEEE half (torch.float16) and brain float (torch.bfloat16). */
export type HalfDType = "float16" | "bfloat16";

const tags = new WeakMap<Storage, HalfDType>();
let tagged = false;

/** Marks `storage` (float32, every value already rounded) as holding `dtype` values. */
export function tagHalf(storage: Storage, dtype: HalfDType): void {
  tags.set(storage, dtype);
  tagged = true;
}

/** Removes `storage`'s 16-bit tag: its values are read as the float32 values they are. */
export function untagHalf(storage: Storage): void {
  tags.delete(storage);
}

/** The narrow dtype `storage` holds, or undefined for an ordinary storage. */
export function halfTagOf(storage: Storage): HalfDType | undefined {
  return tagged ? tags.get(storage) : undefined;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The float16 bit pattern of `v` as torch computes it: v is first rounded to float32 (torch goes
 * through float), then to half with round-to-nearest-even; overflow gives ±inf, values below half
 * the smallest subnormal give ±0, NaN gives 0x7E00 with v's sign.
 */
export function float16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | (mant !== 0 ? 0x7e00 : 0x7c00);
  const e = exp - 112; // the half exponent field
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const halfway = 2 ** (shift - 1);
    const rem = m % 2 ** shift;
    let r = Math.floor(m / 2 ** shift);
    if (rem > halfway || (rem === halfway && (r & 1) === 1)) r++;
    return sign | r; // r = 0x400 is the smallest normal, encoded as such
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) r++; // a carry into the exponent is right, up to inf
  return sign | r;
}

/** The value of float16 bits `h`. */
export function float16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** The bfloat16 bit pattern of `v` as torch computes it: float32, then round-to-nearest-even on the top 16 bits; NaN gives 0xFFFF. */
export function bfloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  // torch's vectorised tensor casts write NaN as 0xFFFF (its scalar conversion as 0x7FC0).
  if ((x & 0x7fffffff) > 0x7f800000) return 0xffff;
  return Math.floor((x + 0x7fff + ((x >>> 16) & 1)) / 65536) & 0xffff;
}

/** The value of bfloat16 bits `b`. */
export function bfloat16Value(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0]!;
}

/** `dtype`'s bit pattern of `v`. */
export function halfBits(dtype: HalfDType, v: number): number {
  return dtype === "float16" ? float16Bits(v) : bfloat16Bits(v);
}

/** The value of `dtype` bits `b`. */
export function halfValue(dtype: HalfDType, b: number): number {
  return dtype === "float16" ? float16Value(b) : bfloat16Value(b);
}

/** Rounds every element of `values` to `dtype` in place. */
export function roundToHalf(dtype: HalfDType, values: Float32Array | Float64Array): void {
  if (dtype === "float16") for (let i = 0; i < values.length; i++) values[i] = float16Value(float16Bits(values[i]!));
  else for (let i = 0; i < values.length; i++) values[i] = bfloat16Value(bfloat16Bits(values[i]!));
}

/**
 * Rounds every value of the float32 `storage` to `dtype` where it is and tags it: the host-side
 * rounding behind casts to float16/bfloat16 and Module.half(). A device backend (WebGPU) has no
 * rounding kernel: a DTypeError naming `op` and `hint`, the way to do it on the CPU.
 */
export function roundStorageToHalf(op: string, storage: Storage, dtype: HalfDType, hint: string): void {
  const backend = storage.backend;
  if (!backend.host) throw new DTypeError(`${op}: ${hint.replaceAll("{backend}", backend.name)}`);
  const values = Float32Array.from(backend.readSync(storage, 0, storage.length));
  roundToHalf(dtype, values);
  backend.write(storage, 0, values);
  tagHalf(storage, dtype);
}
