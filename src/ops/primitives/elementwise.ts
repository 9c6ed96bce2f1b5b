// Element-wise primitives: unary maths, broadcasting binary arithmetic, comparisons, where, and
// dtype casts. Each VJP sits beside its forward; the engine sums gradients back over broadcasts.

import { definePrimitive, type Primitive } from "../../autograd/primitive.js";
import { DTypeError, ValueError } from "../../errors.js";
import { isFloat, isHalf, promote, resultType, scalarDType, type DType } from "../../tensor/dtype.js";
import { roundStorageToHalf, tagHalf, type HalfDType } from "../../tensor/half.js";
import { broadcastShapes } from "../../tensor/shape.js";
import { checkDType, checkOptions } from "../../tensor/options.js";
import { Tensor } from "../../tensor/tensor.js";
import { scalarTensor } from "../../tensor/creation.js";
import type { BinaryKernel, UnaryKernel } from "../../backend/kernel-table.js";
import { broadcastView, runKernel } from "../run-kernel.js";

export type Operand = Tensor | number;

/** A plain number as a 0-d tensor whose dtype follows torch's weak-scalar rule next to `like`. */
export function scalarLike(value: number, like: Tensor, op = "element-wise op"): Tensor {
  // An options object where torch takes a number (F.elu(x, { alpha })) would fail deep in a kernel.
  if (typeof value !== "number") {
    const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    throw new ValueError(`${op}: expected a Tensor or a number as an operand, got ${got}`);
  }
  return scalarTensor(value, scalarDType(value, like.dtype));
}

function operands(a: Operand, b: Operand, op: string): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, b instanceof Tensor ? b : scalarLike(b, a, op)];
  if (b instanceof Tensor) return [scalarLike(a, b, op), b];
  throw new TypeError(`${op}: at least one operand must be a Tensor`);
}

// ---- unary ----

export type UnaryVjp = (g: Tensor, x: Tensor, out: Tensor) => Tensor;

/** `floatOut`: int32 inputs give float32 (exp of an int); otherwise the input's dtype is kept. */
export type Saves = "none" | "inputs" | "output" | "both" | "others";

/** `saves`: what the vjp reads (see PrimitiveSpec.saves). */
export function unary(name: UnaryKernel, vjp: UnaryVjp | null, floatOut = true, saves: Saves = "inputs"): (x: Tensor) => Tensor {
  const prim: Primitive<undefined> = definePrimitive({
    name,
    saves,
    forward: (inputs) => {
      const x = inputs[0];
      if (x.dtype === "bool" && !floatOut && name !== "sign") refuseBool(name);
      // `inputs` is [x] already: no new list for the kernel.
      return runKernel(name, x.shape, floatOut && !isFloat(x.dtype) ? "float32" : x.dtype, inputs);
    },
    vjp: vjp ? (g, { inputs: [x], output }) => [vjp(g, x, output)] : undefined,
  });
  return (x) => prim([x], undefined);
}

