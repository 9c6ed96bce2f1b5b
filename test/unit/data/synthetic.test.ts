// data.synthetic: sine, spirals and xor — documented shapes and dtypes, the generating rule checked
// on noise-free samples, balanced classes, and seeding (private when seeded, global otherwise).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { data } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

const { sine, spirals, xor, circles } = data.synthetic;

describe("data.synthetic", () => {
  it("circles: x [n, 2] on two circles (radius 1 and factor), y int32 balanced, shuffled", () => {
    const { x, y } = circles({ n: 101, noise: 0, factor: 0.3, seed: 4 });
    assert.deepEqual([x.shape, y.shape, x.dtype, y.dtype], [[101, 2], [101], "float32", "int32"]);
    const labels = y.toTypedArray(),
      radius = x.mul(x).sum(1).sqrt().toFloat32Array();
    assert.equal(labels.filter((k) => k === 0).length, 51);
    labels.forEach((k, i) => assertClose([radius[i]], [k === 0 ? 1 : 0.3], { atol: 1e-6, what: `point ${i}` }));
    assert.ok(!labels.slice(0, 20).every((k) => k === labels[0]), "samples are shuffled");
    assert.deepEqual(circles({ n: 50, seed: 9 }).x.toArray(), circles({ n: 50, seed: 9 }).x.toArray());
    assert.throws(
      () => circles({ factor: 1 }),
      (e: Error) => e instanceof tg.ValueError && /factor must be in \(0, 1\), got 1/.test(e.message),
    );
  });

  it("sine: x [n, 1] on [-π, π], y = sin(x) [n, 1]", () => {
    const { x, y } = sine({ n: 500, noise: 0, seed: 1 });
    assert.deepEqual([x.shape, y.shape, x.dtype, y.dtype], [[500, 1], [500, 1], "float32", "float32"]);
    const xs = x.toFloat32Array();
    assert.ok(xs.every((v) => v >= -Math.PI && v <= Math.PI));
    assert.ok(Math.min(...xs) < -3 && Math.max(...xs) > 3, "covers the interval");
    assertClose(y.toFloat32Array(), Array.from(xs, Math.sin), { atol: 1e-6 });
    const noisy = sine({ n: 2000, noise: 0.1, seed: 1 });
    const resid = noisy.y.sub(noisy.x.sin());
    assertClose([resid.std().item()], [0.1], { rtol: 0.1, what: "noise std" });
  });

  it("spirals: x [n, 2] within the unit disc, y int32 arms of balanced size", () => {
    const { x, y } = spirals({ n: 301, classes: 3, noise: 0.2, seed: 2 });
    assert.deepEqual([x.shape, y.shape, x.dtype, y.dtype], [[301, 2], [301], "float32", "int32"]);
    const counts = [0, 0, 0];
    for (const k of y.toTypedArray()) counts[k]++;
    assert.deepEqual(counts, [101, 100, 100]);
    const radius = x.mul(x).sum(1).sqrt().toFloat32Array();
    assert.ok(radius.every((r) => r > 0 && r < 1 + 1e-6));
    assert.ok(
      !y
        .toTypedArray()
        .slice(0, 20)
        .every((k) => k === 0),
      "samples are shuffled",
    );
    // Noise-free: the angle is 3π·r + 2πk/classes exactly.
    const clean = spirals({ n: 40, noise: 0, seed: 2 });
    const p = clean.x.toArray() as number[][],
      labels = clean.y.toTypedArray();
    p.forEach(([a, b], i) => {
      const r = Math.hypot(a, b);
      const expected = 3 * Math.PI * r + Math.PI * labels[i];
      assertClose([Math.cos(expected), Math.sin(expected)], [a / r, b / r], { atol: 1e-5, what: `point ${i}` });
    });
    assert.deepEqual(spirals({ seed: 0 }).x.shape, [300, 2]);
  });

  it("xor: corners labelled a XOR b, y float32 [n, 1] of 0/1, balanced", () => {
    const { x, y } = xor({ n: 40, noise: 0, seed: 3 });
    assert.deepEqual([x.shape, y.shape, y.dtype], [[40, 2], [40, 1], "float32"]);
    const pts = x.toArray() as number[][],
      ys = y.toFloat32Array();
    const seen = new Map<string, number>();
    pts.forEach(([a, b], i) => {
      assert.ok((a === 0 || a === 1) && (b === 0 || b === 1), `point ${i} is a corner`);
      assert.equal(ys[i], a ^ b);
      seen.set(`${a}${b}`, (seen.get(`${a}${b}`) ?? 0) + 1);
    });
    assert.deepEqual([...seen.values()], [10, 10, 10, 10]);
    const noisy = xor({ n: 400, noise: 0.1, seed: 3 });
    assert.ok(noisy.x.sub(noisy.x.clamp(0, 1)).abs().max().item() > 0, "noise moves points");
  });

  it("is reproducible by seed and leaves the global generator alone; without a seed it uses it", () => {
    tg.manualSeed(9);
    const expected = tg.rand([2]).toArray();
    tg.manualSeed(9);
    const a = xor({ n: 16, seed: 5 });
    assert.deepEqual(tg.rand([2]).toArray(), expected);
    assert.deepEqual(xor({ n: 16, seed: 5 }).x.toArray(), a.x.toArray());
    assert.notDeepEqual(xor({ n: 16, seed: 6 }).x.toArray(), a.x.toArray());
    tg.manualSeed(1);
    const g1 = sine({ n: 8 }).x.toArray();
    tg.manualSeed(1);
    assert.deepEqual(sine({ n: 8 }).x.toArray(), g1);
  });

  it("rejects bad sizes", () => {
    assert.throws(() => spirals({ classes: 1 }), { name: "ValueError", message: "spirals: classes must be an integer >= 2, got 1" });
    assert.throws(() => sine({ n: 0 }), { name: "ValueError", message: "sine: n must be a positive integer, got 0" });
  });

  it("rejects a misspelt option instead of ignoring it", () => {
    assert.throws(() => spirals({ arms: 3 } as never), {
      name: "ValueError",
      message: 'spirals: unknown option "arms" (known options: n, classes, noise, seed)',
    });
    assert.throws(() => data.synthetic.circles({ size: 10 } as never), {
      name: "ValueError",
      message: 'circles: unknown option "size" (known options: n, noise, factor, seed)',
    });
  });
});
