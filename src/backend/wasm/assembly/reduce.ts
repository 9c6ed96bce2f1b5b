// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Reductions over the last (contiguous) axis, column reductions over a leading axis, and the fused
// softmax / log-softmax over rows.
import { at, at2, lowF64, highF64 } from "./simd";
import { vexp, vlog } from "./vmath";

const SUM = 0, MAX = 1, MIN = 2, ARGMAX = 3, ARGMIN = 4;

/** Sum of n contiguous floats, accumulated in f64 (rounding error does not grow with n). */
@inline function rowSum(p: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const v = v128.load(at(p, j)), w = v128.load(at(p, j), 16);
    s0 = f64x2.add(s0, lowF64(v)); s1 = f64x2.add(s1, highF64(v));
    s2 = f64x2.add(s2, lowF64(w)); s3 = f64x2.add(s3, highF64(w));
  }
  s0 = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (; j < n; j++) s += <f64>load<f32>(at(p, j));
  return s;
}

/** max (isMax) or min of n contiguous floats; NaN wins, like torch.max. n = 0 gives -inf / +inf. */
@inline function rowExtreme(p: usize, n: i32, isMax: bool): f32 {
  let m = f32x4.splat(isMax ? -Infinity : Infinity);
  let m2 = m;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    if (isMax) { m = f32x4.max(m, v128.load(at(p, j))); m2 = f32x4.max(m2, v128.load(at(p, j), 16)); }
    else { m = f32x4.min(m, v128.load(at(p, j))); m2 = f32x4.min(m2, v128.load(at(p, j), 16)); }
  }
  m = isMax ? f32x4.max(m, m2) : f32x4.min(m, m2);
  m = isMax ? f32x4.max(m, i32x4.shuffle(m, m, 2, 3, 0, 1)) : f32x4.min(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
  m = isMax ? f32x4.max(m, i32x4.shuffle(m, m, 1, 0, 3, 2)) : f32x4.min(m, i32x4.shuffle(m, m, 1, 0, 3, 2));
  let r = f32x4.extract_lane(m, 0);
  for (; j < n; j++) {
    const v = load<f32>(at(p, j));
    if (v != v) return v;
    r = isMax ? max(r, v) : min(r, v);
  }
  return r;
}

/** First index holding `target` (or the first NaN when target is NaN); a vector scan with early exit. */
@inline function firstIndexOf(p: usize, n: i32, target: f32): i32 {
  const nan = target != target;
  const t = f32x4.splat(target);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(at(p, j));
    const hit = nan ? f32x4.ne(v, v) : f32x4.eq(v, t);
    if (v128.any_true(hit)) break;
  }
  for (; j < n; j++) {
    const v = load<f32>(at(p, j));
    if (nan ? v != v : v == target) return j;
  }
  return 0;
}

/**
 * out[r] = reduce(x[r*rowStride .. r*rowStride + L)) for rows r in [lo, hi). sum/max/min write float32;
 * argmax/argmin write int32 (the first index of the extreme; NaN counts as the extreme, as in torch).
 */
export function reduce_rows(op: i32, x: usize, rowStride: i32, L: i32, y: usize, lo: i32, hi: i32): void {
  for (let r = lo; r < hi; r++) {
    const p = at2(x, r, rowStride);
    const o = at(y, r);
    switch (op) {
      case SUM: store<f32>(o, <f32>rowSum(p, L)); break;
      case MAX: store<f32>(o, rowExtreme(p, L, true)); break;
      case MIN: store<f32>(o, rowExtreme(p, L, false)); break;
      case ARGMAX: store<i32>(o, firstIndexOf(p, L, rowExtreme(p, L, true))); break;
      case ARGMIN: store<i32>(o, firstIndexOf(p, L, rowExtreme(p, L, false))); break;
    }
  }
}

/**
 * Column reduction: out[c] = reduce over r < R of x[r*rowStride + c] for columns c in [lo, hi), the
 * columns contiguous (e.g. a bias gradient summing a [batch, features] tensor over the batch).
 * Vectorised across columns; sum accumulates in f64. Ops: sum, max, min.
 */
