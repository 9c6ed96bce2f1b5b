// fit's losses with Keras's semantics (trap 6 of the fidelity list): cross-entropies expect
// probabilities unless fromLogits, a double softmax or logits where probabilities are expected are
// errors, names are checked; and fit/backward reject what they cannot do (trap 7).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, train, data, ValueError, type Tensor } from "tensorgrad";

const F = nn.functional;
const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe("loss names as Keras's", () => {
  tg.manualSeed(3);
  const logits = tg.randn([5, 4]);
  const labels = tg.tensor([0, 3, 1, 1, 2], { dtype: "int32" });
  const oneHot = F.oneHot(labels, 4).float();
  const probs = logits.softmax(1);

  it("categorical and sparse cross-entropy take probabilities by default, logits with fromLogits", () => {
    // −mean log p[label] is torch's cross_entropy of the logits, up to float32 rounding.
    const want = F.crossEntropy(logits, labels).item();
    near(train.resolveLoss("categorical_crossentropy").fn(probs, oneHot).item(), want, 1e-5);
    near(train.resolveLoss("sparse_categorical_crossentropy").fn(probs, labels).item(), want, 1e-5);
    near(train.resolveLoss({ name: "categorical_crossentropy", fromLogits: true }).fn(logits, oneHot).item(), want, 1e-6);
    near(train.resolveLoss({ name: "sparse_categorical_crossentropy", fromLogits: true }).fn(logits, labels).item(), want, 1e-6);
  });

  it("probabilities over dim 1 of a 3-D output (a sequence model's [N, C, T]) pass the check", () => {
    const seq = tg.randn([2, 3, 4]).softmax(1);
    const t = tg.tensor(
      [
        [0, 1, 2, 1],
        [2, 2, 0, 1],
      ],
      { dtype: "int32" },
    );
    const want = F.nllLoss(seq.log(), t).item();
    near(train.resolveLoss("sparse_categorical_crossentropy").fn(seq, t).item(), want, 1e-5);
  });

  it("binary cross-entropy takes probabilities by default, logits with fromLogits", () => {
    const z = tg.tensor([[-2], [0.5], [3]]);
    const y = tg.tensor([0, 1, 1]);
    const want = F.binaryCrossEntropyWithLogits(z, y.reshape([3, 1])).item();
    near(train.resolveLoss("binary_crossentropy").fn(z.sigmoid(), y).item(), want, 1e-6);
    near(train.resolveLoss({ name: "binary_crossentropy", fromLogits: true }).fn(z, y).item(), want, 1e-6);
  });

  it("logits where probabilities are expected, and probabilities under fromLogits, are ValueErrors", () => {
    assert.throws(
      () => train.resolveLoss("sparse_categorical_crossentropy").fn(logits, labels),
      (e: unknown) => e instanceof ValueError && /expects probabilities \(as Keras\).*fromLogits: true/.test((e as Error).message),
    );
    assert.throws(
      () => train.resolveLoss("binary_crossentropy").fn(tg.tensor([[-2], [3]]), tg.tensor([0, 1])),
      /end the model with nn.Sigmoid/,
    );
    assert.throws(
      () => train.resolveLoss({ name: "categorical_crossentropy", fromLogits: true }).fn(probs, oneHot),
      (e: unknown) => e instanceof ValueError && /double softmax/.test((e as Error).message),
    );
  });

  it("unknown loss names, option keys and metric names are ValueErrors (and type errors)", () => {
    assert.throws(
      // @ts-expect-error "msee" is not a loss name
      () => train.resolveLoss("msee"),
      (e: unknown) => e instanceof ValueError && /unknown loss "msee"/.test((e as Error).message),
    );
    assert.throws(() => train.resolveLoss({ name: "mse", from_logits: true } as any), /unknown option "from_logits"/);
    // @ts-expect-error "accuracyy" is not a metric name
    assert.throws(() => train.metrics.resolveMetric("accuracyy"), ValueError);
    assert.throws(() => train.resolveLoss("toString" as never), /unknown loss "toString"/);
  });

  it("fit on a model ending in Softmax: trains with the default, refuses fromLogits (double softmax)", async () => {
    const set = data.synthetic.spirals({ n: 60, classes: 3, seed: 2 });
    tg.manualSeed(4);
    const model = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Linear(16, 3), new nn.Softmax(1));
    const h = await train.fit(model, set, {
      loss: "sparse_categorical_crossentropy",
      optimizer: "adam",
      lr: 0.05,
      epochs: 4,
      batchSize: 20,
      verbose: 0,
      seed: 1,
    });
    assert.ok(h.loss[3] < h.loss[0], `loss goes down: ${h.loss.join(", ")}`);
    await assert.rejects(
      train.fit(model, set, { loss: { name: "sparse_categorical_crossentropy", fromLogits: true }, epochs: 1, verbose: 0 }),
      (e: unknown) => e instanceof ValueError && /double softmax/.test((e as Error).message),
    );
  });
});

describe("what fit and backward cannot do is a typed error", () => {
  it("fit and evaluate on a model returning a tuple", async () => {
    class Pair extends nn.Module {
      fc = new nn.Linear(2, 1);
      forward(x: Tensor): [Tensor, Tensor] {
        const y = this.fc.forward(x);
        return [y, y];
      }
    }
    const set = { x: tg.randn([4, 2]), y: tg.randn([4, 1]) };
    await assert.rejects(
      train.fit(new Pair(), set, { loss: "mse", verbose: 0 }),
      (e: unknown) =>
        e instanceof ValueError && /fit: the model's forward returned an array of 2 values \(a tuple\)/.test((e as Error).message),
    );
    await assert.rejects(train.evaluate(new Pair(), set, { loss: "mse" }), ValueError);
  });
  it("backward(null, { createGraph: true }) is honoured, and unknown backward options are errors", () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    // d(x²)/dx = 2x, recorded: its own gradient is 2 (test/unit/autograd/higher-order.test.ts has more).
    x.mul(x).sum().backward(null, { createGraph: true });
    assert.equal(x.grad!.requiresGrad, true);
    const [h] = tg.autograd.grad(x.grad!.sum(), [x]);
    assert.deepEqual(h!.toArray(), [2, 2]);
    assert.throws(
      () =>
        x
          .mul(x)
          .sum()
          .backward(null, { retain_graph: true } as any),
      /backward: unknown option "retain_graph"/,
    );
  });
});
