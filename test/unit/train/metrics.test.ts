// train.metrics against hand-worked examples and NumPy references of scikit-learn's definitions
// (test/fixtures/metrics.json, made by test/fixtures/gen_metrics.py).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { train, ShapeError, ValueError } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

const M = train.metrics;
const fixture = JSON.parse(readFileSync(new URL("../../fixtures/metrics.json", import.meta.url), "utf8"));

// Binary: p > 0.5 gives [1, 0, 1, 0, 1] against [1, 0, 0, 1, 1]: TP 2 (0, 4), FP 1 (2), FN 1 (3).
const prob = tg.tensor([[0.9], [0.2], [0.6], [0.4], [0.7]]);
const logit = tg.tensor([2.2, -1.0, 0.3, -0.1, 0.8]);
const binTarget = tg.tensor([1, 0, 0, 1, 1]);

test("binary accuracy, precision, recall and F1 by hand (probabilities at 0.5, logits at 0)", () => {
  assert.equal(M.accuracy(prob, binTarget), 0.6);
  assert.equal(M.accuracy(logit, binTarget, { fromLogits: true }), 0.6);
  // Read as probabilities (no fromLogits), only 2.2 and 0.8 exceed 0.5: [1, 0, 0, 0, 1] → 4 of 5.
  assert.equal(M.accuracy(logit, binTarget), 0.8);
  assert.equal(M.accuracy(prob, binTarget, { threshold: 0.65 }), 0.8);
  assertClose([M.precision(prob, binTarget), M.recall(prob, binTarget), M.f1(prob, binTarget)], [2 / 3, 2 / 3, 2 / 3], {
    rtol: 1e-12,
    atol: 0,
  });
  assert.deepEqual(train.confusionMatrix(prob, binTarget, 2).toArray(), [
    [1, 1],
    [1, 2],
  ]);
});

// Categorical: argmax gives [1, 0, 2, 1] against [1, 0, 1, 2].
const scores = tg.tensor([
  [0.1, 0.7, 0.2],
  [0.8, 0.1, 0.1],
  [0.2, 0.3, 0.5],
  [0.3, 0.4, 0.3],
]);
const oneHot = tg.tensor([
  [0, 1, 0],
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
]);
const sparse = tg.tensor([1, 0, 1, 2], { dtype: "int32" });

test("categorical and sparse accuracy, macro scores and the confusion matrix by hand", () => {
  assert.equal(M.accuracy(scores, oneHot), 0.5);
  assert.equal(M.accuracy(scores, sparse), 0.5);
  const cm = train.confusionMatrix(scores, sparse, 3);
  assert.equal(cm.dtype, "int32");
  assert.deepEqual([...cm.shape], [3, 3]);
  assert.deepEqual(cm.toArray(), [
    [1, 0, 0],
    [0, 1, 1],
    [0, 1, 0],
  ]);
  // Per class: precision 1, 1/2, 0; recall 1, 1/2, 0; F1 1, 1/2, 0 → macro 0.5 each.
  assert.equal(M.precision(scores, sparse), 0.5);
  assert.equal(M.recall(scores, sparse), 0.5);
  assert.equal(M.f1(scores, oneHot), 0.5);
  // Micro: 2 right of 4 predictions.
  assert.equal(M.precision(scores, sparse, { average: "micro" }), 0.5);
  // int32 predictions are labels already.
  assert.deepEqual(train.confusionMatrix(tg.tensor([1, 0, 2, 1], { dtype: "int32" }), sparse, 3).toArray(), cm.toArray());
});

test("mae, mse and r2 by hand, and r2 of a constant target", () => {
  const pred = tg.tensor([[1], [2], [3], [4]]);
  const target = tg.tensor([1.5, 2, 2, 5]);
  assert.equal(M.mae(pred, target), 0.625);
  assert.equal(M.mse(pred, target), 0.5625);
  // mean 2.625, SS_tot 7.6875, SS_res 2.25.
  assertClose([M.r2(pred, target)], [1 - 2.25 / 7.6875], { rtol: 1e-12, atol: 0 });
  assert.equal(M.r2(tg.tensor([2, 2]), tg.tensor([2, 2])), 1);
  assert.equal(M.r2(tg.tensor([1, 3]), tg.tensor([2, 2])), 0);
});

test("multi-class figures match the sklearn-definition references", () => {
  const f = fixture.multiclass;
  const logits = tg.tensor(Float32Array.from(f.logits), { shape: f.shape });
  const labels = tg.tensor(Int32Array.from(f.labels));
  assert.equal(M.accuracy(logits, labels), f.accuracy);
  assert.deepEqual(Array.from(train.confusionMatrix(logits, labels, 4).toTypedArray()), f.confusion);
  for (const name of ["precision", "recall", "f1"] as const) {
    assertClose([M[name](logits, labels)], [f.macro[name]], { rtol: 1e-12, atol: 0, what: `macro ${name}` });
    assertClose([M[name](logits, labels, { average: "micro" })], [f.micro[name]], { rtol: 1e-12, atol: 0, what: `micro ${name}` });
  }
});

