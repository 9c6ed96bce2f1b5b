// The "wasm" backend through the public API: every op with a wasm kernel gives the reference
// backend's results (within float32 rounding) on contiguous, broadcast, transposed and batched
// operands, the fast paths are really taken, and storages go back to the allocator.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { wasmBackend } from "../../../src/backend/wasm/index.js";
import { WasmStorage } from "../../../src/backend/wasm/storage.js";
import { assertClose } from "../../helpers/assert.js";
import { calls } from "../../helpers/wasm.js";

function values(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return out;
}

/** A seeded tensor of `shape` on the current backend. */
function mk(shape: number[], seed: number, lo?: number, hi?: number): Tensor {
  return tg.tensor(
    values(
      shape.reduce((a, b) => a * b, 1),
      seed,
      lo,
      hi,
    ),
    { shape },
  );
}

/** Runs `build` on the reference and on the wasm backend and compares the outputs. */
function same(what: string, build: () => Tensor, { rtol = 2e-5, atol = 1e-5 } = {}): void {
  tg.setBackend("js");
  const want = build();
  tg.setBackend("wasm");
  const got = build();
  assert.ok(got.storage instanceof WasmStorage, `${what}: output lives in wasm memory`);
  assert.deepEqual([...got.shape], [...want.shape], `${what}: shape`);
  assert.equal(got.dtype, want.dtype, `${what}: dtype`);
  assertClose(got.toFloat32Array(), want.toFloat32Array(), { rtol, atol, what });
}

/** Runs `build` on the reference and on the wasm backend and compares each returned tensor (a loss and its gradients). */
function sameAll(build: () => Tensor[]): void {
  tg.setBackend("js");
  const want = build();
  tg.setBackend("wasm");
  const got = build();
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.deepEqual([...got[i]!.shape], [...want[i]!.shape], `tensor ${i}: shape`);
    assertClose(got[i]!.toFloat32Array(), want[i]!.toFloat32Array(), { rtol: 1e-4, atol: 1e-6, what: `tensor ${i}` });
  }
}

