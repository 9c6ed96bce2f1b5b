// Resizing images and feature maps: torch.nn.functional.interpolate (nearest, nearest-exact, linear,
// bilinear, trilinear: one gather, or two gathers and a blend, per spatial dim, since these modes are
// separable) and pixel_shuffle / pixel_unshuffle (reshape and permute).

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { tensor } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";

/**
 * F.interpolate's sampling: "nearest" (torch's legacy floor(i·scale) pixel choice), "nearest-exact"
 * (pixel centres, as PIL and scikit-image), or linear blending over 1, 2 or 3 spatial dims.
 */
export type InterpolateMode = "nearest" | "nearest-exact" | "linear" | "bilinear" | "trilinear";

/** Options of F.interpolate and nn.Upsample (torch's names, camelCase); give size or scaleFactor. */
export interface InterpolateOptions {
  /** The output's spatial size (one number for every spatial dim, or one per dim). */
  size?: number | readonly number[];
  /** Multiplier of the spatial size (instead of `size`). */
  scaleFactor?: number | readonly number[];
  /** "nearest" (default), "nearest-exact", "linear" (3-D), "bilinear" (4-D) or "trilinear" (5-D). */
  mode?: InterpolateMode;
  /** Linear modes: map the corner pixels' centres onto each other (default false). */
  alignCorners?: boolean;
}

const LINEAR_RANK: Record<string, number> = { linear: 3, bilinear: 4, trilinear: 5 };

/**
 * Resizes the spatial dims of `x` ([N, C, L], [N, C, H, W] or [N, C, D, H, W]) as
 * torch.nn.functional.interpolate, with PyTorch's pixel mapping (scale = in/out, or 1/scaleFactor
 * when a scale factor is given).
 * @example F.interpolate(images, { scaleFactor: 2, mode: "bilinear", alignCorners: false })
 */
export function interpolate(x: Tensor, opts: InterpolateOptions = {}): Tensor {
  checkOptions("interpolate", opts, ["size", "scaleFactor", "mode", "alignCorners"]);
  const { size, scaleFactor, mode = "nearest", alignCorners } = opts;
  if (!["nearest", "nearest-exact", "linear", "bilinear", "trilinear"].includes(mode)) {
    throw new ValueError(
      `interpolate: unsupported mode "${mode}" (expected "nearest", "nearest-exact", "linear", "bilinear" or "trilinear")`,
    );
  }
  if (x.ndim < 3 || x.ndim > 5)
    throw new ShapeError(`interpolate: expected a 3-D, 4-D or 5-D input [N, C, ...spatial], got ${fmtShape(x.shape)}`);
  if (LINEAR_RANK[mode] !== undefined && LINEAR_RANK[mode] !== x.ndim) {
    throw new ShapeError(`interpolate: mode "${mode}" takes a ${LINEAR_RANK[mode]}-D input, got ${fmtShape(x.shape)}`);
  }
  if (alignCorners !== undefined && LINEAR_RANK[mode] === undefined) {
    throw new ValueError(`interpolate: alignCorners applies to the linear modes only, not "${mode}"`);
  }
  if ((size === undefined) === (scaleFactor === undefined)) {
    throw new ValueError("interpolate: give exactly one of size and scaleFactor");
  }
  const k = x.ndim - 2;
  const spatial = x.shape.slice(2);
  const perDim = (v: number | readonly number[], what: string): number[] => {
    const list = typeof v === "number" ? new Array<number>(k).fill(v) : [...v];
    if (list.length !== k) throw new ShapeError(`interpolate: ${what} has ${list.length} values for ${k} spatial dims`);
    return list;
  };
  let outSize: number[];
  let scales: (number | null)[];
  if (size !== undefined) {
    outSize = perDim(size, "size");
    if (outSize.some((n) => !Number.isInteger(n) || n <= 0))
      throw new ValueError(`interpolate: size must be positive integers, got [${outSize}]`);
    scales = outSize.map(() => null);
  } else {
    scales = perDim(scaleFactor!, "scaleFactor");
    if (scales.some((s) => !(s! > 0) || !Number.isFinite(s)))
      throw new ValueError(`interpolate: scaleFactor must be positive, got [${scales}]`);
    outSize = spatial.map((n, d) => Math.floor(n * scales[d]!));
    if (outSize.some((n) => n <= 0))
      throw new ValueError(`interpolate: scaleFactor [${scales}] gives an empty output from ${fmtShape(spatial)}`);
  }
  let out = x;
  for (let d = 0; d < k; d++) {
    const dim = 2 + d;
    const n = spatial[d],
      m = outSize[d];
    if (mode === "nearest" || mode === "nearest-exact") {
      out = out.indexSelect(dim, tensor(nearestIndices(n, m, scales[d], mode === "nearest-exact"), { dtype: "int32" }));
    } else {
      out = blend(out, dim, n, m, scales[d], alignCorners ?? false);
    }
  }
  return out === x ? x.clone() : out;
}

