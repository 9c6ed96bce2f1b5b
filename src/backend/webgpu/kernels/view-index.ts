// Indexing one view by the flat row-major position of an element (reductions, scans, softmax and
// matmul walk their input this way): the meta table carries the view's offset, rank, shape and
// strides at a base position. Dims are collapsed first; that keeps the flat-to-element map.

import type { View } from "../../backend.js";
import { collapse } from "../../views.js";

/** [offset, rank, shape..., strides...] of `v` (strides as u32: negative ones wrap, as WGSL's u32 maths does). */
export function viewMeta(v: View): number[] {
  const { shape, strides } = collapse(v.shape, [v.strides]);
  return [v.offset, shape.length, ...shape, ...strides[0]!.map((s) => s >>> 0)];
}

/** WGSL `fn name(flat: u32) -> u32`: the element index of flat position `flat` of the view whose viewMeta starts at info[base]. */
export function viewIndexWgsl(name: string, base: string): string {
  return `fn ${name}(flat: u32) -> u32 {
  let b = ${base};
  let rank = info[b + 1u];
  var rest = flat;
  var at = info[b];
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = info[b + 2u + u32(d)];
    at += (rest % size) * info[b + 2u + rank + u32(d)];
    rest /= size;
  }
  return at;
}`;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
