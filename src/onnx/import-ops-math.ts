// ONNX element-wise, matrix and reduction ops run with tensorgrad ops (so gradients flow through an
// imported graph for fine-tuning).

import { linear } from "../nn/functional/linear.js";
import { acos, asin, asinh, atan, atanh, ceil, cosh, floor, prod, round, sinh, squeeze, tan, where as whereOp } from "../ops/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { IntConst, asFloat, asInts, asTensor, axis, hostValues, need, type NodeCtx, type Value } from "./import-value.js";

export type OpImpl = (cx: NodeCtx, inputs: readonly (Value | undefined)[]) => Value[];

export const MATH_OPS = new Map<string, OpImpl>();

const unary = (op: string, f: (x: Tensor, cx: NodeCtx) => Tensor) => MATH_OPS.set(op, (cx, ins) => [f(asFloat(need(cx, ins, 0)), cx)]);
unary("Relu", (x) => x.relu());
unary("Sigmoid", (x) => x.sigmoid());
unary("Tanh", (x) => x.tanh());
unary("Exp", (x) => x.exp());
unary("Log", (x) => x.log());
unary("Sqrt", (x) => x.sqrt());
unary("Erf", (x) => x.erf());
unary("Sin", (x) => x.sin());
unary("Cos", (x) => x.cos());
unary("Reciprocal", (x) => x.pow(-1));
for (const [op, f] of [
  ["Floor", floor],
  ["Ceil", ceil],
  ["Round", round],
  ["Tan", tan],
  ["Asin", asin],
  ["Acos", acos],
  ["Atan", atan],
  ["Sinh", sinh],
  ["Cosh", cosh],
  ["Asinh", asinh],
  ["Atanh", atanh],
] as const)
  unary(op, (x) => f(x));
unary("LeakyRelu", (x, cx) => x.leakyRelu(cx.float("alpha", 0.01)));
unary("Elu", (x, cx) => x.elu(cx.float("alpha", 1)));
unary("Softplus", (x) => x.softplus());
unary("Softsign", (x) => x.div(x.abs().add(1)));
unary("HardSigmoid", (x, cx) => x.mul(cx.float("alpha", 0.2)).add(cx.float("beta", 0.5)).clamp(0, 1));
unary("HardSwish", (x) => x.mul(x.add(3).clamp(0, 6)).div(6));
unary("Selu", (x, cx) => x.elu(cx.float("alpha", 1.67326319217681884765625)).mul(cx.float("gamma", 1.05070102214813232421875)));
unary("Mish", (x) => x.mul(x.softplus().tanh()));
unary("Gelu", (x, cx) => x.gelu({ approximate: cx.string("approximate", "none") === "tanh" ? "tanh" : "none" }));
unary("Softmax", (x, cx) => x.softmax(axis(cx, cx.int("axis", -1), x.ndim)));
unary("LogSoftmax", (x, cx) => x.logSoftmax(axis(cx, cx.int("axis", -1), x.ndim)));

// Sign-preserving ops that also apply to integer tensors.
for (const [op, f] of [
  ["Neg", (x: Tensor) => x.neg()],
  ["Abs", (x: Tensor) => x.abs()],
  ["Sign", (x: Tensor) => x.sign()],
] as const) {
  MATH_OPS.set(op, (cx, ins) => {
    const v = need(cx, ins, 0);
    if (v instanceof IntConst)
      return [
        new IntConst(
          v.dims,
          v.data.map((d) => (op === "Neg" ? -d : op === "Abs" ? Math.abs(d) : Math.sign(d))),
        ),
      ];
    return [f(v)];
  });
}

/**
 * Element-wise host arithmetic on integer constants (shape computations): equal shapes, or one side
 * a single value; null otherwise ([4, 1] against [1, 4] broadcasts, and goes to tensors).
 */