/** The DTypeError of an op that keeps its input's dtype and has no bool form (torch refuses them too). */
function refuseBool(name: string): never {
  if (name === "neg")
    throw new DTypeError("neg: negation of a bool tensor is not supported; to invert a mask use logicalNot (or mask.eq(0))");
  if (name === "sub")
    throw new DTypeError("sub: subtracting two bool tensors is not supported; use logicalXor (or convert with .int() or .float() first)");
  throw new DTypeError(`${name}: not supported for bool tensors (as in torch); convert with .int() or .float() first`);
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * -x element-wise, keeping the dtype (torch.neg).
 * @example tg.neg(tg.tensor([1, -2]))  // [-1, 2]
 */
export const neg = unary("neg", (g) => g.neg(), false, "none");
/**
 * e^x element-wise; int32 input gives float32 (torch.exp).
 * @example
 * ```ts
 * tg.exp(tg.tensor([0, 1])).toArray(); // [1, 2.7182817]
 * ```
 */
export const exp = unary("exp", (g, _x, out) => g.mul(out), true, "output");
/**
 * e^x - 1 element-wise, accurate for small x (torch.expm1).
 * @example tg.expm1(tg.tensor([1e-8]))  // [1e-8] (exp(x) − 1 would round to 0 in float32)
 */
export const expm1 = unary("expm1", (g, _x, out) => g.mul(out.add(1)), true, "output");
/**
 * Natural logarithm element-wise; -inf at 0 and NaN below (torch.log).
 * @example tg.log(tg.tensor([1, Math.E]))  // [0, 1]
 */
export const log = unary("log", (g, x) => g.div(x));
/**
 * log(1 + x) element-wise, accurate for small x (torch.log1p).
 * @example tg.log1p(tg.tensor([1e-8]))  // [1e-8]
 */
export const log1p = unary("log1p", (g, x) => g.div(x.add(1)));
/**
 * Square root element-wise; NaN for negative inputs (torch.sqrt).
 * @example tg.sqrt(tg.tensor([4, 9]))  // [2, 3]
 */
export const sqrt = unary("sqrt", (g, _x, out) => g.div(out.mul(2)), true, "output");
/**
 * |x| element-wise, keeping the dtype; gradient sign(x), 0 at 0 (torch.abs).
 * @example tg.abs(tg.tensor([-1.5, 2]))  // [1.5, 2]
 */
export const abs = unary("abs", (g, x) => g.mul(x.sign()), false);
// sign is flat wherever it is defined: torch's gradient is zero everywhere (and sign(NaN) is 0).
/**
 * -1, 0 or 1 by the sign of each element (0 for NaN); its gradient is zero (torch.sign).
 * @example tg.sign(tg.tensor([-3, 0, 2]))  // [-1, 0, 1]
 */
export const sign = unary("sign", (g) => g.zerosLike(), false, "none");
/**
 * Sine element-wise, in radians (torch.sin).
 * @example tg.sin(tg.tensor([0, Math.PI / 2]))  // [0, 1]
 */
export const sin = unary("sin", (g, x) => g.mul(x.cos()));
/**
 * Cosine element-wise, in radians (torch.cos).
 * @example tg.cos(tg.tensor([0, Math.PI]))  // [1, -1]
 */
export const cos = unary("cos", (g, x) => g.mul(x.sin()).neg());
// d tanh = 1 - tanh², d σ = σ(1 - σ): both from the saved output.
/**
 * Hyperbolic tangent element-wise, in (-1, 1) (torch.tanh).
 * @example tg.tanh(tg.tensor([0, 1]))  // [0, 0.7616]
 */
export const tanh = unary("tanh", (g, _x, out) => g.mul(out.mul(out).neg().add(1)), true, "output");
/**
 * The logistic function 1 / (1 + e^-x) element-wise, in (0, 1) (torch.sigmoid).
 * @example tg.sigmoid(tg.tensor([0, 2]))  // [0.5, 0.8808]
 */
export const sigmoid = unary("sigmoid", (g, _x, out) => g.mul(out.mul(out.neg().add(1))), true, "output");
// torch's relu gradient is 0 at 0 (mask out > 0).
/**
 * max(x, 0) element-wise, keeping the dtype; the gradient at 0 is 0, as torch.relu.
 * @example tg.relu(tg.tensor([-1, 0, 2]))  // [0, 0, 2]
 */
export const relu = unary("relu", (g, _x, out) => reluGrad(out, g), false, "output");
// d erf(x) = 2/√π · e^{-x²}
/**
 * The Gauss error function element-wise (torch.erf).
 * @example tg.erf(tg.tensor([0, 1]))  // [0, 0.8427]
 */
export const erf = unary("erf", (g, x) => g.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI)));

// ---- binary ----

type BinaryVjp = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

// On two bools torch's add is a logical or and mul a logical and (kept in 0/1 by maximum and mul);
// sub and pow have no bool form.
const BOOL_KERNEL: Partial<Record<BinaryKernel, BinaryKernel>> = { add: "maximum", mul: "mul", maximum: "maximum", minimum: "minimum" };

function binary(
  name: BinaryKernel,
  outDType: (a: DType, b: DType) => DType,
  vjp: BinaryVjp | null,
  saves: Saves = "inputs",
): (a: Operand, b: Operand) => Tensor {
  const prim = definePrimitive({
    name,
    saves,
    forward: (inputs) => {
      const a = inputs[0],
        b = inputs[1];
      // Shapes are shared frozen arrays: equal ones are usually the same array, and need no broadcast.
      const shape = a.shape === b.shape ? a.shape : broadcastShapes(name, a.shape, b.shape);
      const common = resultType(a, b);
      const dtype = outDType(common, common);
      let kernel = name;
      if (dtype === "bool" && outDType !== compare && outDType !== floatCompare) kernel = BOOL_KERNEL[name] ?? refuseBool(name);
      const va = broadcastView(a, shape),
        vb = broadcastView(b, shape);
      return runKernel(kernel, shape, dtype, va === a && vb === b ? inputs : [va, vb]);
    },
    vjp: vjp ? (g, { inputs: [a, b], output }) => vjp(g, a, b, output) : undefined,
  });
  return (a, b) => prim(operands(a, b, name), undefined);
}

