// Layer norm's kernels on the wasm backend (contracts in src/ops/primitives/layer-norm.ts): float32
// rows, contiguous, run by assembly/normalization.ts in wasm memory. A tensor outside that memory
// (the JS-heap storage the backend falls back to once the 4 GiB memory is exhausted) takes the same
// maths on the host, float32 rounding at each step as the kernels round, sums in float64.

import { hostData, type View } from "../backend.js";
import type { KernelTable } from "../kernel-table.js";
import { isRowMajor } from "../views.js";
import type { WasmRuntime } from "./runtime.js";
import { WasmStorage } from "./storage.js";

type LayerNormKernels = Pick<KernelTable, "layerNormStats" | "layerNorm" | "layerNormGrad" | "layerNormParamGrad">;

const f = Math.fround;

/** Byte address of a contiguous float32 view in this runtime's memory, or -1 (then the host runs it). */
function addressIn(rt: WasmRuntime, v: View): number {
  const s = v.storage;
  if (!isRowMajor(v)) throw new Error("internal: layer norm's kernels take contiguous tensors");
  return s instanceof WasmStorage && s.runtime === rt && s.dtype === "float32" && s.ptr !== 0 ? s.ptr + 4 * v.offset : -1;
}

/** The addresses of `views` into `into`, or null when one lies outside wasm memory. */
function addresses(rt: WasmRuntime, views: readonly View[], out: View, into: number[]): number[] | null {
  for (let i = 0; i < views.length; i++) if ((into[i] = addressIn(rt, views[i]!)) < 0) return null;
  return (into[views.length] = addressIn(rt, out)) < 0 ? null : into;
}

export function layerNormKernels(rt: WasmRuntime): LayerNormKernels {
  // Reused by every call (read before the call returns).
  const a: number[] = [0, 0, 0, 0, 0];
  return {
    layerNormStats: (out, inputs, { eps }) => {
      const x = inputs[0]!,
        R = x.shape[0]!,
        C = x.shape[1]!;
      const p = addresses(rt, inputs, out, a);
      if (p !== null) return rt.layerNormStats(p[0]!, R, C, eps, p[1]!);
      const xd = hostData(x.storage),
        sd = hostData(out.storage);
      for (let r = 0; r < R; r++) {
        const row = x.offset + r * C;
        let sum = 0;
        for (let c = 0; c < C; c++) sum += xd[row + c]!;
        const mean = sum / C;
        let sq = 0;
        for (let c = 0; c < C; c++) sq += (xd[row + c]! - mean) ** 2;
        sd[out.offset + 2 * r] = mean;
        sd[out.offset + 2 * r + 1] = 1 / Math.sqrt(sq / C + eps);
      }
    },
    layerNorm: (out, inputs, { weight, bias }) => {
      const R = out.shape[0]!,
        C = out.shape[1]!;
      const p = addresses(rt, inputs, out, a);
      if (p !== null) {
        const w = weight ? p[2]! : 0,
          b = bias ? p[weight ? 3 : 2]! : 0;
        return rt.layerNorm(p[0]!, p[1]!, w, b, R, C, p[inputs.length]!);
      }
      const [x, stats] = inputs as [View, View];
      const wv = weight ? inputs[2]! : null,
        bv = bias ? inputs[weight ? 3 : 2]! : null;
      const xd = hostData(x.storage),
        sd = hostData(stats.storage),
        od = hostData(out.storage);
      const wd = wv === null ? null : hostData(wv.storage),
        bd = bv === null ? null : hostData(bv.storage);
      for (let r = 0; r < R; r++) {
        const mean = sd[stats.offset + 2 * r]!,
          rstd = sd[stats.offset + 2 * r + 1]!;
        for (let c = 0; c < C; c++) {
          let v = f(f(xd[x.offset + r * C + c]! - mean) * rstd);
          if (wd !== null) v = f(v * wd[wv!.offset + c]!);
          if (bd !== null) v = f(v + bd[bv!.offset + c]!);
          od[out.offset + r * C + c] = v;
        }
      }
    },
    layerNormGrad: (out, inputs, { weight }) => {
      const p = addresses(rt, inputs, out, a);
      if (p === null) return hostGrad(out, inputs, weight);
      rt.layerNormGrad(p[0]!, p[1]!, p[2]!, weight ? p[3]! : 0, out.shape[0]!, out.shape[1]!, p[inputs.length]!);
    },
    layerNormParamGrad: (out, inputs) => {
      const [g, x, stats] = inputs as [View, View, View];
      const R = x.shape[0]!,
        C = x.shape[1]!;
      const p = addresses(rt, inputs, out, a);
      if (p !== null) return rt.layerNormParamGrad(p[0]!, p[1]!, p[2]!, R, C, p[3]!);
      const gd = hostData(g.storage),
        xd = hostData(x.storage),
        sd = hostData(stats.storage),
        od = hostData(out.storage);
      for (let c = 0; c < C; c++) od[out.offset + c] = od[out.offset + C + c] = 0;
      for (let r = 0; r < R; r++) {
        const mean = sd[stats.offset + 2 * r]!,
          rstd = sd[stats.offset + 2 * r + 1]!;
        for (let c = 0; c < C; c++) {
          const gv = gd[g.offset + r * C + c]!;
          const xh = f(f(xd[x.offset + r * C + c]! - mean) * rstd);
          od[out.offset + c] = f(od[out.offset + c]! + f(gv * xh));
          od[out.offset + C + c] = f(od[out.offset + C + c]! + gv);
        }
      }
    },
  };
}

/** layerNormGrad on the host. A function of its own: a closure in the adapter would give every call a scope. */
function hostGrad(out: View, inputs: readonly View[], weight: boolean): void {
  const g = inputs[0]!,
    x = inputs[1]!,
    stats = inputs[2]!,
    wv = weight ? inputs[3]! : null;
  const R = out.shape[0]!,
    C = out.shape[1]!;
  const gd = hostData(g.storage),
    xd = hostData(x.storage),
    sd = hostData(stats.storage),
    od = hostData(out.storage),
    wd = wv === null ? null : hostData(wv.storage);
  const gws = new Float32Array(C),
    xhs = new Float32Array(C);
  for (let r = 0; r < R; r++) {
    const mean = sd[stats.offset + 2 * r]!,
      rstd = sd[stats.offset + 2 * r + 1]!;
    let sa = 0,
      sp = 0;
    for (let c = 0; c < C; c++) {
      const gv = gd[g.offset + r * C + c]!;
      gws[c] = wd === null ? gv : f(gv * wd[wv!.offset + c]!);
      xhs[c] = f(f(xd[x.offset + r * C + c]! - mean) * rstd);
      sa += gws[c]!;
      sp += f(gws[c]! * xhs[c]!);
    }
    const ma = f(sa / C),
      mp = f(sp / C);
    for (let c = 0; c < C; c++) od[out.offset + r * C + c] = f(rstd * f(f(gws[c]! - ma) - f(xhs[c]! * mp)));
  }
}
