// ONNX ops that make feature maps larger, run with tensorgrad ops so gradients flow: ConvTranspose
// (a convolution of the zero-stuffed input with the flipped kernel) and Resize (nearest, linear and
// cubic, one axis at a time, with each coordinate mode torch.onnx.export writes).

import { conv1d, conv2d } from "../nn/functional/conv.js";
import { cat } from "../ops/index.js";
import { tensor, zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import type { OpImpl } from "./import-ops-math.js";
import { padDim } from "./import-ops-nn.js";
import { asFloat, asInts, hostValues, need, type NodeCtx } from "./import-value.js";

export const UPSAMPLE_OPS = new Map<string, OpImpl>();

function spatialList(cx: NodeCtx, name: string, n: number, dflt: number, min: number): number[] {
  const v = cx.ints(name) ?? Array(n).fill(dflt);
  if (v.length !== n || v.some((d) => !Number.isInteger(d) || d < min)) cx.fail(`${name} [${v.join(", ")}] does not fit ${n} spatial dims`);
  return v;
}

/** `x` with (stride - 1) zeros between neighbours along `dim`. */
function stuff(x: Tensor, dim: number, stride: number): Tensor {
  if (stride === 1 || x.shape[dim] <= 1) return x;
  const n = x.shape[dim];
  // [.., n, ..] → [.., n, 1, ..] beside zeros [.., n, s-1, ..] → [.., n·s, ..], then drop the trailing zeros.
  const col = x.unsqueeze(dim + 1);
  const gap = zeros(
    col.shape.map((d, i) => (i === dim + 1 ? stride - 1 : d)),
    { dtype: x.dtype },
  );
  const merged = cat([col, gap], dim + 1).reshape(x.shape.map((d, i) => (i === dim ? n * stride : d)));
  return merged.slice(dim, 0, (n - 1) * stride + 1);
}

UPSAMPLE_OPS.set("ConvTranspose", (cx, ins) => {
  let x = asFloat(need(cx, ins, 0));
  const w = asFloat(need(cx, ins, 1));
  const bias = ins[2] ? asFloat(ins[2]) : null;
  const n = w.ndim - 2;
  if (n !== 1 && n !== 2) cx.unsupported(`a ${n}-D transposed convolution`);
  if (x.ndim !== n + 2) cx.fail(`expected a [N, C, ...] input of rank ${n + 2}, got rank ${x.ndim}`);
  if (cx.has("output_shape")) cx.unsupported("output_shape (give pads instead)");
  const autoPad = cx.string("auto_pad", "NOTSET");
  if (autoPad !== "NOTSET" && autoPad !== "VALID") cx.unsupported(`auto_pad="${autoPad}"`);
  const group = cx.int("group", 1);
  const [cin, coutPerGroup] = w.shape;
  if (group < 1 || cin % group !== 0 || x.shape[1] !== cin)
    cx.fail(`weight [${w.shape}] does not fit input [${x.shape}] with group ${group}`);
  const kernel = w.shape.slice(2);
  const strides = spatialList(cx, "strides", n, 1, 1);
  const dilations = spatialList(cx, "dilations", n, 1, 1);
  const pads = autoPad === "VALID" ? Array(2 * n).fill(0) : spatialList(cx, "pads", 2 * n, 0, 0);
  const outPad = spatialList(cx, "output_padding", n, 0, 0);
  // Output size per dim: (in - 1)·stride + dilation·(k - 1) + 1 + output_padding - pads; bounded before any work.
  const outSpatial = kernel.map(
    (k, i) => (x.shape[2 + i] - 1) * strides[i] + dilations[i] * (k - 1) + 1 + outPad[i] - pads[i] - pads[n + i],
  );
  if (outSpatial.some((d) => d < 1)) cx.fail(`the output would have spatial size [${outSpatial.join(", ")}]`);
  cx.checkSize("the output", [x.shape[0], coutPerGroup * group, ...outSpatial]);
  cx.checkSize("the zero-stuffed input", [
    x.shape[0],
    cin,
    ...kernel.map((k, i) => (x.shape[2 + i] - 1) * strides[i] + 1 + 2 * dilations[i] * (k - 1) + outPad[i]),
  ]);
  // Weight [Cin, Cout/g, k…] → per group [Cout/g, Cin/g, k…], stacked over groups, kernel flipped.
  const perGroup = cin / group;
  const groups = Array.from({ length: group }, (_, g) => w.slice(0, g * perGroup, (g + 1) * perGroup).transpose(0, 1));
  const kw = (group === 1 ? groups[0] : cat(groups, 0)).flip(kernel.map((_, i) => i + 2));
  for (let i = 0; i < n; i++) {
    const dim = 2 + i;
    x = stuff(x, dim, strides[i]);
    // Full padding dilation·(k - 1) on each side, less the pads (a negative amount crops).
    const full = dilations[i] * (kernel[i] - 1);
    const before = full - pads[i];
    const after = full - pads[n + i] + outPad[i];
    if (before < 0) x = x.slice(dim, -before, x.shape[dim]);
    if (after < 0) x = x.slice(dim, 0, x.shape[dim] + after);
    x = padDim(cx, x, dim, Math.max(before, 0), Math.max(after, 0), 0);
  }
  const opts = { dilation: dilations, groups: group };
  return [n === 1 ? conv1d(x, kw, bias, opts) : conv2d(x, kw, bias, opts)];
});

/** Where output index o reads from in an input of size `inSize` (ONNX's coordinate_transformation_mode). */
function sourceCoordinates(cx: NodeCtx, mode: string, inSize: number, outSize: number, scale: number): number[] {
  return Array.from({ length: outSize }, (_, o) => {
    switch (mode) {
      case "half_pixel":
        return (o + 0.5) / scale - 0.5;
      case "pytorch_half_pixel":
        return outSize > 1 ? (o + 0.5) / scale - 0.5 : 0;
      case "align_corners":
        return outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0;
      case "asymmetric":
        return o / scale;
      default:
        return cx.unsupported(`coordinate_transformation_mode "${mode}"`);
    }
  });
}

function nearestIndex(cx: NodeCtx, mode: string, c: number): number {
  switch (mode) {
    case "round_prefer_floor":
      return Math.ceil(c - 0.5);
    case "round_prefer_ceil":
      return Math.floor(c + 0.5);
    case "floor":
      return Math.floor(c);
    case "ceil":
      return Math.ceil(c);
    default:
      return cx.unsupported(`nearest_mode "${mode}"`);
  }
}

const indexTensor = (v: number[]) => tensor(Int32Array.from(v), { dtype: "int32", shape: [v.length] });

UPSAMPLE_OPS.set("Resize", (cx, ins) => {
  let x = asFloat(need(cx, ins, 0));
  const mode = cx.string("mode", "nearest");
  if (mode !== "nearest" && mode !== "linear" && mode !== "cubic") cx.unsupported(`mode "${mode}"`);
  if (cx.int("antialias", 0) !== 0) cx.unsupported("antialias=1");
  const coord = cx.string("coordinate_transformation_mode", "half_pixel");
  if (cx.has("axes") || cx.string("keep_aspect_ratio_policy", "stretch") !== "stretch") cx.unsupported("axes or keep_aspect_ratio_policy");
  // Opset 10 gives scales as input 1; 11+ as input 2 (roi at 1), or sizes as input 3.
  const scalesIn = cx.node.inputs.length === 2 ? ins[1] : ins[2];
  const sizesIn = ins[3];
  const scalesGiven = scalesIn !== undefined && scalesIn.size > 0 ? Array.from(hostValues(cx, scalesIn, "scales")) : null;
  const sizesGiven = sizesIn !== undefined && sizesIn.size > 0 ? asInts(cx, sizesIn, "sizes") : null;
  if ((scalesGiven === null) === (sizesGiven === null)) cx.fail("exactly one of scales and sizes must be given");
  const given = (scalesGiven ?? sizesGiven)!;
  if (given.length !== x.ndim) cx.fail(`${given.length} ${scalesGiven ? "scales" : "sizes"} for rank ${x.ndim}`);
  const outShape = x.shape.map((d, i) => (sizesGiven ? sizesGiven[i] : Math.floor(d * scalesGiven![i])));
  const scales = x.shape.map((d, i) => (scalesGiven ? scalesGiven[i] : outShape[i] / d));
  if (outShape.some((d, i) => !Number.isSafeInteger(d) || d < 1 || !(scales[i] > 0))) cx.fail(`bad output shape [${outShape.join(", ")}]`);
  cx.checkSize("the resized tensor", outShape);
  const nearestMode = cx.string("nearest_mode", "round_prefer_floor");
  x.shape.forEach((inSize, dim) => {
    const outSize = outShape[dim];
    if (outSize === inSize && scales[dim] === 1) return;
    const c = sourceCoordinates(cx, coord, inSize, outSize, scales[dim]);
    const clamp = (i: number) => Math.max(0, Math.min(inSize - 1, i));
    if (mode === "nearest") {
      x = x.indexSelect(dim, indexTensor(c.map((v) => clamp(nearestIndex(cx, nearestMode, v)))));
      return;
    }
    if (mode === "cubic") {
      x = cubic(x, dim, c, cx.float("cubic_coeff_a", -0.75), cx.int("exclude_outside", 0) !== 0);
      return;
    }
    // Linear: a weighted pair of neighbours, coordinates outside the input clamped to its edge.
    const at = c.map((v) => Math.max(0, Math.min(inSize - 1, v)));
    const lo = at.map(Math.floor);
    const hi = lo.map((i) => clamp(i + 1));
    const weight = tensor(
      Float32Array.from(at, (v, k) => v - lo[k]),
      { shape: x.shape.map((_, i) => (i === dim ? outSize : 1)) },
    );
    const a = x.indexSelect(dim, indexTensor(lo));
    const b = x.indexSelect(dim, indexTensor(hi));
    x = a.add(b.sub(a).mul(weight.dtype === x.dtype ? weight : weight.to(x.dtype)));
  });
  return [x];
});

/** Keys' cubic convolution weight at distance d (ONNX's cubic_coeff_a is `a`; torch's bicubic uses -0.75). */
function cubicWeight(d: number, a: number): number {
  const t = Math.abs(d);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/**
 * Cubic resampling along `dim` at source coordinates `c`: four taps around each, reads past the edge
 * taking the edge value, or (exclude_outside) dropped with the remaining weights renormalised.
 */
function cubic(x: Tensor, dim: number, c: number[], a: number, excludeOutside: boolean): Tensor {
  const inSize = x.shape[dim];
  const base = c.map(Math.floor);
  const w = [-1, 0, 1, 2].map((k) =>
    c.map((v, o) => (excludeOutside && (base[o] + k < 0 || base[o] + k >= inSize) ? 0 : cubicWeight(v - (base[o] + k), a))),
  );
  if (excludeOutside) {
    c.forEach((_, o) => {
      const total = w.reduce((sum, tap) => sum + tap[o], 0);
      for (const tap of w) tap[o] /= total;
    });
  }
  const shape = x.shape.map((_, i) => (i === dim ? c.length : 1));
  let out: Tensor | null = null;
  [-1, 0, 1, 2].forEach((k, j) => {
    const taken = x.indexSelect(dim, indexTensor(base.map((b) => Math.max(0, Math.min(inSize - 1, b + k)))));
    const weight = tensor(Float64Array.from(w[j]), { shape, dtype: x.dtype });
    const term = taken.mul(weight);
    out = out === null ? term : out.add(term);
  });
  return out!;
}
