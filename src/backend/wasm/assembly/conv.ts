// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// im2col / col2im for 2-D convolution on NCHW float32. Column row r = (c*KH + ki)*KW + kj of image n
// starts at cols + n*imgStride + r*rowStride (floats) and holds, for every output position oh*OW + ow,
// x[n, c, oh*sh - ph + ki*dh, ow*sw - pw + kj*dw], or `pad` outside the image (0 for convolution, -inf
// for max pooling). imgStride = C*KH*KW*L, rowStride = L is torch.nn.functional.unfold's [N, C*KH*KW, L];
// imgStride = L, rowStride = N*L puts the images side by side, [C*KH*KW, N*L], so that one matmul
// convolves the whole batch.
import { at } from "./simd";

/** First ow in [0, OW) whose input column ow*sw + off is >= 0, and one past the last that is < W. */
@inline function owStart(off: i32, sw: i32): i32 { return off >= 0 ? 0 : (-off + sw - 1) / sw; }
@inline function owEnd(off: i32, sw: i32, W: i32, OW: i32): i32 {
  const lim = W - off; // need ow*sw < lim
  if (lim <= 0) return 0;
  return min(OW, (lim + sw - 1) / sw);
}

// Runs shorter than this many floats are moved by SIMD loops: memory.copy/fill leave wasm for a
// native memmove, about as costly as copying 16-32 floats, and convolution rows are often that short
// (a 5x5 LeNet layer copies ~115,000 runs of 8 or 24 floats a step).
const SHORT = 64;

/** Fills n floats at p with v. */
@inline function fill(p: usize, v: f32, n: i32): void {
  if (n >= SHORT && reinterpret<u32>(v) == 0) { // +0: a plain memset
    memory.fill(p, 0, <usize>n << 2);
    return;
  }
  const vv = f32x4.splat(v);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(at(p, j), vv);
  for (; j < n; j++) store<f32>(at(p, j), v);
}

/** Copies n floats from src to dst (distinct buffers). */
@inline function copy(dst: usize, src: usize, n: i32): void {
  if (n >= SHORT) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(at(dst, j), v128.load(at(src, j)));
  for (; j < n; j++) store<f32>(at(dst, j), load<f32>(at(src, j)));
}

/** Column rows [lo, hi) of all the images, row index r = (n*C + c)*KH*KW + ki*KW + kj. */
export function im2col(x: usize, cols: usize, H: i32, W: i32, KH: i32, KW: i32, sh: i32, sw: i32, ph: i32, pw: i32,
                       dh: i32, dw: i32, OH: i32, OW: i32, pad: f32, C: i32, imgStride: i32, rowStride: i32,
                       lo: i32, hi: i32): void {
  const KK = KH * KW;
  for (let r = lo; r < hi; r++) {
    const kj = r % KW, t = r / KW, ki = t % KH, plane = t / KH; // plane = n*C + c
    const xp = at(x, plane * H * W);
    const off = kj * dw - pw;
    const j0 = min(owStart(off, sw), OW), j1 = max(j0, owEnd(off, sw, W, OW));
    const n = plane / C, row = r - n * C * KK;
    let o = at(cols, n * imgStride + row * rowStride);
    for (let oh = 0; oh < OH; oh++) {
      const ih = oh * sh - ph + ki * dh;
      if (ih < 0 || ih >= H) {
        fill(o, pad, OW);
      } else {
        const src = at(xp, ih * W + off);
        if (j0 > 0) fill(o, pad, j0);
        if (sw == 1) {
          copy(at(o, j0), at(src, j0), j1 - j0);
        } else {
          for (let ow = j0; ow < j1; ow++) store<f32>(at(o, ow), load<f32>(at(src, ow * sw)));
        }
        if (j1 < OW) fill(at(o, j1), pad, OW - j1);
      }
      o = at(o, OW);
    }
  }
}

/**
 * The adjoint of im2col: x[plane] = sum of every cols entry that reads it, for planes
 * (n*C + c) in [lo, hi). Each plane is written by one thread only, so there are no races.
 */
