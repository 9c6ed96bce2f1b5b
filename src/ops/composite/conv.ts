// Convolution as composites: unfold/fold with validated torch-style arguments, and conv1d/conv2d as
// unfold (im2col) followed by one matmul over the whole batch, groups splitting the channels. Gradients come from the
// unfold/fold and matmul primitives; 1-D convolution runs as 2-D over a height of 1.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../../errors.js";
import { isFloat } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { foldPrim, unfoldPrim, type ConvGeometry, type Pair } from "../primitives/conv.js";
import { freeingTemporaries, releaseIntermediates } from "../../autograd/engine.js";
import { checkOptions } from "../../tensor/options.js";
import { composite } from "../../autograd/primitive.js";

/** A size given for every spatial dim at once (a number) or per dim (a list). */
export type Ints = number | readonly number[];
/**
 * Convolution padding: zeros per side (one number or one per spatial dim), "same" (output size = input
 * size, stride 1) or "valid" (none).
 */
export type ConvPadding = Ints | "same" | "valid";

/** Options of F.conv1d and F.conv2d (torch's names and defaults). */
export interface ConvOptions {
  /** Step of the kernel, one number or one per spatial dim (default 1). */
  stride?: Ints;
  /** Zero padding per side, or "same" (output size = input size; stride 1 only) or "valid" (none). */
  padding?: ConvPadding;
  /** Spacing between kernel elements (default 1). */
  dilation?: Ints;
  /** Independent channel groups (default 1). */
  groups?: number;
}

/** Options of F.unfold (torch's names and defaults). */
export interface UnfoldOptions {
  /** Step of the window, one number or [sH, sW] (default 1). */
  stride?: Ints;
  /** Zero padding per side (default 0). */
  padding?: Ints;
  /** Spacing between window elements (default 1). */
  dilation?: Ints;
}

/** `v` as `n` integers >= `min`, from one number or an n-element list (torch's _pair). */
export function toInts(op: string, name: string, v: Ints, n: number, min: number): number[] {
  const out = typeof v === "number" ? new Array<number>(n).fill(v) : [...v];
  if (out.length !== n || out.some((k) => !Number.isInteger(k) || k < min)) {
    const what = n === 1 ? "an integer" : `an integer or a list of ${n} integers`;
    throw new ValueError(`${op}: ${name} must be ${what} >= ${min}, got ${JSON.stringify(v)}`);
  }
  return out;
}

/** Sizes as torch prints kernel extents: "3×3", or "5" for one dim. */
export const fmtSize = (v: readonly number[]): string => v.join("×");

