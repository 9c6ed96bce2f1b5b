// Per-class precision, recall and F1 on a confusion matrix small enough to check by hand
// (rows: true class, columns: predicted), with scikit-learn's averages and its 0/0 = 0 rule.

import { test } from "node:test";
import assert from "node:assert/strict";
import { classReport, formatClassReport } from "../../../cli/class-report.js";

// True a: 5 right, 1 taken for b. True b: 2 taken for a, 3 right, 1 taken for c. True c: 4 right.
const confusion = [
  [5, 1, 0],
  [2, 3, 1],
  [0, 0, 4],
];

test("precision, recall, F1 and support of each class", () => {
  const r = classReport(confusion, ["a", "b", "c"]);
  const close = (actual: number, expected: number, what: string): void =>
    assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs ${expected}`);
  const expected = [
    // precision = tp / column, recall = tp / row, F1 = 2tp / (row + column)
    { label: "a", precision: 5 / 7, recall: 5 / 6, f1: 10 / 13, support: 6 },
    { label: "b", precision: 3 / 4, recall: 3 / 6, f1: 6 / 10, support: 6 },
    { label: "c", precision: 4 / 5, recall: 4 / 4, f1: 8 / 9, support: 4 },
  ];
  r.classes.forEach((row, i) => {
    assert.equal(row.label, expected[i].label);
    assert.equal(row.support, expected[i].support);
    for (const k of ["precision", "recall", "f1"] as const) close(row[k], expected[i][k], `${row.label} ${k}`);
  });
  // scikit-learn's classification_report averages: macro is the plain mean, weighted by support.
  close(r.macro.precision, (5 / 7 + 3 / 4 + 4 / 5) / 3, "macro precision");
  close(r.macro.recall, (5 / 6 + 1 / 2 + 1) / 3, "macro recall");
  close(r.macro.f1, (10 / 13 + 6 / 10 + 8 / 9) / 3, "macro f1");
  close(r.weighted.precision, (6 * (5 / 7) + 6 * (3 / 4) + 4 * (4 / 5)) / 16, "weighted precision");
  close(r.weighted.recall, (5 + 3 + 4) / 16, "weighted recall (= accuracy)");
  close(r.weighted.f1, (6 * (10 / 13) + 6 * (6 / 10) + 4 * (8 / 9)) / 16, "weighted f1");
  assert.equal(r.macro.support, 16);
  assert.equal(
    formatClassReport(r),
    [
      "       class  precision     recall         f1  support",
      "           a     0.7143     0.8333     0.7692        6",
      "           b     0.7500     0.5000     0.6000        6",
      "           c     0.8000     1.0000     0.8889        4",
      "",
      "   macro avg     0.7548     0.7778     0.7527       16",
      "weighted avg     0.7491     0.7500     0.7357       16",
    ].join("\n"),
  );
});

test("a class never predicted and never present scores 0, as sklearn's zero_division=0", () => {
  const r = classReport(
    [
      [2, 0],
      [0, 0],
    ],
    [0, 1],
  );
  assert.deepEqual(r.classes[1], { label: "1", precision: 0, recall: 0, f1: 0, support: 0 });
  assert.deepEqual(r.classes[0], { label: "0", precision: 1, recall: 1, f1: 1, support: 2 });
  assert.equal(r.macro.f1, 0.5);
  assert.equal(r.weighted.f1, 1);
});
