// Element-wise maths built from primitives (torch's frac, reciprocal, rsqrt, remainder, logit, lerp,
// addcmul, isnan, isinf, isfinite, nanToNum, logical_not/and/or/xor); their gradients come from the
// primitives'.

import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";
import { add, div, mul, sub, where, type Operand } from "../primitives/elementwise.js";
import { floor, trunc } from "../primitives/unary-math.js";
import { onesLike, zerosLike } from "../../tensor/creation.js";
import { isFloat, resultType, scalarDType, type DType } from "../../tensor/dtype.js";
import { widestFloat } from "../../backend/current.js";

/**
 * x - trunc(x), the fractional part with x's sign (torch.frac; gradient 1).
 * @example tg.frac(tg.tensor([1.5, -1.25]))  // [0.5, -0.25]
 */
export function frac(x: Tensor): Tensor {
  return x.sub(trunc(x).detach());
}

/**
 * 1 / x (torch.reciprocal).
 * @example tg.reciprocal(tg.tensor([2, 4]))  // [0.5, 0.25]
 */
export function reciprocal(x: Tensor): Tensor {
  return div(1, x);
}

/**
 * 1 / √x (torch.rsqrt).
 * @example tg.rsqrt(tg.tensor([4, 16]))  // [0.5, 0.25]
 */
export function rsqrt(x: Tensor): Tensor {
  return div(1, x.sqrt());
}

/** Options of div (torch.div's rounding_mode, camelCase). */
export interface DivOptions {
  /** null (true division, the default), "trunc" (toward zero) or "floor" (toward -inf, as Python's //). */
  roundingMode?: "floor" | "trunc" | null;
}

/**
 * a / b (torch.div). With a roundingMode the quotient is rounded: "trunc" toward zero, "floor" toward
 * -inf as Python's // (1 // 0.1 is 9: computed in float64, so float32's rounded 1/0.1 = 10 does not
 * leak in); two integer operands then give int32, and the gradient is zero, as torch.
 * @example tg.div(tg.tensor([-7, 7]), 2, { roundingMode: "floor" })  // [-4, 3]
 */
export function divide(a: Operand, b: Operand, opts?: DivOptions): Tensor {
  if (opts === undefined) return div(a, b);
  checkOptions("div", opts, ["roundingMode"]);
  const mode = opts.roundingMode ?? null;
  if (mode === null) return div(a, b);
  if (mode !== "floor" && mode !== "trunc") {
    throw new ValueError(`div: roundingMode must be "trunc", "floor" or null, got ${JSON.stringify(mode)}`);
  }
  const ints = isInt(a) && isInt(b);
  if (ints && b === 0) throw new ValueError("div: integer division by zero");
  // torch truncates the rounded float quotient (trunc(1 / 0.1) is 10 in float32) but floors exactly;
  // integers divide exactly either way. floor and trunc pass a zero gradient, as torch's.
  const wide = ints || mode === "floor" ? widestFloat() : null;
  const [x, y] = wide === null ? [a, b] : [a, b].map((v) => (typeof v === "number" ? v : v.to(wide)));
  const q = div(x, y);
  return (mode === "floor" ? floor(q) : trunc(q)).to(ints ? "int32" : quotientDType(a, b));
}

// The float dtype a / b has: a number takes its dtype next to the tensor, then torch.result_type.
function quotientDType(a: Operand, b: Operand): DType {
  const like = typeof a === "number" ? (b as Tensor) : a;
  const [da, db] = [a, b].map((v) => (typeof v === "number" ? { dtype: scalarDType(v, like.dtype), ndim: 0 } : v));
  const d = resultType(da, db);
  return isFloat(d) ? d : "float32";
}

/**
 * a - floor(a / b)·b: the remainder with the divisor's sign, as Python's % and torch.remainder.
 * @example tg.remainder(tg.tensor([5, -5]), 3)  // [2, 1]: the divisor's sign, as Python's %
 */
export function remainder(a: Operand, b: Operand): Tensor {
  if (isInt(a) && isInt(b)) return intRemainder(a, b);
  // torch's remainder is exact (fmod, then b added where the signs differ): computed in float64 and
  // rounded once, so remainder(1e7 + 1, 0.1) is 0.051 and remainder(0.3, 0.1) 7.5e-9 (not float32's 0).
  // The quotient is piecewise constant: torch's gradient is 1 for a and -floor(a/b) for b.
  // Each operand is first what torch computes with: converted to the result's dtype (0.1 as float32).
  const dtype = quotientDType(a, b);
  const wide = dtype === "float64" ? "float64" : widestFloat();
  const [x, y] = [a, b].map((v) => (typeof v === "number" ? (dtype === "float64" ? v : Math.fround(v)) : v.to(dtype).to(wide)));
  const q = floor(div(x, y)).detach();
  return sub(x, mul(q, y)).to(dtype);
}

// An int32 tensor or a whole number: two of them keep torch's integer remainder (int64 there, int32 here).
function isInt(v: Operand): boolean {
  return typeof v === "number" ? Number.isInteger(v) : v.dtype === "int32" || v.dtype === "bool";
}

