// The fused recurrent cells (optional kernels of ../kernel-table.ts; contracts in
// ops/primitives/recurrent-cell.ts): the assembly kernels on the rows of the batch, or, for operands
// outside wasm memory (only when it is exhausted), the same maths in plain loops.

import { hostData, type View } from "../backend.js";
import type { KernelTable } from "../kernel-table.js";
import { WasmStorage } from "./storage.js";
import type { WasmRuntime } from "./runtime.js";

type CellKernels = Pick<KernelTable, "lstmCell" | "lstmCellGrad" | "gruCell" | "gruCellGrad">;

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

/** Byte address of a float32 view's first element in this runtime's memory, else -1. */
function addressIn(rt: WasmRuntime, v: View): number {
  const s = v.storage;
  return s instanceof WasmStorage && s.runtime === rt && s.dtype === "float32" && s.ptr !== 0 ? s.ptr + 4 * v.offset : -1;
}

/** Addresses of every view, or null when one is outside wasm memory. */
function addresses(rt: WasmRuntime, views: readonly View[]): number[] | null {
  const out: number[] = [];
  for (const v of views) {
    const p = addressIn(rt, v);
    if (p < 0) return null;
    out.push(p);
  }
  return out;
}

/** Row stride of a 2-D view whose columns are contiguous (the contract). */
const rowOf = (v: View): number => v.strides[0]!;