test("binary figures match the sklearn-definition references", () => {
  const f = fixture.binary;
  const p = tg.tensor(Float32Array.from(f.prob), { shape: [f.prob.length, 1] });
  const t = tg.tensor(Float32Array.from(f.target));
  assert.equal(M.accuracy(p, t), f.accuracy);
  assertClose([M.precision(p, t), M.recall(p, t), M.f1(p, t)], [f.precision, f.recall, f.f1], { rtol: 1e-12, atol: 0 });
  assert.deepEqual(Array.from(train.confusionMatrix(p, t, 2).toTypedArray()), f.confusion);
});

test("regression figures (two outputs) match the references", () => {
  const f = fixture.regression;
  const p = tg.tensor(Float32Array.from(f.pred), { shape: f.shape });
  const t = tg.tensor(Float32Array.from(f.target), { shape: f.shape });
  assertClose([M.mae(p, t), M.mse(p, t), M.r2(p, t)], [f.mae, f.mse, f.r2], { rtol: 1e-9, atol: 0 });
});

test("accumulated over batches, a metric equals the one-shot value", () => {
  const f = fixture.multiclass;
  const logits = tg.tensor(Float32Array.from(f.logits), { shape: f.shape });
  const labels = tg.tensor(Int32Array.from(f.labels));
  for (const name of ["accuracy", "f1", "precision", "recall"] as const) {
    const m = train.metrics.resolveMetric(name);
    m.reset();
    for (let s = 0; s < 60; s += 16) m.update(logits.slice(0, s, s + 16), labels.slice(0, s, s + 16));
    assertClose([m.result()], [(M as any)[name === "accuracy" ? "accuracy" : name](logits, labels)], { rtol: 1e-12, atol: 0, what: name });
  }
  const r = fixture.regression;
  const p = tg.tensor(Float32Array.from(r.pred), { shape: r.shape }),
    t = tg.tensor(Float32Array.from(r.target), { shape: r.shape });
  const r2 = train.metrics.resolveMetric("r2");
  for (let s = 0; s < 40; s += 7) r2.update(p.slice(0, s, s + 7), t.slice(0, s, s + 7));
  assertClose([r2.result()], [r.r2], { rtol: 1e-9, atol: 0 });
});

test("metric names, functions and errors", () => {
  assert.equal(train.metrics.resolveMetric("acc").name, "accuracy");
  assert.equal(train.metrics.resolveMetric("mean_absolute_error").name, "mae");
  const fn = train.metrics.resolveMetric(function meanPred(p) {
    return p.mean();
  });
  assert.equal(fn.name, "meanPred");
  fn.update(tg.tensor([1, 1]), tg.tensor([0, 0]));
  fn.update(tg.tensor([4]), tg.tensor([0]));
  assert.equal(fn.result(), 2); // (1·2 + 4·1) / 3
  assert.throws(
    () => train.metrics.resolveMetric("auc" as never),
    (e: Error) =>
      e instanceof ValueError &&
      e.message ===
        'metrics: unknown metric "auc" (expected one of accuracy, acc, precision, recall, f1, mae, mean_absolute_error, mse, mean_squared_error, r2, a Metric or a function)',
  );
  assert.throws(
    () => M.accuracy(scores, tg.tensor([1, 0, 5, 1], { dtype: "int32" })),
    (e: Error) => e instanceof ValueError && e.message === "accuracy: target class 5 (sample 2) is out of range for 3 classes",
  );
  assert.throws(
    () => M.accuracy(scores, tg.tensor([1, 0, 1], { dtype: "int32" })),
    (e: Error) =>
      e instanceof ShapeError && e.message === "accuracy: predictions [4, 3] and targets [3] hold different numbers of samples (4 vs 3)",
  );
  assert.throws(
    () => M.mae(tg.tensor([1, 2]), tg.tensor([1, 2, 3])),
    (e: Error) => e instanceof ShapeError && e.message === "mae: predictions [2] and targets [3] do not pair up element by element",
  );
  assert.throws(
    () => train.confusionMatrix(scores, sparse, 4),
    (e: Error) => e instanceof ShapeError && e.message === "confusionMatrix: predictions [4, 3] score 3 classes, expected 4",
  );
  assert.throws(
    () => train.confusionMatrix(tg.tensor([0, 3], { dtype: "int32" }), tg.tensor([0, 1], { dtype: "int32" }), 3),
    (e: Error) => e instanceof ValueError && e.message === "confusionMatrix: class 3 (sample 1) is out of range for numClasses=3",
  );
});