export function reduce_cols(op: i32, x: usize, rowStride: i32, R: i32, y: usize, lo: i32, hi: i32): void {
  let c = lo;
  for (; c + 4 <= hi; c += 4) {
    if (op == SUM) {
      let s0 = f64x2.splat(0), s1 = s0;
      for (let r = 0; r < R; r++) {
        const v = v128.load(at(x, r * rowStride + c));
        s0 = f64x2.add(s0, lowF64(v)); s1 = f64x2.add(s1, highF64(v));
      }
      v128.store(at(y, c), i32x4.shuffle(f32x4.demote_f64x2_zero(s0), f32x4.demote_f64x2_zero(s1), 0, 1, 4, 5));
    } else {
      let m = f32x4.splat(op == MAX ? -Infinity : Infinity);
      for (let r = 0; r < R; r++) {
        const v = v128.load(at(x, r * rowStride + c));
        m = op == MAX ? f32x4.max(m, v) : f32x4.min(m, v);
      }
      v128.store(at(y, c), m);
    }
  }
  for (; c < hi; c++) {
    if (op == SUM) {
      let s: f64 = 0;
      for (let r = 0; r < R; r++) s += <f64>load<f32>(at(x, r * rowStride + c));
      store<f32>(at(y, c), <f32>s);
    } else {
      let m: f32 = op == MAX ? -Infinity : Infinity;
      for (let r = 0; r < R; r++) {
        const v = load<f32>(at(x, r * rowStride + c));
        m = v != v ? v : op == MAX ? max(m, v) : min(m, v);
        if (v != v) break;
      }
      store<f32>(at(y, c), m);
    }
  }
}

/**
 * Softmax (log = 0) or log-softmax (log = 1) of rows r in [lo, hi): x rows at r*rowStride, y rows
 * contiguous (length L). Subtracting the row max keeps exp in range; the normaliser sums in f64.
 * Semantics (infinite and NaN rows included) as the "softmax" kernel contract, ops/primitives/softmax.ts.
 */
export function softmax_rows(x: usize, rowStride: i32, L: i32, y: usize, log: i32, lo: i32, hi: i32): void {
  for (let r = lo; r < hi; r++) {
    const xr = at2(x, r, rowStride);
    const yr = at(y, r * L);
    const m = rowExtreme(xr, L, true);
    const mv = f32x4.splat(m);
    // Pass 1: e = exp(x - m), stored in y (softmax) and summed.
    let s0 = f64x2.splat(0), s1 = s0;
    let j = 0;
    for (; j + 4 <= L; j += 4) {
      const e = vexp(f32x4.sub(v128.load(at(xr, j)), mv));
      if (log == 0) v128.store(at(yr, j), e);
      s0 = f64x2.add(s0, lowF64(e)); s1 = f64x2.add(s1, highF64(e));
    }
    s0 = f64x2.add(s0, s1);
    let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
    for (; j < L; j++) {
      const e = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(at(xr, j)) - m)), 0);
      if (log == 0) store<f32>(at(yr, j), e);
      s += <f64>e;
    }
    if (log == 0) {
      const inv = f32x4.splat(<f32>(1.0 / s));
      j = 0;
      for (; j + 4 <= L; j += 4) v128.store(at(yr, j), f32x4.mul(v128.load(at(yr, j)), inv));
      for (; j < L; j++) store<f32>(at(yr, j), load<f32>(at(yr, j)) * f32x4.extract_lane(inv, 0));
    } else {
      // log softmax = (x - m) - ln(sum); ln via the same vector log (on one lane).
      const ls = f32x4.splat(f32x4.extract_lane(vlog(f32x4.splat(<f32>s)), 0));
      j = 0;
      for (; j + 4 <= L; j += 4) v128.store(at(yr, j), f32x4.sub(f32x4.sub(v128.load(at(xr, j)), mv), ls));
      for (; j < L; j++) store<f32>(at(yr, j), (load<f32>(at(xr, j)) - m) - f32x4.extract_lane(ls, 0));
    }
  }
}
