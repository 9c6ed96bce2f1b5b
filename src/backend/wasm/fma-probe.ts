// Whether this engine's f32x4.relaxed_madd fuses. The relaxed SIMD proposal lets an engine compute it
// as one rounding (fused) or two; V8 on x86-64 with FMA fuses, JavaScriptCore (Bun) does not. Where it
// does not fuse the relaxed build gives exactly the SIMD build's numbers without its speed, so the
// loader takes the SIMD build there and a given flavor means the same results on every engine.

/**
 * A module exporting f() = lane 0 of relaxed_madd(a, a, c) with a = 1 + 2^-12 and c = -(1 + 2^-11):
 * a·a = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11 in float32, so two roundings give 0 and one gives 2^-24.
 */
const PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7d, // type section: () -> f32
  0x03,
  0x02,
  0x01,
  0x00, // function section
  0x07,
  0x05,
  0x01,
  0x01,
  0x66,
  0x00,
  0x00, // export "f"
  0x0a,
  0x1f,
  0x01,
  0x1d,
  0x00, // code section, one body of 29 bytes, no locals
  0x43,
  0x00,
  0x08,
  0x80,
  0x3f,
  0xfd,
  0x13, // f32.const a, f32x4.splat
  0x43,
  0x00,
  0x08,
  0x80,
  0x3f,
  0xfd,
  0x13, // f32.const a, f32x4.splat
  0x43,
  0x00,
  0x10,
  0x80,
  0xbf,
  0xfd,
  0x13, // f32.const c, f32x4.splat
  0xfd,
  0x85,
  0x02, // f32x4.relaxed_madd
  0xfd,
  0x1f,
  0x00, // f32x4.extract_lane 0
  0x0b,
]);

/** True when relaxed_madd rounds once here; false when it rounds twice or relaxed SIMD is refused. */
export function relaxedMaddFuses(): boolean {
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(PROBE));
    return (instance.exports.f as () => number)() === 2 ** -24;
  } catch {
    return false;
  }
}
