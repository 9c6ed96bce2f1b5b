// Element-wise kernels of one input: out[i] = f(x[i]) through any strides, float32 or int32, with
// the reference's semantics (js/elementwise.ts) where WGSL's builtins differ: NaN in gives NaN out
// (sign gives 0), domain errors give NaN, tanh/sigmoid never overflow, expm1/log1p/sinh/asinh/atanh
// keep their relative accuracy near 0, round takes halves to even (WGSL's round does), and copy
// converts dtypes as a typed-array store does.

import type { View } from "../../backend.js";
import type { KernelTable, TypedKernel, UnaryKernel } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { mapDispatch } from "./map.js";
import { convert, wgslType } from "./wgsl-math.js";

// Each float body maps a non-NaN `x: f32` to the result (NaN was handled before it).
const FLOAT: Record<Exclude<UnaryKernel, "copy">, string> = {
  neg: "return -x;",
  exp: "return tg_exp(x);",
  expm1: "return tg_expm1(x);",
  log: "return tg_log(x);",
  log1p: "return tg_log1p(x);",
  sqrt: "if (x < 0.0) { return nan_f32(); } return sqrt(x);",
  abs: "return abs(x);",
  sign: "return select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0);",
  sin: "return tg_trig(x, 0);",
  cos: "return tg_trig(x, 1);",
  tan: "return tg_trig(x, 2);",
  // tanh(a) = -expm1(-2a) / (2 + expm1(-2a)): no overflow, no cancellation near 0; 1 beyond 9 in float32.
  tanh: "let a = abs(x); if (a > 9.0) { return sign(x); } let e = tg_expm1(-2.0 * a); return with_sign(-e / (2.0 + e), x);",
  // The branch keeps exp's argument non-positive, so neither side overflows.
  sigmoid: "if (x >= 0.0) { return 1.0 / (1.0 + tg_exp(-x)); } let e = tg_exp(x); return e / (1.0 + e);",
  relu: "return select(x, 0.0, x < 0.0);",
  erf: "return tg_erf(x);",
  floor: "return floor(x);",
  ceil: "return ceil(x);",
  trunc: "return trunc(x);",
  round: "return round(x);",
  asin: "if (abs(x) > 1.0) { return nan_f32(); } if (abs(x) == 1.0) { return x * 1.5707963267948966; } return atan(x / sqrt((1.0 - x) * (1.0 + x)));",
  acos: "if (abs(x) > 1.0) { return nan_f32(); } return 2.0 * atan(sqrt((1.0 - x) / (1.0 + x)));",
  // Through atan, whose float32 accuracy holds on every device we tried (acos's builtin did not).
  atan: "return atan(x);",
  // sinh = (e + e/(e+1))/2 with e = expm1(|x|); past 88 exp(|x|) overflows float32 before sinh does.
  sinh: "let a = abs(x); if (a >= 88.0) { let h = tg_exp(0.5 * a); return with_sign((0.5 * h) * h, x); } let e = tg_expm1(a); return with_sign(0.5 * (e + e / (e + 1.0)), x);",
  cosh: "let a = abs(x); if (a >= 88.0) { let h = tg_exp(0.5 * a); return (0.5 * h) * h; } let e = tg_exp(a); return 0.5 * e + 0.5 / e;",
  // asinh(a) = log1p(a + a²/(1 + √(1 + a²))); log(2a) once a² would overflow.
  asinh:
    "let a = abs(x); if (a > 1e18) { return with_sign(tg_log(a) + 0.6931471805599453, x); } let a2 = a * a; return with_sign(tg_log1p(a + a2 / (1.0 + sqrt(1.0 + a2))), x);",
  // atanh(a) = log1p(2a/(1-a))/2
  atanh:
    "let a = abs(x); if (a > 1.0) { return nan_f32(); } if (a == 1.0) { return with_sign(inf_f32(), x); } return with_sign(0.5 * tg_log1p(2.0 * a / (1.0 - a)), x);",
  log2: "return tg_log2(x);",
  log10: "return tg_log(x) * 0.4342944819032518;",
  exp2: "return tg_exp2(x);",
};

