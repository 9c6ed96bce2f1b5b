// Metrics for fit/evaluate: stateful accumulators (reset / update per batch / result) so that epoch
// figures are exact over the whole epoch rather than averages of batch figures, plus one-call
// functional forms (accuracy, precision, recall, f1, confusionMatrix, mae, mse, r2).

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { checkOptions } from "../tensor/options.js";

/** An epoch-long accumulator: `fit` resets it each epoch and updates it after every batch. */
export interface Metric {
  /** The key in logs and History ("accuracy" → `history.accuracy`, `history.valAccuracy`). */
  readonly name: string;
  /** Forgets everything seen (called at the start of each epoch). */
  reset(): void;
  /**
   * Accumulates one batch: the model's output and the targets. fit and evaluate give it tensors in
   * host memory and await it (a function metric on WebGPU reads its result back).
   */
  update(pred: Tensor, target: Tensor): void | Promise<void>;
  /** The value over everything since the last reset. */
  result(): number;
}

/** A plain function metric; `fit` averages it over batches weighted by batch size. */
export type MetricFn = (pred: Tensor, target: Tensor) => number | Tensor;

/** The metric names fit and evaluate accept. */
export type MetricName =
  "accuracy" | "acc" | "precision" | "recall" | "f1" | "mae" | "mean_absolute_error" | "mse" | "mean_squared_error" | "r2";

/** A metric as fit and evaluate take it: a name, a Metric object or a function. */
export type MetricSpec = MetricName | Metric | MetricFn;

/** Options of the classification metrics. */
export interface ClassificationOptions {
  /**
   * Binary outputs ([N] or [N, 1]) are logits rather than probabilities: the default threshold
   * becomes 0 instead of 0.5.
   */
  fromLogits?: boolean;
  /** Binary decision threshold (default 0.5 on probabilities, 0 on logits). */
  threshold?: number;
}

/** Options of precision, recall and F1: the classification ones and the averaging. */
export interface AveragedOptions extends ClassificationOptions {
  /**
   * "binary": the positive class (1) only — the default for binary outputs; "macro": unweighted
   * mean over the classes present in targets or predictions (sklearn's rule) — the default for
   * multi-class outputs; "micro": from global counts.
   */
  average?: "binary" | "macro" | "micro";
}

// ---- reading labels ----------------------------------------------------------------------------

function values(t: Tensor): ArrayLike<number> {
  return t.toTypedArray();
}

function rowsOf(t: Tensor): number {
  return t.ndim === 0 ? 1 : t.shape[0];
}

/** True when `pred` holds one score per sample (binary), i.e. [N] or [N, 1]. */
function isBinaryOutput(pred: Tensor): boolean {
  return pred.ndim <= 1 || (pred.ndim === 2 && pred.shape[1] === 1);
}

