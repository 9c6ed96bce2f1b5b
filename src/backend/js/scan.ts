// Reference kernels along the last dim of a row-major view: a stable argsort and a running sum.
// The core moves the dim last and hands rows of `rowSize` elements; outputs are contiguous rows.

import { type View, hostData } from "../backend.js";
import type { KernelTable } from "../kernel-table.js";
import { isRowMajor, toContiguous } from "./strided.js";

function rows(x: View): { data: ArrayLike<number>; base: number } {
  return isRowMajor(x) ? { data: hostData(x.storage), base: x.offset } : { data: toContiguous(x), base: 0 };
}

/** Indices that sort each row (stable); NaN counts as larger than every number, as in torch.sort. */
const argsort: KernelTable["argsort"] = (out, [x], { rowSize: R, descending }) => {
  const { data, base } = rows(x);
  const od = hostData(out.storage);
  const rowsN = R === 0 ? 0 : out.shape.reduce((a, b) => a * b, 1) / R;
  const idx = new Array<number>(R);
  for (let r = 0; r < rowsN; r++) {
    const start = base + r * R;
    for (let i = 0; i < R; i++) idx[i] = i;
    // Array.prototype.sort is stable; ties keep their order in both directions.
    idx.sort((i, j) => {
      const a = data[start + i],
        b = data[start + j];
      const an = a !== a,
        bn = b !== b;
      const c = an || bn ? (an === bn ? 0 : an ? 1 : -1) : a < b ? -1 : a > b ? 1 : 0;
      return descending ? -c : c;
    });
    for (let i = 0; i < R; i++) od[out.offset + r * R + i] = idx[i];
  }
};

/** Running sums of each row, accumulated in float64 (from the end when `reverse`). */
const cumsum: KernelTable["cumsum"] = (out, [x], { rowSize: R, reverse }) => {
  const { data, base } = rows(x);
  const od = hostData(out.storage);
  const rowsN = R === 0 ? 0 : out.shape.reduce((a, b) => a * b, 1) / R;
  for (let r = 0; r < rowsN; r++) {
    let acc = 0;
    for (let k = 0; k < R; k++) {
      const i = reverse ? R - 1 - k : k;
      acc += data[base + r * R + i];
      od[out.offset + r * R + i] = acc;
    }
  }
};

export function scanKernels(): Pick<KernelTable, "argsort" | "cumsum"> {
  return { argsort, cumsum };
}