// Kernels that keep int32 inputs int32, as expressions of `x0: i32` (the others produce float32: see ops/primitives/elementwise.ts).
const INT: Partial<Record<UnaryKernel, string>> = {
  neg: "-x0",
  abs: "abs(x0)",
  sign: "sign(x0)",
  relu: "max(x0, 0)",
  floor: "x0",
  ceil: "x0",
  trunc: "x0",
  round: "x0",
  copy: "x0",
};

/** WGSL maths shared with other kernels (binary's pow): accurate exp, log, trig, erf, expm1, log1p. */
export const UNARY_LIB = /* wgsl */ `
// exp and log with their own range reduction: WGSL only bounds builtin exp's error by 3 + 2|x| ulp
// and log's by an absolute 2⁻²¹ near 1, far looser than the reference's float64 rounded once.
fn exp_poly(r: f32) -> f32 {
  // e^r for |r| <= ln2/2 (Taylor to r⁷: error below 1e-8).
  return 1.0 + r * (1.0 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 + r * (0.008333333333333333
    + r * (0.001388888888888889 + r * 0.0001984126984126984))))));
}
fn scale2(v: f32, k: i32) -> f32 {
  // v·2^k in two steps, so that neither step leaves ldexp's exponent range.
  let h = k / 2;
  return ldexp(ldexp(v, h), k - h);
}
fn tg_exp(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72284) { return inf_f32(); }
  if (x < -104.0) { return 0.0; }
  let k = round(x * 1.4426950408889634);
  var r = fma(-k, 0.693145751953125, x);
  r = fma(-k, 1.4286068203094172e-6, r);
  return scale2(exp_poly(r), i32(k));
}
fn tg_exp2(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x >= 128.0) { return inf_f32(); }
  if (x < -150.0) { return 0.0; }
  let k = round(x);
  return scale2(exp_poly((x - k) * 0.6931471805599453), i32(k));
}
// log1p(u) for -0.3 < u < 0.42 as 2·atanh(u/(2+u)).
fn log1p_series(u: f32) -> f32 {
  let s = u / (2.0 + u);
  let z = s * s;
  return 2.0 * s * (1.0 + z * (0.3333333333333333 + z * (0.2 + z * (0.14285714285714285 + z * (0.1111111111111111
    + z * (0.09090909090909091 + z * (0.07692307692307693 + z * 0.06666666666666667)))))));
}
// x = m·2^e with m in [√½, √2): m - 1 is exact, so log x = e·ln2 + log1p(m - 1) keeps full accuracy near 1.
struct Split { m: f32, e: f32 }
fn split_log(x: f32) -> Split {
  let f = frexp(x);
  if (f.fract < 0.70710678) { return Split(2.0 * f.fract, f32(f.exp - 1)); }
  return Split(f.fract, f32(f.exp));
}
fn tg_log(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x < 0.0) { return nan_f32(); }
  if (x == 0.0) { return -inf_f32(); }
  if (is_inf(x)) { return x; }
  let s = split_log(x);
  return fma(s.e, 0.693145751953125, fma(s.e, 1.4286068203094172e-6, log1p_series(s.m - 1.0)));
}
// sin (which 0), cos (1) or tan (2): x = j·π/2 + r by a three-part π/2 (exact to |x| ~ 1e4 with fma),
// then Cephes' float32 polynomials on |r| <= π/4. The builtins lost 1e-4 relative on SwiftShader.
fn tg_trig(x: f32, which: i32) -> f32 {
  if (is_inf(x)) { return nan_f32(); }
  let j = round(x * 0.6366197723675814);
  var r = fma(-j, 1.5703125, x);
  r = fma(-j, 4.837512969970703125e-4, r);
  r = fma(-j, 7.549789954891882e-8, r);
  let z = r * r;
  let s = fma(r * z, fma(z, fma(z, -1.9515295891e-4, 8.3321608736e-3), -1.6666654611e-1), r);
  let c = fma(z * z, fma(z, fma(z, 2.443315711809948e-5, -1.388731625493765e-3), 4.166664568298827e-2), 1.0 - 0.5 * z);
  let q = i32(j - 4.0 * floor(j * 0.25));
  if (which == 2) { return select(s / c, -c / s, (q & 1) == 1); }
  let k = (q + which) & 3;
  let v = select(s, c, (k & 1) == 1);
  return select(v, -v, k >= 2);
}
fn tg_log2(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x < 0.0) { return nan_f32(); }
  if (x == 0.0) { return -inf_f32(); }
  if (is_inf(x)) { return x; }
  let s = split_log(x);
  return s.e + log1p_series(s.m - 1.0) * 1.4426950408889634;
}
fn with_sign(v: f32, like: f32) -> f32 { return select(v, -v, (bitcast<u32>(like) >> 31u) == 1u); }
// expm1: the Taylor series below 0.35 (relative error < 1e-9 there), exp(x) - 1 beyond (no cancellation).
fn tg_expm1(x: f32) -> f32 {
  if (abs(x) < 0.35) {
    return x * (1.0 + x * (0.5 + x * (0.16666666666666666 + x * (0.041666666666666664 + x * (0.008333333333333333
      + x * (0.001388888888888889 + x * (0.0001984126984126984 + x * 0.0000248015873015873)))))));
  }
  return tg_exp(x) - 1.0;
}
// log1p: the series near 0; beyond, 1 + x loses too little to matter.
fn tg_log1p(x: f32) -> f32 {
  if (x < -1.0) { return nan_f32(); }
  if (x == -1.0) { return -inf_f32(); }
  if (x > -0.29 && x < 0.41) { return log1p_series(x); }
  return tg_log(1.0 + x);
}
// erf in float32 (about 1 ulp): an odd polynomial below 0.9277, 1 - exp(poly) above (N. Juffa's erff).
fn tg_erf(x: f32) -> f32 {
  let t = abs(x);
  if (t >= 4.0) { return sign(x); }
  let s = x * x;
  if (t > 0.927734375) {
    var r = fma(-1.72853470e-5, t, 3.83197126e-4);
    let u = fma(-3.88396438e-3, t, 2.42546219e-2);
    r = fma(r, s, u);
    r = fma(r, t, -1.06777877e-1);
    r = fma(r, t, -6.34846687e-1);
    r = fma(r, t, -1.28717512e-1);
    r = fma(r, t, -t);
    return with_sign(1.0 - tg_exp(r), x);
  }
  var r = -5.96761703e-4;
  r = fma(r, s, 4.99119423e-3);
  r = fma(r, s, -2.67681349e-2);
  r = fma(r, s, 1.12819925e-1);
  r = fma(r, s, -3.76125336e-1);
  r = fma(r, s, 1.28379166e-1);
  return fma(r, x, x);
}
`;

/** Every unary kernel of the table. */
export function unaryKernels(rt: GpuRuntime): Pick<KernelTable, UnaryKernel> {
  const table = {} as Record<UnaryKernel, TypedKernel<undefined>>;
  for (const name of [...Object.keys(FLOAT), "copy"] as UnaryKernel[]) table[name] = unaryKernel(rt, name);
  return table;
}

function unaryKernel(rt: GpuRuntime, name: UnaryKernel): TypedKernel<undefined> {
  const fn = name === "copy" ? "" : `fn u_f(x: f32) -> f32 { if (is_nan(x)) { return ${name === "sign" ? "0.0" : "x"}; } ${FLOAT[name]} }`;
  const helpers = name === "copy" ? "" : `${UNARY_LIB}\n${fn}`;
  return (out: View, [x]: readonly View[]): void => {
    const to = wgslType(out.storage.dtype),
      from = wgslType(x!.storage.dtype);
    let expr: string;
    if (to === "i32" && from === "i32" && INT[name]) expr = INT[name]!;
    else if (name === "copy") expr = convert("x0", from, to);
    else expr = convert(`u_f(${convert("x0", from, "f32")})`, "f32", to);
    mapDispatch(rt, `unary:${name}`, out, [x!], expr, helpers);
  };
}
