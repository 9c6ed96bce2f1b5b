// ONNX network ops (convolution, pooling, normalization) run with tensorgrad's functional layers.

import { conv1d, conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d } from "../nn/functional/conv.js";
import { batchNorm, layerNorm } from "../nn/functional/normalization.js";
import { cat } from "../ops/index.js";
import { slicePad } from "../ops/primitives/movement.js";
import { full } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import type { OpImpl } from "./import-ops-math.js";
import { asFloat, asInts, asTensor, axis, hostValues, need, type NodeCtx } from "./import-value.js";

export const NN_OPS = new Map<string, OpImpl>();

/** Spatial padding split into the symmetric part a kernel can take and an explicit pad around `x`. */
function padding(cx: NodeCtx, x: Tensor, spatial: number, fill: number): { x: Tensor; pads: number[] } {
  const autoPad = cx.string("auto_pad", "NOTSET");
  if (autoPad !== "NOTSET" && autoPad !== "VALID") cx.unsupported(`auto_pad="${autoPad}"`);
  const pads = autoPad === "VALID" ? Array(2 * spatial).fill(0) : (cx.ints("pads") ?? Array(2 * spatial).fill(0));
  if (pads.length !== 2 * spatial || pads.some((p) => !Number.isInteger(p) || p < 0))
    cx.fail(`pads [${pads.join(", ")}] do not fit ${spatial} spatial dims`);
  const sym = pads.slice(0, spatial).map((b, i) => Math.min(b, pads[spatial + i]));
  // Bound the fully padded size before any padding is allocated.
  cx.checkSize(
    "the padded input",
    x.shape.map((d, i) => (i < x.ndim - spatial ? d : d + pads[i - (x.ndim - spatial)] + pads[spatial + i - (x.ndim - spatial)])),
  );
  let out = x;
  for (let i = 0; i < spatial; i++) {
    const before = pads[i] - sym[i];
    const after = pads[spatial + i] - sym[i];
    out = padDim(cx, out, x.ndim - spatial + i, before, after, fill);
  }
  // The kernel pads the symmetric part itself: bound the padded size before it allocates.
  cx.checkSize(
    "the padded input",
    out.shape.map((d, i) => (i < out.ndim - spatial ? d : d + 2 * sym[i - (out.ndim - spatial)])),
  );
  return { x: out, pads: sym };
}

export function padDim(cx: NodeCtx, x: Tensor, dim: number, before: number, after: number, fill: number): Tensor {
  if (before === 0 && after === 0) return x;
  const shape = x.shape.map((d, i) => (i === dim ? d + before + after : d));
  cx.checkSize("the padded tensor", shape);
  // Zeros: one allocation with x copied in (slice's adjoint, so gradients flow back to x).
  if (fill === 0) return slicePad(x, shape, { dim, start: before, end: before + x.shape[dim], step: 1 });
  const part = (n: number) =>
    full(
      x.shape.map((d, i) => (i === dim ? n : d)),
      fill,
      { dtype: x.dtype },
    );
  const pieces = [...(before > 0 ? [part(before)] : []), x, ...(after > 0 ? [part(after)] : [])];
  return cat(pieces, dim);
}

function spatialInts(cx: NodeCtx, name: string, spatial: number, dflt: number): number[] {
  const v = cx.ints(name) ?? Array(spatial).fill(dflt);
  if (v.length !== spatial || v.some((n) => !Number.isInteger(n) || n < 1))
    cx.fail(`${name} [${v.join(", ")}] does not fit ${spatial} spatial dims`);
  return v;
}

NN_OPS.set("Conv", (cx, ins) => {
  const w = asFloat(need(cx, ins, 1));
  const spatial = w.ndim - 2;
  if (spatial !== 1 && spatial !== 2) cx.unsupported(`a ${spatial}-D convolution`);
  const bias = ins[2] ? asFloat(ins[2]) : null;
  const { x, pads } = padding(cx, asFloat(need(cx, ins, 0)), spatial, 0);
  const opts = {
    stride: spatialInts(cx, "strides", spatial, 1),
    dilation: spatialInts(cx, "dilations", spatial, 1),
    padding: pads,
    groups: cx.int("group", 1),
  };
  return [spatial === 1 ? conv1d(x, w, bias, opts) : conv2d(x, w, bias, opts)];
});

/** Pools with one spatial dim run as 2-D pools over an image of height 1. */
function pool2d(
  cx: NodeCtx,
  ins: Parameters<OpImpl>[1],
  fill: number,
  run: (x: Tensor, k: number[], s: number[], p: number[]) => Tensor,
): Tensor {
  const x0 = asFloat(need(cx, ins, 0));
  const spatial = x0.ndim - 2;
  if (spatial !== 1 && spatial !== 2) cx.unsupported(`a ${spatial}-D pool`);
  const k = cx.ints("kernel_shape");
  if (!k || k.length !== spatial) cx.fail("kernel_shape is missing or does not fit the input");
  const s = spatialInts(cx, "strides", spatial, 1);
  const { x, pads } = padding(cx, x0, spatial, fill);
  if (spatial === 2) return run(x, k, s, pads);
  return run(x.unsqueeze(2), [1, k[0]], [1, s[0]], [0, pads[0]]).squeeze(2);
}

