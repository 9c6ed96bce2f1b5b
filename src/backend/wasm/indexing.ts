// gather / scatterAdd adapters for the wasm backend: float32 data with an int32 index, all contiguous
// in this memory, whose shapes differ only along `dim` (max-pooling's argmax windows, crossEntropy's
// target pick) run assembly/indexing.ts over [outer, along, inner]; anything else runs the reference.
import { lookupKernel, type View } from "../backend.js";
import type { KernelTable } from "../kernel-table.js";
import { isRowMajor } from "../views.js";
import { WasmStorage } from "./storage.js";
import type { WasmRuntime } from "./runtime.js";

/** Byte address of the view's element 0 when it is a contiguous `dtype` view into `rt`'s memory, else -1. */
function contiguousIn(rt: WasmRuntime, v: View, dtype: "float32" | "int32"): number {
  const s = v.storage;
  if (!(s instanceof WasmStorage) || s.runtime !== rt || s.dtype !== dtype || s.ptr === 0 || !isRowMajor(v)) return -1;
  return s.ptr + 4 * v.offset;
}

/** [outer, along, inner] of `v` around `dim` when it matches `idx` in every dim but `dim` (along: v's own size), else null. */
function around(v: View, idx: View, dim: number): { outer: number; along: number; inner: number } | null {
  if (v.shape.length !== idx.shape.length) return null;
  let outer = 1,
    inner = 1;
  for (let d = 0; d < v.shape.length; d++) {
    if (d === dim) continue;
    if (v.shape[d] !== idx.shape[d]) return null;
    if (d < dim) outer *= v.shape[d]!;
    else inner *= v.shape[d]!;
  }
  return { outer, along: v.shape[dim]!, inner };
}

export function indexingKernels(rt: WasmRuntime): Pick<KernelTable, "gather" | "scatterAdd"> {
  const gatherRef = lookupKernel("js", "gather")!,
    scatterRef = lookupKernel("js", "scatterAdd")!;
  return {
    gather: (out, inputs, params: { dim: number }) => {
      const [x, index] = inputs as [View, View];
      const px = contiguousIn(rt, x, "float32"),
        pi = contiguousIn(rt, index, "int32"),
        po = contiguousIn(rt, out, "float32");
      const g = around(x, index, params.dim);
      if (px < 0 || pi < 0 || po < 0 || !g) return gatherRef(out, inputs, params);
      rt.gatherDim(px, g.outer, g.along, g.inner, pi, index.shape[params.dim]!, po);
    },
    scatterAdd: (out, inputs, params: { dim: number }) => {
      const [src, index] = inputs as [View, View];
      const ps = contiguousIn(rt, src, "float32"),
        pi = contiguousIn(rt, index, "int32"),
        po = contiguousIn(rt, out, "float32");
      const g = around(out, index, params.dim);
      if (ps < 0 || pi < 0 || po < 0 || !g || src.shape.some((n, d) => n !== index.shape[d])) return scatterRef(out, inputs, params);
      rt.scatterAddDim(ps, pi, g.outer, index.shape[params.dim]!, g.along, g.inner, po);
    },
  };
}
