// Convolution and pooling as ONNX Conv, MaxPool and AveragePool nodes: shared by the layer
// converters (nn.Conv2d, nn.MaxPool2d, …) and by F.conv2d / F.maxPool2d / F.avgPool2d called in a
// custom forward, which reach the exporter as composite ops.

import { UnsupportedOpError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import type { ExportContext } from "./export-primitives.js";

type Ints = number | readonly number[];
const list = (v: Ints, n: number): number[] => (typeof v === "number" ? Array(n).fill(v) : [...v]);

export interface ConvSpec {
  kernel: readonly number[];
  stride?: Ints;
  padding?: Ints | "same" | "valid";
  dilation?: Ints;
  groups?: number;
}

/** ONNX pads: all begins, then all ends; "same" puts the odd pixel at the end, as torch. */
function convPads(kernel: readonly number[], padding: Ints | "same" | "valid", dilation: number[]): number[] {
  const n = kernel.length;
  if (padding === "valid") return Array(2 * n).fill(0);
  if (padding === "same") {
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    return [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
  }
  const p = list(padding, n);
  return [...p, ...p];
}

/**
 * Runs `emit` on x with a batch dim (ONNX's Conv and pools need one), removing it again from the
 * result when x came unbatched (spatial + 1 dims).
 */
function batched(cx: ExportContext, x: Tensor, spatial: number, out: Tensor, emit: (xName: string, to?: Tensor) => string): void {
  const { b } = cx;
  if (x.ndim === spatial + 2) {
    emit(b.nameOf(x), out);
    return;
  }
  const y = emit(b.node("Unsqueeze", [b.nameOf(x), b.ints([0])]));
  b.node("Squeeze", [y, b.ints([0])], {}, out);
}

export function emitConv(cx: ExportContext, x: Tensor, w: Tensor, bias: Tensor | null, spec: ConvSpec, out: Tensor): void {
  const n = spec.kernel.length;
  const dilation = list(spec.dilation ?? 1, n);
  const attrs = {
    kernel_shape: [...spec.kernel],
    strides: list(spec.stride ?? 1, n),
    pads: convPads(spec.kernel, spec.padding ?? 0, dilation),
    dilations: dilation,
    group: spec.groups ?? 1,
  };
  const inputs = (xName: string) => (bias ? [xName, cx.b.nameOf(w), cx.b.nameOf(bias)] : [xName, cx.b.nameOf(w)]);
  batched(cx, x, n, out, (xName, to) => cx.b.node("Conv", inputs(xName), attrs, to));
}

/** Options of a transposed convolution as F.convTranspose1d/2d takes them. */
export interface ConvTransposeSpec {
  dims: number;
  stride?: Ints;
  padding?: Ints;
  outputPadding?: Ints;
  dilation?: Ints;
  groups?: number;
}

/** A ConvTranspose node: torch's padding trims both sides, outputPadding adds to the end (as ONNX's output_padding). */
export function emitConvTranspose(
  cx: ExportContext,
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  spec: ConvTransposeSpec,
  out: Tensor,
): void {
  const n = spec.dims;
  const p = list(spec.padding ?? 0, n);
  const attrs = {
    kernel_shape: w.shape.slice(2),
    strides: list(spec.stride ?? 1, n),
    pads: [...p, ...p],
    dilations: list(spec.dilation ?? 1, n),
    group: spec.groups ?? 1,
    output_padding: list(spec.outputPadding ?? 0, n),
  };
  const inputs = (xName: string) => (bias ? [xName, cx.b.nameOf(w), cx.b.nameOf(bias)] : [xName, cx.b.nameOf(w)]);
  batched(cx, x, n, out, (xName, to) => cx.b.node("ConvTranspose", inputs(xName), attrs, to));
}

export interface PoolSpec {
  kernelSize: Ints;
  stride?: Ints | null;
  padding?: Ints;
  dilation?: Ints;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

export function emitPool(cx: ExportContext, op: "MaxPool" | "AveragePool", x: Tensor, spec: PoolSpec, out: Tensor, where: string): void {
  if (spec.divisorOverride != null) {
    throw new UnsupportedOpError(`exportOnnx: avgPool2d with divisorOverride in module "${where}" has no ONNX form`, "avgPool2d", where);
  }
  const kernel = list(spec.kernelSize, 2);
  const p = list(spec.padding ?? 0, 2);
  const attrs: Record<string, number | number[]> = {
    kernel_shape: kernel,
    strides: list(spec.stride ?? spec.kernelSize, 2),
    pads: [...p, ...p],
    ceil_mode: spec.ceilMode ? 1 : 0,
  };
  if (op === "MaxPool") attrs.dilations = list(spec.dilation ?? 1, 2);
  else attrs.count_include_pad = (spec.countIncludePad ?? true) ? 1 : 0;
  batched(cx, x, 2, out, (xName, to) => cx.b.node(op, [xName], attrs, to));
}