NN_OPS.set("MaxPool", (cx, ins) => {
  if (cx.int("storage_order", 0) !== 0) cx.unsupported("storage_order=1");
  const dil = cx.ints("dilations");
  const out = pool2d(cx, ins, -Infinity, (x, k, s, p) =>
    maxPool2d(x, k, {
      stride: s,
      padding: p,
      dilation: dil ? (dil.length === 1 ? [1, dil[0]] : dil) : 1,
      ceilMode: cx.int("ceil_mode", 0) === 1,
    }),
  );
  return [out];
});
NN_OPS.set("AveragePool", (cx, ins) => {
  const out = pool2d(cx, ins, 0, (x, k, s, p) =>
    avgPool2d(x, k, {
      stride: s,
      padding: p,
      ceilMode: cx.int("ceil_mode", 0) === 1,
      countIncludePad: cx.int("count_include_pad", 0) === 1,
    }),
  );
  return [out];
});
NN_OPS.set("GlobalAveragePool", (cx, ins) => {
  const x = asFloat(need(cx, ins, 0));
  if (x.ndim < 3) cx.fail(`expected [N, C, ...] input, got rank ${x.ndim}`);
  // The same computation as nn.AdaptiveAvgPool2d(1), so a tensorgrad round trip is exact.
  if (x.ndim === 4) return [adaptiveAvgPool2d(x, 1)];
  return [
    x.mean(
      x.shape.slice(2).map((_, i) => i + 2),
      true,
    ),
  ];
});
NN_OPS.set("GlobalMaxPool", (cx, ins) => {
  const x = asFloat(need(cx, ins, 0));
  if (x.ndim < 3) cx.fail(`expected [N, C, ...] input, got rank ${x.ndim}`);
  return [
    x.max(
      x.shape.slice(2).map((_, i) => i + 2),
      true,
    ),
  ];
});
NN_OPS.set("BatchNormalization", (cx, ins) => {
  if (cx.int("training_mode", 0) !== 0) cx.unsupported("training_mode=1");
  const [x, scale, bias, mean, variance] = [0, 1, 2, 3, 4].map((i) => asFloat(need(cx, ins, i)));
  return [batchNorm(x, mean, variance, { weight: scale, bias, eps: cx.float("epsilon", 1e-5), training: false })];
});
NN_OPS.set("LayerNormalization", (cx, ins) => {
  const x = asFloat(need(cx, ins, 0));
  const a = axis(cx, cx.int("axis", -1), x.ndim);
  if (cx.int("stash_type", 1) !== 1) cx.unsupported("stash_type other than float32");
  const weight = asFloat(need(cx, ins, 1));
  const bias = ins[2] ? asFloat(ins[2]) : null;
  const shape = x.shape.slice(a);
  // Scale and bias broadcast in ONNX; tensorgrad's layerNorm wants them of the normalized shape.
  const fit = (t: Tensor) => (t.shape.length === shape.length ? t : t.expand(shape));
  return [layerNorm(x, shape, { weight: fit(weight), bias: bias ? fit(bias) : null, eps: cx.float("epsilon", 1e-5) })];
});

NN_OPS.set("Pad", (cx, ins) => {
  const mode = cx.string("mode", "constant");
  if (mode !== "constant") cx.unsupported(`Pad mode "${mode}"`);
  let x = asTensor(need(cx, ins, 0));
  // Opset 11 moved pads (and the fill value) from attributes to inputs.
  const pads = ins[1] !== undefined ? asInts(cx, ins[1], "pads") : (cx.ints("pads") ?? []);
  const fill = ins[2] !== undefined ? (hostValues(cx, ins[2], "the fill value")[0] ?? 0) : cx.float("value", 0);
  const axes = ins[3] !== undefined ? asInts(cx, ins[3], "axes").map((a) => axis(cx, a, x.ndim)) : x.shape.map((_, i) => i);
  if (pads.length !== 2 * axes.length) cx.fail(`${pads.length} pads for ${axes.length} axes`);
  if (new Set(axes).size !== axes.length) cx.fail(`axes [${axes.join(", ")}] repeat an axis`);
  // The output's shape, checked before any work: a hostile file fails here, not after allocating.
  const outShape = [...x.shape];
  axes.forEach((a, i) => (outShape[a] += pads[i] + pads[axes.length + i]));
  if (outShape.some((d) => !Number.isSafeInteger(d) || d < 0)) cx.fail(`pads [${pads.join(", ")}] give the shape [${outShape.join(", ")}]`);
  cx.checkSize("the padded tensor", outShape);
  // Output position o reads input o - before: first keep the input rows that land inside the output
  // on every axis (negative pads crop), then fill around them, so no intermediate outgrows the output.
  const fills = axes.map((a, i) => {
    const before = pads[i];
    const n = x.shape[a];
    const lo = Math.min(n, Math.max(0, -before));
    const hi = Math.min(n, Math.max(lo, outShape[a] - before));
    if (lo > 0 || hi < n) x = x.slice(a, lo, hi);
    const padBefore = Math.min(Math.max(0, before), outShape[a]);
    return [padBefore, outShape[a] - padBefore - (hi - lo)];
  });
  axes.forEach((a, i) => (x = padDim(cx, x, a, fills[i][0], fills[i][1], fill)));
  return [x];
});

NN_OPS.set("InstanceNormalization", (cx, ins) => {
  const x = asFloat(need(cx, ins, 0));
  if (x.ndim < 3) cx.fail(`expected [N, C, ...] input, got rank ${x.ndim}`);
  const [scale, bias] = [1, 2].map((i) => asFloat(need(cx, ins, i)));
  const dims = x.shape.slice(2).map((_, i) => i + 2);
  const centred = x.sub(x.mean(dims, true));
  const variance = centred.mul(centred).mean(dims, true);
  const stat = x.shape.map((d, i) => (i === 1 ? d : 1));
  const y = centred.div(variance.add(cx.float("epsilon", 1e-5)).sqrt());
  return [y.mul(scale.reshape(stat)).add(bias.reshape(stat))];
});