const arith = promote;
const trueDiv = (a: DType, b: DType): DType => (isFloat(a) || isFloat(b) ? promote(a, b) : "float32");
const compare = (): DType => "bool";
// Library code's gradient masks: float32 0/1, which the fast backends' float kernels take directly.
const floatCompare = (): DType => "float32";

const addPrim = binary("add", arith, (g) => [g, g], "none");
const subPrim = binary("sub", arith, (g) => [g, g.neg()], "none");

export interface AlphaOptions {
  /** Multiplier of the second operand (torch's alpha; default 1). */
  alpha?: number;
}

/**
 * a + alpha·b (torch.add).
 * @example tg.add(tg.tensor([1, 2]), tg.tensor([10, 20]), { alpha: 2 })  // [21, 42]
 */
export function add(a: Operand, b: Operand, opts?: AlphaOptions): Tensor {
  return addPrim(a, opts === undefined ? b : scaled("add", b, opts));
}

/**
 * a - alpha·b (torch.sub).
 * @example tg.sub(tg.tensor([5, 5]), 1)  // [4, 4]
 */
export function sub(a: Operand, b: Operand, opts?: AlphaOptions): Tensor {
  return subPrim(a, opts === undefined ? b : scaled("sub", b, opts));
}

function scaled(op: string, b: Operand, opts: AlphaOptions): Operand {
  checkOptions(op, opts, ["alpha"]);
  const alpha = opts.alpha ?? 1;
  if (typeof alpha !== "number") throw new ValueError(`${op}: alpha must be a number, got ${typeof alpha}`);
  if (alpha === 1) return b;
  return typeof b === "number" ? b * alpha : mul(b, alpha);
}
/**
 * a · b element-wise with NumPy broadcasting; either may be a plain number (torch.mul).
 * @example
 * ```ts
 * tg.mul(tg.tensor([[1], [2]]), tg.tensor([1, 10])).toArray(); // [[1, 10], [2, 20]]
 * ```
 */
export const mul = binary("mul", arith, (g, a, b) => [a.requiresGrad ? g.mul(b) : null, b.requiresGrad ? g.mul(a) : null], "others");
// d(a/b) = g/b, -g·a/b² = -g·out/b
/**
 * a / b element-wise with broadcasting; true division, so two int32 operands give float32 (torch.div).
 * @example tg.div(tg.tensor([1, 3], { dtype: "int32" }), 2)  // [0.5, 1.5], float32
 */
export const div = binary("div", trueDiv, (g, _a, b, out) => [g.div(b), b.requiresGrad ? g.mul(out).div(b).neg() : null], "both");
// d(aᵇ)/da = b·a^(b-1) (0 where b = 0, as torch), d(aᵇ)/db = aᵇ·ln a (0 where a = 0 and b ≥ 0)
/**
 * a raised to the power b element-wise with broadcasting; either may be a number (torch.pow).
 * @example tg.pow(tg.tensor([2, 3]), 2)  // [4, 9]
 */
export function pow(a: Operand, b: Operand): Tensor {
  // torch: "Integers to negative integer powers are not allowed." (they would truncate to 0).
  if (typeof b === "number" && b < 0 && Number.isInteger(b) && a instanceof Tensor && (a.dtype === "int32" || a.dtype === "bool")) {
    throw new ValueError(
      `pow: integers to negative integer powers are not allowed (${a.dtype} tensor to the power ${b}); convert with .float() first`,
    );
  }
  return powPrim(a, b);
}
const powPrim = binary(
  "pow",
  arith,
  (g, a, b, out) => [
    a.requiresGrad ? whereMask(floatMask.eq(b, 0), 0, g.mul(b).mul(a.pow(b.sub(1)))) : null,
    b.requiresGrad ? whereMask(floatMask.eq(a, 0).mul(floatMask.ge(b, 0)), 0, g.mul(out).mul(a.log())) : null,
  ],
  "both",
);
// Ties split the gradient evenly, as torch does for maximum/minimum.
/**
 * The element-wise larger of a and b, broadcasting; a tie splits the gradient evenly (torch.maximum).
 * @example tg.maximum(tg.tensor([1, 5]), tg.tensor([3, 2]))  // [3, 5]
 */
