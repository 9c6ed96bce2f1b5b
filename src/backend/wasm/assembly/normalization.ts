// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Layer normalization over contiguous float32 rows of C elements (contracts in
// src/ops/primitives/layer-norm.ts): the rows' mean and 1/std, the normalized (and scaled, shifted)
// rows, and their gradients. Row sums are taken in f64, so a long row loses nothing to them.

import { at } from "./simd";

/** Σ of the C elements at `row`, in f64. */
@inline function rowSum(row: usize, C: i32): f64 {
  let s = f64x2.splat(0),
    t = f64x2.splat(0),
    c = 0;
  for (; c + 4 <= C; c += 4) {
    const v = v128.load(at(row, c));
    s = f64x2.add(s, f64x2.promote_low_f32x4(v));
    t = f64x2.add(t, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)));
  }
  let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1) + f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; c < C; c++) sum += <f64>load<f32>(at(row, c));
  return sum;
}

/** stats[r] = (mean, 1/sqrt(var + eps)) of rows [lo, hi) of x [R, C], the variance biased (over C). */
export function layernorm_stats(x: usize, C: i32, eps: f64, stats: usize, lo: i32, hi: i32): void {
  for (let r = lo; r < hi; r++) {
    const row = at(x, r * C);
    const mean = rowSum(row, C) / <f64>C;
    const m = f64x2.splat(mean);
    let q = f64x2.splat(0),
      c = 0;
    for (; c + 4 <= C; c += 4) {
      const v = v128.load(at(row, c));
      const a = f64x2.sub(f64x2.promote_low_f32x4(v), m),
        b = f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)), m);
      q = f64x2.add(q, f64x2.add(f64x2.mul(a, a), f64x2.mul(b, b)));
    }
    let sq = f64x2.extract_lane(q, 0) + f64x2.extract_lane(q, 1);
    for (; c < C; c++) {
      const d = <f64>load<f32>(at(row, c)) - mean;
      sq += d * d;
    }
    store<f32>(at(stats, 2 * r), <f32>mean);
    store<f32>(at(stats, 2 * r + 1), <f32>(1 / Math.sqrt(sq / <f64>C + eps)));
  }
}

/** y[r, c] = (x[r, c] - mean_r)·rstd_r (·w[c] where w, + b[c] where b; 0 for none) for rows [lo, hi). */
export function layernorm_apply(x: usize, stats: usize, w: usize, b: usize, C: i32, y: usize, lo: i32, hi: i32): void {
  for (let r = lo; r < hi; r++) {
    const row = at(x, r * C),
      out = at(y, r * C);
    const mean = load<f32>(at(stats, 2 * r)),
      rstd = load<f32>(at(stats, 2 * r + 1));
    const m = f32x4.splat(mean),
      s = f32x4.splat(rstd);
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      let v = f32x4.mul(f32x4.sub(v128.load(at(row, c)), m), s);
      if (w) v = f32x4.mul(v, v128.load(at(w, c)));
      if (b) v = f32x4.add(v, v128.load(at(b, c)));
      v128.store(at(out, c), v);
    }
    for (; c < C; c++) {
      let v = (load<f32>(at(row, c)) - mean) * rstd;
      if (w) v *= load<f32>(at(w, c));
      if (b) v += load<f32>(at(b, c));
      store<f32>(at(out, c), v);
    }
  }
}

/**
 * dx[r, ·] = rstd·(gw - mean(gw) - x̂·mean(gw·x̂)) for rows [lo, hi), where x̂ = (x - mean)·rstd and
 * gw = g·w (g where w is 0): the gradient through the row's mean and variance included.
 */