export function recurrentKernels(rt: WasmRuntime): CellKernels {
  return {
    lstmCell: (out, inputs) => {
      const [x, hh, c] = inputs as [View, View, View];
      const N = c.shape[0]!,
        H = c.shape[1]!,
        NH = N * H;
      const p = addresses(rt, [x, hh, c, out]);
      if (p) return rt.recurrentCell("lstm_cell", [p[0]!, rowOf(x), p[1]!, rowOf(hh), p[2]!, rowOf(c), p[3]!, NH, H], N, 4 * H);
      const xd = hostData(x.storage),
        hd = hostData(hh.storage),
        cd = hostData(c.storage),
        od = hostData(out.storage);
      for (let r = 0; r < N; r++) {
        for (let j = 0; j < H; j++) {
          const xi = x.offset + r * rowOf(x) + j,
            hi = hh.offset + r * rowOf(hh) + j,
            oi = out.offset + r * H + j;
          const pre = (k: number): number => Math.fround(xd[xi + k * H]! + hd[hi + k * H]!);
          const i = sig(pre(0)),
            f = sig(pre(1)),
            g = Math.tanh(pre(2)),
            o = sig(pre(3));
          const cn = f * cd[c.offset + r * rowOf(c) + j]! + i * g;
          const tc = Math.tanh(cn);
          const acts = [o * tc, cn, i, f, g, o, tc];
          for (let k = 0; k < 7; k++) od[oi + k * NH] = acts[k]!;
        }
      }
    },
    lstmCellGrad: (dst, inputs) => {
      const [a, c, d, dh, dc] = inputs as [View, View, View, View | undefined, View | undefined];
      const N = c.shape[0]!,
        H = c.shape[1]!,
        NH = N * H;
      const next = dh !== undefined && dc !== undefined;
      const p = addresses(rt, next ? [a, c, d, dst, dh, dc] : [a, c, d, dst]);
      if (p) {
        const [ph, hRow, pc, cRow] = next ? [p[4]!, rowOf(dh), p[5]!, rowOf(dc)] : [0, 0, 0, 0];
        const args = [p[0]!, p[1]!, rowOf(c), p[2]!, ph, hRow, pc, cRow, next ? 1 : 0, p[3]!, NH, H];
        return rt.recurrentCell("lstm_cell_grad", args, N, 5 * H);
      }
      const ad = hostData(a.storage),
        cd = hostData(c.storage),
        dd = hostData(d.storage),
        hd = next ? hostData(dh.storage) : null,
        kd = next ? hostData(dc.storage) : null,
        w = hostData(dst.storage);
      for (let r = 0; r < N; r++) {
        for (let j = 0; j < H; j++) {
          const ai = a.offset + r * H + j,
            di = d.offset + r * H + j,
            wi = dst.offset + r * 5 * H + j;
          const i = ad[ai + 2 * NH]!,
            f = ad[ai + 3 * NH]!,
            gg = ad[ai + 4 * NH]!,
            og = ad[ai + 5 * NH]!,
            th = ad[ai + 6 * NH]!;
          let gh = dd[di]!,
            gc = dd[di + NH]!;
          if (next) {
            gh = Math.fround(gh + hd![dh.offset + r * rowOf(dh) + j]!);
            gc = Math.fround(gc + kd![dc.offset + r * rowOf(dc) + j]!);
          }
          const dcn = gc + gh * og * (1 - th * th);
          w[wi] = dcn * gg * i * (1 - i);
          w[wi + H] = dcn * cd[c.offset + r * rowOf(c) + j]! * f * (1 - f);
          w[wi + 2 * H] = dcn * i * (1 - gg * gg);
          w[wi + 3 * H] = gh * th * og * (1 - og);
          w[wi + 4 * H] = dcn * f;
        }
      }
    },
    gruCell: (out, inputs) => {
      const [x, hh, h] = inputs as [View, View, View];
      const N = h.shape[0]!,
        H = h.shape[1]!,
        NH = N * H;
      const p = addresses(rt, [x, hh, h, out]);
      if (p) return rt.recurrentCell("gru_cell", [p[0]!, rowOf(x), p[1]!, rowOf(hh), p[2]!, rowOf(h), p[3]!, NH, H], N, 3 * H);
      const xd = hostData(x.storage),
        hd = hostData(hh.storage),
        h0 = hostData(h.storage),
        od = hostData(out.storage);
      for (let r = 0; r < N; r++) {
        for (let j = 0; j < H; j++) {
          const xi = x.offset + r * rowOf(x) + j,
            hi = hh.offset + r * rowOf(hh) + j,
            oi = out.offset + r * H + j;
          const rg = sig(xd[xi]! + hd[hi]!),
            zg = sig(xd[xi + H]! + hd[hi + H]!);
          const n = Math.tanh(xd[xi + 2 * H]! + rg * hd[hi + 2 * H]!);
          od[oi] = n + zg * (h0[h.offset + r * rowOf(h) + j]! - n);
          od[oi + NH] = rg;
          od[oi + 2 * NH] = zg;
          od[oi + 3 * NH] = n;
        }
      }
    },
    gruCellGrad: (dst, inputs) => {
      const [a, hh, h, d, dn, pn] = inputs as [View, View, View, View, View | undefined, View | undefined];
      const N = h.shape[0]!,
        H = h.shape[1]!,
        NH = N * H;
      const next = dn !== undefined && pn !== undefined;
      const p = addresses(rt, next ? [a, hh, h, d, dst, dn, pn] : [a, hh, h, d, dst]);
      if (p) {
        const [pd, dRow, pp, pRow] = next ? [p[5]!, rowOf(dn), p[6]!, rowOf(pn)] : [0, 0, 0, 0];
        const args = [p[0]!, p[1]!, rowOf(hh), p[2]!, rowOf(h), p[3]!, rowOf(d), pd, dRow, pp, pRow, next ? 1 : 0, p[4]!, NH, H];
        return rt.recurrentCell("gru_cell_grad", args, N, 7 * H);
      }
      const ad = hostData(a.storage),
        hd = hostData(hh.storage),
        h0 = hostData(h.storage),
        dd = hostData(d.storage),
        nd = next ? hostData(dn.storage) : null,
        pd = next ? hostData(pn.storage) : null,
        w = hostData(dst.storage);
      for (let r = 0; r < N; r++) {
        for (let j = 0; j < H; j++) {
          const ai = a.offset + r * H + j,
            wi = dst.offset + r * 7 * H + j;
          const rg = ad[ai + NH]!,
            zg = ad[ai + 2 * NH]!,
            n = ad[ai + 3 * NH]!,
            hn = hd[hh.offset + r * rowOf(hh) + 2 * H + j]!;
          let g = dd[d.offset + r * rowOf(d) + j]!;
          if (next) g = Math.fround(g + Math.fround(nd![dn.offset + r * rowOf(dn) + j]! + pd![pn.offset + r * rowOf(pn) + j]!));
          const dnp = g * (1 - zg) * (1 - n * n);
          const drp = dnp * hn * rg * (1 - rg);
          const dzp = g * (h0[h.offset + r * rowOf(h) + j]! - n) * zg * (1 - zg);
          w[wi] = drp;
          w[wi + H] = dzp;
          w[wi + 2 * H] = dnp;
          w[wi + 3 * H] = drp;
          w[wi + 4 * H] = dzp;
          w[wi + 5 * H] = dnp * rg;
          w[wi + 6 * H] = g * zg;
        }
      }
    },
  };
}
