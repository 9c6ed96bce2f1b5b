// Per-class precision, recall and F1 from a confusion matrix (rows: true class, columns: predicted),
// as scikit-learn's classification_report gives them, for the evaluation output and report.md.

import { train, type Tensor } from "../src/index.js";

export interface ClassRow {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Test samples whose true class this is. */
  support: number;
}

export interface ClassReport {
  classes: ClassRow[];
  /** The unweighted mean over classes, and the mean weighted by support (sklearn's "macro avg" and "weighted avg"). */
  macro: ClassRow;
  weighted: ClassRow;
}

/** a / b, with 0/0 as 0 (scikit-learn's zero_division default). */
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export function classReport(confusion: readonly (readonly number[])[], labels: readonly (string | number)[]): ClassReport {
  const k = confusion.length;
  const classes: ClassRow[] = [];
  for (let c = 0; c < k; c++) {
    const tp = confusion[c][c];
    let row = 0,
      col = 0;
    for (let j = 0; j < k; j++) {
      row += confusion[c][j];
      col += confusion[j][c];
    }
    const precision = ratio(tp, col),
      recall = ratio(tp, row);
    classes.push({ label: String(labels[c] ?? c), precision, recall, f1: ratio(2 * tp, row + col), support: row });
  }
  const total = classes.reduce((s, r) => s + r.support, 0);
  const mean = (label: string, weight: (r: ClassRow) => number, norm: number): ClassRow => {
    const avg = (key: "precision" | "recall" | "f1"): number =>
      ratio(
        classes.reduce((s, r) => s + weight(r) * r[key], 0),
        norm,
      );
    return { label, precision: avg("precision"), recall: avg("recall"), f1: avg("f1"), support: total };
  };
  return { classes, macro: mean("macro avg", () => 1, k), weighted: mean("weighted avg", (r) => r.support, total) };
}

/** The confusion matrix of a model's logits on the test set, as nested arrays. */
export function testConfusion(
  model: Parameters<typeof train.predict>[0],
  x: Tensor,
  y: Tensor,
  numClasses: number,
  batchSize: number,
): number[][] {
  return train.confusionMatrix(train.predict(model, x, { batchSize }), y, numClasses).toArray() as number[][];
}

/** Columns for a terminal: label, precision, recall, F1, support; the two averages below a rule. */
export function formatClassReport(r: ClassReport): string {
  const rows = [...r.classes, r.macro, r.weighted];
  const width = Math.max(12, ...rows.map((x) => x.label.length));
  const line = (x: ClassRow): string =>
    `${x.label.padStart(width)}  ${x.precision.toFixed(4).padStart(9)}  ${x.recall.toFixed(4).padStart(9)}  ${x.f1.toFixed(4).padStart(9)}  ${String(x.support).padStart(7)}`;
  return [
    `${"class".padStart(width)}  ${"precision".padStart(9)}  ${"recall".padStart(9)}  ${"f1".padStart(9)}  ${"support".padStart(7)}`,
    ...r.classes.map(line),
    "",
    line(r.macro),
    line(r.weighted),
  ].join("\n");
}
