// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Dropout masks drawn from tensorgrad's generator (xoshiro128**, src/tensor/random.ts) straight into
// wasm memory: the same 32-bit draw per element, compared with the same threshold, so the mask is
// bit for bit the host loop's (fillDropoutMask).

/**
 * y[i] = draw_i < p·2^32 ? 0 : scale for i < n (float32), where draw_i is the generator's next 32 bits
 * (compared as signed integers shifted by 2^31, as the host does); the state (4 × i32 at `state`) is
 * read first and written back advanced by n draws. One thread: the draws form one sequence.
 */
export function dropout_mask(y: usize, n: i32, threshold: f64, scale: f64, state: usize): void {
  let a = load<i32>(state), b = load<i32>(state, 4), c = load<i32>(state, 8), d = load<i32>(state, 12);
  const s = <f32>scale;
  for (let i = 0; i < n; i++) {
    const x = b * 5;
    const r = (rotl<i32>(x, 7) * 9) ^ (<i32>0x80000000);
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl<i32>(d, 11);
    store<f32>(y + (<usize>i << 2), <f64>r < threshold ? 0 : s);
  }
  store<i32>(state, a);
  store<i32>(state, b, 4);
  store<i32>(state, c, 8);
  store<i32>(state, d, 12);
}
