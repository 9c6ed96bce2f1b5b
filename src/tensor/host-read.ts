// Host-side helpers of the tensor reads: the storage range a strided view covers, the view's elements
// gathered row-major out of that range, and nested arrays built from row-major elements. Reads work
// on whatever backend holds the tensor: no kernel runs, so no current backend is involved.

import { arrayFor, type TypedArray, type View } from "../backend/backend.js";

/** The storage elements [lo, hi) that a non-empty view can touch. */
export function span(v: View): [number, number] {
  let lo = v.offset,
    hi = v.offset;
  v.shape.forEach((d, i) => {
    const reach = (d - 1) * v.strides[i]!;
    if (reach < 0) lo += reach;
    else hi += reach;
  });
  return [lo, hi + 1];
}

/** The elements of view `v` in row-major order, from `raw` holding its storage's elements [lo, ...). */
export function gatherRowMajor(raw: TypedArray, v: View, lo: number): TypedArray {
  const n = v.shape.reduce((a, b) => a * b, 1);
  const out = arrayFor(v.storage.dtype, n);
  const nd = v.shape.length;
  const idx = new Array<number>(nd).fill(0);
  let at = v.offset - lo;
  for (let i = 0; i < n; i++) {
    out[i] = raw[at]!;
    // An odometer over the dims, innermost fastest.
    for (let d = nd - 1; d >= 0; d--) {
      at += v.strides[d]!;
      if (++idx[d]! < v.shape[d]!) break;
      at -= v.strides[d]! * v.shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Nested plain arrays of row-major `data` with `shape` (a number for a 0-d shape); booleans when `bool`. */
export function nest(data: ArrayLike<number>, shape: readonly number[], bool = false): any {
  if (bool) data = Array.from(data, (v) => v !== 0) as unknown as ArrayLike<number>;
  if (shape.length === 0) return data[0];
  const build = (dim: number, base: number): any[] => {
    const n = shape[dim]!;
    let step = 1;
    for (let d = dim + 1; d < shape.length; d++) step *= shape[d]!;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = dim === shape.length - 1 ? data[base + i] : build(dim + 1, base + i * step);
    return out;
  };
  return build(0, 0);
}
