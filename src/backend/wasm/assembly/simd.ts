// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Small SIMD helpers shared by every kernel: the multiply-add that becomes a fused FMA in the
// relaxed build, and pointer arithmetic on element indices.

/** a*b + c. The relaxed build may fuse it (one rounding), the plain build rounds twice. */
@inline export function fmadd(a: v128, b: v128, c: v128): v128 {
  // ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so the other branch is never emitted
  // (a `--use` constant would not be folded before the feature check and breaks the SIMD build).
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  else return f32x4.add(f32x4.mul(a, b), c);
}

/** f64 lanes: a*b + c. */
@inline export function fmadd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  else return f64x2.add(f64x2.mul(a, b), c);
}

/** Byte address of float element `i` (any sign) from base `p`. */
@inline export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Byte address of element i*stride. Strides can be negative or zero (broadcast). */
@inline export function at2(p: usize, i: i32, stride: i32): usize {
  return p + (<usize>(i * stride) << 2);
}

/** The two halves of four f32 lanes as f64x2 pairs; used where a sum or a range reduction needs f64. */
@inline export function lowF64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
@inline export function highF64(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}
/** Four f32 lanes from two f64x2 pairs (round to nearest). */
@inline export function joinF32(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** Horizontal sum of four f32 lanes. */
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}
