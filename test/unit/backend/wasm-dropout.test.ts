// The wasm backend draws dropout masks into its memory (assembly/random.ts) from the same generator
// sequence as the host loop: the same masks bit for bit, and the same draws after them.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { calls } from "../../helpers/wasm.js";

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