export function requireFloat(op: string, x: Tensor, what = "input"): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating-point ${what}, got ${x.dtype} (convert with .float())`);
}

/**
 * Number of sliding positions along each dim, checking that the dilated kernel fits the padded input.
 * `before`/`after` are the padding on each side; `described` names the input in the error.
 */
export function slidingSize(
  op: string,
  described: string,
  inSize: readonly number[],
  kernel: readonly number[],
  stride: readonly number[],
  before: readonly number[],
  after: readonly number[],
  dilation: readonly number[],
): number[] {
  const extent = kernel.map((k, i) => dilation[i] * (k - 1) + 1);
  const padded = inSize.map((s, i) => s + before[i] + after[i]);
  if (padded.some((p, i) => p < extent[i])) {
    throw new ShapeError(
      `${op}: kernel ${fmtSize(kernel)} (extent ${fmtSize(extent)} with dilation ${fmtSize(dilation)}) is larger than ` +
        `the padded input ${fmtSize(padded)} (${described}, padding ${fmtSize(before)})`,
    );
  }
  return padded.map((p, i) => Math.floor((p - extent[i]) / stride[i]) + 1);
}

/** Lifts 1-D geometry to the 2-D kernels' pairs (a height of 1). */
const asPair = (v: readonly number[], fill: number): Pair => (v.length === 1 ? [fill, v[0]] : [v[0], v[1]]);

/** `x` with a batch dim of 1 added when it has one dim fewer than `batchedNdim` (unbatched), and the way back. */
function batch(x: Tensor, batchedNdim: number): { xb: Tensor; unbatch: (t: Tensor) => Tensor } {
  return x.ndim === batchedNdim ? { xb: x, unbatch: (t) => t } : { xb: x.unsqueeze(0), unbatch: (t) => t.squeeze(0) };
}

/**
 * Extracts sliding local blocks (torch.nn.functional.unfold, im2col): [N, C, H, W] (or unbatched
 * [C, H, W]) → [N, C·kh·kw, L], one column per block position, rows channel-major then kernel row.
 * @example F.unfold(tg.randn([1, 3, 8, 8]), 3, { padding: 1 })  // shape [1, 27, 64]
 */
export function unfold(x: Tensor, kernelSize: Ints, opts: UnfoldOptions = {}): Tensor {
  checkOptions("unfold", opts, ["stride", "padding", "dilation"]);
  const { stride = 1, padding = 0, dilation = 1 } = opts;
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new ShapeError(`unfold: expected a 4-D input [N, C, H, W] or unbatched [C, H, W], got ${fmtShape(x.shape)}`);
  }
  const { xb, unbatch } = batch(x, 4);
  const geo = geometry2d("unfold", `input ${fmtShape(x.shape)}`, xb.shape.slice(2), kernelSize, stride, padding, dilation);
  return unbatch(unfoldPrim([xb], { ...geo, padValue: 0 }));
}

/**
 * Sums sliding local blocks back into an image (torch.nn.functional.fold, col2im), the adjoint of
 * unfold: [N, C·kh·kw, L] (or [C·kh·kw, L]) → [N, C, ...outputSize]; overlapping entries add up.
 * @example F.fold(F.unfold(x, 2, { stride: 2 }), [4, 4], 2, { stride: 2 })  // equals x [1, C, 4, 4]
 */
export function fold(x: Tensor, outputSize: Ints, kernelSize: Ints, opts: UnfoldOptions = {}): Tensor {
  checkOptions("fold", opts, ["stride", "padding", "dilation"]);
  const { stride = 1, padding = 0, dilation = 1 } = opts;
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new ShapeError(`fold: expected a 3-D input [N, C·kh·kw, L] or unbatched [C·kh·kw, L], got ${fmtShape(x.shape)}`);
  }
  const { xb, unbatch } = batch(x, 3);
  const [H, W] = toInts("fold", "outputSize", outputSize, 2, 1);
  const [, rows, L] = xb.shape;
  const kernel = toInts("fold", "kernelSize", kernelSize, 2, 1);
  const geo = geometry2d("fold", `outputSize ${fmtSize([H, W])}`, [H, W], kernel, stride, padding, dilation);
  const kk = kernel[0] * kernel[1];
  const blocks = geo.outSize[0] * geo.outSize[1];
  if (rows % kk !== 0) {
    throw new ShapeError(
      `fold: input ${fmtShape(x.shape)} has ${rows} rows, which is not a multiple of the kernel's ${fmtSize(kernel)} = ${kk} elements`,
    );
  }
  if (L !== blocks) {
    throw new ShapeError(
      `fold: input ${fmtShape(x.shape)} has ${L} blocks, but outputSize ${fmtSize([H, W])} with kernel ${fmtSize(kernel)} ` +
        `gives ${fmtSize(geo.outSize)} = ${blocks} sliding blocks`,
    );
  }
  return unbatch(foldPrim([xb], geo));
}