export const maximum = binary("maximum", arith, (g, a, b) => extremeGrads(g, a, b, floatMask.lt, floatMask.gt));
/**
 * The element-wise smaller of a and b, broadcasting; a tie splits the gradient evenly (torch.minimum).
 * @example tg.minimum(tg.tensor([1, 5]), tg.tensor([3, 2]))  // [1, 2]
 */
export const minimum = binary("minimum", arith, (g, a, b) => extremeGrads(g, a, b, floatMask.gt, floatMask.lt));

/**
 * maximum/minimum's gradients as torch's: each side gets g unless it lost (`aLoses`/`bLoses`), half on
 * a tie; a NaN compares neither way, so both sides get g there, as torch's masked_fill leaves them.
 */
function extremeGrads(g: Tensor, a: Tensor, b: Tensor, aLoses: BinaryMask, bLoses: BinaryMask): [Tensor | null, Tensor | null] {
  const half = floatMask.eq(a, b).mul(0.5);
  return [
    a.requiresGrad ? g.mul(aLoses(a, b).add(half).neg().add(1)) : null,
    b.requiresGrad ? g.mul(bLoses(a, b).add(half).neg().add(1)) : null,
  ];
}
type BinaryMask = (a: Operand, b: Operand) => Tensor;

/**
 * true where a == b, broadcasting; a bool tensor (torch.eq).
 * @example tg.eq(tg.tensor([1, 2]), 2)  // [false, true]
 */
export const eq = binary("eq", compare, null);
/**
 * true where a != b, broadcasting; a bool tensor (torch.ne).
 * @example tg.ne(tg.tensor([1, 2]), 2)  // [true, false]
 */
export const ne = binary("ne", compare, null);
/**
 * true where a > b, broadcasting; a bool tensor (torch.gt).
 * @example tg.gt(tg.tensor([1, 2, 3]), 2)  // [false, false, true]
 */
export const gt = binary("gt", compare, null);
/**
 * true where a < b, broadcasting; a bool tensor (torch.lt).
 * @example tg.lt(tg.tensor([1, 2, 3]), 2)  // [true, false, false]
 */
export const lt = binary("lt", compare, null);
/**
 * true where a >= b, broadcasting; a bool tensor (torch.ge).
 * @example tg.ge(tg.tensor([1, 2, 3]), 2)  // [false, true, true]
 */
export const ge = binary("ge", compare, null);
/**
 * true where a <= b, broadcasting; a bool tensor (torch.le).
 * @example tg.le(tg.tensor([1, 2, 3]), 2)  // [true, true, false]
 */
export const le = binary("le", compare, null);

/**
 * @internal Comparisons giving float32 0/1 instead of bool, for the library's own gradient masks
 * (relu's, maximum's): the fast backends' float kernels take them without a conversion.
 */
export const floatMask = {
  eq: binary("eq", floatCompare, null),
  ne: binary("ne", floatCompare, null),
  gt: binary("gt", floatCompare, null),
  lt: binary("lt", floatCompare, null),
  ge: binary("ge", floatCompare, null),
  le: binary("le", floatCompare, null),
};

/**
 * relu's gradient in one kernel: `g` where `out` (relu's output) is positive, else 0 (torch's
 * threshold_backward). Its own gradient, for second derivatives, is the same mask on the upstream
 * gradient, and zeros for `out` (the mask is flat almost everywhere), as torch's.
 */
export const reluGrad: (out: Tensor, g: Tensor) => Tensor = binary(
  "reluGrad",
  arith,
  (G, out) => [out.requiresGrad ? G.zerosLike() : null, reluGrad(out, G)],
  "inputs",
);

// ---- where ----

