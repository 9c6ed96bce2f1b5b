// Pooling as composites: max pooling as a gather at each window's maximum (found by one
// non-differentiable primitive), average pooling over unfolded windows, and adaptive average pooling
// as two small averaging matrices (P_h · x · P_wᵀ). Gradients come from gather/scatterAdd,
// unfold/fold and matmul; output sizes, ceil mode and divisors follow torch exactly.

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { tensor } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { maxPool2dIndicesPrim, unfoldPrim, type ConvGeometry, type Pair } from "../primitives/conv.js";
import { gatherPrim } from "../primitives/indexing.js";
import { freeingTemporaries, markIntermediate } from "../../autograd/engine.js";
import { composite } from "../../autograd/primitive.js";
import { fmtSize, requireFloat, toInts, type Ints } from "./conv.js";
import { checkOptions } from "../../tensor/options.js";

/** Options of maxPool2d and nn.MaxPool2d (torch's names and defaults). */
export interface MaxPool2dOptions {
  /** Defaults to the kernel size (non-overlapping windows). */
  stride?: Ints | null;
  /** Implicit -∞ padding on each side, at most half the kernel. */
  padding?: Ints;
  /** Spacing between the elements of a window (default 1). */
  dilation?: Ints;
  /** Round the output size up, letting the last window hang over the bottom/right edge. */
  ceilMode?: boolean;
}

