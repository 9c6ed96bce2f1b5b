// ONNX nodes for whole built-in layers: a Conv2d becomes one Conv node rather than the unfold and
// matmul it computes with. A layer whose configuration has no single-node form is not matched, and
// its forward is traced primitive by primitive instead.

import { Module } from "../nn/module.js";
import { Linear, Identity } from "../nn/layers/linear.js";
import { Conv1d, Conv2d } from "../nn/layers/conv.js";
import { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from "../nn/layers/pool.js";
import { BatchNorm1d, BatchNorm2d, LayerNorm } from "../nn/layers/normalization.js";
import { Dropout } from "../nn/layers/dropout.js";
import { Embedding } from "../nn/layers/embedding.js";
import { Flatten } from "../nn/layers/flatten.js";
import { ReLU, Sigmoid, Tanh, LeakyReLU, ELU, Softplus, Softmax, LogSoftmax } from "../nn/layers/activation.js";
import type { Tensor } from "../tensor/tensor.js";
import { LSTM, GRU, RNN } from "../nn/layers/recurrent.js";
import { emitLinear, type ExportContext } from "./export-primitives.js";
import { recurrent } from "./export-recurrent.js";
import { emitConv, emitPool } from "./export-conv.js";
import { onnxType } from "./graph-builder.js";
import { upsample } from "./export-resize.js";
import { Upsample } from "../nn/layers/resample.js";

export interface LayerConverter {
  /** Whether this converter writes `m` as a whole (given the input it is called with). */
  matches(m: Module, x: Tensor): boolean;
  /** Writes the nodes for `m` called with `args` (x = args[0]) that gave `out` (what forward returned). */
  emit(cx: ExportContext, m: any, x: Tensor, out: any, args: readonly unknown[]): void;
}

function simple(
  cls: abstract new (...a: any[]) => Module,
  op: string,
  attrs: (m: any) => Record<string, any> = () => ({}),
): [Function, LayerConverter] {
  return [cls, { matches: () => true, emit: (cx, m, x, out) => void cx.b.node(op, [cx.b.nameOf(x)], attrs(m), out) }];
}

const conv: LayerConverter = {
  // A paddingMode other than zeros pads before the Conv: traced op by op instead.
  matches: (m) => (m as Conv2d).paddingMode === "zeros" || (m as Conv2d).padding === "valid",
  emit: (cx, m: Conv1d | Conv2d, x, out) =>
    emitConv(
      cx,
      x,
      m.weight,
      m.bias,
      { kernel: m.kernelSize, stride: m.stride, padding: m.padding, dilation: m.dilation, groups: m.groups },
      out,
    ),
};

const batchNorm: LayerConverter = {
  matches: (m) => (m as BatchNorm2d).runningMean !== null && !m.training,
  emit: (cx, m: BatchNorm2d, x, out) => {
    const { b } = cx;
    const c = m.numFeatures;
    // BatchNormalization always takes a scale and a bias: ones and zeros for an affine-free norm.
    const type = onnxType(m.runningMean!.dtype);
    const scale = m.weight ? b.nameOf(m.weight) : b.floats(Array(c).fill(1), type);
    const bias = m.bias ? b.nameOf(m.bias) : b.floats(Array(c).fill(0), type);
    b.node(
      "BatchNormalization",
      [b.nameOf(x), scale, bias, b.nameOf(m.runningMean!), b.nameOf(m.runningVar!)],
      { epsilon: { float: m.eps } },
      out,
    );
  },
};

const layerNorm: LayerConverter = {
  matches: (m) => (m as LayerNorm).elementwiseAffine,
  emit: (cx, m: LayerNorm, x, out) => {
    const { b } = cx;
    const inputs = [b.nameOf(x), b.nameOf(m.weight!)];
    if (m.bias) inputs.push(b.nameOf(m.bias));
    b.node("LayerNormalization", inputs, { axis: -m.normalizedShape.length, epsilon: { float: m.eps } }, out);
  },
};

const maxPool: LayerConverter = {
  matches: () => true,
  emit: (cx, m: MaxPool2d, x, out) => emitPool(cx, "MaxPool", x, m, out, m.constructor.name),
};

const avgPool: LayerConverter = {
  matches: (m) => (m as AvgPool2d).divisorOverride === null,
  emit: (cx, m: AvgPool2d, x, out) => emitPool(cx, "AveragePool", x, m, out, m.constructor.name),
};

/** Adaptive pooling to 1×1 is GlobalAveragePool; to a size dividing the input, a plain AveragePool. */
const adaptiveAvgPool: LayerConverter = {
  matches: (m, x) => {
    const [oh, ow] = adaptiveSize(m as AdaptiveAvgPool2d, x);
    return x.ndim === 4 && x.shape[2] % oh === 0 && x.shape[3] % ow === 0;
  },
  emit: (cx, m: AdaptiveAvgPool2d, x, out) => {
    const [oh, ow] = adaptiveSize(m, x);
    if (oh === 1 && ow === 1) {
      cx.b.node("GlobalAveragePool", [cx.b.nameOf(x)], {}, out);
      return;
    }
    const k = [x.shape[2] / oh, x.shape[3] / ow];
    cx.b.node("AveragePool", [cx.b.nameOf(x)], { kernel_shape: k, strides: k }, out);
  },
};

function adaptiveSize(m: AdaptiveAvgPool2d, x: Tensor): [number, number] {
  const o = m.outputSize;
  const [h, w] = typeof o === "number" ? [o, o] : [o[0] ?? x.shape[x.ndim - 2], o[1] ?? x.shape[x.ndim - 1]];
  return [h, w];
}

const linear: LayerConverter = {
  matches: () => true,
  emit: (cx, m: Linear, x, out) =>
    emitLinear(cx, cx.b.nameOf(x), x.ndim, m.inFeatures, cx.b.nameOf(m.weight), m.bias ? cx.b.nameOf(m.bias) : null, out),
};

const embedding: LayerConverter = {
  matches: () => true,
  emit: (cx, m: Embedding, x, out) => void cx.b.node("Gather", [cx.b.nameOf(m.weight), cx.b.nameOf(x)], { axis: 0 }, out),
};

const flatten: LayerConverter = {
  matches: (m, x) => (m as Flatten).startDim === 1 && ((m as Flatten).endDim === -1 || (m as Flatten).endDim === x.ndim - 1) && x.ndim >= 2,
  emit: (cx, _m, x, out) => void cx.b.node("Flatten", [cx.b.nameOf(x)], { axis: 1 }, out),
};

/** Converters by layer class; subclasses of these classes are traced op by op (their forward may differ). */
export const LAYERS = new Map<Function, LayerConverter>([
  [Linear, linear],
  [Conv1d, conv],
  [Conv2d, conv],
  [BatchNorm1d, batchNorm],
  [BatchNorm2d, batchNorm],
  [LayerNorm, layerNorm],
  [MaxPool2d, maxPool],
  [AvgPool2d, avgPool],
  [AdaptiveAvgPool2d, adaptiveAvgPool],
  [Embedding, embedding],
  [Flatten, flatten],
  [Upsample, upsample],
  [LSTM, recurrent],
  [GRU, recurrent],
  [RNN, recurrent],
  simple(Dropout, "Identity"),
  simple(Identity, "Identity"),
  simple(ReLU, "Relu"),
  simple(Sigmoid, "Sigmoid"),
  simple(Tanh, "Tanh"),
  simple(LeakyReLU, "LeakyRelu", (m: LeakyReLU) => ({ alpha: { float: m.negativeSlope } })),
  simple(ELU, "Elu", (m: ELU) => ({ alpha: { float: m.alpha } })),
]);

// Layers with a single-node form only in some configurations.
LAYERS.set(Softplus, {
  matches: (m) => (m as Softplus).beta === 1,
  emit: (cx, _m, x, out) => void cx.b.node("Softplus", [cx.b.nameOf(x)], {}, out),
});
for (const cls of [Softmax, LogSoftmax]) {
  const op = cls === Softmax ? "Softmax" : "LogSoftmax";
  LAYERS.set(cls, {
    matches: (m) => (m as Softmax).dim !== undefined,
    emit: (cx, m: Softmax, x, out) => void cx.b.node(op, [cx.b.nameOf(x)], { axis: m.dim! }, out),
  });
}

/** The converter for `m` at this opset, or null to trace its forward op by op. */
export function layerConverter(m: Module, x: unknown, opset: number): LayerConverter | null {
  const c = LAYERS.get(m.constructor);
  if (!c || !isTensorLike(x)) return null;
  if (m instanceof LayerNorm && opset < 17) return null;
  return c.matches(m, x) ? c : null;
}

function isTensorLike(x: unknown): x is Tensor {
  return typeof x === "object" && x !== null && "shape" in x && "storage" in x;
}