function hostBinary(a: IntConst, b: IntConst, f: (x: number, y: number) => number): IntConst | null {
  const rank = Math.max(a.dims.length, b.dims.length);
  const padded = (d: readonly number[]) => [...Array<number>(rank - d.length).fill(1), ...d];
  const [da, db] = [padded(a.dims), padded(b.dims)];
  const dims = da.map((n, i) => Math.max(n, db[i]));
  if (da.every((n, i) => n === db[i]))
    return new IntConst(
      dims,
      a.data.map((x, i) => f(x, b.data[i])),
    );
  if (b.size === 1)
    return new IntConst(
      dims,
      a.data.map((x) => f(x, b.data[0])),
    );
  if (a.size === 1)
    return new IntConst(
      dims,
      b.data.map((y) => f(a.data[0], y)),
    );
  return null;
}

const arith: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
  ["Add", (a, b) => a.add(b), (x, y) => x + y],
  ["Sub", (a, b) => a.sub(b), (x, y) => x - y],
  ["Mul", (a, b) => a.mul(b), (x, y) => x * y],
  ["Div", (a, b) => (a.dtype === "int32" && b.dtype === "int32" ? a.div(b).to("int32") : a.div(b)), (x, y) => Math.trunc(x / y)],
  ["Pow", (a, b) => a.pow(b), (x, y) => x ** y],
  ["Max", (a, b) => a.maximum(b), Math.max],
  ["Min", (a, b) => a.minimum(b), Math.min],
];
for (const [op, f, host] of arith) {
  MATH_OPS.set(op, (cx, ins) => {
    let acc = need(cx, ins, 0);
    for (let i = 1; i < ins.length; i++) {
      const b = need(cx, ins, i);
      const h = acc instanceof IntConst && b instanceof IntConst ? hostBinary(acc, b, host) : null;
      acc = h ?? f(asTensor(acc), asTensor(b));
    }
    return [acc];
  });
}

// Comparisons give bool tensors, as ONNX's; Where's condition and Not's input are bool in ONNX (an
// integer constant standing for one is converted).
for (const [op, f] of [
  ["Equal", (a: Tensor, b: Tensor) => a.eq(b)],
  ["Greater", (a: Tensor, b: Tensor) => a.gt(b)],
  ["Less", (a: Tensor, b: Tensor) => a.lt(b)],
  ["GreaterOrEqual", (a: Tensor, b: Tensor) => a.ge(b)],
  ["LessOrEqual", (a: Tensor, b: Tensor) => a.le(b)],
] as const) {
  MATH_OPS.set(op, (cx, ins) => [f(asTensor(need(cx, ins, 0)), asTensor(need(cx, ins, 1)))]);
}
MATH_OPS.set("Not", (cx, ins) => [asTensor(need(cx, ins, 0)).logicalNot()]);
for (const [op, f] of [
  ["And", "logicalAnd"],
  ["Or", "logicalOr"],
  ["Xor", "logicalXor"],
] as const) {
  MATH_OPS.set(op, (cx, ins) => [asTensor(need(cx, ins, 0))[f](asTensor(need(cx, ins, 1)))]);
}
MATH_OPS.set("Where", (cx, ins) => [whereOp(asTensor(need(cx, ins, 0)).bool(), asTensor(need(cx, ins, 1)), asTensor(need(cx, ins, 2)))]);
MATH_OPS.set("Clip", (cx, ins) => {
  const x = asFloat(need(cx, ins, 0));
  // Opset 11 moved min and max from attributes to optional inputs.
  const lo = ins[1] ? hostValues(cx, ins[1], "min")[0] : cx.has("min") ? cx.float("min", 0) : null;
  const hi = ins[2] ? hostValues(cx, ins[2], "max")[0] : cx.has("max") ? cx.float("max", 0) : null;
  return [lo === null && hi === null ? x : x.clamp(lo, hi)];
});

