// Reference kernels "crossEntropyRows" and "crossEntropyRowsGrad" (contracts in
// ops/primitives/cross-entropy.ts): each row's max and exponential sum in float64, as the reference
// "softmax" kernel computes them, so the loss matches logSoftmax → gather → negate.

import { type Kernel, type View, hostData } from "../backend.js";

/** Row r's maximum (NaN if any) and Σ exp(x - max), in float64. */
function rowStats(x: View, r: number): { base: number; m: number; s: number } {
  const data = hostData(x.storage),
    C = x.shape[1],
    sc = x.strides[1];
  const base = x.offset + r * x.strides[0];
  let m = -Infinity;
  for (let c = 0; c < C; c++) {
    const v = data[base + c * sc];
    if (v > m || v !== v) m = v;
  }
  let s = 0;
  for (let c = 0; c < C; c++) s += Math.exp(data[base + c * sc] - m);
  return { base, m, s };
}

export const crossEntropyRows: Kernel = (out, [x, t]) => {
  const xd = hostData(x.storage),
    td = hostData(t.storage),
    od = hostData(out.storage);
  const R = x.shape[0],
    sc = x.strides[1];
  // Log-softmax rounded to the output's dtype first (a one-element typed array of it), as the
  // "softmax" kernel stores it, then negated.
  const rounded = new (od.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(1);
  for (let r = 0; r < R; r++) {
    const { base, m, s } = rowStats(x, r);
    rounded[0] = xd[base + td[t.offset + r] * sc] - m - Math.log(s);
    od[out.offset + r] = -rounded[0];
  }
};

export const crossEntropyRowsGrad: Kernel = (out, [x, t, g]) => {
  const xd = hostData(x.storage),
    td = hostData(t.storage),
    gd = hostData(g.storage),
    od = hostData(out.storage);
  const [R, C] = x.shape,
    sc = x.strides[1];
  for (let r = 0; r < R; r++) {
    const { base, m, s } = rowStats(x, r);
    const gr = gd[g.offset + r * g.strides[0]];
    const target = td[t.offset + r];
    const o = out.offset + r * C;
    for (let c = 0; c < C; c++) od[o + c] = (Math.exp(xd[base + c * sc] - m) / s - (c === target ? 1 : 0)) * gr;
  }
};
