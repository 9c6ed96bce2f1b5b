// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Vectorised float32 transcendentals (four lanes at a time): exp, log, tanh, sigmoid, erf, sin/cos.
// Each aims at float32 rounding (a few ulp); the measured bounds live in test/unit/backend/wasm-kernels.test.ts.
import { fmadd, fmadd64, lowF64, highF64, joinF32 } from "./simd";

@inline function splat(x: f32): v128 { return f32x4.splat(x); }

// ln2 split so that n*LN2_HI is exact for |n| < 2^9: the reduction x - n*ln2 then loses nothing.
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.4286068203094172e-6;
const LOG2E: f32 = 1.4426950408889634;

/** e^x. Range reduction x = n*ln2 + r with |r| <= ln2/2, Taylor to r^7 (truncation < 6e-9), scale by 2^n. */
@inline export function vexp(x: v128): v128 {
  // Clamp keeps n in [-150, 129] so the two-step scaling below stays finite. pmin/pmax are single
  // instructions (min/max would add NaN fix-ups) and, with x as the first operand, pass NaN through.
  x = f32x4.pmax(f32x4.pmin(x, splat(89)), splat(-104));
  // Round x*log2(e) to an integer by adding 1.5*2^23: the integer lands in the low mantissa bits, so
  // both the float n and its int32 value come out without nearest/trunc_sat (several instructions each).
  const t = fmadd(x, splat(LOG2E), splat(12582912.0));
  const n = f32x4.sub(t, splat(12582912.0));
  const ni = i32x4.sub(t, i32x4.splat(0x4b400000));
  let r = fmadd(n, splat(-LN2_HI), x);
  r = fmadd(n, splat(-LN2_LO), r);
  let p = splat(1.0 / 5040);
  p = fmadd(p, r, splat(1.0 / 720));
  p = fmadd(p, r, splat(1.0 / 120));
  p = fmadd(p, r, splat(1.0 / 24));
  p = fmadd(p, r, splat(1.0 / 6));
  p = fmadd(p, r, splat(0.5));
  p = fmadd(p, r, splat(1));
  p = fmadd(p, r, splat(1));
  // 2^n as two factors 2^(n>>1) * 2^(n - n>>1): each stays a normal number even when n = 129 (so the
  // product overflows to inf correctly) or n = -150 (so results underflow gradually into subnormals).
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/**
 * ln x. x = m*2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716,
 * whose odd series to s^9 truncates below 3e-9. m-1 is exact, so results near x = 1 keep full
 * relative accuracy.
 */
@inline export function vlog(x: v128): v128 {
  // Subnormals: scale by 2^23 first so the exponent field is meaningful.
  const tiny = f32x4.lt(x, splat(1.1754943508222875e-38));
  const xs = v128.bitselect(f32x4.mul(x, splat(8388608.0)), x, tiny);
  const bits = xs;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(127));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(m, splat(1.4142135623730951));
  m = v128.bitselect(f32x4.mul(m, splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes are -1: e + 1
  const f = f32x4.sub(m, splat(1));
  const s = f32x4.div(f, f32x4.add(f, splat(2)));
  const z = f32x4.mul(s, s);
  let p = splat(1.0 / 9);
  p = fmadd(p, z, splat(1.0 / 7));
  p = fmadd(p, z, splat(1.0 / 5));
  p = fmadd(p, z, splat(1.0 / 3));
  p = f32x4.mul(p, z);
  const s2 = f32x4.add(s, s);
  const lnm = fmadd(s2, p, s2);
  const ef = f32x4.convert_i32x4_s(e);
  let r = fmadd(ef, splat(LN2_LO), lnm);
  r = fmadd(ef, splat(LN2_HI), r);
  // Special values: ln 0 = -inf, ln(negative) = NaN, ln inf = inf, NaN stays NaN.
  r = v128.bitselect(splat(-Infinity), r, f32x4.eq(x, splat(0)));
  r = v128.bitselect(splat(Infinity), r, f32x4.eq(x, splat(Infinity)));
  const bad = v128.or(f32x4.lt(x, splat(0)), f32x4.ne(x, x));
  return v128.bitselect(splat(NaN), r, bad);
}

/**
 * tanh x. Near zero (|x| < 0.625) x + x^3 P(x^2), a degree-5 least-squares-then-Lawson fit (relative
 * error 5e-9 before float32 rounding); elsewhere 1 - 2/(e^{2|x|} + 1), which cancels at most 2x there.
 */
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = splat(0.0022928237);
  p = fmadd(p, z, splat(-0.008344023));
  p = fmadd(p, z, splat(0.021768944));
  p = fmadd(p, z, splat(-0.05395926));
  p = fmadd(p, z, splat(0.13333304));
  p = fmadd(p, z, splat(-0.33333334));
  const small = fmadd(f32x4.mul(ax, z), p, ax);
  const e = vexp(f32x4.add(ax, ax));
  const large = f32x4.sub(splat(1), f32x4.div(splat(2), f32x4.add(e, splat(1))));
  const t = v128.bitselect(small, large, f32x4.lt(ax, splat(0.625)));
  // Copy the sign of x onto |tanh x|.
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

/** 1 / (1 + e^-x): exp overflow for x < -88.7 gives 1/inf = 0, the correct limit. */
@inline export function vsigmoid(x: v128): v128 {
  return f32x4.div(splat(1), f32x4.add(splat(1), vexp(f32x4.neg(x))));
}

/**
 * erf x. |x| < 1: x P(x^2), degree-6 fit. 1 <= |x| < 4: 1 - e^{-x^2} Q(1/|x| - 0.625), where
 * Q(t) = erfc(x) e^{x^2} is smooth in 1/x (degree-9 fit, 1.5e-8); past 4, erf = 1 in float32.
 * The erfc part is at most 0.16 of the result there, which damps its own error fivefold.
 */
@inline export function verf(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = splat(7.853847e-5);
  p = fmadd(p, z, splat(-0.0008010189));
  p = fmadd(p, z, splat(0.0051883273));
  p = fmadd(p, z, splat(-0.026853811));
  p = fmadd(p, z, splat(0.112835854));
  p = fmadd(p, z, splat(-0.37612626));
  p = fmadd(p, z, splat(1.1283791));
  const small = f32x4.mul(ax, p);
  const xc = f32x4.min(ax, splat(4));
  const u = f32x4.sub(f32x4.div(splat(1), xc), splat(0.625));
  let q = splat(0.03071124479174614);
  q = fmadd(q, u, splat(-0.006946930196136236));
  q = fmadd(q, u, splat(-0.028407668694853783));
  q = fmadd(q, u, splat(0.04462001472711563));
  q = fmadd(q, u, splat(-0.0467861071228981));
  q = fmadd(q, u, splat(0.02326197363436222));
  q = fmadd(q, u, splat(0.04376080632209778));
  q = fmadd(q, u, splat(-0.17239360511302948));
  q = fmadd(q, u, splat(0.3822838366031647));
  q = fmadd(q, u, splat(0.3059529960155487));
  const large = f32x4.sub(splat(1), f32x4.mul(vexp(f32x4.neg(f32x4.mul(xc, xc))), q));
  const t = v128.bitselect(small, large, f32x4.lt(ax, splat(1)));
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

// pi/2 in two f64 parts; PIO2_1 has 33 significant bits, so k*PIO2_1 is exact for |k| < 2^20 and the
// reduced argument keeps about 1e-16 absolute accuracy up to |x| ~ 1.6e6 (error grows slowly beyond).
const PIO2_1: f64 = 1.57079632673412561417e+00;
const PIO2_1T: f64 = 6.07710050650619224932e-11;
const TWO_OVER_PI: f64 = 6.36619772367581382433e-01;

/** sin (cos = false) or cos (cos = true) on two f64 lanes; returns f64 lanes. */
@inline function sincos64(x: v128, cos: bool): v128 {
  const k = f64x2.nearest(f64x2.mul(x, f64x2.splat(TWO_OVER_PI)));
  let r = fmadd64(k, f64x2.splat(-PIO2_1), x);
  r = fmadd64(k, f64x2.splat(-PIO2_1T), r);
  // Quadrant q = k mod 4 (two's complement keeps it right for negative k); cos x = sin(x + pi/2).
  let q = i32x4.trunc_sat_f64x2_s_zero(k);
  if (cos) q = i32x4.add(q, i32x4.splat(1));
  // Lanes 0 and 1 of q hold the two quadrants; widen them to 64-bit masks.
  const q64 = i64x2.extend_low_i32x4_s(q);
  const useCos = i64x2.ne(v128.and(q64, i64x2.splat(1)), i64x2.splat(0));
  const negate = v128.and(i64x2.shl(q64, 62), i64x2.splat(i64.MIN_VALUE));
  const z = f64x2.mul(r, r);
  // Taylor series: on |r| <= pi/4 the truncation is below 2e-9 (sin) and 2e-10 (cos) relative.
  let s = f64x2.splat(1.0 / 362880);
  s = fmadd64(s, z, f64x2.splat(-1.0 / 5040));
  s = fmadd64(s, z, f64x2.splat(1.0 / 120));
  s = fmadd64(s, z, f64x2.splat(-1.0 / 6));
  s = fmadd64(f64x2.mul(s, z), r, r);
  let c = f64x2.splat(-1.0 / 3628800);
  c = fmadd64(c, z, f64x2.splat(1.0 / 40320));
  c = fmadd64(c, z, f64x2.splat(-1.0 / 720));
  c = fmadd64(c, z, f64x2.splat(1.0 / 24));
  c = fmadd64(c, z, f64x2.splat(-0.5));
  c = fmadd64(c, z, f64x2.splat(1));
  return v128.xor(v128.bitselect(c, s, useCos), negate);
}

// Past |x| = 2^20 the two-part reduction above loses accuracy (and past 2^31 the quadrant too); such
// lanes go to the host's Math.sin/Math.cos, whose full Payne-Hanek reduction is exact.
@external("env", "sin")
declare function hostSin(x: f64): f64;
@external("env", "cos")
declare function hostCos(x: f64): f64;
const HUGE: f32 = 1048576.0;

/** The host's sin or cos of xi if |xi| is huge, else the kernel's own value r. */
@inline function fixLane(r: f32, xi: f32, cos: bool): f32 {
  if (!(Mathf.abs(xi) >= HUGE)) return r;
  return <f32>(cos ? hostCos(<f64>xi) : hostSin(<f64>xi));
}

/** sin or cos of four f32 lanes, reduced and evaluated in f64 so large arguments stay accurate. */
@inline export function vsincos(x: v128, cos: bool): v128 {
  let r = joinF32(sincos64(lowF64(x), cos), sincos64(highF64(x), cos));
  if (v128.any_true(f32x4.ge(f32x4.abs(x), f32x4.splat(HUGE)))) {
    // Lane indices must be literals, hence the unrolled form.
    r = f32x4.replace_lane(r, 0, fixLane(f32x4.extract_lane(r, 0), f32x4.extract_lane(x, 0), cos));
    r = f32x4.replace_lane(r, 1, fixLane(f32x4.extract_lane(r, 1), f32x4.extract_lane(x, 1), cos));
    r = f32x4.replace_lane(r, 2, fixLane(f32x4.extract_lane(r, 2), f32x4.extract_lane(x, 2), cos));
    r = f32x4.replace_lane(r, 3, fixLane(f32x4.extract_lane(r, 3), f32x4.extract_lane(x, 3), cos));
  }
  return r;
}