function argmaxRows(op: string, t: Tensor): Int32Array {
  if (t.ndim !== 2) throw new ShapeError(`${op}: expected class scores of shape [N, C], got ${fmtShape(t.shape)}`);
  const [n, c] = t.shape;
  const v = values(t);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = v[i * c];
    for (let j = 1; j < c; j++) {
      const x = v[i * c + j];
      if (x > bestV || (Number.isNaN(x) && !Number.isNaN(bestV))) {
        best = j;
        bestV = x;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Predicted class per sample: argmax of [N, C] scores; int32 [N] is taken as labels already;
 * one score per sample is thresholded (probabilities at 0.5, logits at 0).
 * @example train.metrics.predictedLabels("accuracy", tg.tensor([[0.1, 0.9], [0.8, 0.2]]))  // Int32Array [1, 0]
 */
export function predictedLabels(op: string, pred: Tensor, opts: ClassificationOptions = {}): Int32Array {
  checkOptions(op, opts, ["fromLogits", "threshold", "average"]);
  if (!isBinaryOutput(pred)) return argmaxRows(op, pred);
  const v = values(pred);
  if (pred.dtype === "int32") return Int32Array.from(v);
  const threshold = opts.threshold ?? (opts.fromLogits ? 0 : 0.5);
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] > threshold ? 1 : 0;
  return out;
}

/**
 * True class per sample: argmax of one-hot / probability targets [N, C]; otherwise integer labels
 * ([N] or [N, 1], int32 or whole floats). Float binary targets are read as 1 above 0.5.
 * @example train.metrics.targetLabels("accuracy", tg.tensor([[0, 1], [1, 0]]), false)  // Int32Array [1, 0]
 */
export function targetLabels(op: string, target: Tensor, binary: boolean): Int32Array {
  if (target.ndim === 2 && target.shape[1] > 1) return argmaxRows(op, target);
  if (target.ndim > 2) throw new ShapeError(`${op}: expected targets of shape [N], [N, 1] or [N, C], got ${fmtShape(target.shape)}`);
  const v = values(target);
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (binary && target.dtype !== "int32") out[i] = x > 0.5 ? 1 : 0;
    else if (Number.isInteger(x) && x >= 0) out[i] = x;
    else throw new ValueError(`${op}: target ${i} is ${x}, expected a class index (a whole number >= 0)`);
  }
  return out;
}

function pairLabels(op: string, pred: Tensor, target: Tensor, opts: ClassificationOptions): [Int32Array, Int32Array, number] {
  const binary = isBinaryOutput(pred) && pred.dtype !== "int32";
  const p = predictedLabels(op, pred, opts);
  const t = targetLabels(op, target, binary);
  if (p.length !== t.length) {
    throw new ShapeError(
      `${op}: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(target.shape)} hold different numbers of samples (${p.length} vs ${t.length})`,
    );
  }
  const classes = isBinaryOutput(pred) ? 2 : pred.shape[1];
  if (!isBinaryOutput(pred)) {
    for (let i = 0; i < t.length; i++) {
      if (t[i] >= classes) throw new ValueError(`${op}: target class ${t[i]} (sample ${i}) is out of range for ${classes} classes`);
    }
  }
  return [p, t, classes];
}

// ---- accumulators ------------------------------------------------------------------------------

/**
 * Fraction of correct predictions (Keras's accuracy, with its three readings chosen by shape):
 * binary for one output per sample (threshold 0.5 on probabilities, or 0 with `fromLogits`),
 * categorical for [N, C] scores against one-hot / probability targets, sparse against int labels.
 * @example const acc = new train.metrics.Accuracy(); acc.update(tg.tensor([[0.1, 0.9], [0.8, 0.2]]), tg.tensor([1, 1], { dtype: "int32" })); acc.result();  // 0.5
 */
export class Accuracy implements Metric {
  readonly name: string;
  private correct = 0;
  private total = 0;
  constructor(private readonly opts: ClassificationOptions & { name?: string } = {}) {
    this.name = opts.name ?? "accuracy";
  }
  reset(): void {
    this.correct = 0;
    this.total = 0;
  }
  update(pred: Tensor, target: Tensor): void {
    const [p, t] = pairLabels(this.name, pred, target, this.opts);
    for (let i = 0; i < p.length; i++) if (p[i] === t[i]) this.correct++;
    this.total += p.length;
  }
  result(): number {
    return this.total === 0 ? NaN : this.correct / this.total;
  }
}

/** Counts of (true class, predicted class) pairs that grow as larger class indices appear. */
class ConfusionCounts {
  k = 0;
  counts = new Float64Array(0);
  add(t: Int32Array, p: Int32Array, atLeast: number): void {
    let need = atLeast;
    for (let i = 0; i < t.length; i++) need = Math.max(need, t[i] + 1, p[i] + 1);
    if (need > this.k) this.grow(need);
    for (let i = 0; i < t.length; i++) this.counts[t[i] * this.k + p[i]]++;
  }
  private grow(k: number): void {
    const next = new Float64Array(k * k);
    for (let i = 0; i < this.k; i++) for (let j = 0; j < this.k; j++) next[i * k + j] = this.counts[i * this.k + j];
    this.k = k;
    this.counts = next;
  }
  /** Per class: true positives, false positives, false negatives, and whether it occurs at all. */
  perClass(): { tp: number; fp: number; fn: number; present: boolean }[] {
    const out = [];
    for (let c = 0; c < this.k; c++) {
      let row = 0;
      let col = 0;
      for (let j = 0; j < this.k; j++) {
        row += this.counts[c * this.k + j];
        col += this.counts[j * this.k + c];
      }
      const tp = this.counts[c * this.k + c];
      out.push({ tp, fp: col - tp, fn: row - tp, present: row + col > 0 });
    }
    return out;
  }
}

type Score = "precision" | "recall" | "f1";

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

function scoreOf(kind: Score, tp: number, fp: number, fn: number): number {
  if (kind === "precision") return ratio(tp, tp + fp);
  if (kind === "recall") return ratio(tp, tp + fn);
  return ratio(2 * tp, 2 * tp + fp + fn);
}

/**
 * Precision, recall or F1 from a confusion matrix accumulated over the epoch (sklearn's
 * definitions; a 0/0 ratio counts as 0, sklearn's zero_division default).
 * @example await train.fit(model, data, { loss: "binary_crossentropy", metrics: [new train.metrics.ClassScore("f1", { name: "f1" })] })
 */
export class ClassScore implements Metric {
  readonly name: string;
  private readonly counts = new ConfusionCounts();
  private binary = false;
  constructor(
    private readonly kind: Score,
    private readonly opts: AveragedOptions & { name?: string } = {},
  ) {
    this.name = opts.name ?? kind;
  }
  reset(): void {
    this.counts.k = 0;
    this.counts.counts = new Float64Array(0);
  }
  update(pred: Tensor, target: Tensor): void {
    const [p, t, classes] = pairLabels(this.name, pred, target, this.opts);
    this.binary = isBinaryOutput(pred) && pred.dtype !== "int32";
    this.counts.add(t, p, classes);
  }
  result(): number {
    const per = this.counts.perClass();
    if (per.length === 0) return NaN;
    const average = this.opts.average ?? (this.binary ? "binary" : "macro");
    if (average === "binary") {
      const c = per[1] ?? { tp: 0, fp: 0, fn: 0 };
      return scoreOf(this.kind, c.tp, c.fp, c.fn);
    }
    if (average === "micro") {
      let tp = 0,
        fp = 0,
        fn = 0;
      for (const c of per) {
        tp += c.tp;
        fp += c.fp;
        fn += c.fn;
      }
      return scoreOf(this.kind, tp, fp, fn);
    }
    const present = per.filter((c) => c.present);
    return present.reduce((s, c) => s + scoreOf(this.kind, c.tp, c.fp, c.fn), 0) / present.length;
  }
}

/** Pairs predictions with targets element by element ([N] against [N, 1] is allowed). */
function regressionPairs(op: string, pred: Tensor, target: Tensor): [ArrayLike<number>, ArrayLike<number>, number] {
  if (pred.size !== target.size || rowsOf(pred) !== rowsOf(target)) {
    throw new ShapeError(
      `${op}: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(target.shape)} do not pair up element by element`,
    );
  }
  const rows = rowsOf(pred);
  return [values(pred), values(target), rows === 0 ? 0 : pred.size / rows];
}

/**
 * Mean absolute or squared error over every element.
 * @example const m = new train.metrics.MeanError("mae"); m.update(tg.tensor([1, 2]), tg.tensor([2, 4])); m.result();  // 1.5
 */
export class MeanError implements Metric {
  readonly name: string;
  private sum = 0;
  private count = 0;
  constructor(
    private readonly kind: "mae" | "mse",
    name?: string,
  ) {
    this.name = name ?? kind;
  }
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
  update(pred: Tensor, target: Tensor): void {
    const [p, t] = regressionPairs(this.name, pred, target);
    for (let i = 0; i < p.length; i++) {
      const d = p[i] - t[i];
      this.sum += this.kind === "mae" ? Math.abs(d) : d * d;
    }
    this.count += p.length;
  }
  result(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }
}

/**
 * Coefficient of determination, 1 − SS_res / SS_tot, per output column then averaged (sklearn's
 * r2_score with multioutput="uniform_average"); a constant target scores 1 if fitted exactly, else 0.
 * @example const r2 = new train.metrics.R2Score(); r2.update(tg.tensor([1, 2, 3]), tg.tensor([1, 2, 4])); r2.result();  // 0.7857
 */
export class R2Score implements Metric {
  readonly name: string;
  private n = 0;
  private sumY: Float64Array = new Float64Array(0);
  private sumY2: Float64Array = new Float64Array(0);
  private sumRes: Float64Array = new Float64Array(0);
  constructor(name = "r2") {
    this.name = name;
  }
  reset(): void {
    this.n = 0;
    this.sumY = new Float64Array(0);
    this.sumY2 = new Float64Array(0);
    this.sumRes = new Float64Array(0);
  }
  update(pred: Tensor, target: Tensor): void {
    const [p, t, cols] = regressionPairs(this.name, pred, target);
    if (this.n === 0) {
      this.sumY = new Float64Array(cols);
      this.sumY2 = new Float64Array(cols);
      this.sumRes = new Float64Array(cols);
    } else if (cols !== this.sumY.length) {
      throw new ShapeError(`${this.name}: got ${cols} outputs per sample after ${this.sumY.length} in earlier batches`);
    }
    for (let i = 0; i < p.length; i++) {
      const c = i % cols;
      const y = t[i];
      this.sumY[c] += y;
      this.sumY2[c] += y * y;
      this.sumRes[c] += (y - p[i]) ** 2;
    }
    this.n += cols === 0 ? 0 : p.length / cols;
  }
  result(): number {
    if (this.n === 0) return NaN;
    let total = 0;
    for (let c = 0; c < this.sumY.length; c++) {
      const ssTot = Math.max(0, this.sumY2[c] - (this.sumY[c] * this.sumY[c]) / this.n);
      const ssRes = this.sumRes[c];
      total += ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
    }
    return total / this.sumY.length;
  }
}

/**
 * Wraps a function metric: mean over batches weighted by their sample counts.
 * @example new train.metrics.FunctionMetric("maxError", (p, y) => p.sub(y).abs().max().item())
 */
export class FunctionMetric implements Metric {
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    private readonly fn: MetricFn,
  ) {}
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
  update(pred: Tensor, target: Tensor): void | Promise<void> {
    const r = this.fn(pred, target);
    const n = rowsOf(pred);
    const add = (v: number): void => {
      this.sum += v * n;
      this.count += n;
    };
    if (typeof r === "number" || r.storage.backend.host) return add(typeof r === "number" ? r : r.item());
    // A tensor result on a device (WebGPU) is read back asynchronously.
    return r.itemAsync().then(add);
  }
  result(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }
}

