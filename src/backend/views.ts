// Layout helpers on kernel views, shared by every backend's kernels.

import type { View } from "./backend.js";

/**
 * Drops size-1 dims and merges neighbours that all operands traverse contiguously. Called for every
 * kernel launch, so it is written with plain loops (closures created per call are recompiled by V8
 * again and again).
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = [];
  for (let k = 0; k < strides.length; k++) outStrides.push([]);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    for (let k = 0; merge && k < strides.length; k++) merge = outStrides[k][last] === strides[k][d] * shape[d];
    if (merge) {
      outShape[last] *= shape[d];
      for (let k = 0; k < strides.length; k++) outStrides[k][last] = strides[k][d];
    } else {
      outShape.push(shape[d]);
      for (let k = 0; k < strides.length; k++) outStrides[k].push(strides[k][d]);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Dims [from, to) of one view as collapse() folds them: how many remain, and the size and stride of the innermost. */
export interface Folded {
  rank: number;
  size: number;
  stride: number;
}

/**
 * collapse() of one view's dims [from, to), written into `into` and returned: for kernels that only
 * ask whether a range folds into one strided dim (rank <= 1), every step, without making arrays.
 */
export function foldRange(shape: readonly number[], strides: readonly number[], from: number, to: number, into: Folded): Folded {
  let rank = 0,
    size = 1,
    stride = 0;
  for (let d = from; d < to; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    if (rank > 0 && stride === strides[d]! * n) size *= n;
    else {
      rank++;
      size = n;
    }
    stride = strides[d]!;
  }
  into.rank = rank;
  into.size = size;
  into.stride = stride;
  return into;
}

/** True when the view's elements are exactly data[offset .. offset + size) in row-major order. */
export function isRowMajor(x: View): boolean {
  let s = 1;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    if (x.shape[i] !== 1 && x.strides[i] !== s) return false;
    s *= x.shape[i];
  }
  return true;
}
