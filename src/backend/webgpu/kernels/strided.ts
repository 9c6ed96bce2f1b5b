// WGSL helpers for kernels that walk views with arbitrary strides: the meta table carries each
// view's offset and strides, and the thread's flat output index is turned into an element index
// of each operand (row-major over the output's shape).

import type { View } from "../../backend.js";
import { collapse } from "../../views.js";

/** Threads per workgroup of the element-wise kernels. */
export const WG = 256;

/**
 * Meta table for `out` and `inputs` walked over out's shape (broadcast strides included):
 * [n, rank, offset of out, offsets of inputs..., shape..., strides of out..., strides of each input...].
 * Dimensions are collapsed first, so most launches have rank 1 or 2.
 */
export function stridedMeta(out: View, inputs: readonly View[]): { meta: number[]; rank: number; n: number } {
  const views = [out, ...inputs];
  const { shape, strides } = collapse(
    out.shape,
    views.map((v) => v.strides),
  );
  const n = shape.reduce((a, b) => a * b, 1);
  const meta = [n, shape.length, ...views.map((v) => v.offset), ...shape];
  for (const s of strides) meta.push(...s);
  return { meta, rank: shape.length, n };
}

/**
 * WGSL function `index_k(i)` for operand k (0 is the output) of a meta table from stridedMeta with
 * `operands` views: the element index of flat output position i.
 */
export function stridedIndexWgsl(operands: number): string {
  const fns: string[] = [];
  for (let k = 0; k < operands; k++) {
    fns.push(`fn index_${k}(flat: u32) -> u32 {
  let rank = info[1];
  var rest = flat;
  var at = info[${2 + k}];
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = info[${2 + operands} + u32(d)];
    let stride = info[${2 + operands} + rank * ${1 + k} + u32(d)];
    at += (rest % size) * stride;
    rest /= size;
  }
  return at;
}`);
  }
  return fns.join("\n");
}

/** The flat thread index of a 1-D launch spread over an x·y grid of WG-thread workgroups. */
export const FLAT_ID = `let flat = gid.x + gid.y * nwg.x * ${WG}u;`;
