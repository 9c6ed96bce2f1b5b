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

/**
 * The same masks drawn in lanes, for long sequences: lane L writes the draws of positions
 * [L·k, min(n, (L + 1)·k)) of y, from the generator's state at position L·k (the caller jumps it
 * there), so every element is the one dropout_mask would write. Lanes go in groups of four, one SIMD
 * lane each: group g's states are at `states + 64·g` as a[4], b[4], c[4], d[4]. A lane past its end
 * (the sequence's last lane is short, later ones empty) keeps drawing in step with the others and
 * stores into `sink` instead; the states come back as they were when the group's shortest lane
 * ended, so the sequence's last lane gives the generator's state after all n draws. `lim` is the
 * threshold as an integer: a draw at or below it gives 0 (dropout_mask's draw < threshold). Groups
 * [lo, hi) run here (the pool splits them across threads).
 */
export function dropout_groups(y: usize, n: i32, k: i32, lim: i32, scale: f32, states: usize, sink: usize, lo: i32, hi: i32): void {
  for (let g = lo; g < hi; g++) dropoutGroup(y, n, k, lim, scale, states + (<usize>g << 6), sink, g << 2);
}

@inline function laneLength(lane: i32, n: i32, k: i32): i32 {
  const start = <i64>lane * <i64>k;
  if (start >= <i64>n) return 0;
  const left = <i64>n - start;
  return left < <i64>k ? <i32>left : k;
}

function dropoutGroup(y: usize, n: i32, k: i32, lim: i32, scale: f32, st: usize, sink: usize, lane0: i32): void {
  const n0 = laneLength(lane0, n, k),
    n1 = laneLength(lane0 + 1, n, k),
    n2 = laneLength(lane0 + 2, n, k),
    n3 = laneLength(lane0 + 3, n, k);
  // Lane 0 is the longest (a group exists only where its first lane does), the last non-empty the shortest.
  const shortest = n3 > 0 ? n3 : n2 > 0 ? n2 : n1 > 0 ? n1 : n0;
  const stride = <usize>k << 2,
    p0 = y + ((<usize>lane0 * <usize>k) << 2),
    p1 = p0 + stride,
    p2 = p1 + stride,
    p3 = p2 + stride;
  let a = v128.load(st),
    b = v128.load(st, 16),
    c = v128.load(st, 32),
    d = v128.load(st, 48);
  const limit = i32x4.splat(lim),
    sign = i32x4.splat(0x80000000),
    keep = f32x4.splat(scale);
  let x: v128, r: v128, t: v128;
  // Four draws a lane at a time while every non-empty lane has them, transposed so that each lane
  // stores its four at once; an empty lane stores into the sink.
  const e1 = n1 > 0,
    e2 = n2 > 0,
    e3 = n3 > 0;
  const q1 = select<usize>(p1, sink, e1),
    q2 = select<usize>(p2, sink, e2),
    q3 = select<usize>(p3, sink, e3);
  const s1 = select<usize>(16, 0, e1),
    s2 = select<usize>(16, 0, e2),
    s3 = select<usize>(16, 0, e3);
  const blocks = shortest >> 2;
  for (let j = 0; j < blocks; j++) {
    x = i32x4.add(i32x4.shl(b, 2), b);
    r = v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25));
    r = v128.xor(i32x4.add(i32x4.shl(r, 3), r), sign);
    t = i32x4.shl(b, 9);
    c = v128.xor(c, a);
    d = v128.xor(d, b);
    b = v128.xor(b, c);
    a = v128.xor(a, d);
    c = v128.xor(c, t);
    d = v128.or(i32x4.shl(d, 11), i32x4.shr_u(d, 21));
    const v0 = v128.andnot(keep, i32x4.le_s(r, limit));
    x = i32x4.add(i32x4.shl(b, 2), b);
    r = v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25));
    r = v128.xor(i32x4.add(i32x4.shl(r, 3), r), sign);
    t = i32x4.shl(b, 9);
    c = v128.xor(c, a);
    d = v128.xor(d, b);
    b = v128.xor(b, c);
    a = v128.xor(a, d);
    c = v128.xor(c, t);
    d = v128.or(i32x4.shl(d, 11), i32x4.shr_u(d, 21));
    const v1 = v128.andnot(keep, i32x4.le_s(r, limit));
    x = i32x4.add(i32x4.shl(b, 2), b);
    r = v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25));
    r = v128.xor(i32x4.add(i32x4.shl(r, 3), r), sign);
    t = i32x4.shl(b, 9);
    c = v128.xor(c, a);
    d = v128.xor(d, b);
    b = v128.xor(b, c);
    a = v128.xor(a, d);
    c = v128.xor(c, t);
    d = v128.or(i32x4.shl(d, 11), i32x4.shr_u(d, 21));
    const v2 = v128.andnot(keep, i32x4.le_s(r, limit));
    x = i32x4.add(i32x4.shl(b, 2), b);
    r = v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25));
    r = v128.xor(i32x4.add(i32x4.shl(r, 3), r), sign);
    t = i32x4.shl(b, 9);
    c = v128.xor(c, a);
    d = v128.xor(d, b);
    b = v128.xor(b, c);
    a = v128.xor(a, d);
    c = v128.xor(c, t);
    d = v128.or(i32x4.shl(d, 11), i32x4.shr_u(d, 21));
    const v3 = v128.andnot(keep, i32x4.le_s(r, limit));
    const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5),
      t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5),
      t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7),
      t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
    v128.store(p0 + (<usize>j << 4), i32x4.shuffle(t0, t1, 0, 1, 4, 5));
    v128.store(q1 + <usize>j * s1, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
    v128.store(q2 + <usize>j * s2, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
    v128.store(q3 + <usize>j * s3, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
  }
  // Then one draw at a time: what is left of the shortest lane, and of the others past it.
  for (let i = blocks << 2; i < n0; i++) {
    if (i == shortest) snapshot(st, a, b, c, d);
    x = i32x4.add(i32x4.shl(b, 2), b);
    r = v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25));
    r = v128.xor(i32x4.add(i32x4.shl(r, 3), r), sign);
    t = i32x4.shl(b, 9);
    c = v128.xor(c, a);
    d = v128.xor(d, b);
    b = v128.xor(b, c);
    a = v128.xor(a, d);
    c = v128.xor(c, t);
    d = v128.or(i32x4.shl(d, 11), i32x4.shr_u(d, 21));
    const v = v128.andnot(keep, i32x4.le_s(r, limit));
    const off = <usize>i << 2;
    store<i32>(p0 + off, i32x4.extract_lane(v, 0));
    store<i32>(select<usize>(p1 + off, sink, i < n1), i32x4.extract_lane(v, 1));
    store<i32>(select<usize>(p2 + off, sink, i < n2), i32x4.extract_lane(v, 2));
    store<i32>(select<usize>(p3 + off, sink, i < n3), i32x4.extract_lane(v, 3));
  }
  if (shortest == n0) snapshot(st, a, b, c, d);
}

/** The four lanes' states as they are, into the group's words. */
@inline function snapshot(st: usize, a: v128, b: v128, c: v128, d: v128): void {
  v128.store(st, a);
  v128.store(st, b, 16);
  v128.store(st, c, 32);
  v128.store(st, d, 48);
}
