// ONNX nodes for tensorgrad's primitives: what arbitrary tensor code in a custom forward becomes.
// Each converter receives the traced call (inputs, params, output) and binds the output's name.

import { UnsupportedOpError } from "../errors.js";
import type { ReduceParams } from "../ops/primitives/reduce.js";
import type { SliceParams } from "../ops/primitives/movement.js";
import { promote, type DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { GraphBuilder, onnxType } from "./graph-builder.js";
import { emitConv, emitConvTranspose, emitPool, type ConvTransposeSpec, type PoolSpec } from "./export-conv.js";

/** Context of one export: the builder, the opset and how batch-like dims are kept symbolic. */
export interface ExportContext {
  readonly b: GraphBuilder;
  readonly opset: number;
  /** The module path being traced, for errors. */
  where(): string;
}

export type PrimitiveConverter = (cx: ExportContext, inputs: readonly Tensor[], params: any, out: Tensor) => void;

/** `t`'s value name, cast to `dtype` if it has another. */
export function as(cx: ExportContext, t: Tensor, dtype: DType): string {
  const name = cx.b.nameOf(t);
  return t.dtype === dtype ? name : cx.b.node("Cast", [name], { to: onnxType(dtype) });
}

const UNARY: Record<string, string> = {
  neg: "Neg",
  exp: "Exp",
  log: "Log",
  sqrt: "Sqrt",
  abs: "Abs",
  sign: "Sign",
  sin: "Sin",
  cos: "Cos",
  tanh: "Tanh",
  sigmoid: "Sigmoid",
  relu: "Relu",
  erf: "Erf",
  tan: "Tan",
  asin: "Asin",
  acos: "Acos",
  atan: "Atan",
  sinh: "Sinh",
  cosh: "Cosh",
  asinh: "Asinh",
  atanh: "Atanh",
};
const ARITH: Record<string, string> = { add: "Add", sub: "Sub", mul: "Mul", div: "Div", pow: "Pow", maximum: "Max", minimum: "Min" };
const COMPARE: Record<string, [string, boolean]> = {
  eq: ["Equal", false],
  ne: ["Equal", true],
  gt: ["Greater", false],
  lt: ["Less", false],
  ge: ["GreaterOrEqual", false],
  le: ["LessOrEqual", false],
};

/**
 * A Reshape target for `to` from `from`: the leading dims that stay equal are written 0 ("copy from
 * the input"), so a dynamic batch (or sequence) dim flows through instead of being frozen.
 */
export function reshapeTarget(from: readonly number[], to: readonly number[]): number[] {
  const target = [...to];
  for (let i = 0; i < Math.min(from.length, to.length) && from[i] === to[i]; i++) target[i] = 0;
  return target;
}

/** The positions of the size-1 dims of `long` that, taken out, leave `short`; null if no such set. */
function onesBetween(long: readonly number[], short: readonly number[]): number[] | null {
  if (long.length <= short.length) return null;
  const at: number[] = [];
  let j = 0;
  for (let i = 0; i < long.length; i++) {
    if (j < short.length && long[i] === short[j])
      j++; // matching early is safe: short is a subsequence
    else if (long[i] === 1) at.push(i);
    else return null;
  }
  return j === short.length ? at : null;
}

/** A reduction over `dims`: axes as an attribute before `inputsFrom` (the opset that moved them to an input). */
export function reduce(
  cx: ExportContext,
  op: string,
  x: string,
  dims: readonly number[],
  keepdim: boolean,
  out: Tensor | undefined,
  inputsFrom: number,
): string {
  if (cx.opset >= inputsFrom) return cx.b.node(op, [x, cx.b.ints(dims, "axes")], { keepdims: keepdim ? 1 : 0 }, out);
  return cx.b.node(op, [x], { axes: dims, keepdims: keepdim ? 1 : 0 }, out);
}

/**
 * x·Wᵀ + b. Inputs of other ranks than 2 go through Gemm too, flattened to rows and reshaped back
 * with their own leading dims (read with Shape, so dynamic dims stay dynamic): one kernel per
 * product, as tensorgrad's linear computes it.
 */
function linear(cx: ExportContext, x: string, xRank: number, inFeatures: number, w: string, bias: string | null, out: Tensor): void {
  const { b } = cx;
  const gemm = (rows: string, to?: Tensor) => b.node("Gemm", bias ? [rows, w, bias] : [rows, w], { transB: 1 }, to);
  if (xRank === 2) {
    gemm(x, out);
    return;
  }
  const n = out.shape[out.ndim - 1];
  const rows = b.node("Reshape", [x, b.ints([-1, inFeatures])]);
  // Shape's start/end attributes need opset 15; Slice does the same everywhere.
  const lead = b.node("Slice", [b.node("Shape", [x]), b.ints([0]), b.ints([xRank - 1]), b.ints([0])]);
  b.node("Reshape", [gemm(rows), b.node("Concat", [lead, b.ints([n])], { axis: 0 })], {}, out);
}

export { linear as emitLinear };

export const PRIMITIVES = new Map<string, PrimitiveConverter>();

for (const [name, op] of Object.entries(UNARY)) {
  // sign keeps a bool tensor as it is (ONNX's Sign has no bool form).
  PRIMITIVES.set(name, (cx, [x], _p, out) => void cx.b.node(out.dtype === "bool" ? "Identity" : op, [as(cx, x, out.dtype)], {}, out));
}
// On two bools tensorgrad's add and maximum are a logical or, mul and minimum a logical and (as torch).
const BOOL_ARITH: Record<string, string> = { add: "Or", maximum: "Or", mul: "And", minimum: "And" };
// Floor and Ceil are float-only in ONNX; on integers they are the identity.
for (const [name, op] of [
  ["floor", "Floor"],
  ["ceil", "Ceil"],
] as const) {
  PRIMITIVES.set(name, (cx, [x], _p, out) => void cx.b.node(x.dtype === "int32" ? "Identity" : op, [as(cx, x, out.dtype)], {}, out));
}
// Round is half to even in ONNX as in torch; ONNX has no Trunc: floor above zero, ceil below.
PRIMITIVES.set("round", (cx, [x], _p, out) => void cx.b.node(x.dtype === "int32" ? "Identity" : "Round", [cx.b.nameOf(x)], {}, out));
PRIMITIVES.set("trunc", (cx, [x], _p, out) => {
  const { b } = cx;
  if (x.dtype === "int32") return void b.node("Identity", [b.nameOf(x)], {}, out);
  const v = b.nameOf(x);
  b.node("Where", [b.node("Less", [v, b.scalar(0, x.dtype)]), b.node("Ceil", [v]), b.node("Floor", [v])], {}, out);
});
for (const [name, base] of [
  ["log2", Math.LN2],
  ["log10", Math.LN10],
] as const) {
  PRIMITIVES.set(
    name,
    (cx, [x], _p, out) => void cx.b.node("Div", [cx.b.node("Log", [as(cx, x, out.dtype)]), cx.b.scalar(base, out.dtype)], {}, out),
  );
}
PRIMITIVES.set("exp2", (cx, [x], _p, out) => void cx.b.node("Pow", [cx.b.scalar(2, out.dtype), as(cx, x, out.dtype)], {}, out));
PRIMITIVES.set("expm1", (cx, [x], _p, out) => {
  const e = cx.b.node("Exp", [as(cx, x, out.dtype)]);
  cx.b.node("Sub", [e, cx.b.scalar(1, out.dtype)], {}, out);
});
PRIMITIVES.set("log1p", (cx, [x], _p, out) => {
  const s = cx.b.node("Add", [as(cx, x, out.dtype), cx.b.scalar(1, out.dtype)]);
  cx.b.node("Log", [s], {}, out);
});
for (const [name, op] of Object.entries(ARITH)) {
  PRIMITIVES.set(
    name,
    (cx, [a, c], _p, out) =>
      void cx.b.node(out.dtype === "bool" ? BOOL_ARITH[name]! : op, [as(cx, a, out.dtype), as(cx, c, out.dtype)], {}, out),
  );
}
for (const [name, [op, negate]] of Object.entries(COMPARE)) {
  PRIMITIVES.set(name, (cx, [a, c], _p, out) => {
    // ONNX compares numbers: bool operands are compared as int32 (false < true, as torch).
    let common: DType = promote(a.dtype, c.dtype);
    if (common === "bool") common = "int32";
    const r = cx.b.node(op, [as(cx, a, common), as(cx, c, common)], {}, negate || out.dtype !== "bool" ? undefined : out);
    // A bool result is the comparison itself (as torch exports it); the library's float masks are cast.
    if (negate) {
      const n = cx.b.node("Not", [r], {}, out.dtype === "bool" ? out : undefined);
      if (out.dtype !== "bool") cx.b.node("Cast", [n], { to: onnxType(out.dtype) }, out);
    } else if (out.dtype !== "bool") {
      cx.b.node("Cast", [r], { to: onnxType(out.dtype) }, out);
    }
  });
}
PRIMITIVES.set("where", (cx, [c, a, e], _p, out) => {
  const cond = c.dtype === "bool" ? cx.b.nameOf(c) : cx.b.node("Cast", [cx.b.nameOf(c)], { to: 9 });
  cx.b.node("Where", [cond, as(cx, a, out.dtype), as(cx, e, out.dtype)], {}, out);
});
PRIMITIVES.set("cast", (cx, [x], _p, out) => void cx.b.node("Cast", [cx.b.nameOf(x)], { to: onnxType(out.dtype) }, out));
PRIMITIVES.set("copy", (cx, [x], _p, out) => void cx.b.node("Identity", [cx.b.nameOf(x)], {}, out));
PRIMITIVES.set("reshape", (cx, [x], shape: readonly number[], out) => {
  // Adding or dropping size-1 dims (unsqueeze, squeeze) names no other size, so every dim stays dynamic.
  const removed = onesBetween(x.shape, shape);
  if (removed !== null && removed.length > 0) return void cx.b.node("Squeeze", [cx.b.nameOf(x), cx.b.ints(removed)], {}, out);
  const added = onesBetween(shape, x.shape);
  if (added !== null && added.length > 0) return void cx.b.node("Unsqueeze", [cx.b.nameOf(x), cx.b.ints(added)], {}, out);
  cx.b.node("Reshape", [cx.b.nameOf(x), cx.b.ints(reshapeTarget(x.shape, shape))], {}, out);
});
PRIMITIVES.set("permute", (cx, [x], dims: readonly number[], out) => void cx.b.node("Transpose", [cx.b.nameOf(x)], { perm: dims }, out));
PRIMITIVES.set("expand", (cx, [x], shape: readonly number[], out) => {
  // Expand broadcasts both ways: a 1 keeps the input's own size, which may be a dynamic dim.
  const lead = shape.length - x.ndim;
  const target = shape.map((d, i) => (i >= lead && x.shape[i - lead] === d ? 1 : d));
  cx.b.node("Expand", [cx.b.nameOf(x), cx.b.ints(target)], {}, out);
});
PRIMITIVES.set("slice", (cx, [x], p: SliceParams, out) => {
  const { b } = cx;
  // An end at the dim's size means "to the end", which stays right when that dim is dynamic.
  const end = p.end >= x.shape[p.dim] ? Number.MAX_SAFE_INTEGER : p.end;
  b.node(
    "Slice",
    [b.nameOf(x), b.ints([p.start], "starts"), b.ints([end], "ends"), b.ints([p.dim], "axes"), b.ints([p.step], "steps")],
    {},
    out,
  );
});
PRIMITIVES.set(
  "cat",
  (cx, xs, dim: number, out) =>
    void cx.b.node(
      "Concat",
      xs.map((x) => as(cx, x, out.dtype)),
      { axis: dim },
      out,
    ),
);
// A bool sum counts in int32 (as( ) casts); ReduceMax/Min of bools reduce 0/1 int32 and cast back.
PRIMITIVES.set("sum", (cx, [x], p: ReduceParams, out) => void reduce(cx, "ReduceSum", as(cx, x, out.dtype), p.dims, p.keepdim, out, 13));
for (const [name, op] of [
  ["max", "ReduceMax"],
  ["min", "ReduceMin"],
] as const) {
  PRIMITIVES.set(name, (cx, [x], p: ReduceParams, out) => {
    if (x.dtype !== "bool") return void reduce(cx, op, cx.b.nameOf(x), p.dims, p.keepdim, out, 18);
    const r = reduce(cx, op, as(cx, x, "int32"), p.dims, p.keepdim, undefined, 18);
    cx.b.node("Cast", [r], { to: onnxType("bool") }, out);
  });
}
for (const [name, op] of [
  ["argmax", "ArgMax"],
  ["argmin", "ArgMin"],
] as const) {
  PRIMITIVES.set(name, (cx, [x], p: ReduceParams, out) => {
    if (p.dims.length !== 1) {
      // argmax over everything: flatten first, as torch.argmax without a dim does.
      const flat = cx.b.node("Reshape", [cx.b.nameOf(x), cx.b.ints([-1])]);
      const r = cx.b.node(op, [flat], { axis: 0, keepdims: 0 });
      if (!p.keepdim) return void cx.b.node("Cast", [r], { to: onnxType("int32") }, out);
      // keepdim keeps every dim as size 1, as torch.
      const cast = cx.b.node("Cast", [r], { to: onnxType("int32") });
      cx.b.node("Reshape", [cast, cx.b.ints(x.shape.map(() => 1))], {}, out);
      return;
    }
    const r = cx.b.node(op, [cx.b.nameOf(x)], { axis: p.dims[0], keepdims: p.keepdim ? 1 : 0 });
    cx.b.node("Cast", [r], { to: onnxType("int32") }, out);
  });
}
PRIMITIVES.set("prod", (cx, [x], p: { dim?: number; keepdim: boolean }, out) => {
  if (x.ndim === 0) return void cx.b.node("Identity", [cx.b.nameOf(x)], {}, out);
  const dims = p.dim === undefined ? x.shape.map((_, i) => i) : [p.dim < 0 ? p.dim + x.ndim : p.dim];
  reduce(cx, "ReduceProd", cx.b.nameOf(x), dims, p.dim !== undefined && p.keepdim, out, 18);
});
PRIMITIVES.set("softmax", (cx, [x], dim: number, out) => void cx.b.node("Softmax", [cx.b.nameOf(x)], { axis: dim }, out));
PRIMITIVES.set("logSoftmax", (cx, [x], dim: number, out) => void cx.b.node("LogSoftmax", [cx.b.nameOf(x)], { axis: dim }, out));
PRIMITIVES.set("matmul", (cx, [a, c], _p, out) => void cx.b.node("MatMul", [as(cx, a, out.dtype), as(cx, c, out.dtype)], {}, out));
PRIMITIVES.set("linear", (cx, [x, w, bias], _p, out) => {
  linear(cx, as(cx, x, out.dtype), x.ndim, x.shape[x.ndim - 1], as(cx, w, out.dtype), bias ? as(cx, bias, out.dtype) : null, out);
});
PRIMITIVES.set("gather", (cx, [x, index], p: { dim: number }, out) => {
  cx.b.node("GatherElements", [cx.b.nameOf(x), cx.b.nameOf(index)], { axis: p.dim }, out);
});

PRIMITIVES.set("scatterAdd", (cx, [src, index], p: { dim: number; shape: readonly number[] }, out) => {
  const { b } = cx;
  // ScatterElements gained its add reduction in opset 16.
  if (cx.opset < 16)
    throw new UnsupportedOpError(
      `exportOnnx: scatterAdd in module "${cx.where()}" needs opset 16 or later (ScatterElements with reduction "add"), got ${cx.opset}`,
      "scatterAdd",
      cx.where(),
    );
  const zero = {
    name: "",
    dataType: onnxType(out.dtype),
    dims: [1],
    data: out.dtype === "float32" ? Float32Array.of(0) : Float64Array.of(0),
  };
  const zeros = b.node("ConstantOfShape", [b.ints(p.shape)], { value: zero });
  // torch reads only the index-shaped corner of src; ONNX wants updates of the indices' shape.
  let updates = b.nameOf(src);
  if (src.shape.some((d, i) => d !== index.shape[i])) {
    updates = b.node("Slice", [updates, b.ints(index.shape.map(() => 0)), b.ints(index.shape), b.ints(index.shape.map((_, i) => i))]);
  }
  b.node("ScatterElements", [zeros, b.nameOf(index), updates], { axis: p.dim, reduction: "add" }, out);
});
PRIMITIVES.set("cumsum", (cx, [x], p: { dim: number; reverse: boolean }, out) => {
  cx.b.node("CumSum", [as(cx, x, out.dtype), cx.b.intScalar(p.dim)], { reverse: p.reverse ? 1 : 0 }, out);
});

PRIMITIVES.set("argsort", (cx, [x], p: { dim: number; descending: boolean }, out) => {
  // TopK over the whole dim: ONNX breaks ties by the lower index, as tensorgrad's stable argsort; its
  // int64 indices are cast to tensorgrad's int32.
  if (x.ndim === 0)
    throw new UnsupportedOpError(`exportOnnx: argsort of a 0-d tensor in module "${cx.where()}" has no ONNX form`, "argsort", cx.where());
  const [, indices] = cx.b.multiNode("TopK", [cx.b.nameOf(x), cx.b.ints([x.shape[p.dim]], "k")], 2, {
    axis: p.dim,
    largest: p.descending ? 1 : 0,
    sorted: 1,
  });
  cx.b.node("Cast", [indices], { to: onnxType("int32") }, out);
});

// Composite ops reported as one unit (see composite() in autograd/primitive.ts).
for (const op of ["conv1d", "conv2d"]) {
  PRIMITIVES.set(
    op,
    (cx, [x, w, bias], p: { dims: number; stride?: number; padding?: number; dilation?: number; groups?: number }, out) => {
      emitConv(cx, x, w, bias ?? null, { ...p, kernel: w.shape.slice(2) }, out);
    },
  );
}
for (const op of ["convTranspose1d", "convTranspose2d"]) {
  PRIMITIVES.set(op, (cx, [x, w, bias], p: ConvTransposeSpec, out) => emitConvTranspose(cx, x, w, bias ?? null, p, out));
}
PRIMITIVES.set("maxPool2d", (cx, [x], p: PoolSpec, out) => emitPool(cx, "MaxPool", x, p, out, cx.where()));
PRIMITIVES.set("avgPool2d", (cx, [x], p: PoolSpec, out) => emitPool(cx, "AveragePool", x, p, out, cx.where()));