/** torch's source scale for one dim, in float32 as its CPU kernels compute it. */
function scaleOf(n: number, m: number, scale: number | null): number {
  return Math.fround(scale !== null && scale > 0 ? 1 / scale : n / m);
}

function nearestIndices(n: number, m: number, scale: number | null, exact: boolean): number[] {
  const s = scaleOf(n, m, scale);
  const idx: number[] = [];
  for (let j = 0; j < m; j++) {
    const src = Math.floor(Math.fround((exact ? j + 0.5 : j) * s));
    idx.push(Math.min(src, n - 1));
  }
  return idx;
}

/** Linear interpolation along `dim`: each output is (1-λ)·x[i0] + λ·x[i1]. */
function blend(x: Tensor, dim: number, n: number, m: number, scale: number | null, alignCorners: boolean): Tensor {
  const s = alignCorners ? (m > 1 ? Math.fround((n - 1) / (m - 1)) : 0) : scaleOf(n, m, scale);
  const i0: number[] = [],
    i1: number[] = [],
    l1: number[] = [];
  for (let j = 0; j < m; j++) {
    let src = alignCorners ? Math.fround(s * j) : Math.fround(Math.fround(s * (j + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const lo = Math.min(Math.floor(src), n - 1);
    i0.push(lo);
    i1.push(lo < n - 1 ? lo + 1 : lo);
    l1.push(Math.fround(src - lo));
  }
  const shape = x.shape.map((_, d) => (d === dim ? m : 1));
  const w1 = tensor(l1, { shape, dtype: x.dtype });
  const a = x.indexSelect(dim, tensor(i0, { dtype: "int32" }));
  const b = x.indexSelect(dim, tensor(i1, { dtype: "int32" }));
  return a.mul(w1.neg().add(1)).add(b.mul(w1));
}

/**
 * Rearranges [*, C·r², H, W] into [*, C, H·r, W·r] (torch.nn.functional.pixel_shuffle), the
 * sub-pixel convolution's upsampling.
 * @example F.pixelShuffle(tg.arange(4).reshape([1, 4, 1, 1]), 2)  // [[[[0, 1], [2, 3]]]]
 */
export function pixelShuffle(x: Tensor, upscaleFactor: number): Tensor {
  const r = upscaleFactor;
  if (!Number.isInteger(r) || r <= 0) throw new ValueError(`pixelShuffle: upscaleFactor must be a positive integer, got ${r}`);
  if (x.ndim < 3) throw new ShapeError(`pixelShuffle: expected an input of at least 3 dims [*, C, H, W], got ${fmtShape(x.shape)}`);
  const lead = x.shape.slice(0, -3);
  const [c, h, w] = x.shape.slice(-3);
  if (c % (r * r) !== 0)
    throw new ShapeError(`pixelShuffle: channels ${c} of ${fmtShape(x.shape)} are not divisible by upscaleFactor² = ${r * r}`);
  const oc = c / (r * r);
  const b = lead.length;
  return x
    .reshape([...lead, oc, r, r, h, w])
    .permute([...lead.map((_, i) => i), b, b + 3, b + 1, b + 4, b + 2])
    .reshape([...lead, oc, h * r, w * r]);
}

/**
 * The inverse of pixelShuffle: [*, C, H·r, W·r] into [*, C·r², H, W] (torch's pixel_unshuffle).
 * @example F.pixelUnshuffle(tg.randn([1, 3, 16, 16]), 4).shape  // [1, 48, 4, 4]
 */
export function pixelUnshuffle(x: Tensor, downscaleFactor: number): Tensor {
  const r = downscaleFactor;
  if (!Number.isInteger(r) || r <= 0) throw new ValueError(`pixelUnshuffle: downscaleFactor must be a positive integer, got ${r}`);
  if (x.ndim < 3) throw new ShapeError(`pixelUnshuffle: expected an input of at least 3 dims [*, C, H, W], got ${fmtShape(x.shape)}`);
  const lead = x.shape.slice(0, -3);
  const [c, h, w] = x.shape.slice(-3);
  if (h % r !== 0 || w % r !== 0) {
    throw new ShapeError(`pixelUnshuffle: height ${h} and width ${w} of ${fmtShape(x.shape)} must be divisible by downscaleFactor ${r}`);
  }
  const b = lead.length;
  return x
    .reshape([...lead, c, h / r, r, w / r, r])
    .permute([...lead.map((_, i) => i), b, b + 2, b + 4, b + 1, b + 3])
    .reshape([...lead, c * r * r, h / r, w / r]);
}
