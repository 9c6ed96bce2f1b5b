// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Index kernels over a contiguous [outer, along, inner] layout: gather / scatter-add along the middle
// dim with an int32 index of shape [outer, k, inner], and argmax/argmin along a strided middle dim
// (max-pooling's window rows). Work items are `outer` blocks, which never share output elements.
// Also copy_rows, the DataLoader's batch gather: whole rows picked by an int32 index.
import { at } from "./simd";

/** y[o, i, r] = x[o, idx[o, i, r], r] for blocks o in [lo, hi). */
export function gather_dim(x: usize, along: i32, inner: i32, idx: usize, k: i32, y: usize, lo: i32, hi: i32): void {
  for (let o = lo; o < hi; o++) {
    const xb = at(x, o * along * inner);
    for (let i = 0; i < k; i++) {
      const e = (o * k + i) * inner;
      const ie = at(idx, e), ye = at(y, e);
      for (let r = 0; r < inner; r++) store<f32>(at(ye, r), load<f32>(at(xb, load<i32>(at(ie, r)) * inner + r)));
    }
  }
}

/** y[o, idx[o, i, r], r] += src[o, i, r] for blocks o in [lo, hi), in index order (as the reference adds). */
export function scatter_add_dim(src: usize, idx: usize, k: i32, along: i32, inner: i32, y: usize, lo: i32, hi: i32): void {
  for (let o = lo; o < hi; o++) {
    const yb = at(y, o * along * inner);
    for (let i = 0; i < k; i++) {
      const e = (o * k + i) * inner;
      const ie = at(idx, e), se = at(src, e);
      for (let r = 0; r < inner; r++) {
        const p = at(yb, load<i32>(at(ie, r)) * inner + r);
        store<f32>(p, load<f32>(p) + load<f32>(at(se, r)));
      }
    }
  }
}

/**
 * y[a*B + b] = the first k < R at which x[a*outerStride + k*rowStride + b] is the largest (max = 1) or
 * smallest value, a NaN counting as the extreme (torch's rule, as reduce_rows), for a in [lo, hi).
 * Columns b are contiguous and scanned four at a time.
 */
export function arg_mid(max: i32, x: usize, outerStride: i32, rowStride: i32, R: i32, B: i32, y: usize, lo: i32, hi: i32): void {
  for (let a = lo; a < hi; a++) {
    const xa = at(x, a * outerStride);
    const ya = at(y, a * B);
    let b = 0;
    for (; b + 4 <= B; b += 4) {
      let best = v128.load(at(xa, b));
      let where = i32x4.splat(0);
      for (let k = 1; k < R; k++) {
        const v = v128.load(at(xa, k * rowStride + b));
        // Replace unless the current best is already NaN; a NaN or a strictly better value wins.
        const better = max ? f32x4.gt(v, best) : f32x4.lt(v, best);
        const take = v128.andnot(v128.or(f32x4.ne(v, v), better), f32x4.ne(best, best));
        best = v128.bitselect(v, best, take);
        where = v128.bitselect(i32x4.splat(k), where, take);
      }
      v128.store(at(ya, b), where);
    }
    for (; b < B; b++) {
      let best = load<f32>(at(xa, b));
      let where = 0;
      for (let k = 1; k < R; k++) {
        if (best != best) break;
        const v = load<f32>(at(xa, k * rowStride + b));
        if (v != v || (max ? v > best : v < best)) { best = v; where = k; }
      }
      store<i32>(at(ya, b), where);
    }
  }
}

/**
 * Row j of dst = row idx[j] of src, for j in [lo, hi): rows of `rowBytes` bytes, dst packed.
 * memory.copy is a native memmove, far faster than TypedArray.set on this shared memory.
 */
export function copy_rows(src: usize, rowBytes: usize, idx: usize, dst: usize, lo: i32, hi: i32): void {
  for (let j = lo; j < hi; j++) {
    memory.copy(dst + <usize>j * rowBytes, src + <usize>load<i32>(at(idx, j)) * rowBytes, rowBytes);
  }
}
