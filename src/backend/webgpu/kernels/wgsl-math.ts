// WGSL helpers shared by kernels: NaN tests by bit pattern (GPU compilers may fold `x != x`), and
// the exact int32 <-> float32 conversions of the reference backend (a typed-array store: float to
// int truncates and wraps modulo 2³², NaN and ±∞ give 0; int to float rounds to nearest even).

export const WGSL_MATH = /* wgsl */ `
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
// Through a var: WGSL rejects NaN and infinity in constant expressions.
fn nan_f32() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
fn inf_f32() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }

fn i2f(v: i32) -> f32 {
  let neg = v < 0;
  let u = select(bitcast<u32>(v), 0u - bitcast<u32>(v), neg);
  var r: f32;
  if (u < 16777216u) {
    r = f32(u);
  } else {
    // Keep the top 24 bits and round the dropped ones to nearest, ties to even.
    let shift = 8u - countLeadingZeros(u);
    var m = u >> shift;
    let rem = u & ((1u << shift) - 1u);
    let half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (m & 1u) == 1u)) { m += 1u; }
    r = ldexp(f32(m), i32(shift));
  }
  return select(r, -r, neg);
}

fn f2i(x: f32) -> i32 {
  let bits = bitcast<u32>(x);
  let e = (bits >> 23u) & 0xffu;
  if (e == 255u) { return 0; }
  if (e < 158u) { return i32(trunc(x)); }
  // |x| >= 2^31 is an integer m·2^(e-150): keep its low 32 bits.
  let m = (bits & 0x7fffffu) | 0x800000u;
  let shift = e - 150u;
  var v = select(m << (shift & 31u), 0u, shift >= 32u);
  if ((bits >> 31u) == 1u) { v = 0u - v; }
  return bitcast<i32>(v);
}
`;

export type GpuDType = "f32" | "i32";

/** WGSL element type of a storage dtype (float64 storages hold float32 on the GPU). */
export function wgslType(dtype: string): GpuDType {
  return dtype === "int32" ? "i32" : "f32";
}

/** WGSL expression converting `expr` of type `from` to type `to` exactly as the reference stores it. */
export function convert(expr: string, from: GpuDType, to: GpuDType): string {
  if (from === to) return expr;
  return to === "f32" ? `i2f(${expr})` : `f2i(${expr})`;
}