function intRemainder(a: Operand, b: Operand): Tensor {
  // torch raises ZeroDivisionError for an integer divisor of 0 (checked here where it is a number).
  if (b === 0) throw new ValueError("remainder: integer division by zero");
  // Exact in float64 for every int32 pair (float32 on WebGPU, exact below 2^24); floor division
  // rounds toward -inf, so r takes b's sign.
  const wide = widestFloat();
  const [x, y] = [a, b].map((v) => (typeof v === "number" ? v : v.to(wide)));
  const r = sub(x, mul(floor(div(x, y)), y));
  return r.to("int32");
}

/**
 * log(x / (1 - x)), with x first clamped to [eps, 1 - eps] when eps is given (torch.logit).
 * @example tg.logit(tg.tensor([0.5, 0.75]))  // [0, 1.0986]
 */
export function logit(x: Tensor, eps: number | null = null): Tensor {
  const z = eps === null ? x : x.clamp(eps, 1 - eps);
  return z.div(z.neg().add(1)).log();
}

/**
 * start + weight·(end - start) (torch.lerp).
 * @example tg.lerp(tg.tensor([0, 10]), tg.tensor([10, 20]), 0.25)  // [2.5, 12.5]
 */
export function lerp(start: Tensor, end: Tensor, weight: Operand): Tensor {
  return add(start, mul(weight, end.sub(start)));
}

/**
 * input + value·t1·t2 (torch.addcmul).
 * @example tg.addcmul(tg.tensor([1, 1]), tg.tensor([2, 3]), tg.tensor([4, 5]), { value: 0.5 })  // [5, 8.5]
 */
export function addcmul(input: Tensor, t1: Tensor, t2: Tensor, opts: { value?: number } = {}): Tensor {
  checkOptions("addcmul", opts, ["value"]);
  const { value = 1 } = opts;
  return add(input, mul(t1.mul(t2), value));
}

/**
 * true where x is NaN; a bool tensor (torch.isnan).
 * @example tg.isnan(tg.tensor([1, NaN]))  // [false, true]
 */
export function isnan(x: Tensor): Tensor {
  return x.ne(x);
}

/**
 * true where x is ±∞; a bool tensor (torch.isinf).
 * @example tg.isinf(tg.tensor([1, Infinity, -Infinity]))  // [false, true, true]
 */
export function isinf(x: Tensor): Tensor {
  if (x.dtype === "bool") return zerosLike(x);
  return x.abs().eq(Infinity);
}

/**
 * true where x is neither NaN nor ±∞; a bool tensor (torch.isfinite).
 * @example tg.isfinite(tg.tensor([1, NaN, Infinity]))  // [true, false, false]
 */
export function isfinite(x: Tensor): Tensor {
  if (x.dtype === "bool") return onesLike(x);
  return x.abs().lt(Infinity);
}

/**
 * true where x is zero (false where non-zero or NaN); a bool tensor (torch.logical_not, Python's `~`
 * on a mask).
 * @example tg.logicalNot(tg.tensor([true, false]))  // [false, true]
 */
export function logicalNot(x: Tensor): Tensor {
  return x.eq(0);
}

/**
 * true where both a and b are non-zero, broadcasting; a bool tensor (torch.logical_and, `&` on masks).
 * @example tg.logicalAnd(tg.tensor([true, true]), tg.tensor([true, false]))  // [true, false]
 */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return mul(a.bool(), b.bool());
}

/**
 * true where a or b is non-zero, broadcasting; a bool tensor (torch.logical_or, `|` on masks).
 * @example tg.logicalOr(tg.tensor([true, false]), tg.tensor([false, false]))  // [true, false]
 */
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  return add(a.bool(), b.bool());
}

/**
 * true where exactly one of a and b is non-zero, broadcasting; a bool tensor (torch.logical_xor, `^`).
 * @example tg.logicalXor(tg.tensor([true, true]), tg.tensor([true, false]))  // [false, true]
 */
export function logicalXor(a: Tensor, b: Tensor): Tensor {
  return a.bool().ne(b.bool());
}

export interface NanToNumOptions {
  /** Replaces NaN (default 0). */
  nan?: number;
  /** Replaces +∞ (default the dtype's largest finite value). */
  posinf?: number | null;
  /** Replaces -∞ (default the dtype's lowest finite value). */
  neginf?: number | null;
}

/**
 * NaN and ±∞ replaced by finite numbers (torch.nan_to_num); the gradient passes where x was finite.
 * @example tg.nanToNum(tg.tensor([NaN, Infinity, -1]), { posinf: 100 })  // [0, 100, -1]
 */
export function nanToNum(x: Tensor, opts: NanToNumOptions = {}): Tensor {
  checkOptions("nanToNum", opts, ["nan", "posinf", "neginf"]);
  const max = x.dtype === "float64" ? Number.MAX_VALUE : 3.4028234663852886e38;
  const { nan = 0, posinf = null, neginf = null } = opts;
  for (const [k, v] of [
    ["nan", nan],
    ["posinf", posinf],
    ["neginf", neginf],
  ] as const) {
    if (v !== null && typeof v !== "number") throw new ValueError(`nanToNum: ${k} must be a number, got ${typeof v}`);
  }
  if (x.dtype === "bool" || x.dtype === "int32") return x; // no NaN or ∞ to replace, as torch
  let out = where(isnan(x), nan, x);
  out = where(x.eq(Infinity), posinf ?? max, out);
  return where(x.eq(-Infinity), neginf ?? -max, out);
}
