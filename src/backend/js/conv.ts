// Reference unfold (im2col) and fold (col2im) kernels; the contract is documented at the top of
// src/ops/primitives/conv.ts. Both walk the same loop nest, one copying patches out, one adding back.

import { type TypedArray, hostData } from "../backend.js";
import type { ConvGeometry, KernelTable, UnfoldParams } from "../kernel-table.js";

type Geometry = UnfoldParams | ConvGeometry;

/**
 * Visits every (image row, column row) pair of the patch grid. For patch row (c, i, j) and output
 * row oy it calls `row(imgBase, colBase, lo, hi)`: columns ox in [lo, hi) read image element
 * imgBase + ox·sw (imgBase itself may be negative: it is where column 0 would read), the columns
 * outside that range fall in the padding; a row that is all padding comes with lo = hi = 0.
 */
function forEachRow(
  image: readonly number[],
  g: Geometry,
  imgOffset: number,
  colOffset: number,
  row: (imgBase: number, colBase: number, lo: number, hi: number) => void,
): void {
  const [kh, kw] = g.kernel,
    [sh, sw] = g.stride,
    [ph, pw] = g.padding,
    [dh, dw] = g.dilation;
  const [H, W] = g.inSize,
    [oh, ow] = g.outSize;
  const [N, C] = image;
  const L = oh * ow;
  // Where column row r of image n starts: [N, C·kh·kw, L] or, with batchColumns, [C·kh·kw, N·L].
  const imgStride = g.batchColumns ? L : C * kh * kw * L,
    rowStride = g.batchColumns ? N * L : L;
  for (let img = 0; img < N * C; img++) {
    const base = imgOffset + img * H * W;
    const n = Math.floor(img / C),
      c = img - n * C;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        let col = colOffset + n * imgStride + ((c * kh + i) * kw + j) * rowStride;
        // Column ox reads x = ox·sw + xoff, in bounds for ox in [lo, hi).
        const xoff = j * dw - pw;
        const lo = Math.min(ow, Math.max(0, Math.ceil(-xoff / sw)));
        const hi = Math.min(ow, Math.max(lo, Math.ceil((W - xoff) / sw)));
        for (let oy = 0; oy < oh; oy++, col += ow) {
          const y = oy * sh - ph + i * dh;
          if (y >= 0 && y < H) row(base + y * W + xoff, col, lo, hi);
          else row(0, col, 0, 0);
        }
      }
    }
  }
}

/** out [N, C·kh·kw, oh·ow] ← patches of x [N, C, H, W]. */
const unfold: KernelTable["unfold"] = (out, [x], g) => {
  const xd = hostData(x.storage),
    od: TypedArray = hostData(out.storage);
  const sw = g.stride[1],
    ow = g.outSize[1];
  const pad = g.padValue ?? 0;
  forEachRow(x.shape, g, x.offset, out.offset, (src, dst, lo, hi) => {
    // Padding is written even when it is 0: outputs are not zero-filled beforehand (a wasm-memory
    // output may hold an earlier tensor's values).
    od.fill(pad, dst, dst + lo);
    od.fill(pad, dst + hi, dst + ow);
    if (sw === 1) {
      for (let ox = lo; ox < hi; ox++) od[dst + ox] = xd[src + ox];
    } else {
      for (let ox = lo, s = src + lo * sw; ox < hi; ox++, s += sw) od[dst + ox] = xd[s];
    }
  });
};

/** out [N, C, H, W] (zero-filled) += every in-bounds entry of cols [N, C·kh·kw, oh·ow]. */
const fold: KernelTable["fold"] = (out, [cols], g) => {
  const cd = hostData(cols.storage),
    od = hostData(out.storage);
  const sw = g.stride[1];
  forEachRow(out.shape, g, out.offset, cols.offset, (dst, src, lo, hi) => {
    for (let ox = lo, d = dst + lo * sw; ox < hi; ox++, d += sw) od[d] += cd[src + ox];
  });
};

/** out int32 [N, C, oh, ow] ← where each window of x [N, C, H, W] has its maximum (see the contract). */
const maxPool2dIndices: KernelTable["maxPool2dIndices"] = (out, [x], g) => {
  const xd = hostData(x.storage),
    od = hostData(out.storage);
  const [kh, kw] = g.kernel,
    [sh, sw] = g.stride,
    [ph, pw] = g.padding,
    [dh, dw] = g.dilation;
  const [H, W] = g.inSize,
    [oh, ow] = g.outSize;
  const planes = x.shape[0]! * x.shape[1]!;
  let o = out.offset;
  for (let plane = 0; plane < planes; plane++) {
    const base = x.offset + plane * H * W;
    for (let oy = 0; oy < oh; oy++) {
      // The first kernel row and column inside the image, on the dilation grid.
      let y0 = oy * sh - ph;
      while (y0 < 0) y0 += dh;
      const y1 = Math.min(oy * sh - ph + (kh - 1) * dh + 1, H);
      for (let ox = 0; ox < ow; ox++, o++) {
        let x0 = ox * sw - pw;
        while (x0 < 0) x0 += dw;
        const x1 = Math.min(ox * sw - pw + (kw - 1) * dw + 1, W);
        let best = -Infinity,
          at = y0 * W + x0;
        for (let y = y0; y < y1; y += dh) {
          for (let xx = x0; xx < x1; xx += dw) {
            const v = xd[base + y * W + xx]!;
            if (v > best || v !== v) {
              best = v;
              at = y * W + xx;
            }
          }
        }
        od[o] = at;
      }
    }
  }
};

export function convKernels(): Pick<KernelTable, "unfold" | "fold" | "maxPool2dIndices"> {
  return { unfold, fold, maxPool2dIndices };
}