/** Options of avgPool2d and nn.AvgPool2d (torch's names and defaults). */
export interface AvgPool2dOptions {
  /** Step between windows (default: the kernel size, non-overlapping windows). */
  stride?: Ints | null;
  /** Implicit zero padding on each side, at most half the kernel. */
  padding?: Ints;
  /** Round the output size up, letting the last window hang over the bottom/right edge (default false). */
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (torch's default) or divide by the real elements only. */
  countIncludePad?: boolean;
  /** Divide every window by this instead. */
  divisorOverride?: number | null;
}

/** Checks for a 3-D [C, H, W] or 4-D [N, C, H, W] float input and views it as 4-D. */
function batched(op: string, x: Tensor): { xb: Tensor; unbatch: (t: Tensor) => Tensor } {
  requireFloat(op, x);
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new ShapeError(`${op}: expected a 4-D input [N, C, H, W] or unbatched [C, H, W], got ${fmtShape(x.shape)}`);
  return x.ndim === 4 ? { xb: x, unbatch: (t) => t } : { xb: x.unsqueeze(0), unbatch: (t) => t.squeeze(0) };
}

/** torch's pooling_output_shape: floor (or ceil) division, the last window starting inside the input or left padding. */
function poolGeometry(
  op: string,
  xShape: readonly number[],
  kernelSize: Ints,
  stride: Ints | null | undefined,
  padding: Ints,
  dilation: Ints,
  ceilMode: boolean,
): ConvGeometry {
  const k = toInts(op, "kernelSize", kernelSize, 2, 1);
  const s = stride == null ? k : toInts(op, "stride", stride, 2, 1);
  const p = toInts(op, "padding", padding, 2, 0);
  const d = toInts(op, "dilation", dilation, 2, 1);
  if (p.some((v, i) => v > Math.floor(k[i] / 2))) {
    throw new ValueError(`${op}: padding ${fmtSize(p)} must be at most half the kernel size ${fmtSize(k)}`);
  }
  const inSize = xShape.slice(-2);
  const out = inSize.map((n, i) => {
    const span = n + 2 * p[i] - d[i] * (k[i] - 1) - 1 + (ceilMode ? s[i] - 1 : 0);
    let o = Math.floor(span / s[i]) + 1;
    if (ceilMode && (o - 1) * s[i] >= n + p[i]) o--;
    return o;
  });
  if (out.some((o) => o < 1)) {
    const extent = k.map((v, i) => d[i] * (v - 1) + 1);
    throw new ShapeError(
      `${op}: kernel ${fmtSize(k)} (extent ${fmtSize(extent)} with dilation ${fmtSize(d)}) is larger than the padded input ` +
        `${fmtSize(inSize.map((n, i) => n + 2 * p[i]))} (input ${fmtShape(xShape)}, padding ${fmtSize(p)})`,
    );
  }
  const pair = (v: readonly number[]): Pair => [v[0], v[1]];
  return { kernel: pair(k), stride: pair(s), padding: pair(p), dilation: pair(d), inSize: pair(inSize), outSize: pair(out) };
}

const MAX_POOL_OPTIONS = ["stride", "padding", "dilation", "ceilMode", "returnIndices"];

/**
 * 2-D max pooling (torch.nn.functional.max_pool2d) over [N, C, H, W] or unbatched [C, H, W]. As in
 * torch, each window's gradient goes to its first maximum (ties are not split). With
 * `returnIndices: true` it returns [values, indices], each maximum's position y·W + x in its plane (int32).
 * @example F.maxPool2d(tg.randn([1, 6, 24, 24]), 2)  // shape [1, 6, 12, 12]
 */
export function maxPool2d(x: Tensor, kernelSize: Ints, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, kernelSize: Ints, opts?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(
  x: Tensor,
  kernelSize: Ints,
  opts: MaxPool2dOptions & { returnIndices?: boolean } = {},
): Tensor | [Tensor, Tensor] {
  checkOptions("maxPool2d", opts, MAX_POOL_OPTIONS);
  // With indices there are two outputs, which tracers do not take as one unit.
  if (opts.returnIndices) return maxPool2dOf(x, kernelSize, opts, true);
  return composite("maxPool2d", [x], { kernelSize, ...opts }, () => freeingTemporaries([x], () => maxPool2dOf(x, kernelSize, opts, false)));
}

function maxPool2dOf(x: Tensor, kernelSize: Ints, opts: MaxPool2dOptions, returnIndices: true): [Tensor, Tensor];
function maxPool2dOf(x: Tensor, kernelSize: Ints, opts: MaxPool2dOptions, returnIndices: false): Tensor;
function maxPool2dOf(x: Tensor, kernelSize: Ints, opts: MaxPool2dOptions, returnIndices: boolean): Tensor | [Tensor, Tensor] {
  const { stride = null, padding = 0, dilation = 1, ceilMode = false } = opts;
  const { xb, unbatch } = batched("maxPool2d", x);
  const geo = poolGeometry("maxPool2d", x.shape, kernelSize, stride, padding, dilation, ceilMode);
  const [N, C, H, W] = xb.shape;
  const [oh, ow] = geo.outSize;
  // One pass finds each window's maximum; the values are gathered from the image planes by those
  // indices, so the gradient scatters straight back into the image (no patch matrix either way).
  const indices = maxPool2dIndicesPrim([xb.detach()], geo);
  if (!returnIndices) markIntermediate(indices); // read by the gather and its backward only
  const out = gatherPrim([xb.reshape([N, C, H * W]), indices.reshape([N, C, oh * ow])], { dim: 2, checked: false });
  const values = unbatch(out.reshape([N, C, oh, ow]));
  return returnIndices ? [values, unbatch(indices)] : values;
}

/**
 * 2-D average pooling (torch.nn.functional.avg_pool2d) over [N, C, H, W] or unbatched [C, H, W].
 * @example F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false })
 */
export function avgPool2d(x: Tensor, kernelSize: Ints, opts: AvgPool2dOptions = {}): Tensor {
  checkOptions("avgPool2d", opts, ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"]);
  return composite("avgPool2d", [x], { kernelSize, ...opts }, () => freeingTemporaries([x], () => avgPool2dOf(x, kernelSize, opts)));
}

function avgPool2dOf(
  x: Tensor,
  kernelSize: Ints,
  { stride = null, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride = null }: AvgPool2dOptions,
): Tensor {
  const { xb, unbatch } = batched("avgPool2d", x);
  const geo = poolGeometry("avgPool2d", x.shape, kernelSize, stride, padding, 1, ceilMode);
  if (divisorOverride !== null && !(Number.isFinite(divisorOverride) && divisorOverride !== 0)) {
    throw new ValueError(`avgPool2d: divisorOverride must be a non-zero number, got ${divisorOverride}`);
  }
  const [N, C] = xb.shape;
  const [oh, ow] = geo.outSize;
  const windows = unfoldPrim([xb], { ...geo, padValue: 0 }).reshape([N, C, geo.kernel[0] * geo.kernel[1], oh * ow]);
  const sums = windows.sum(2);
  const divisor = divisorOverride ?? windowCounts(geo, countIncludePad, xb.dtype);
  const out = sums.div(divisor).reshape([N, C, oh, ow]);
  markIntermediate(windows, sums); // read by the sum and the division only (backward frees them)
  return unbatch(out);
}

/**
 * torch's avg_pool2d divisor per output position: the window clipped to the padded input (so a
 * ceil-mode window hanging past the padding counts less), then to the real input unless
 * countIncludePad. A single number when every window has the same count.
 */
function windowCounts(geo: ConvGeometry, countIncludePad: boolean, dtype: Tensor["dtype"]): number | Tensor {
  const extent = (dim: 0 | 1, o: number): number => {
    const n = geo.inSize[dim],
      p = geo.padding[dim];
    let start = o * geo.stride[dim] - p;
    let end = Math.min(start + geo.kernel[dim], n + p);
    if (!countIncludePad) {
      start = Math.max(start, 0);
      end = Math.min(end, n);
    }
    return end - start;
  };
  const [oh, ow] = geo.outSize;
  const counts = new Float64Array(oh * ow);
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) counts[i * ow + j] = extent(0, i) * extent(1, j);
  return counts.every((c) => c === counts[0]) ? counts[0] : tensor(counts, { shape: [oh * ow], dtype });
}

/**
 * Adaptive average pooling (torch.nn.functional.adaptive_avg_pool2d): output i along a dim averages
 * input [floor(i·n/out), ceil((i+1)·n/out)). `outputSize` is a number, or [h, w] where null keeps
 * that dim's input size.
 * @example F.adaptiveAvgPool2d(tg.randn([2, 8, 7, 7]), 1)  // shape [2, 8, 1, 1]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const { xb, unbatch } = batched("adaptiveAvgPool2d", x);
  const [H, W] = xb.shape.slice(2);
  if (H === 0 || W === 0) throw new ShapeError(`adaptiveAvgPool2d: expected non-empty spatial dims, got input ${fmtShape(x.shape)}`);
  const given = typeof outputSize === "number" ? [outputSize, outputSize] : [...outputSize];
  const [oh, ow] = toInts(
    "adaptiveAvgPool2d",
    "outputSize",
    given.map((v, i) => v ?? [H, W][i]),
    2,
    1,
  );
  // Rows of P average their windows; x is [.., H, W], so P_h · x · P_wᵀ is [.., oh, ow].
  const ph = poolingMatrix(H, oh, xb.dtype);
  const pw = poolingMatrix(W, ow, xb.dtype);
  return unbatch(ph.matmul(xb).matmul(pw.transpose(0, 1)));
}

/** [out, n] averaging matrix of adaptive pooling's windows. */
function poolingMatrix(n: number, out: number, dtype: Tensor["dtype"]): Tensor {
  const m = new Float64Array(out * n);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    for (let j = start; j < end; j++) m[i * n + j] = 1 / (end - start);
  }
  return tensor(m, { shape: [out, n], dtype });
}
