// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Fused LSTM and GRU cells, forward and backward, one row of the batch at a time (the contracts are in
// src/ops/primitives/recurrent-cell.ts); every result goes to its own contiguous block. Each replaces
// about a dozen element-wise ops per time step. Products and sums are rounded as the composite's ops
// round them (no fused multiply-add), so fused and composed cells agree to the last bits.
import { at } from "./simd";
import { vsigmoid, vtanh } from "./vmath";

/** Up to four floats at p (n of them; the other lanes 0). */
@inline function ld(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** The first n (at most four) lanes of v to p. */
@inline function st(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

@inline function mul(a: v128, b: v128): v128 { return f32x4.mul(a, b); }
@inline function add(a: v128, b: v128): v128 { return f32x4.add(a, b); }
@inline function sub(a: v128, b: v128): v128 { return f32x4.sub(a, b); }
@inline function one(): v128 { return f32x4.splat(1); }

/**
 * Rows [lo, hi) of an LSTM cell: the gates' pre-activations xp + hh (each [N, 4H], i, f, g, o; row
 * strides xRow, hRow), c [N, H] (row stride cRow) -> out [7, N, H] (slab k at k·NH elements): h' and
 * c' with c' = f·c + i·g and h' = o·tanh(c'), then the activations i, f, g, o and tanh(c') that the
 * gradient reads instead of computing them again.
 */
export function lstm_cell(xp: usize, xRow: i32, hh: usize, hRow: i32, c: usize, cRow: i32, out: usize, NH: i32, H: i32,
                          lo: i32, hi: i32): void {
  const slab = <usize>NH << 2;
  for (let r = lo; r < hi; r++) {
    const xr = at(xp, r * xRow), hr = at(hh, r * hRow), cr = at(c, r * cRow), o = at(out, r * H);
    for (let j = 0; j < H; j += 4) {
      const n = min(4, H - j);
      const ig = vsigmoid(add(ld(at(xr, j), n), ld(at(hr, j), n)));
      const fg = vsigmoid(add(ld(at(xr, H + j), n), ld(at(hr, H + j), n)));
      const gg = vtanh(add(ld(at(xr, 2 * H + j), n), ld(at(hr, 2 * H + j), n)));
      const og = vsigmoid(add(ld(at(xr, 3 * H + j), n), ld(at(hr, 3 * H + j), n)));
      const cn = add(mul(fg, ld(at(cr, j), n)), mul(ig, gg));
      const tc = vtanh(cn);
      const p = at(o, j);
      st(p, mul(og, tc), n);
      st(p + slab, cn, n);
      st(p + 2 * slab, ig, n);
      st(p + 3 * slab, fg, n);
      st(p + 4 * slab, gg, n);
      st(p + 5 * slab, og, n);
      st(p + 6 * slab, tc, n);
    }
  }
}

/**
 * Rows [lo, hi) of the LSTM cell's gradient: from the cell's output [7, N, H] (its activations), c
 * [N, H] (row stride cRow) and the gradients d [2, N, H] = [dh', dc'] (contiguous), plus dh and dc
 * [N, H] (row strides dhRow, dcRow: what the next step hands back) when `next` is 1, out [N, 5H]:
 * each row d gates (4H), then dc (H).
 */
export function lstm_cell_grad(cell: usize, c: usize, cRow: i32, d: usize, dh: usize, dhRow: i32, dc: usize, dcRow: i32,
                               next: i32, out: usize, NH: i32, H: i32, lo: i32, hi: i32): void {
  const slab = <usize>NH << 2;
  for (let r = lo; r < hi; r++) {
    const a = at(cell, r * H), cr = at(c, r * cRow), dr = at(d, r * H), hr = at(dh, r * dhRow), kr = at(dc, r * dcRow);
    const w = at(out, r * 5 * H);
    for (let j = 0; j < H; j += 4) {
      const n = min(4, H - j);
      const p = at(a, j);
      const ig = ld(p + 2 * slab, n), fg = ld(p + 3 * slab, n), gg = ld(p + 4 * slab, n), og = ld(p + 5 * slab, n);
      const th = ld(p + 6 * slab, n);
      let gh = ld(at(dr, j), n), gc = ld(at(dr, j) + slab, n);
      if (next) {
        gh = add(gh, ld(at(hr, j), n));
        gc = add(gc, ld(at(kr, j), n));
      }
      // dc' = dc'(direct) + dh'·o·(1 - tanh²c')
      const dcn = add(gc, mul(mul(gh, og), sub(one(), mul(th, th))));
      st(at(w, j), mul(mul(dcn, gg), mul(ig, sub(one(), ig))), n);
      st(at(w, H + j), mul(mul(dcn, ld(at(cr, j), n)), mul(fg, sub(one(), fg))), n);
      st(at(w, 2 * H + j), mul(mul(dcn, ig), sub(one(), mul(gg, gg))), n);
      st(at(w, 3 * H + j), mul(mul(gh, th), mul(og, sub(one(), og))), n);
      st(at(w, 4 * H + j), mul(dcn, fg), n);
    }
  }
}

/**
 * Rows [lo, hi) of a GRU cell (torch's): xp [N, 3H] = W_i·x + b_i, hh [N, 3H] = W_h·h + b_h, h [N, H]
 * -> out [4, N, H] (slab k at k·NH elements): h' = n + z·(h - n), with r = σ(xp_r + hh_r), z = σ(xp_z
 * + hh_z), n = tanh(xp_n + r·hh_n), then the activations r, z and n that the gradient reads.
 */
export function gru_cell(xp: usize, xRow: i32, hh: usize, hRow: i32, h: usize, hsRow: i32, out: usize, NH: i32, H: i32,
                         lo: i32, hi: i32): void {
  const slab = <usize>NH << 2;
  for (let r = lo; r < hi; r++) {
    const xr = at(xp, r * xRow), hr = at(hh, r * hRow), h0 = at(h, r * hsRow), o = at(out, r * H);
    for (let j = 0; j < H; j += 4) {
      const n = min(4, H - j);
      const rg = vsigmoid(add(ld(at(xr, j), n), ld(at(hr, j), n)));
      const zg = vsigmoid(add(ld(at(xr, H + j), n), ld(at(hr, H + j), n)));
      const ng = vtanh(add(ld(at(xr, 2 * H + j), n), mul(rg, ld(at(hr, 2 * H + j), n))));
      const p = at(o, j);
      st(p, add(ng, mul(zg, sub(ld(at(h0, j), n), ng))), n);
      st(p + slab, rg, n);
      st(p + 2 * slab, zg, n);
      st(p + 3 * slab, ng, n);
    }
  }
}

/**
 * Rows [lo, hi) of the GRU cell's gradient from the cell's output [4, N, H] (its activations), hh
 * (its n part), h and the output's gradient d [N, H] (row stride dRow), to which, when `next` is 1, the
 * next step's direct part dn and product part pn [N, H] (row strides dnRow, pnRow) are added as d +
 * (dn + pn): out [N, 7H], each row d xp (3H), d hh (3H) and the direct part of dh (H).
 */
export function gru_cell_grad(cell: usize, hh: usize, hRow: i32, h: usize, hsRow: i32, d: usize, dRow: i32,
                              dn: usize, dnRow: i32, pn: usize, pnRow: i32, next: i32, out: usize, NH: i32, H: i32,
                              lo: i32, hi: i32): void {
  const slab = <usize>NH << 2;
  for (let r = lo; r < hi; r++) {
    const a = at(cell, r * H), hr = at(hh, r * hRow), h0 = at(h, r * hsRow), dr = at(d, r * dRow);
    const nr = at(dn, r * dnRow), pr = at(pn, r * pnRow);
    const w = at(out, r * 7 * H), wh = at(w, 3 * H), w1 = at(w, 6 * H);
    for (let j = 0; j < H; j += 4) {
      const n = min(4, H - j);
      const p = at(a, j);
      const rg = ld(p + slab, n), zg = ld(p + 2 * slab, n), ng = ld(p + 3 * slab, n);
      const hn = ld(at(hr, 2 * H + j), n);
      let g = ld(at(dr, j), n);
      if (next) g = add(g, add(ld(at(nr, j), n), ld(at(pr, j), n)));
      // h' = n + z·(h - n): dn = g·(1 - z), dz = g·(h - n), dh = g·z.
      const dnp = mul(mul(g, sub(one(), zg)), sub(one(), mul(ng, ng)));
      const drp = mul(mul(dnp, hn), mul(rg, sub(one(), rg)));
      const dzp = mul(mul(g, sub(ld(at(h0, j), n), ng)), mul(zg, sub(one(), zg)));
      st(at(w, j), drp, n);
      st(at(w, H + j), dzp, n);
      st(at(w, 2 * H + j), dnp, n);
      st(at(wh, j), drp, n);
      st(at(wh, H + j), dzp, n);
      st(at(wh, 2 * H + j), mul(dnp, rg), n);
      st(at(w1, j), mul(g, zg), n);
    }
  }
}
