// Without a graph (noGrad, or nothing that needs a gradient) the memory an op or a Sequential makes
// for itself is returned as soon as it is used, on the wasm backend: an evaluation's im2col matrices
// and activations neither wait for the garbage collector nor count toward the residency cache's
// budget (so they are never copied out). Values are the same as with a graph, bit for bit.

import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn } from "tensorgrad";
import { wasmBackend } from "../../../src/backend/wasm/index.js";
import { roundSize } from "../../../src/backend/wasm/allocator.js";

const F = nn.functional;

/** Bytes of wasm memory in live blocks (each rounded up to its allocator size class). */
const inUse = () => wasmBackend.memoryStats().bytesInUse;
/** What a float32 tensor of `n` elements takes there. */
const f32 = (n: number) => roundSize(n * 4);

describe("wasm: temporaries of ops run without a graph", () => {
  beforeEach(() => tg.setBackend("wasm"));
  afterEach(() => tg.setBackend("js"));

  test("conv2d under noGrad leaves only its result allocated, with the values of a recorded conv2d", () => {
    tg.manualSeed(3);
    const x = tg.randn([8, 3, 12, 12]),
      w = tg.randn([5, 3, 3, 3], { requiresGrad: true }),
      b = tg.randn([5], { requiresGrad: true });
    const recorded = F.conv2d(x, w, b, { padding: 1 });
    const before = inUse();
    const evictions = wasmBackend.memoryStats().evictions;
    const y = tg.noGrad(() => F.conv2d(x, w, b, { padding: 1 }));
    // The result [8, 5, 12, 12] float32 is all that stays: the [27, 8·144] im2col matrix, the product
    // and the biased product before its transpose are gone.
    assert.equal(inUse() - before, f32(8 * 5 * 144));
    assert.equal(wasmBackend.memoryStats().evictions, evictions);
    assert.equal(y.requiresGrad, false);
    assert.deepEqual(y.toFloat32Array(), recorded.toFloat32Array());
  });

  test("conv2d on inputs that need no gradient frees its temporaries with grad mode on, too", () => {
    tg.manualSeed(4);
    const x = tg.randn([2, 1, 9, 9]),
      w = tg.randn([4, 1, 5, 5]);
    const before = inUse();
    const y = F.conv2d(x, w);
    assert.equal(inUse() - before, f32(2 * 4 * 25));
    assert.deepEqual(y.shape, [2, 4, 5, 5]);
  });

  test("a recorded conv2d keeps its im2col matrix for backward", () => {
    tg.manualSeed(5);
    const x = tg.randn([2, 2, 6, 6]),
      w = tg.randn([3, 2, 3, 3], { requiresGrad: true });
    const before = inUse();
    const y = F.conv2d(x, w);
    // The result [2, 3, 4, 4], the [18, 2·16] im2col matrix that the weight's gradient reads, and the
    // [3, 2·16] product before its transpose: the graph holds them until backward.
    assert.equal(inUse() - before, f32(2 * 3 * 16) + f32(18 * 32) + f32(3 * 32));
    y.sum().backward();
    assert.deepEqual(w.grad!.shape, [3, 2, 3, 3]);
  });

  test("maxPool2d and avgPool2d under noGrad leave only their results", () => {
    tg.manualSeed(6);
    const x = tg.randn([4, 3, 8, 8]);
    const before = inUse();
    const m = tg.noGrad(() => F.maxPool2d(x, 2));
    assert.equal(inUse() - before, f32(4 * 3 * 16));
    const a = tg.noGrad(() => F.avgPool2d(x, 2));
    assert.equal(inUse() - before, 2 * f32(4 * 3 * 16));
    assert.deepEqual(m.toFloat32Array(), F.maxPool2d(x, 2).toFloat32Array());
    assert.deepEqual(a.toFloat32Array(), F.avgPool2d(x, 2).toFloat32Array());
  });

  test("Sequential under noGrad frees the activations between built-in layers, not its input or output", () => {
    tg.manualSeed(7);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(4 * 3 * 3, 10),
      new nn.ReLU(),
      new nn.Linear(10, 2),
    );
    model.eval();
    const x = tg.randn([6, 1, 8, 8]);
    const recorded = model.forward(x);
    const before = inUse();
    const y = tg.noGrad(() => model.forward(x));
    assert.equal(inUse() - before, f32(6 * 2), "only the [6, 2] output stays");
    assert.deepEqual(y.toFloat32Array(), recorded.toFloat32Array());
    assert.equal(x.toFloat32Array().length, 6 * 64, "the input is intact");
    // A Sequential whose first layer returns a view of the input (Flatten) leaves the input alone.
    const flat = new nn.Sequential(new nn.Flatten(), new nn.Identity(), new nn.Linear(64, 3));
    const x2 = tg.randn([2, 1, 8, 8]);
    const copy = x2.toFloat32Array().slice();
    const out = tg.noGrad(() => flat.forward(x2));
    assert.deepEqual(x2.toFloat32Array(), copy);
    assert.deepEqual(out.shape, [2, 3]);
  });

  test("a transient region's kept storages go to the enclosing region, which frees them unless it keeps them", () => {
    const before = inUse();
    const outer = wasmBackend.transient();
    const inner = wasmBackend.transient();
    const t = tg.ones([1000]).mul(2);
    inner.close(new Set([t.storage]));
    assert.ok(inUse() - before >= 4000, "kept by the inner region");
    outer.close(new Set());
    assert.equal(inUse(), before, "freed by the outer one");
  });
});
