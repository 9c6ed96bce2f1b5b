// Jumping the random generator ahead (xoshiro128**, src/tensor/random.ts) so that a long dropout mask
// can be drawn in lanes, each from its own point of the one sequence: the generator's state update
// is linear over GF(2), so 2^m draws are one fixed 128×128 bit matrix, made once (by squaring the
// one-draw matrix m times) and applied in a few hundred word operations.

/** Matrices by m: 128 columns of 4 words each, column j the image of state bit j (word j >> 5, bit j & 31). */
const powers: Int32Array[] = [];

/** One draw's state update, in place: what nextUint32 does to the state. */
function advance(s: Int32Array): void {
  let a = s[0]!,
    b = s[1]!,
    c = s[2]!,
    d = s[3]!;
  const t = b << 9;
  c ^= a;
  d ^= b;
  b ^= c;
  a ^= d;
  c ^= t;
  d = (d << 11) | (d >>> 21);
  s[0] = a;
  s[1] = b;
  s[2] = c;
  s[3] = d;
}

/** out = M·v (out may not be v). */
function apply(m: Int32Array, v: Int32Array, out: Int32Array): void {
  let a = 0,
    b = 0,
    c = 0,
    d = 0;
  for (let j = 0; j < 128; j++) {
    if (((v[j >>> 5]! >>> (j & 31)) & 1) === 0) continue;
    a ^= m[4 * j]!;
    b ^= m[4 * j + 1]!;
    c ^= m[4 * j + 2]!;
    d ^= m[4 * j + 3]!;
  }
  out[0] = a;
  out[1] = b;
  out[2] = c;
  out[3] = d;
}

function power(m: number): Int32Array {
  while (powers.length <= m) {
    const next = new Int32Array(512);
    if (powers.length === 0) {
      const s = new Int32Array(4);
      for (let j = 0; j < 128; j++) {
        s.fill(0);
        s[j >>> 5] = 1 << (j & 31);
        advance(s);
        next.set(s, 4 * j);
      }
    } else {
      // M² column j = M·(M column j).
      const prev = powers[powers.length - 1]!;
      for (let j = 0; j < 128; j++) apply(prev, prev.subarray(4 * j, 4 * j + 4), next.subarray(4 * j, 4 * j + 4));
    }
    powers.push(next);
  }
  return powers[m]!;
}

/** Writes into `out` (4 words) the state `state` (4 words) becomes after 2^m draws. */
export function jump(state: Int32Array, m: number, out: Int32Array): void {
  apply(power(m), state, out);
}