const NAMES: Record<MetricName, (opts: ClassificationOptions) => Metric> = {
  accuracy: (o) => new Accuracy(o),
  acc: (o) => new Accuracy(o),
  precision: (o) => new ClassScore("precision", o),
  recall: (o) => new ClassScore("recall", o),
  f1: (o) => new ClassScore("f1", o),
  mae: () => new MeanError("mae"),
  mean_absolute_error: () => new MeanError("mae"),
  mse: () => new MeanError("mse"),
  mean_squared_error: () => new MeanError("mse"),
  r2: () => new R2Score(),
};

/** The metric names `fit` and `evaluate` accept. */
export const METRIC_NAMES = Object.keys(NAMES);

/**
 * A fresh Metric for a name, Metric instance or function. `opts.fromLogits` is passed on to the
 * classification metrics (fit sets it when the loss works on logits of one binary output).
 * @example train.metrics.resolveMetric("accuracy")  // a fresh Accuracy
 */
export function resolveMetric(spec: MetricSpec, opts: ClassificationOptions = {}): Metric {
  if (typeof spec === "string") {
    const make = Object.hasOwn(NAMES, spec) ? NAMES[spec] : undefined;
    if (!make)
      throw new ValueError(`metrics: unknown metric "${spec}" (expected one of ${METRIC_NAMES.join(", ")}, a Metric or a function)`);
    return make(opts);
  }
  if (typeof spec === "function") return new FunctionMetric(spec.name || "metric", spec);
  if (spec && typeof spec.update === "function" && typeof spec.result === "function") return spec;
  throw new ValueError(`metrics: expected a metric name, a Metric or a function, got ${String(spec)}`);
}

