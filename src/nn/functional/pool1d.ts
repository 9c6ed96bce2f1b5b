// 1-D pooling (torch.nn.functional.max_pool1d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d)
// as the 2-D pools over a height of 1, and adaptive max pooling (adaptive_max_pool2d) as a max over
// each window's columns, then over its rows: the same first-maximum-in-row-major-order element gets
// the gradient, as torch's indices say.

import { ShapeError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";
import { toInts, type Ints } from "../../ops/composite/conv.js";
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from "../../ops/composite/pool.js";
import { cat } from "../../ops/index.js";

/** Options of F.maxPool1d and nn.MaxPool1d (torch's names and defaults, camelCase). */
export interface MaxPool1dOptions {
  /** Step between windows (default null: the kernel size, non-overlapping windows). */
  stride?: number | null;
  /** Implicit -∞ padding on each end, at most half the kernel (default 0). */
  padding?: number;
  /** Spacing between the elements of a window (default 1). */
  dilation?: number;
  /** Round the output length up, letting the last window hang over the end (default false). */
  ceilMode?: boolean;
}

/** Options of F.avgPool1d and nn.AvgPool1d (torch's names and defaults, camelCase). */
export interface AvgPool1dOptions {
  /** Step between windows (default null: the kernel size, non-overlapping windows). */
  stride?: number | null;
  /** Implicit zero padding on each end, at most half the kernel (default 0). */
  padding?: number;
  /** Round the output length up, letting the last window hang over the end (default false). */
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (default true, as torch) or divide by the real elements only. */
  countIncludePad?: boolean;
}

function lift(op: string, x: Tensor): Tensor {
  if (x.ndim !== 2 && x.ndim !== 3)
    throw new ShapeError(`${op}: expected an input [N, C, L] or unbatched [C, L], got ${fmtShape(x.shape)}`);
  return x.unsqueeze(-2);
}

const one = (v: Ints | null | undefined): number => (typeof v === "number" ? v : Array.isArray(v) && v.length === 1 ? v[0] : Number.NaN);

/**
 * 1-D max pooling over [N, C, L] or unbatched [C, L] (torch.nn.functional.max_pool1d); stride
 * defaults to the kernel size. Output length ⌊(L + 2·padding − dilation·(k − 1) − 1)/stride⌋ + 1
 * (rounded up with ceilMode); the gradient goes to each window's first maximum.
 * @example F.maxPool1d(tg.tensor([[[1, 3, 2, 5, 4, 0]]]), 2)  // [[[3, 5, 4]]]
 */
export function maxPool1d(x: Tensor, kernelSize: number, opts: MaxPool1dOptions = {}): Tensor {
  checkOptions("maxPool1d", opts, ["stride", "padding", "dilation", "ceilMode"]);
  const { stride = null, padding = 0, dilation = 1, ceilMode = false } = opts;
  const k = toInts("maxPool1d", "kernelSize", kernelSize, 1, 1)[0];
  const s = stride === null ? k : toInts("maxPool1d", "stride", one(stride), 1, 1)[0];
  return maxPool2d(lift("maxPool1d", x), [1, k], { stride: [1, s], padding: [0, padding], dilation: [1, dilation], ceilMode }).squeeze(-2);
}

/**
 * 1-D average pooling over [N, C, L] or unbatched [C, L] (torch.nn.functional.avg_pool1d); stride
 * defaults to the kernel size.
 * @example F.avgPool1d(tg.tensor([[[1, 3, 2, 5, 4, 0]]]), 2)  // [[[2, 3.5, 2]]]
 */
export function avgPool1d(x: Tensor, kernelSize: number, opts: AvgPool1dOptions = {}): Tensor {
  checkOptions("avgPool1d", opts, ["stride", "padding", "ceilMode", "countIncludePad"]);
  const { stride = null, padding = 0, ceilMode = false, countIncludePad = true } = opts;
  const k = toInts("avgPool1d", "kernelSize", kernelSize, 1, 1)[0];
  const s = stride === null ? k : toInts("avgPool1d", "stride", one(stride), 1, 1)[0];
  return avgPool2d(lift("avgPool1d", x), [1, k], { stride: [1, s], padding: [0, padding], ceilMode, countIncludePad }).squeeze(-2);
}

/**
 * Adaptive average pooling of [N, C, L] (or [C, L]) to length `outputSize`
 * (torch.nn.functional.adaptive_avg_pool1d): output i averages input [⌊i·L/out⌋, ⌈(i+1)·L/out⌉).
 * @example F.adaptiveAvgPool1d(tg.randn([2, 8, 50]), 1).shape  // [2, 8, 1]
 */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  const out = toInts("adaptiveAvgPool1d", "outputSize", outputSize, 1, 1)[0];
  return adaptiveAvgPool2d(lift("adaptiveAvgPool1d", x), [1, out]).squeeze(-2);
}

/**
 * Adaptive max pooling of [N, C, L] (or [C, L]) to length `outputSize`
 * (torch.nn.functional.adaptive_max_pool1d, values only: no returnIndices).
 * @example F.adaptiveMaxPool1d(tg.tensor([[[1, 3, 2, 5, 4]]]), 2)  // [[[3, 5]]]
 */
export function adaptiveMaxPool1d(x: Tensor, outputSize: number): Tensor {
  if (x.ndim !== 2 && x.ndim !== 3)
    throw new ShapeError(`adaptiveMaxPool1d: expected an input [N, C, L] or unbatched [C, L], got ${fmtShape(x.shape)}`);
  const out = toInts("adaptiveMaxPool1d", "outputSize", outputSize, 1, 1)[0];
  return adaptiveMaxAlong("adaptiveMaxPool1d", x, x.ndim - 1, out);
}

/**
 * Adaptive max pooling of [N, C, H, W] (or [C, H, W]) to `outputSize` (torch.nn.functional.
 * adaptive_max_pool2d, values only): output i along a dim takes the max over input
 * [floor(i·n/out), ceil((i+1)·n/out)); null in [h, w] keeps that dim.
 * @example F.adaptiveMaxPool2d(tg.randn([1, 16, 13, 13]), [4, null]).shape  // [1, 16, 4, 13]
 */
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new ShapeError(`adaptiveMaxPool2d: expected an input [N, C, H, W] or unbatched [C, H, W], got ${fmtShape(x.shape)}`);
  const [H, W] = x.shape.slice(-2);
  const given = typeof outputSize === "number" ? [outputSize, outputSize] : [...outputSize];
  const [oh, ow] = toInts(
    "adaptiveMaxPool2d",
    "outputSize",
    given.map((v, i) => v ?? [H, W][i]),
    2,
    1,
  );
  return adaptiveMaxAlong("adaptiveMaxPool2d", adaptiveMaxAlong("adaptiveMaxPool2d", x, x.ndim - 1, ow), x.ndim - 2, oh);
}

/** The max of each adaptive window along `dim`, the windows concatenated (max(dim): the first maximum takes the gradient). */
function adaptiveMaxAlong(op: string, x: Tensor, dim: number, out: number): Tensor {
  const n = x.shape[dim];
  if (n === 0) throw new ShapeError(`${op}: expected non-empty spatial dims, got input ${fmtShape(x.shape)}`);
  const parts: Tensor[] = [];
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    parts.push(x.slice(dim, start, end).max(dim, true));
  }
  return parts.length === 1 ? parts[0] : cat(parts, dim);
}
