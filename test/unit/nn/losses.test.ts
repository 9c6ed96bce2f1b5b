// Every loss and reduction against PyTorch (fixtures/nn.json): value and input gradients under a
// random upstream gradient; the loss modules agree with the functions; gradcheck in float64.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, type Tensor } from "tensorgrad";
import { assertTensorClose } from "../../helpers/assert.js";
import { fixtures, toTensor, type TensorRecord } from "./nn-fixtures.js";

const F = nn.functional;
type LossFn = (...args: any[]) => Tensor;
const FUNCS: Record<string, LossFn> = {
  mseLoss: F.mseLoss,
  l1Loss: F.l1Loss,
  huberLoss: F.huberLoss,
  smoothL1Loss: F.smoothL1Loss,
  binaryCrossEntropy: F.binaryCrossEntropy,
  binaryCrossEntropyWithLogits: F.binaryCrossEntropyWithLogits,
  crossEntropy: F.crossEntropy,
  nllLoss: F.nllLoss,
  klDiv: F.klDiv,
  gaussianNllLoss: F.gaussianNllLoss,
};

/** The module of each loss, built from the same options: (opts) => (…inputs) => loss. */
const MODULES: Record<string, (opts: any) => (...xs: any[]) => Tensor> = {
  mseLoss: (o) => (a, b) => new nn.MSELoss(o).forward(a, b),
  l1Loss: (o) => (a, b) => new nn.L1Loss(o).forward(a, b),
  huberLoss: (o) => (a, b) => new nn.HuberLoss(o).forward(a, b),
  smoothL1Loss: (o) => (a, b) => new nn.SmoothL1Loss(o).forward(a, b),
  binaryCrossEntropy: (o) => (a, b) => new nn.BCELoss(o).forward(a, b),
  binaryCrossEntropyWithLogits: (o) => (a, b) => new nn.BCEWithLogitsLoss(o).forward(a, b),
  crossEntropy: (o) => (a, b) => new nn.CrossEntropyLoss(o).forward(a, b),
  nllLoss: (o) => (a, b) => new nn.NLLLoss(o).forward(a, b),
  klDiv: (o) => (a, b) => new nn.KLDivLoss(o).forward(a, b),
  gaussianNllLoss: (o) => (a, b, v) => new nn.GaussianNLLLoss(o).forward(a, b, v),
};

const isRecord = (v: unknown): v is TensorRecord => typeof v === "object" && v !== null && "values" in v;
const tol = { rtol: 1e-4, atol: 1e-5 };

describe("losses match PyTorch", () => {
  for (const c of fixtures.losses) {
    it(c.id, () => {
      const opts = Object.fromEntries(Object.entries(c.opts).map(([k, v]) => [k, isRecord(v) ? toTensor(v) : v]));
      const inputs = c.inputs.map((r, i) => (isRecord(r) ? toTensor(r, { requiresGrad: c.grads[i] !== null }) : r));
      const out = FUNCS[c.fn](...inputs, opts);
      assertTensorClose(out, c.output.values, c.output.shape, { ...tol, what: `${c.id} value` });
      if (out.requiresGrad) {
        out.backward(toTensor(c.gradOutput));
        c.grads.forEach((g, i) => {
          if (g) assertTensorClose((inputs[i] as Tensor).grad!, g.values, g.shape, { ...tol, what: `${c.id} grad of input ${i}` });
        });
      }
      const viaModule = tg.noGrad(() => MODULES[c.fn](opts)(...c.inputs.map((r) => (isRecord(r) ? toTensor(r) : r))));
      assertTensorClose(viaModule, c.output.values, c.output.shape, { ...tol, what: `${c.id} via the module` });
    });
  }
});

