// nn.Upsample as one ONNX Resize node, so the spatial dims can stay dynamic. Only the cases where
// ONNX Runtime computes what torch computes are matched: nearest at whole-number factors s whose
// float32 reciprocal is not below 1/s (j/s and j·fround(1/s) then floor alike), linear at
// power-of-two factors (both sides' coordinates exact). Any other Upsample is traced op by op, as
// gathers at fixed indices (exact, with fixed spatial dims).

import { Upsample } from "../nn/layers/resample.js";
import type { Tensor } from "../tensor/tensor.js";
import type { LayerConverter } from "./export-layers.js";

const LINEAR = new Set(["linear", "bilinear"]);

/** The per-dim scale factors or output sizes `m` asks for on `x`'s spatial dims. */
function spatial(m: Upsample, x: Tensor): { scales: number[] | null; sizes: number[] | null } {
  const k = x.ndim - 2;
  const each = (v: number | readonly number[]) => (typeof v === "number" ? Array<number>(k).fill(v) : [...v]);
  const { size, scaleFactor } = m.options;
  return scaleFactor !== undefined ? { scales: each(scaleFactor), sizes: null } : { scales: null, sizes: each(size!) };
}

const powerOfTwo = (v: number) => v > 0 && Number.isInteger(Math.log2(v));
const wholeFactor = (v: number) => Number.isInteger(v) && v >= 1 && Math.fround(1 / v) >= 1 / v;

export const upsample: LayerConverter = {
  matches: (m, x) => {
    const u = m as Upsample;
    const mode = u.options.mode ?? "nearest";
    if (x.ndim !== 3 && x.ndim !== 4) return false;
    const { scales, sizes } = spatial(u, x);
    if ((scales ?? sizes)!.length !== x.ndim - 2) return false;
    const factors = scales ?? sizes!.map((n, i) => n / x.shape[2 + i]);
    if (LINEAR.has(mode)) return !u.options.alignCorners && factors.every(powerOfTwo);
    return (mode === "nearest" || mode === "nearest-exact") && factors.every(wholeFactor);
  },
  emit: (cx, m: Upsample, x, out) => {
    const { b } = cx;
    const mode = m.options.mode ?? "nearest";
    const attrs: Record<string, string> = LINEAR.has(mode)
      ? { mode: "linear", coordinate_transformation_mode: "half_pixel" }
      : mode === "nearest"
        ? { mode: "nearest", coordinate_transformation_mode: "asymmetric", nearest_mode: "floor" }
        : { mode: "nearest", coordinate_transformation_mode: "half_pixel", nearest_mode: "round_prefer_ceil" };
    const { scales, sizes } = spatial(m, x);
    const xName = b.nameOf(x);
    if (scales) {
      b.node("Resize", [xName, "", b.floats([1, 1, ...scales])], attrs, out);
      return;
    }
    // Sizes for every dim: N and C read from the input, so the batch stays dynamic.
    const lead = b.node("Slice", [b.node("Shape", [xName]), b.ints([0]), b.ints([2]), b.ints([0])]);
    b.node("Resize", [xName, "", "", b.node("Concat", [lead, b.ints(sizes!)], { axis: 0 })], attrs, out);
  },
};