function once(metric: Metric, pred: Tensor, target: Tensor): number {
  metric.update(pred, target);
  return metric.result();
}

// ---- functional forms --------------------------------------------------------------------------

/**
 * Fraction of samples classified correctly (see Accuracy for how outputs are read).
 * @example train.metrics.accuracy(tg.tensor([[0.1, 0.9], [0.8, 0.2]]), tg.tensor([1, 1], { dtype: "int32" }))  // 0.5
 */
export function accuracy(pred: Tensor, target: Tensor, opts: ClassificationOptions = {}): number {
  return once(new Accuracy(opts), pred, target);
}

/**
 * Precision, like sklearn.metrics.precision_score (binary for one output, else macro).
 * @example train.metrics.precision(tg.tensor([0.9, 0.8, 0.2]), tg.tensor([1, 0, 0]))  // 0.5: one of two predicted positives is right
 */
export function precision(pred: Tensor, target: Tensor, opts: AveragedOptions = {}): number {
  return once(new ClassScore("precision", opts), pred, target);
}

/**
 * Recall, like sklearn.metrics.recall_score (binary for one output, else macro).
 * @example train.metrics.recall(tg.tensor([0.9, 0.8, 0.2]), tg.tensor([1, 0, 1]))  // 0.5: one of two positives found
 */
