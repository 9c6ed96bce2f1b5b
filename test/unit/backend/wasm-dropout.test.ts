// The wasm backend draws dropout masks into its memory (assembly/random.ts) from the same generator
// sequence as the host loop: the same masks bit for bit, and the same draws after them.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { calls } from "../../helpers/wasm.js";
import { wasmBackend } from "../../../src/backend/wasm/index.js";
import { jump } from "../../../src/backend/wasm/xoshiro-jump.js";
import { nextUint32 } from "../../../src/tensor/random.js";

/** A dropout of ones of `shape` and the three draws after it, on `backend`, from `seed`. */
function run(backend: string, shape: number[], p: number, seed: number): { mask: number[]; after: number[] } {
  tg.setBackend(backend);
  tg.manualSeed(seed);
  const mask = tg.dropout(tg.ones(shape), p).toArray() as number[];
  return { mask: mask.flat(Infinity as 1) as number[], after: tg.rand([3]).toArray() as number[] };
}

test("wasm dropout masks and the draws after them equal the host's, bit for bit", () => {
  for (const [shape, p, seed] of [
    [[1], 0.5, 0],
    [[7], 0.1, 1],
    [[3, 5], 0.999, 2],
    [[32, 4, 32, 32], 0.1, 3],
    [[1000], 0.5, 2 ** 40 + 7],
  ] as [number[], number, number][]) {
    const host = run("js", shape, p, seed);
    const wasm = run("wasm", shape, p, seed);
    assert.deepEqual(wasm, host, `${shape} p=${p}`);
    const kept = host.mask.filter((v) => v !== 0);
    assert.ok(kept.every((v) => v === Math.fround(1 / (1 - p))));
  }
  // Masks of the expected density: 131,072 draws at p = 0.1.
  const { mask } = run("wasm", [32, 4, 32, 32], 0.1, 3);
  const dropped = mask.filter((v) => v === 0).length / mask.length;
  assert.ok(Math.abs(dropped - 0.1) < 0.005, `dropped ${dropped}`);
});

test("the wasm backend fills the mask with its kernel, in one call", () => {
  tg.setBackend("wasm");
  const x = tg.ones([64, 33]);
  assert.equal(
    calls("dropoutMask", () => tg.dropout(x, 0.25)),
    1,
  );
  assert.equal(
    calls("dropoutMask", () => tg.dropout(x.double(), 0.25)),
    0,
  );
});

test("long masks, drawn in lanes jumped ahead along the sequence, equal the host's on one thread and on two", () => {
  const rt = wasmBackend.runtime;
  const threads = rt.threads;
  try {
    for (const t of [1, 2]) {
      rt.setThreads(t);
      // Around the lanes' start (4,096), lengths that leave the last lane short or lanes empty, past the
      // parallel threshold (65,536), and thresholds at the ends of the integer range.
      for (const [shape, p, seed] of [
        [[4096], 0.5, 4],
        [[4097], 0.3, 5],
        [[64, 300], 0.1, 6],
        [[65537], 0.25, 7],
        [[16, 8, 64, 64], 0.1, 8],
        [[3, 100003], 1e-9, 9],
        [[100003], 1 - 1e-9, 10],
      ] as [number[], number, number][]) {
        const host = run("js", shape, p, seed);
        const wasm = run("wasm", shape, p, seed);
        assert.deepEqual(wasm, host, `${t} thread(s): ${shape} p=${p}`);
      }
      // A draw equal to the threshold is kept, one just below it dropped: p set from seed 12's first draw.
      tg.manualSeed(12);
      const first = (nextUint32() ^ 0x80000000) | 0;
      const atDraw = (first + 2 ** 31) / 2 ** 32;
      for (const [p, kept] of [
        [atDraw, true],
        [atDraw + 2 ** -33, false],
      ] as [number, boolean][]) {
        const wasm = run("wasm", [8192], p, 12);
        assert.equal(wasm.mask[0] !== 0, kept, `p = ${p}`);
        assert.deepEqual(wasm, run("js", [8192], p, 12));
      }
    }
  } finally {
    rt.setThreads(threads);
    tg.setBackend("js");
  }
});

test("a jump of 2^m is 2^m draws of the generator", () => {
  tg.manualSeed(11);
  const start = Int32Array.from(tg.randint(-(2 ** 31), 2 ** 31 - 1, [4], { dtype: "int32" }).toArray() as number[]);
  const out = new Int32Array(4);
  for (const m of [0, 1, 5, 12]) {
    // Stepped by hand: xoshiro128**'s state update (src/tensor/random.ts's nextUint32).
    let [a, b, c, d] = start as unknown as [number, number, number, number];
    for (let i = 0; i < 2 ** m; i++) {
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
    }
    jump(start, m, out);
    assert.deepEqual([...out], [a, b, c, d], `m = ${m}`);
  }
});
