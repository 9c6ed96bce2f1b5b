// The one seeded random generator behind every draw in tensorgrad (init, dropout, shuffling,
// rand*). xoshiro128** : fast, 128-bit state that checkpoints can save and restore exactly.

import { ValueError } from "../errors.js";

let s0 = 0,
  s1 = 0,
  s2 = 0,
  s3 = 0;
let spareNormal: number | null = null;

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Seeds every random draw that follows (torch.manual_seed). Same seed, same numbers, run to run;
 * the streams are tensorgrad's own, not PyTorch's.
 * @example tg.manualSeed(0); const a = tg.rand([2]); tg.manualSeed(0); tg.rand([2]).eq(a).all().item();  // 1
 */
export function manualSeed(seed: number): void {
  if (typeof seed !== "number" || !Number.isFinite(seed))
    throw new ValueError(`manualSeed: seed must be a finite number, got ${String(seed)}`);
  // Mix both halves of a seed up to 2^53 so large seeds still differ.
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  const next = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d));
  s0 = next();
  s1 = next();
  s2 = next();
  s3 = next();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  spareNormal = null;
}

/** Next 32 random bits. */
export function nextUint32(): number {
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  return result;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Fills `out` with inverted-dropout factors: 0 with probability p, else `scale`, from one 32-bit
 * draw per element. Dropout masks are most of a training step's draws; one pass over the generator
 * inlined keeps them from costing as much as the step's products.
 */
export function fillDropoutMask(out: Float32Array | Float64Array, p: number, scale: number): void {
  // Draws and threshold are compared as signed 32-bit integers (both shifted by 2^31), which keeps
  // the loop in small-integer arithmetic.
  const threshold = p * 4294967296 - 2147483648;
  let a = s0 | 0,
    b = s1 | 0,
    c = s2 | 0,
    d = s3 | 0;
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const x = Math.imul(b, 5);
    const r = (Math.imul((x << 7) | (x >>> 25), 9) ^ 0x80000000) | 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    out[i] = r < threshold ? 0 : scale;
  }
  s0 = a;
  s1 = b;
  s2 = c;
  s3 = d;
}

/**
 * @internal Runs `draw` on the generator's four state words (xoshiro128**, as signed 32-bit integers)
 * and takes back the words it leaves: for a kernel that draws from the same sequence elsewhere (the
 * wasm backend's dropout mask).
 */
export function drawWithState(draw: (state: Int32Array) => void): void {
  const state = Int32Array.of(s0, s1, s2, s3);
  draw(state);
  [s0, s1, s2, s3] = state as unknown as [number, number, number, number];
}

/** Uniform in [0, 1) with 53 random bits. */
export function random(): number {
  const hi = nextUint32() >>> 5; // 27 bits
  const lo = nextUint32() >>> 6; // 26 bits
  return (hi * 67108864 + lo) / 9007199254740992;
}

/** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
export function randomNormal(): number {
  if (spareNormal !== null) {
    const v = spareNormal;
    spareNormal = null;
    return v;
  }
  let u = 0;
  while (u === 0) u = random();
  const v = random();
  const r = Math.sqrt(-2 * Math.log(u));
  spareNormal = r * Math.sin(2 * Math.PI * v);
  return r * Math.cos(2 * Math.PI * v);
}

/** Uniform integer in [low, high). */
export function randomInt(low: number, high: number): number {
  return low + Math.floor(random() * (high - low));
}

/** The generator's full state, for checkpoints (torch.get_rng_state). */
export interface RngState {
  /** The four 32-bit words of the xoshiro128** generator (unsigned). */
  s: [number, number, number, number];
  /** The second normal of the last Box–Muller pair, handed out by the next normal draw (null when none). */
  spare: number | null;
}

/**
 * A copy of the random generator's state, to restore later with setRngState (torch.get_rng_state);
 * checkpoints store it for exact resume.
 * @example const s = tg.getRngState(); const a = tg.randn([3]); tg.setRngState(s); tg.randn([3]);  // the same values as a
 */
export function getRngState(): RngState {
  // As unsigned 32-bit words: the xor-shifts leave some words negative, and a state must read the
  // same after setRngState(getRngState()) (which normalises) for comparisons and saved files.
  return { s: [s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0], spare: spareNormal };
}

/**
 * Restores a state from getRngState: the draws that follow repeat those that followed it
 * (torch.set_rng_state).
 * @example const s = tg.getRngState(); const a = tg.randn([3]); tg.setRngState(s); tg.randn([3]);  // the same values as a
 */
export function setRngState(state: RngState): void {
  [s0, s1, s2, s3] = state.s.map((v) => v >>> 0) as [number, number, number, number];
  spareNormal = state.spare;
}

// A fixed default seed: runs are reproducible even when the user never seeds (unlike Math.random).
manualSeed(0x5eed);
