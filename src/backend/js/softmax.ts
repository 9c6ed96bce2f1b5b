// Reference softmax / log-softmax along one dim (kernel "softmax", contract in
// ops/primitives/softmax.ts): each row in float64, rounded once on store.

import { hostData } from "../backend.js";
import type { KernelTable } from "../kernel-table.js";
import { isRowMajor, toContiguous } from "./strided.js";

export const softmax: KernelTable["softmax"] = (out, [x], { dim, log }) => {
  const rowMajor = isRowMajor(x);
  const data = rowMajor ? hostData(x.storage) : toContiguous(x);
  const base = rowMajor ? x.offset : 0;
  const od = hostData(out.storage);
  // Row-major [outer, n, inner]: a row starts at o·n·inner + i and steps by inner.
  const n = x.shape[dim];
  let inner = 1,
    outer = 1;
  for (let d = 0; d < x.shape.length; d++) {
    if (d < dim) outer *= x.shape[d];
    else if (d > dim) inner *= x.shape[d];
  }
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * n * inner + i;
      const end = start + n * inner;
      let m = -Infinity;
      for (let k = base + start; k < base + end; k += inner) {
        const v = data[k];
        if (v > m || v !== v) m = v; // a NaN, once taken, is never replaced
      }
      let s = 0;
      for (let k = base + start; k < base + end; k += inner) s += Math.exp(data[k] - m);
      const ls = Math.log(s);
      for (let k = start; k < end; k += inner) {
        const d = data[base + k] - m;
        od[out.offset + k] = log ? d - ls : Math.exp(d) / s;
      }
    }
  }
};