export function recall(pred: Tensor, target: Tensor, opts: AveragedOptions = {}): number {
  return once(new ClassScore("recall", opts), pred, target);
}

/**
 * F1 score, like sklearn.metrics.f1_score (binary for one output, else macro mean of per-class F1).
 * @example train.metrics.f1(tg.tensor([0.9, 0.8, 0.2]), tg.tensor([1, 0, 1]))  // 0.5
 */
export function f1(pred: Tensor, target: Tensor, opts: AveragedOptions = {}): number {
  return once(new ClassScore("f1", opts), pred, target);
}

/**
 * Mean absolute error over every element.
 * @example train.metrics.mae(tg.tensor([1, 2]), tg.tensor([2, 4]))  // 1.5
 */
export function mae(pred: Tensor, target: Tensor): number {
  return once(new MeanError("mae"), pred, target);
}

/**
 * Mean squared error over every element.
 * @example train.metrics.mse(tg.tensor([1, 2]), tg.tensor([2, 4]))  // 2.5
 */
export function mse(pred: Tensor, target: Tensor): number {
  return once(new MeanError("mse"), pred, target);
}

/**
 * R², like sklearn.metrics.r2_score (averaged over output columns).
 * @example train.metrics.r2(tg.tensor([1, 2, 3]), tg.tensor([1, 2, 4]))  // 0.7857
 */
export function r2(pred: Tensor, target: Tensor): number {
  return once(new R2Score(), pred, target);
}

/**
 * Counts of (true class, predicted class) as an int32 [K, K] tensor: rows are true classes,
 * columns predictions (sklearn.metrics.confusion_matrix). `pred` is [N, K] scores, int32 labels,
 * or one probability per sample (thresholded at 0.5) when K is 2.
 * @example train.confusionMatrix(model.forward(x), y, 10)
 */
export function confusionMatrix(pred: Tensor, target: Tensor, numClasses: number, opts: ClassificationOptions = {}): Tensor {
  const op = "confusionMatrix";
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ValueError(`${op}: numClasses must be a positive integer, got ${numClasses}`);
  if (!isBinaryOutput(pred) && pred.shape[1] !== numClasses) {
    throw new ShapeError(`${op}: predictions ${fmtShape(pred.shape)} score ${pred.shape[1]} classes, expected ${numClasses}`);
  }
  const asLabels = pred.dtype === "int32" || numClasses !== 2;
  const p = isBinaryOutput(pred) && asLabels ? targetLabels(op, pred, false) : predictedLabels(op, pred, opts);
  const t = targetLabels(op, target, isBinaryOutput(pred) && !asLabels);
  if (p.length !== t.length) {
    throw new ShapeError(
      `${op}: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(target.shape)} hold different numbers of samples`,
    );
  }
  const out = new Int32Array(numClasses * numClasses);
  for (let i = 0; i < t.length; i++) {
    if (t[i] >= numClasses || p[i] >= numClasses) {
      throw new ValueError(`${op}: class ${Math.max(t[i], p[i])} (sample ${i}) is out of range for numClasses=${numClasses}`);
    }
    out[t[i] * numClasses + p[i]]++;
  }
  return tensor(out, { shape: [numClasses, numClasses], dtype: "int32" });
}