describe("loss gradients pass gradcheck (float64)", () => {
  tg.manualSeed(7);
  const p = tg.randn([3, 4]),
    t = tg.randn([3, 4]);
  const d = tg.randn([3, 4]).mul(2).add(t); // differences away from 0 for l1/huber kinks (checked below)
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ["mseLoss", (a, b) => F.mseLoss(a, b), [p, t]],
    ["l1Loss", (a, b) => F.l1Loss(a, b, { reduction: "sum" }), [d, t]],
    ["huberLoss", (a, b) => F.huberLoss(a, b, { delta: 0.7 }), [d, t]],
    ["smoothL1Loss", (a, b) => F.smoothL1Loss(a, b, { beta: 0.7 }), [d, t]],
    ["binaryCrossEntropy", (a, b) => F.binaryCrossEntropy(a, b), [tg.rand([3, 4]).mul(0.8).add(0.1), tg.rand([3, 4])]],
    [
      "binaryCrossEntropyWithLogits",
      (a, b) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: tg.tensor([0.5, 1, 2, 3], { dtype: "float64" }) }),
      [p.mul(3), tg.rand([3, 4])],
    ],
    [
      "crossEntropy (indices, smoothing, weight)",
      (a) => F.crossEntropy(a, [1, 3, 0], { labelSmoothing: 0.2, weight: tg.tensor([1, 2, 0.5, 1], { dtype: "float64" }) }),
      [p],
    ],
    ["crossEntropy (probabilities)", (a, b) => F.crossEntropy(a, b.softmax(1)), [p, t]],
    ["nllLoss", (a) => F.nllLoss(a.logSoftmax(1), [2, 0, 3], { ignoreIndex: 0 }), [p]],
    ["klDiv", (a, b) => F.klDiv(a.logSoftmax(1), b.softmax(1), { reduction: "batchmean" }), [p, t]],
    ["klDiv (logTarget)", (a, b) => F.klDiv(a, b, { logTarget: true }), [p, t]],
    ["gaussianNllLoss", (a, b, v) => F.gaussianNllLoss(a, b, v, { full: true }), [p, t, tg.rand([3, 4]).add(0.2)]],
  ];
  for (const [name, fn, xs] of cases) it(name, () => assert.equal(tg.gradcheck(fn, xs), true));
});

