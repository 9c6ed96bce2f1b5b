// crossEntropy / nllLoss without class weights and with no ignored target skip the mask: the result
// is bit for bit the masked form's (run here through all-ones class weights); on 2-D logits without
// label smoothing crossEntropy is fused (one kernel for the per-row losses, one for their gradient),
// with the same loss bits and the gradient within float rounding of the unfused path's.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, type Tensor } from "tensorgrad";
import { wasmBackend } from "../../../src/backend/wasm/index.js";
import type { KernelName } from "../../../src/backend/kernel-table.js";
import { calls, rng } from "../../helpers/wasm.js";
import { assertClose } from "../../helpers/assert.js";

const F = nn.functional;
type DType = "float32" | "float64";

function seeded(shape: number[], seed: number, dtype: DType): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tg.tensor(
    Array.from({ length: n }, () => 6 * r() - 3),
    { shape, dtype },
  );
}

/** Loss value and logits gradient under a seeded upstream gradient. */
function lossAndGrad(fn: (x: Tensor) => Tensor, logits: Tensor, seed: number) {
  const x = logits.clone().detach();
  x.requiresGrad = true;
  const loss = fn(x);
  loss.backward(seeded([...loss.shape], seed, logits.dtype as DType));
  return { value: loss.toTypedArray(), grad: x.grad!.toTypedArray() };
}

describe("unweighted losses with nothing ignored equal the masked form bit for bit", () => {
  after(() => tg.setBackend("wasm"));
  // [logits shape, targets, targets shape].
  const layouts: [number[], number[], number[]][] = [
    [[6, 5], [0, 4, 2, 2, 1, 3], [6]],
    [[5], [3], []],
    [
      [3, 4, 2],
      [0, 3, 1, 1, 2, 0],
      [3, 2],
    ],
  ];
  for (const backend of tg.listBackends()) {
    for (const dtype of ["float32", "float64"] as const) {
      it(`${dtype} on ${backend}`, () => {
        tg.setBackend(backend);
        for (const [shape, targets, tShape] of layouts) {
          const classes = shape.length === 1 ? shape[0]! : shape[1]!;
          const logits = seeded(shape, shape.length, dtype);
          const target = tg.tensor(targets, { shape: tShape, dtype: "int32" });
          const ones = tg.ones([classes]);
          for (const reduction of ["mean", "sum", "none"] as const) {
            for (const labelSmoothing of [0, 0.2]) {
              const what = `crossEntropy [${shape}] ${reduction} ε=${labelSmoothing}`;
              const fast = lossAndGrad((x) => F.crossEntropy(x, target, { reduction, labelSmoothing }), logits, 5);
              const masked = lossAndGrad((x) => F.crossEntropy(x, target, { reduction, labelSmoothing, weight: ones }), logits, 5);
              assert.deepEqual(fast.value, masked.value, `${what}: value`);
              // The fused gradient, softmax(x) - onehot, rounds differently from exp(logSoftmax(x)) - onehot.
              const fused = shape.length <= 2 && labelSmoothing === 0;
              if (fused)
                assertClose(fast.grad, masked.grad, {
                  rtol: dtype === "float32" ? 2e-6 : 1e-14,
                  atol: dtype === "float32" ? 1e-7 : 1e-16,
                  what: `${what}: gradient`,
                });
              else assert.deepEqual(fast.grad, masked.grad, `${what}: gradient`);
            }
            const logp = logits.logSoftmax(shape.length === 1 ? 0 : 1);
            const fast = lossAndGrad((x) => F.nllLoss(x, target, { reduction }), logp, 6);
            const masked = lossAndGrad((x) => F.nllLoss(x, target, { reduction, weight: ones }), logp, 6);
            assert.deepEqual(fast.value, masked.value, `nllLoss [${shape}] ${reduction}: value`);
            assert.deepEqual(fast.grad, masked.grad, `nllLoss [${shape}] ${reduction}: gradient`);
          }
        }
      });
    }
  }
});

describe("crossEntropy's kernels on the wasm backend", () => {
  after(() => tg.setBackend("wasm"));
  if (!tg.listBackends().includes("wasm")) return;

  it("forward and backward on [64, 10] float32 logits run one fused kernel each", () => {
    tg.setBackend("wasm");
    const logits = seeded([64, 10], 3, "float32");
    logits.requiresGrad = true;
    const target = tg.tensor(
      Array.from({ length: 64 }, (_, i) => (i * 7) % 10),
      { dtype: "int32" },
    );
    // Every kernel launched, by name, through the backend's table.
    const launched: string[] = [];
    const kernel = wasmBackend.kernel.bind(wasmBackend);
    wasmBackend.kernel = ((name: KernelName) => (launched.push(name), kernel(name))) as typeof kernel;
    let loss: Tensor | undefined;
    let unary = 0;
    try {
      const softmaxRows = calls("softmaxRows", () => {
        unary = calls("unary", () => {
          loss = F.crossEntropy(logits, target);
        });
      });
      assert.equal(softmaxRows, 1);
    } finally {
      delete (wasmBackend as { kernel?: unknown }).kernel;
    }
    assert.equal(unary, 0);
    // The per-row losses, then the mean (a sum and one division by N).
    assert.deepEqual(launched, ["crossEntropyRows", "sum", "div"]);
    launched.length = 0;
    wasmBackend.kernel = ((name: KernelName) => (launched.push(name), kernel(name))) as typeof kernel;
    try {
      loss!.backward();
    } finally {
      delete (wasmBackend as { kernel?: unknown }).kernel;
    }
    // The mean's gradient (a division by N), then the fused softmax - onehot.
    assert.deepEqual(launched, ["div", "crossEntropyRowsGrad"]);
    assert.deepEqual([...logits.grad!.shape], [64, 10]);
  });
});

describe("fused cross-entropy rows against the unfused path", () => {
  after(() => tg.setBackend("wasm"));
  for (const backend of tg.listBackends()) {
    for (const dtype of ["float32", "float64"] as const) {
      it(`${dtype} on ${backend}: contiguous, transposed and single-row logits; gradcheck`, () => {
        tg.setBackend(backend);
        const unfused = (x: Tensor, t: Tensor) => x.logSoftmax(1).gather(1, t.unsqueeze(1)).squeeze(1).neg().mean();
        for (const [R, C, transposed] of [
          [7, 5, false],
          [9, 3, true],
          [1, 6, false],
        ] as [number, number, boolean][]) {
          const base = seeded(transposed ? [C, R] : [R, C], R * C, dtype);
          const logits = transposed ? base.transpose(0, 1) : base;
          const t = tg.tensor(
            Array.from({ length: R }, (_, i) => (i * 2) % C),
            { dtype: "int32" },
          );
          const a = lossAndGrad((x) => F.crossEntropy(x, t), logits, 1);
          const b = lossAndGrad((x) => unfused(x, t), logits, 1);
          assert.deepEqual(a.value, b.value, `[${R}, ${C}] transposed=${transposed}: loss`);
          assertClose(a.grad, b.grad, {
            rtol: dtype === "float32" ? 2e-6 : 1e-14,
            atol: dtype === "float32" ? 1e-7 : 1e-16,
            what: `[${R}, ${C}] gradient`,
          });
        }
        if (dtype === "float64") {
          const x = seeded([4, 3], 11, "float64");
          const t = tg.tensor([2, 0, 1, 1], { dtype: "int32" });
          assert.equal(
            tg.gradcheck((v) => F.crossEntropy(v, t, { reduction: "sum" }), [x]),
            true,
          );
        }
      });
    }
  }
});