describe("wasm backend", () => {
  test("is registered and selected", () => {
    assert.ok(tg.listBackends().includes("wasm"));
    assert.ok(["simd", "relaxed"].includes(wasmBackend.flavor));
  });

  test("element-wise ops on contiguous, broadcast and transposed operands", () => {
    for (const op of ["neg", "exp", "tanh", "sigmoid", "relu", "abs", "sin"] as const) {
      same(`${op} contiguous`, () => mk([7, 33], 1)[op]());
      same(`${op} transposed`, () => mk([33, 7], 2).transpose(0, 1)[op]());
    }
    same("log", () => mk([5, 9], 3, 0.1, 4).log());
    same("sqrt", () => mk([5, 9], 3, 0.1, 4).sqrt());
    same("bias add [4,5,6] + [6]", () => tg.add(mk([4, 5, 6], 4), mk([6], 5)));
    same("per-row sub [6,7] - [6,1]", () => tg.sub(mk([6, 7], 6), mk([6, 1], 7)));
    same("scalar mul", () => tg.mul(mk([3, 11], 8), 2.5));
    same("scalar on the left", () => tg.div(3, mk([3, 11], 9, 0.5, 2)));
    same("outer-product broadcast [5,1] * [1,8]", () => tg.mul(mk([5, 1], 10), mk([1, 8], 11)));
    same("transposed + contiguous", () => tg.add(mk([8, 5], 12).transpose(0, 1), mk([5, 8], 13)));
    same("pow", () => tg.pow(mk([4, 6], 14, 0.5, 2), mk([4, 6], 15)));
    for (const op of ["maximum", "minimum", "eq", "gt", "lt"] as const) same(op, () => tg[op](mk([4, 6], 16), mk([6], 17)));
    same("where", () => tg.where(tg.gt(mk([4, 6], 18), 0), mk([4, 6], 19), mk([6], 20)));
    const n = calls("binary", () => {
      tg.setBackend("wasm");
      tg.add(mk([64, 64], 21), mk([64], 22));
    });
    assert.equal(n, 1, "bias add runs the wasm binary kernel");
  });

  test("reductions over the last dim, leading dims, a middle dim and everything", () => {
    const x = () => mk([6, 5, 7], 30);
    for (const op of ["sum", "max", "min"] as const) {
      same(`${op} last`, () => x()[op](2));
      same(`${op} first`, () => x()[op](0));
      same(`${op} middle`, () => x()[op](1, true));
      if (op === "sum") same("sum all", () => x().sum());
    }
    same("argmax last", () => x().argmax(2));
    same("argmax middle", () => x().argmax(1));
    same("mean of a transposed view", () => mk([9, 4], 31).transpose(0, 1).mean(1));
    tg.setBackend("wasm");
    assert.equal(
      calls("reduceCols", () => mk([32, 16], 32).sum(0)),
      1,
      "a sum over the batch is a column reduction",
    );
    assert.equal(
      calls("reduceRows", () => mk([32, 16], 33).max(1)),
      1,
    );
  });

  test("matmul: plain, transposed, batched, broadcast weight, vector", () => {
    same("67x300 @ 300x45", () => mk([67, 300], 40).matmul(mk([300, 45], 41)), { rtol: 1e-4, atol: 1e-4 });
    same(
      "A^T B",
      () =>
        mk([30, 20], 42)
          .transpose(0, 1)
          .matmul(mk([30, 17], 43)),
      { rtol: 1e-4, atol: 1e-4 },
    );
    same("A B^T", () => mk([20, 30], 44).matmul(mk([17, 30], 45).transpose(0, 1)), { rtol: 1e-4, atol: 1e-4 });
    same("batched", () => mk([3, 9, 13], 46).matmul(mk([3, 13, 10], 47)), { rtol: 1e-4, atol: 1e-4 });
    same("broadcast batch", () => mk([2, 1, 5, 8], 48).matmul(mk([3, 8, 6], 49)), { rtol: 1e-4, atol: 1e-4 });
    same("vector", () => mk([1, 50], 50).matmul(mk([50, 70], 51)), { rtol: 1e-4, atol: 1e-4 });
    tg.setBackend("wasm");
    // A Linear layer on [B, T, in] shares its weight across the batch: one GEMM with B*T rows.
    assert.equal(
      calls("sgemm", () => mk([4, 6, 16], 52).matmul(mk([8, 16], 53).transpose(0, 1))),
      1,
    );
  });

  test("matmul of views on products large enough to split across threads", () => {
    // 64 x 784 by 784 x 130: above the parallel threshold, a product the threads split by column
    // panels, which reads an A in whole slivers where it is (strides as given) on two threads.
    const W = () => mk([130, 784], 70).transpose(0, 1);
    const tol = { rtol: 1e-4, atol: 1e-3 };
    same("expanded row", () => mk([1, 784], 71).expand([64, 784]).matmul(W()), tol);
    same("expanded column", () => mk([64, 1], 72).expand([64, 784]).matmul(W()), tol);
    same("transposed", () => mk([784, 64], 73).transpose(0, 1).matmul(W()), tol);
    same("column slice", () => mk([64, 900], 74).slice(1, 50, 834).matmul(W()), tol);
    same("every other row", () => mk([128, 784], 75).slice(0, 0, 128, 2).matmul(W()), tol);
  });

  test("gradients of a small network match the reference backend", () => {
    const run = () => {
      const x = mk([16, 12], 60);
      const w1 = mk([12, 24], 61, -0.5, 0.5).requiresGrad_();
      const b1 = mk([24], 62, -0.1, 0.1).requiresGrad_();
      const w2 = mk([24, 3], 63, -0.5, 0.5).requiresGrad_();
      const loss = x.matmul(w1).add(b1).tanh().matmul(w2).logSoftmax(1).mean();
      loss.backward();
      return [loss, w1.grad!, b1.grad!, w2.grad!];
    };
    sameAll(run);
  });

  test("gradients of an MNIST-sized layer, split across threads, match the reference backend", () => {
    // A batch of 64 through Linear(784, 128): the forward, input and weight gradients are products
    // the pool splits by column panels. A second batch is one row expanded (a row stride of 0 for the
    // in-place A path), and the loss reduces over a transposed view.
    const run = () => {
      const r = mk([1, 784], 64).requiresGrad_();
      const x = mk([64, 784], 65).requiresGrad_();
      const w = mk([128, 784], 66, -0.05, 0.05).requiresGrad_();
      const b = mk([128], 67, -0.1, 0.1).requiresGrad_();
      const h = tg.nn.functional
        .linear(x, w, b)
        .relu()
        .add(tg.nn.functional.linear(r.expand([64, 784]), w));
      const loss = h.transpose(0, 1).logSoftmax(1).mean();
      loss.backward();
      return [loss, r.grad!, x.grad!, w.grad!, b.grad!];
    };
    sameAll(run);
  });

  test("conv2d and max pooling run im2col/col2im", () => {
    const F = tg.nn.functional;
    same("conv2d", () => F.conv2d(mk([2, 3, 9, 8], 70), mk([4, 3, 3, 3], 71), mk([4], 72), { stride: 2, padding: 1 }), {
      rtol: 1e-4,
      atol: 1e-4,
    });
    same("maxPool2d", () => F.maxPool2d(mk([2, 3, 8, 8], 73), 3, { stride: 2, padding: 1 }));
    tg.setBackend("wasm");
    const x = mk([1, 2, 6, 6], 74).requiresGrad_();
    const n = calls("im2col", () =>
      F.conv2d(x, mk([2, 2, 3, 3], 75))
        .sum()
        .backward(),
    );
    assert.ok(n >= 1, "unfold ran on wasm");
  });

  test("ops on views at sizes the pool splits across threads match the reference backend", () => {
    // Above the parallel thresholds (runtime.ts PARALLEL_THRESHOLDS: 64K elements for cheap ops and
    // sums, 16K for transcendental ones, 4K for softmax, 64K for im2col), where the conformance
    // suite's small shapes never go: each kernel runs in chunks on the pool, over broadcast,
    // transposed and sliced operands.
    const F = tg.nn.functional;
    same("bias add [256, 512] + [512]", () => tg.add(mk([256, 512], 80), mk([512], 81)));
    same("add of a transposed view", () => tg.add(mk([512, 256], 82).transpose(0, 1), mk([256, 512], 83)));
    same("mul by an expanded column", () => tg.mul(mk([256, 1], 84).expand([256, 512]), mk([256, 512], 85)));
    same("tanh of a column slice", () => mk([128, 700], 86).slice(1, 20, 660).tanh());
    same("exp of every other row", () => mk([256, 300], 87, -3, 3).slice(0, 0, 256, 2).exp());
    same("sum over rows (dim 0)", () => mk([512, 300], 88).sum(0), { rtol: 1e-4, atol: 1e-4 });
    same("sum over columns (dim 1)", () => mk([300, 512], 89).sum(1), { rtol: 1e-4, atol: 1e-4 });
    same("max of a transposed view", () => mk([300, 512], 90).transpose(0, 1).max(1));
    same("logSoftmax of [300, 600]", () => mk([300, 600], 91).logSoftmax(1), { rtol: 1e-4, atol: 1e-5 });
    same("softmax of a transposed view", () => mk([600, 300], 92).transpose(0, 1).softmax(1), { rtol: 1e-4, atol: 1e-6 });
    same("conv2d [8, 3, 32, 32]", () => F.conv2d(mk([8, 3, 32, 32], 93), mk([16, 3, 5, 5], 94), mk([16], 95)), { rtol: 1e-4, atol: 1e-4 });
    same("maxPool2d [8, 16, 28, 28]", () => F.maxPool2d(mk([8, 16, 28, 28], 96), 2));
  });

  test("storages are freed: dispose() at once, dropped ones evicted past the budget", () => {
    tg.setBackend("wasm");
    const alloc = wasmBackend.runtime.allocator;
    const before = alloc.bytesInUse;
    const t = mk([1000], 80);
    assert.ok(alloc.bytesInUse > before);
    (t.storage as WasmStorage).dispose();
    (t.storage as WasmStorage).dispose();
    assert.equal(alloc.bytesInUse, before);
    // 20,000 dropped tensors in one synchronous loop: no finalizer can run before it ends, and the
    // residency cache evicts the least recently used past its budget of 8,192 blocks instead.
    for (let i = 0; i < 20000; i++) tg.zeros([256]);
    assert.ok(alloc.bytesInUse - before <= 8192 * 1024, `in use grew by ${alloc.bytesInUse - before}`);
  });
});
