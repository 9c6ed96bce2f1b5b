// Helpers shared by the wasm backend's tests: seeded test data and a probe that counts calls of a
// runtime method (to prove a fast path was, or was not, taken).

import { wasmBackend } from "../../src/backend/wasm/index.js";

/** mulberry32: a small, seedable generator for test data (independent of tensorgrad's own). */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many times the wasm runtime's `method` is called while `fn` runs. */
export function calls(method: string, fn: () => void): number {
  const rt = wasmBackend.runtime as unknown as Record<string, (...a: unknown[]) => unknown>;
  const original = rt[method]!;
  let n = 0;
  rt[method] = function (this: unknown, ...a: unknown[]) {
    n++;
    return original.apply(this, a);
  };
  try {
    fn();
  } finally {
    rt[method] = original;
  }
  return n;
}
