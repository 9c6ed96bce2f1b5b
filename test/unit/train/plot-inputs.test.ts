// What the public chart functions take: confusionMatrixChart a [K, K] Tensor as well as nested
// arrays (typed errors for anything else), and Canvas.text one of its three text sizes.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../../../src/index.js";
import { train } from "../../../src/index.js";

const { confusionMatrixChart, Canvas } = train.plot;

test("confusionMatrixChart draws a Tensor of counts exactly as the same counts in arrays", () => {
  const counts = [
    [5, 1, 0],
    [2, 3, 1],
    [0, 0, 4],
  ];
  const fromTensor = confusionMatrixChart(tg.tensor(counts, { dtype: "int32" }), { labels: ["a", "b", "c"] });
  assert.deepEqual(fromTensor, confusionMatrixChart(counts, { labels: ["a", "b", "c"] }));
  const logits = tg.tensor([
      [2, 0],
      [0, 1],
      [3, 1],
    ]),
    y = tg.tensor([0, 1, 1], { dtype: "int32" });
  assert.deepEqual(
    confusionMatrixChart(train.confusionMatrix(logits, y, 2)),
    confusionMatrixChart([
      [1, 0],
      [1, 1],
    ]),
  );
});

test("confusionMatrixChart names what it was given instead of counts", () => {
  assert.throws(() => confusionMatrixChart(tg.zeros([2, 3])), {
    name: "ShapeError",
    message: "confusionMatrixChart: expected a square [K, K] tensor of counts, got [2, 3]",
  });
  assert.throws(() => confusionMatrixChart(tg.zeros([4])), {
    name: "ShapeError",
    message: "confusionMatrixChart: expected a square [K, K] tensor of counts, got [4]",
  });
  assert.throws(() => confusionMatrixChart("1,2;3,4" as never), {
    name: "ValueError",
    message: "confusionMatrixChart: expected a [K, K] Tensor or a K×K array of counts, got string",
  });
  assert.throws(
    () =>
      confusionMatrixChart([
        [1, NaN],
        [0, 2],
      ]),
    { name: "ValueError", message: "confusionMatrixChart: counts must be finite numbers >= 0, got NaN at row 0, column 1" },
  );
  assert.throws(() => confusionMatrixChart([[1, 2], 3] as never), {
    name: "ValueError",
    message: "confusionMatrixChart: expected a square K×K matrix, got 2 rows of lengths 2, number",
  });
});

test("confusionMatrixChart checks a Tensor's counts as it checks an array's", () => {
  assert.throws(
    () =>
      confusionMatrixChart(
        tg.tensor([
          [1, NaN],
          [0, 2],
        ]),
      ),
    { name: "ValueError", message: "confusionMatrixChart: counts must be finite numbers >= 0, got NaN at row 0, column 1" },
  );
  assert.throws(
    () =>
      confusionMatrixChart(
        tg.tensor([
          [1, 0],
          [-3, 2],
        ]),
      ),
    { name: "ValueError", message: "confusionMatrixChart: counts must be finite numbers >= 0, got -3 at row 1, column 0" },
  );
  assert.throws(
    () =>
      confusionMatrixChart(
        tg.tensor([
          [true, false],
          [false, true],
        ]),
      ),
    { name: "ValueError", message: "confusionMatrixChart: counts must be finite numbers >= 0, got true at row 0, column 0" },
  );
  // float64 counts (what a sum of float64 one-hots gives) draw as the same integers would.
  const counts = [
    [3, 1],
    [0, 4],
  ];
  assert.deepEqual(confusionMatrixChart(tg.tensor(counts, { dtype: "float64" })), confusionMatrixChart(counts));
});

test("Canvas.text takes scale 1, 2 or 3 and refuses the bitmap font's other multiples", () => {
  const c = new Canvas(80, 30);
  for (const scale of [1, 2, 3] as const) c.text("Hg", 2, 2, { scale });
  assert.ok(
    c.data.some((v, i) => i % 4 === 0 && v < 128),
    "text was drawn",
  );
  assert.throws(() => c.text("Hg", 2, 2, { scale: 4 as never }), {
    name: "ValueError",
    message: "Canvas.text: scale must be 1 (12 px text), 2 (15 px) or 3 (21 px), got 4",
  });
  assert.throws(() => c.text("Hg", 2, 2, { scale: 1.5 as never }), {
    name: "ValueError",
    message: "Canvas.text: scale must be 1 (12 px text), 2 (15 px) or 3 (21 px), got 1.5",
  });
});