const wherePrim = definePrimitive({
  name: "where",
  saves: "inputs",
  forward: ([c, a, b]) => {
    const shape = broadcastShapes("where", broadcastShapes("where", c.shape, a.shape), b.shape);
    return runKernel(
      "where",
      shape,
      resultType(a, b),
      [c, a, b].map((t) => broadcastView(t, shape)),
    );
  },
  vjp: (g, { inputs: [c, a, b] }) => {
    const zero = scalarLike(0, g);
    return [null, a.requiresGrad ? whereMask(c, g, zero) : null, b.requiresGrad ? whereMask(c, zero, g) : null];
  },
});

/**
 * Picks `a` where the bool `cond` is true, else `b`, broadcasting all three (torch.where; another
 * condition dtype is a DTypeError, as in torch).
 * @example tg.where(tg.tensor([true, false, true]), tg.tensor([1, 2, 3]), 0)  // [1, 0, 3]
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  requireBoolMask("where", cond, "condition");
  return whereMask(cond, a, b);
}

/**
 * The DTypeError torch gives for a mask that is not bool: names `op`, the dtype got, and the fix.
 */
export function requireBoolMask(op: string, mask: Tensor, what = "mask"): void {
  if (mask.dtype !== "bool") {
    throw new DTypeError(
      `${op}: expected a bool ${what}, got ${mask.dtype}; pass a bool tensor (a comparison such as x.gt(0), or ${what === "mask" ? "mask" : what}.bool())`,
    );
  }
}

/** @internal where() for the library's own masks, of any dtype (non-zero picks `a`): no dtype check. */
export function whereMask(cond: Tensor, a: Operand, b: Operand): Tensor {
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : cond;
  const ta = a instanceof Tensor ? a : scalarLike(a, like);
  const tb = b instanceof Tensor ? b : scalarLike(b, like);
  return wherePrim([cond, ta, tb], undefined);
}

// ---- casts and copies ----

export const cast = (x: Tensor, dtype: DType): Tensor => (x.dtype === dtype ? x : castPrim([x], checkDType("to", dtype)));

const castPrim = definePrimitive<DType>({
  name: "cast",
  saves: "none",
  forward: ([x], dtype) => {
    // To bool: true where non-zero, NaN included (x != 0), as torch's cast.
    if (dtype === "bool") return runKernel("ne", x.shape, "bool", [x, broadcastView(scalarTensor(0, x.dtype), x.shape)]);
    const out = runKernel("copy", x.shape, dtype, [x]);
    return isHalf(dtype) ? roundedToHalf(out, dtype) : out;
  },
  vjp: (g, { inputs: [x] }) => {
    if (!isFloat(x.dtype)) throw new DTypeError(`cast: an ${x.dtype} tensor cannot receive a gradient`);
    return [g.to(x.dtype)];
  },
});

/**
 * A contiguous copy that stays in the graph (torch's clone).
 * @example tg.clone(tg.tensor([1, 2]))  // [1, 2] in new storage, still in the graph
 */
export const clone = (x: Tensor): Tensor => copyPrim([x], undefined);
/** `x` itself when contiguous, else a contiguous copy. */
export const contiguous = (x: Tensor): Tensor => (x.isContiguous ? x : copyPrim([x], undefined));

const copyPrim = definePrimitive({
  name: "copy",
  saves: "none",
  forward: ([x]) => {
    const out = runKernel("copy", x.shape, x.dtype, [x]);
    return isHalf(x.dtype) ? asHalf(out, x.dtype) : out;
  },
  vjp: (g) => [g],
});

/** `t` (a fresh float32 tensor whose values are already `dtype` values) seen as a `dtype` tensor. */
function asHalf(t: Tensor, dtype: HalfDType): Tensor {
  tagHalf(t.storage, dtype);
  return new Tensor(t.storage, t.shape);
}

/**
 * Rounds the fresh float32 tensor `t` to `dtype` in place (on the CPU: round-to-nearest-even as
 * torch) and returns it as a `dtype` tensor. A device backend has no rounding kernel: a DTypeError
 * names the ways round it.
 */
function roundedToHalf(t: Tensor, dtype: HalfDType): Tensor {
  roundStorageToHalf(
    "to",
    t.storage,
    dtype,
    `a cast to ${dtype} rounds on the CPU, and this tensor is on the "{backend}" backend; cast on the CPU (\`(await t.cpu()).to("${dtype}")\`, then toBackend("{backend}") keeps the dtype) or keep float32`,
  );
  return new Tensor(t.storage, t.shape);
}