/** Geometry of a 2-D sliding window with symmetric padding over an image of `inSize`. */
function geometry2d(
  op: string,
  described: string,
  inSize: readonly number[],
  kernelSize: Ints,
  stride: Ints,
  padding: Ints,
  dilation: Ints,
): ConvGeometry {
  const kernel = toInts(op, "kernelSize", kernelSize, 2, 1);
  const s = toInts(op, "stride", stride, 2, 1);
  const p = toInts(op, "padding", padding, 2, 0);
  const d = toInts(op, "dilation", dilation, 2, 1);
  const out = slidingSize(op, described, inSize, kernel, s, p, p, d);
  return {
    kernel: asPair(kernel, 1),
    stride: asPair(s, 1),
    padding: asPair(p, 0),
    dilation: asPair(d, 1),
    inSize: asPair(inSize, 1),
    outSize: asPair(out, 1),
  };
}

/**
 * 2-D convolution (torch.nn.functional.conv2d; strictly cross-correlation, as torch): input
 * [N, C, H, W] or unbatched [C, H, W], weight [outC, C/groups, kH, kW], bias [outC].
 * @example F.conv2d(tg.randn([8, 3, 32, 32]), w, b, { padding: "same" })
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  return convolution("conv2d", 2, x, weight, bias, opts);
}

/**
 * 1-D convolution (torch.nn.functional.conv1d): input [N, C, L] or unbatched [C, L], weight
 * [outC, C/groups, k], bias [outC].
 * @example F.conv1d(tg.randn([4, 2, 50]), tg.randn([6, 2, 5]), null, { stride: 2 })  // shape [4, 6, 23]
 */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  return convolution("conv1d", 1, x, weight, bias, opts);
}

/**
 * The convolution of `dims` spatial dims behind conv1d/conv2d and the Conv layers. `label` names the
 * caller in errors (a layer passes its description, e.g. "Conv2d(3 → 16, kernel 3×3)").
 */
export function convolution(
  op: string,
  dims: 1 | 2,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  opts: ConvOptions,
  label?: string,
): Tensor {
  checkOptions(op, opts, ["stride", "padding", "dilation", "groups"]);
  // One unit for tracers (ONNX export writes a Conv node), whatever the kernels below compute with.
  return composite(op, bias ? [x, weight, bias] : [x, weight], { dims, ...opts }, () =>
    freeingTemporaries([x, weight, bias], () => convolutionOf(op, dims, x, weight, bias, opts, label)),
  );
}

