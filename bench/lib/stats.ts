// Statistics for the benchmark harness: medians, ratios taken round by round, a least-squares slope,
// and a seeded shuffle for the order in which contenders take their turn.

/** The median of the finite values in `xs` (the mean of the middle two for an even count); null if none. */
export function median(xs: readonly (number | null | undefined)[]): number | null {
  const s = finite(xs).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The finite numbers of `xs`, in order (nulls, NaN and ±Infinity mark missing rounds). */
export function finite(xs: readonly (number | null | undefined)[]): number[] {
  return xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
}

export function minOf(xs: readonly (number | null | undefined)[]): number | null {
  const f = finite(xs);
  return f.length ? Math.min(...f) : null;
}

export function maxOf(xs: readonly (number | null | undefined)[]): number | null {
  const f = finite(xs);
  return f.length ? Math.max(...f) : null;
}

/** Whether larger values are better (GFLOP/s) or smaller ones (seconds, µs). */
export type Better = "higher" | "lower";

/**
 * How many times faster `a` is than `b`, as the median over rounds of the ratio within each round:
 * both were measured back to back in the same round, so machine load that drifts between rounds
 * cancels. Rounds where either value is missing are left out; null when no round has both. For
 * "lower is better" values (times) the ratio is b/a, for "higher is better" (throughput) a/b.
 */
export function speedRatio(a: readonly (number | null)[], b: readonly (number | null)[], better: Better): number | null {
  const ratios: number[] = [];
  for (let r = 0; r < Math.min(a.length, b.length); r++) {
    const x = a[r],
      y = b[r];
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y) || x <= 0 || y <= 0) continue;
    ratios.push(better === "higher" ? x / y : y / x);
  }
  return median(ratios);
}

/** Least-squares slope of ys against xs (units of y per unit of x); null with fewer than two points. */
export function slope(xs: readonly number[], ys: readonly number[]): number | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return null;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxx === 0 ? null : sxy / sxx;
}

/**
 * A small seeded generator (mulberry32) for the harness's own choices, such as the order of turns
 * in a round. It is deliberately not tensorgrad's generator: drawing from that one would change
 * what the contenders themselves draw.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy of `items` (Fisher–Yates with `random`). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