export function layernorm_grad(g: usize, x: usize, stats: usize, w: usize, C: i32, dx: usize, lo: i32, hi: i32): void {
  for (let r = lo; r < hi; r++) {
    const grow = at(g, r * C),
      xrow = at(x, r * C),
      out = at(dx, r * C);
    const mean = load<f32>(at(stats, 2 * r)),
      rstd = load<f32>(at(stats, 2 * r + 1));
    const m = f32x4.splat(mean),
      s = f32x4.splat(rstd);
    // Σ gw and Σ gw·x̂, in f64.
    let a = f64x2.splat(0),
      p = f64x2.splat(0),
      c = 0;
    for (; c + 4 <= C; c += 4) {
      let gw = v128.load(at(grow, c));
      if (w) gw = f32x4.mul(gw, v128.load(at(w, c)));
      const xh = f32x4.mul(f32x4.sub(v128.load(at(xrow, c)), m), s);
      const gx = f32x4.mul(gw, xh);
      a = f64x2.add(a, f64x2.add(f64x2.promote_low_f32x4(gw), f64x2.promote_low_f32x4(i32x4.shuffle(gw, gw, 2, 3, 2, 3))));
      p = f64x2.add(p, f64x2.add(f64x2.promote_low_f32x4(gx), f64x2.promote_low_f32x4(i32x4.shuffle(gx, gx, 2, 3, 2, 3))));
    }
    let sa = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1),
      sp = f64x2.extract_lane(p, 0) + f64x2.extract_lane(p, 1);
    for (let k = c; k < C; k++) {
      let gw = load<f32>(at(grow, k));
      if (w) gw *= load<f32>(at(w, k));
      const xh = (load<f32>(at(xrow, k)) - mean) * rstd;
      sa += <f64>gw;
      sp += <f64>(gw * xh);
    }
    const ma = <f32>(sa / <f64>C),
      mp = <f32>(sp / <f64>C);
    const va = f32x4.splat(ma),
      vp = f32x4.splat(mp);
    c = 0;
    for (; c + 4 <= C; c += 4) {
      let gw = v128.load(at(grow, c));
      if (w) gw = f32x4.mul(gw, v128.load(at(w, c)));
      const xh = f32x4.mul(f32x4.sub(v128.load(at(xrow, c)), m), s);
      v128.store(at(out, c), f32x4.mul(s, f32x4.sub(f32x4.sub(gw, va), f32x4.mul(xh, vp))));
    }
    for (; c < C; c++) {
      let gw = load<f32>(at(grow, c));
      if (w) gw *= load<f32>(at(w, c));
      const xh = (load<f32>(at(xrow, c)) - mean) * rstd;
      store<f32>(at(out, c), rstd * (gw - ma - xh * mp));
    }
  }
}

/**
 * out[0, c] = Σ_r g[r, c]·x̂[r, c] and out[1, c] = Σ_r g[r, c] (the gradients of the scale and the
 * shift) for columns [lo, hi) of g, x [R, C].
 */
export function layernorm_param_grad(g: usize, x: usize, stats: usize, R: i32, C: i32, out: usize, lo: i32, hi: i32): void {
  const dw = out,
    db = at(out, C);
  for (let c = lo; c < hi; c++) {
    store<f32>(at(dw, c), 0);
    store<f32>(at(db, c), 0);
  }
  for (let r = 0; r < R; r++) {
    const grow = at(g, r * C),
      xrow = at(x, r * C);
    const mean = load<f32>(at(stats, 2 * r)),
      rstd = load<f32>(at(stats, 2 * r + 1));
    const m = f32x4.splat(mean),
      s = f32x4.splat(rstd);
    let c = lo;
    for (; c + 4 <= hi; c += 4) {
      const gv = v128.load(at(grow, c));
      const xh = f32x4.mul(f32x4.sub(v128.load(at(xrow, c)), m), s);
      v128.store(at(dw, c), f32x4.add(v128.load(at(dw, c)), f32x4.mul(gv, xh)));
      v128.store(at(db, c), f32x4.add(v128.load(at(db, c)), gv));
    }
    for (; c < hi; c++) {
      const gv = load<f32>(at(grow, c));
      store<f32>(at(dw, c), load<f32>(at(dw, c)) + gv * ((load<f32>(at(xrow, c)) - mean) * rstd));
      store<f32>(at(db, c), load<f32>(at(db, c)) + gv);
    }
  }
}