MATH_OPS.set("MatMul", (cx, ins) => [asFloat(need(cx, ins, 0)).matmul(asFloat(need(cx, ins, 1)))]);
MATH_OPS.set("Gemm", (cx, ins) => {
  let a = asFloat(need(cx, ins, 0));
  let b = asFloat(need(cx, ins, 1));
  const c = ins[2] ? asFloat(ins[2]) : null;
  const alpha = cx.float("alpha", 1);
  const beta = cx.float("beta", 1);
  if (a.ndim !== 2 || b.ndim !== 2) cx.fail(`expected 2-D A and B, got ranks ${a.ndim} and ${b.ndim}`);
  if (cx.int("transA", 0)) a = a.transpose(0, 1);
  // transB with a plain bias is exactly torch's linear: one fused kernel.
  if (cx.int("transB", 0) && alpha === 1 && beta === 1 && (c === null || c.ndim === 1)) return [linear(a, b, c)];
  if (cx.int("transB", 0)) b = b.transpose(0, 1);
  let y = a.matmul(b);
  if (alpha !== 1) y = y.mul(alpha);
  if (c) y = y.add(beta === 1 ? c : c.mul(beta));
  return [y];
});

function reduceAxes(cx: NodeCtx, ins: readonly (Value | undefined)[], x: Tensor, axesFromInput: boolean): number[] | null {
  const given = axesFromInput ? (ins[1] !== undefined ? asInts(cx, ins[1], "axes") : undefined) : cx.ints("axes");
  if (given === undefined || given.length === 0) return cx.int("noop_with_empty_axes", 0) ? [] : null;
  return given.map((a) => axis(cx, a, x.ndim));
}

/** The product over `dims`, one dim at a time (torch's prod takes one). */
function reduceProd(x: Tensor, dims: number[], keepdim: boolean): Tensor {
  let y = x;
  for (const d of dims) y = prod(y, d, true);
  return keepdim || dims.length === 0 ? y : squeeze(y, dims);
}

/** Reductions: axes moved from an attribute to an input (ReduceSum at opset 13, the rest at 18). */
for (const [op, f] of [
  ["ReduceSum", (x: Tensor, d: number[], k: boolean) => x.sum(d, k)],
  ["ReduceMean", (x: Tensor, d: number[], k: boolean) => x.mean(d, k)],
  ["ReduceMax", (x: Tensor, d: number[], k: boolean) => x.max(d, k)],
  ["ReduceMin", (x: Tensor, d: number[], k: boolean) => x.min(d, k)],
  ["ReduceProd", reduceProd],
] as const) {
  MATH_OPS.set(op, (cx, ins) => {
    const x = asTensor(need(cx, ins, 0));
    const dims = reduceAxes(cx, ins, x, cx.has("axes") ? false : ins.length > 1);
    if (dims !== null && dims.length === 0) return [x];
    const all = dims ?? x.shape.map((_, i) => i);
    return [f(x, all, cx.int("keepdims", 1) === 1)];
  });
}
for (const [op, f] of [
  ["ArgMax", (x: Tensor, d: number, k: boolean) => x.argmax(d, k)],
  ["ArgMin", (x: Tensor, d: number, k: boolean) => x.argmin(d, k)],
] as const) {
  MATH_OPS.set(op, (cx, ins) => {
    const x = asTensor(need(cx, ins, 0));
    if (cx.int("select_last_index", 0)) cx.unsupported("select_last_index=1");
    return [f(x, axis(cx, cx.int("axis", 0), x.ndim), cx.int("keepdims", 1) === 1)];
  });
}

MATH_OPS.set("PRelu", (cx, ins) => {
  const x = asFloat(need(cx, ins, 0));
  const slope = asFloat(need(cx, ins, 1));
  return [whereOp(x.lt(0), x.mul(slope), x)];
});

MATH_OPS.set("TopK", (cx, ins) => {
  const x = asTensor(need(cx, ins, 0));
  if (x.ndim === 0) cx.fail("the input is 0-d");
  const a = axis(cx, cx.int("axis", -1), x.ndim);
  // Opset 10 moved k from an attribute to an input.
  const k = ins[1] !== undefined ? asInts(cx, ins[1], "k")[0] : cx.int("k", -1);
  if (!Number.isInteger(k) || k < 0 || k > x.shape[a]) cx.fail(`k ${k} is outside 0 to ${x.shape[a]}`);
  if (cx.int("sorted", 1) !== 1) cx.unsupported("sorted=0");
  return x.topk(k, a, cx.int("largest", 1) === 1);
});