export function col2im(cols: usize, x: usize, H: i32, W: i32, KH: i32, KW: i32, sh: i32, sw: i32, ph: i32, pw: i32,
                       dh: i32, dw: i32, OH: i32, OW: i32, C: i32, imgStride: i32, rowStride: i32, lo: i32, hi: i32): void {
  for (let plane = lo; plane < hi; plane++) {
    const xp = at(x, plane * H * W);
    fill(xp, 0, H * W);
    const n = plane / C, c = plane - n * C;
    for (let ki = 0; ki < KH; ki++) {
      for (let kj = 0; kj < KW; kj++) {
        const r = (c * KH + ki) * KW + kj;
        const off = kj * dw - pw;
        const j0 = min(owStart(off, sw), OW), j1 = max(j0, owEnd(off, sw, W, OW));
        let o = at(cols, n * imgStride + r * rowStride);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - ph + ki * dh;
          if (ih >= 0 && ih < H) {
            const dst = at(xp, ih * W + off);
            let ow = j0;
            if (sw == 1) {
              for (; ow + 4 <= j1; ow += 4) v128.store(at(dst, ow), f32x4.add(v128.load(at(dst, ow)), v128.load(at(o, ow))));
            }
            for (; ow < j1; ow++) store<f32>(at(dst, ow * sw), load<f32>(at(dst, ow * sw)) + load<f32>(at(o, ow)));
          }
          o = at(o, OW);
        }
      }
    }
  }
}

/** One pooling window's index (see maxpool_indices), scanning rows [y0, y1) and its columns. */
@inline function windowIndex(xp: usize, W: i32, y0: i32, y1: i32, dh: i32, xs: i32, KW: i32, dw: i32): i32 {
  let x0 = xs;
  while (x0 < 0) x0 += dw;
  const x1 = min(xs + (KW - 1) * dw + 1, W);
  let best: f32 = -Infinity;
  let idx = y0 * W + x0;
  for (let y = y0; y < y1; y += dh) {
    const row = y * W;
    for (let xx = x0; xx < x1; xx += dw) {
      const v = load<f32>(at(xp, row + xx));
      if (v > best || v != v) {
        best = v;
        idx = row + xx;
      }
    }
  }
  return idx;
}

/**
 * Planes [p0, p1) of max pooling's indices (kernel "maxPool2dIndices", contract in
 * src/ops/primitives/conv.ts): for each window of plane p (x + p*H*W floats), the flat index y*W + x
 * of its maximum over the positions inside the image, written as i32 at out + p*OH*OW. The first
 * maximum wins; any NaN wins, a later one over an earlier one (torch's CPU max_pool2d). Windows whose
 * columns all lie inside the image go four at a time (one lane each, same scan order), for column
 * strides 1 and 2; the others one by one.
 */
export function maxpool_indices(x: usize, H: i32, W: i32, KH: i32, KW: i32, sh: i32, sw: i32, ph: i32, pw: i32,
                                dh: i32, dw: i32, OH: i32, OW: i32, out: usize, p0: i32, p1: i32): void {
  // Output columns [oxLo, oxHi) have every kernel column inside the image; a block of 4 from ox also
  // needs its loads to stay in the row: 4 floats at stride 1; at stride 2, the 7 floats from its first
  // column (two loads 3 floats apart, lanes 0 and 2 of the first and 1 and 3 of the second).
  const oxLo = min(OW, (pw + sw - 1) / sw);
  const lastCol = W - 1 + pw - (KW - 1) * dw;
  const oxHi = lastCol < 0 ? oxLo : max(oxLo, min(OW, lastCol / sw + 1));
  const span = sw == 1 ? 4 : 7;
  const vec = sw <= 2;
  const lanes = i32x4(0, sw, 2 * sw, 3 * sw);
  for (let p = p0; p < p1; p++) {
    const xp = at(x, p * H * W);
    for (let oy = 0; oy < OH; oy++) {
      const ys = oy * sh - ph;
      let y0 = ys;
      while (y0 < 0) y0 += dh;
      const y1 = min(ys + (KH - 1) * dh + 1, H);
      const o = out + (<usize>((p * OH + oy) * OW) << 2);
      let ox = 0;
      for (; ox < oxLo; ox++) store<i32>(o + (<usize>ox << 2), windowIndex(xp, W, y0, y1, dh, ox * sw - pw, KW, dw));
      if (vec) {
        for (; ox + 4 <= oxHi && (ox * sw - pw) + (KW - 1) * dw + span <= W; ox += 4) {
          const c0 = ox * sw - pw;
          let best = f32x4.splat(-Infinity);
          let idx = i32x4.add(i32x4.splat(y0 * W + c0), lanes);
          for (let y = y0; y < y1; y += dh) {
            for (let j = 0; j < KW; j++) {
              const e = y * W + c0 + j * dw;
              const s = at(xp, e);
              let v = v128.load(s);
              if (sw == 2) v = i32x4.shuffle(v, v128.load(s, 12), 0, 2, 5, 7);
              const m = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
              best = v128.bitselect(v, best, m);
              idx = v128.bitselect(i32x4.add(i32x4.splat(e), lanes), idx, m);
            }
          }
          v128.store(o + (<usize>ox << 2), idx);
        }
      }
      for (; ox < OW; ox++) store<i32>(o + (<usize>ox << 2), windowIndex(xp, W, y0, y1, dh, ox * sw - pw, KW, dw));
    }
  }
}