function convolutionOf(op: string, dims: 1 | 2, x: Tensor, weight: Tensor, bias: Tensor | null, opts: ConvOptions, label?: string): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = opts;
  const who = label ?? op;
  requireFloat(who, x);
  requireFloat(who, weight, "weight");
  const spatial = dims === 1 ? "L" : "H, W";
  if (weight.ndim !== dims + 2) {
    throw new ShapeError(
      `${who}: expected a ${dims + 2}-D weight [outC, inC/groups, ${dims === 1 ? "k" : "kH, kW"}], got ${fmtShape(weight.shape)}`,
    );
  }
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`${who}: groups must be a positive integer, got ${groups}`);
  const outC = weight.shape[0];
  if (outC % groups !== 0)
    throw new ValueError(`${who}: out channels ${outC} (weight ${fmtShape(weight.shape)}) must be divisible by groups ${groups}`);
  const inC = weight.shape[1] * groups;
  if ((x.ndim !== dims + 1 && x.ndim !== dims + 2) || x.shape[x.ndim - dims - 1] !== inC) {
    const expected =
      x.ndim === dims + 2
        ? `[N, ${inC}, ${spatial}]`
        : x.ndim === dims + 1
          ? `[${inC}, ${spatial}] (unbatched)`
          : `[N, ${inC}, ${spatial}] or unbatched [${inC}, ${spatial}]`;
    const context = label ? "" : ` (weight ${fmtShape(weight.shape)}, groups ${groups})`;
    throw new ShapeError(`${who}: expected input ${expected}${context}, got ${fmtShape(x.shape)}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outC)) {
    throw new ShapeError(`${who}: expected bias [${outC}] (one per output channel), got ${fmtShape(bias.shape)}`);
  }

  const { xb, unbatch } = batch(x, dims + 2);
  const kernel = weight.shape.slice(2);
  const inSize = xb.shape.slice(2);
  const s = toInts(who, "stride", stride, dims, 1);
  const d = toInts(who, "dilation", dilation, dims, 1);
  let before: number[], after: number[];
  if (padding === "same") {
    if (s.some((v) => v !== 1))
      throw new ValueError(`${who}: padding "same" is not supported for strided convolutions (stride ${fmtSize(s)})`);
    // torch pads the total d·(k-1) evenly, the odd element going after (bottom/right).
    const total = kernel.map((k, i) => d[i] * (k - 1));
    before = total.map((t) => Math.floor(t / 2));
    after = total.map((t, i) => t - before[i]);
  } else if (padding === "valid") {
    before = after = new Array<number>(dims).fill(0);
  } else if (typeof padding === "string") {
    throw new ValueError(`${who}: padding must be a number, a list of numbers, "same" or "valid", got "${padding}"`);
  } else {
    before = after = toInts(who, "padding", padding, dims, 0);
  }
  const outSize = slidingSize(who, `input ${fmtShape(x.shape)}`, inSize, kernel, s, before, after, d);

  // From here on everything is 2-D: a 1-D signal is an image of height 1.
  const x4 = dims === 1 ? xb.unsqueeze(2) : xb;
  const w4 = dims === 1 ? weight.unsqueeze(2) : weight;
  const geo: ConvGeometry = {
    kernel: asPair(kernel, 1),
    stride: asPair(s, 1),
    padding: asPair(before, 0),
    dilation: asPair(d, 1),
    inSize: asPair(inSize, 1),
    outSize: asPair(outSize, 1),
  };
  const [N, C] = x4.shape;
  const [kh, kw] = geo.kernel,
    [oh, ow] = geo.outSize;
  const L = oh * ow;
  const pointwise = kh * kw === 1 && geo.stride[0] * geo.stride[1] === 1 && before.every((p) => p === 0);
  // A 1×1 kernel with stride 1 reads each pixel once: the input already is its column matrix.
  const K = (C / groups) * kh * kw;
  let out: Tensor;
  if (groups === 1 && !pointwise) {
    // The images side by side, cols [K, N·L]: the whole batch is one [outC, K] × [K, N·L] product, and
    // so is each gradient (the weight's sums over the batch inside the product), instead of N thin
    // products with outC rows each and a sum over their N weight gradients.
    // Only this function's own ops read these: without a graph each is freed once the next is made
    // (the im2col matrix is most of an inference's memory), else backward frees them with the graph.
    // The result is a copy, except for one image, where it is `biased` itself.
    const cols = unfoldPrim([x4], { ...geo, padValue: 0, batchColumns: true });
    const product = w4.reshape([outC, K]).matmul(cols);
    releaseIntermediates(product, cols);
    const biased = bias ? product.add(bias.reshape([outC, 1])) : product;
    if (bias) releaseIntermediates(biased, product);
    out = biased.reshape([outC, N, L]).permute([1, 0, 2]).contiguous();
    if (out.storage !== biased.storage) releaseIntermediates(out, biased);
  } else {
    const cols = pointwise ? x4.reshape([N, C, L]) : unfoldPrim([x4], { ...geo, padValue: 0 });
    const product =
      groups === 1
        ? w4.reshape([outC, K]).matmul(cols)
        : w4
            .reshape([groups, outC / groups, K])
            .matmul(cols.reshape([N, groups, K, L]))
            .reshape([N, outC, L]);
    if (!pointwise) releaseIntermediates(product, cols); // pointwise: cols is the caller's input
    out = bias ? product.add(bias.reshape([outC, 1])) : product;
    if (bias) releaseIntermediates(out, product);
  }
  out = out.reshape(dims === 1 ? [N, outC, ow] : [N, outC, oh, ow]);
  return unbatch(out);
}