describe("loss numerics", () => {
  it("crossEntropy and nllLoss with every target ignored: NaN mean, zero gradient (torch)", () => {
    // torch: F.cross_entropy(x, [-100, -100]) is nan (0/0) and x.grad is all zeros, with or without
    // class weights and label smoothing; "sum" gives 0.
    const x = tg.tensor(
      [
        [0.2, -1, 3],
        [1.5, 0.3, -0.7],
      ],
      { requiresGrad: true },
    );
    const ignored = tg.tensor([-100, -100], { dtype: "int32" });
    const w = tg.tensor([0.5, 2, 1]);
    const runs: [string, () => Tensor][] = [
      ["crossEntropy", () => F.crossEntropy(x, ignored)],
      ["crossEntropy weight", () => F.crossEntropy(x, ignored, { weight: w })],
      ["crossEntropy labelSmoothing", () => F.crossEntropy(x, ignored, { labelSmoothing: 0.1 })],
      ["nllLoss", () => F.nllLoss(x.logSoftmax(1), ignored)],
    ];
    for (const [what, run] of runs) {
      x.grad = null;
      const loss = run();
      assert.ok(Number.isNaN(loss.item()), `${what}: loss`);
      loss.backward();
      assert.deepEqual(
        x.grad!.toArray(),
        [
          [0, 0, 0],
          [0, 0, 0],
        ],
        `${what}: gradient`,
      );
    }
    assert.equal(F.crossEntropy(x, ignored, { reduction: "sum" }).item(), 0);
  });
  it("crossEntropy skips an ignored row entirely, as torch: a -inf logit there does not make the loss NaN", () => {
    // torch: cross_entropy([[-inf, 0, 1], [0.5, 0.2, 0.1]], [-100, 2]) = 1.2801, grad row 0 zeros; with
    // labelSmoothing 0.2 and weight [1, 2, 3]: 1.1814.
    const x = tg.tensor(
      [
        [-Infinity, 0, 1],
        [0.5, 0.2, 0.1],
      ],
      { requiresGrad: true },
    );
    const target = tg.tensor([-100, 2], { dtype: "int32" });
    const loss = F.crossEntropy(x, target);
    assertTensorClose(loss, [1.280099], [], { rtol: 1e-5 });
    loss.backward();
    assertTensorClose(x.grad!, [0, 0, 0, 0.4147419, 0.3072483, -0.7219902], [2, 3], { rtol: 1e-5, atol: 1e-7 });
    const smoothed = F.crossEntropy(x, target, { labelSmoothing: 0.2, weight: tg.tensor([1, 2, 3]) });
    assertTensorClose(smoothed, [1.181426], [], { rtol: 1e-5 });
  });
  it("crossEntropy stays exact for logits in the thousands", () => {
    const logits = tg.tensor(
      [
        [1000, 0, -1000],
        [-3000, 3000, 0],
      ],
      { requiresGrad: true },
    );
    const loss = F.crossEntropy(logits, [0, 0]);
    assert.equal(loss.item(), 3000); // (0 + 6000) / 2
    loss.backward();
    assert.deepEqual(logits.grad!.toArray(), [
      [0, 0, 0],
      [-0.5, 0.5, 0],
    ]);
  });
  it("binaryCrossEntropy has no gradient at p = 0 or 1 even where the target matches (torch: (p - t)/eps = 0)", () => {
    // torch: binary_cross_entropy([0, 1, 0.5], [0, 1, 0.3], reduction="sum") backward gives [0, 0, 0.8].
    const p = tg.tensor([0, 1, 0.5], { requiresGrad: true });
    F.binaryCrossEntropy(p, tg.tensor([0, 1, 0.3]), { reduction: "sum" }).backward();
    assertTensorClose(p.grad!, [0, 0, 0.8], [3], { rtol: 1e-6, atol: 0 });
  });
  it("binaryCrossEntropy clamps log at -100 and gives a finite gradient at 0 and 1", () => {
    const p = tg.tensor([0, 1, 0.5], { requiresGrad: true });
    const loss = F.binaryCrossEntropy(p, tg.tensor([1, 0, 1]), { reduction: "none" });
    assert.deepEqual(loss.toArray(), [100, 100, Math.fround(-Math.log(0.5))]);
    loss.sum().backward();
    assert.deepEqual(
      p.grad!.toArray().map((v: number) => v + 0),
      [0, 0, -2],
    ); // + 0 turns -0 into 0
  });
  it("gaussianNllLoss clamps variances at eps but lets the gradient through, as torch", () => {
    const v = tg.tensor([0, 1e-8, 2], { requiresGrad: true });
    const loss = F.gaussianNllLoss(tg.zeros([3]), tg.zeros([3]), v, { reduction: "sum", eps: 1e-6 });
    assertTensorClose(loss, [Math.fround(0.5 * (2 * Math.log(1e-6) + Math.log(2)))], [], { rtol: 1e-6 });
    loss.backward();
    assertTensorClose(v.grad!, [0.5e6, 0.5e6, 0.25], [3], { rtol: 1e-5 });
  });
});

describe("loss modules' options", () => {
  it("a misspelt option is a ValueError naming it, not dropped: new nn.CrossEntropyLoss({ labelsmoothing: 0.1 }) trained without smoothing", () => {
    assert.throws(() => new nn.CrossEntropyLoss({ labelsmoothing: 0.1 } as never), {
      name: "ValueError",
      message: 'CrossEntropyLoss: unknown option "labelsmoothing" (known options: reduction, weight, ignoreIndex, labelSmoothing)',
    });
    assert.throws(() => new nn.MSELoss({ reduce: "sum" } as never), {
      name: "ValueError",
      message: 'MSELoss: unknown option "reduce" (known options: reduction)',
    });
    assert.equal(new nn.HuberLoss({ delta: 2, reduction: "sum" }).forward(tg.tensor([0]), tg.tensor([3])).item(), 4);
  });
});
