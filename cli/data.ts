// Data sources of the command line — the bundled MNIST digits, a folder of IDX files, or a numeric
// CSV file — loaded into train/test tensors, plus the input standardisation stored with a run.

import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import * as tg from "../src/index.js";
import { data, type Tensor } from "../src/index.js";
import { CliError, UsageError } from "./errors.js";

export type Task = "classification" | "regression";

export type DataSpec =
  | { kind: "mnist" }
  | { kind: "idx"; dir: string }
  | { kind: "csv"; file: string; target: string | number; task?: Task; testSplit: number };

export interface XY {
  x: Tensor;
  y: Tensor;
}

export interface LoadedData {
  train: XY;
  test: XY;
  inputSize: number;
  task: Task;
  /** Classification: the number of classes and each class index's label. */
  numClasses: number;
  classes: (string | number)[];
  featureNames?: string[];
  /** For messages: "MNIST (bundled)", "iris.csv". */
  name: string;
}

/** Per-feature (or one overall) mean and std applied to inputs before the model: x' = (x − mean) / std. */
export interface Standardize {
  mean: number[];
  std: number[];
}

/** Parses `--data`: "mnist", "idx:DIR" or "csv:FILE" (with --target, --task, --test-split). */
export function parseDataSpec(value: string, { target, task, testSplit = 0.2 }: { target?: string; task?: Task; testSplit?: number }): DataSpec {
  if (value === "mnist") return { kind: "mnist" };
  const m = /^(idx|csv):(.+)$/.exec(value);
  if (!m) throw new UsageError(`unknown data source "${value}" (expected mnist, idx:DIR or csv:FILE)`);
  const path = resolve(m[2]);
  if (m[1] === "idx") return { kind: "idx", dir: path };
  const col = target === undefined ? -1 : /^-?\d+$/.test(target) ? Number(target) : target;
  return { kind: "csv", file: path, target: col, task, testSplit };
}

/** A label for messages. */
export function describeSpec(spec: DataSpec): string {
  return spec.kind === "mnist" ? "MNIST digits (bundled)" : spec.kind === "idx" ? `IDX files in ${spec.dir}` : `CSV ${spec.file}`;
}

function take(xy: XY, limit: number | undefined): XY {
  if (limit === undefined || limit >= xy.x.shape[0]) return xy;
  return { x: xy.x.slice(0, 0, limit), y: xy.y.slice(0, 0, limit) };
}

function classCount(y: Tensor): number {
  const v = y.toTypedArray();
  let max = -1;
  for (let i = 0; i < v.length; i++) max = Math.max(max, v[i]);
  return max + 1;
}

/**
 * The most classes a classification run takes: the output layer, the one-hot work of the loss and
 * the report grow with it, and a column with more distinct labels is almost surely a value.
 */
export const MAX_CLASSES = 10_000;

/**
 * Loads a data source; `limit` caps the training and the test samples (for quick runs). `classes`
 * (a trained run's labels) maps a CSV's labels to the same class indices as in training.
 */
export function loadData(spec: DataSpec, { limit, seed, classes }: { limit?: number; seed: number; classes?: readonly (string | number)[] }): LoadedData {
  if (spec.kind === "mnist") {
    const train = data.mnist({ train: true, limit }), test = data.mnist({ train: false, limit });
    return { train, test, inputSize: 784, task: "classification", numClasses: 10, classes: range(10), name: "MNIST (bundled, 8,000 train / 2,000 test)" };
  }
  if (spec.kind === "idx") {
    if (!existsSync(spec.dir) || !statSync(spec.dir).isDirectory()) throw new CliError(`data directory not found: ${spec.dir}`);
    const { train, test } = data.loadMnistIdx(spec.dir);
    const k = Math.max(classCount(train.y), classCount(test.y));
    return { train: take(train, limit), test: take(test, limit), inputSize: train.x.shape[1], task: "classification", numClasses: k, classes: range(k), name: `IDX ${spec.dir}` };
  }
  return loadCsvData(spec, limit, seed, classes);
}

const range = (k: number): number[] => Array.from({ length: k }, (_, i) => i);

function loadCsvData(spec: Extract<DataSpec, { kind: "csv" }>, limit: number | undefined, seed: number, given?: readonly (string | number)[]): LoadedData {
  if (!existsSync(spec.file)) throw new CliError(`data file not found: ${spec.file}`);
  const task = spec.task ?? detectTask(spec);
  // Labels become indices 0…K-1 of the labels present (listed in config.json), so {0, 50000} is two
  // classes, not 50,001; a trained run's own list keeps the indices it was trained with.
  const csv = data.loadCsv(spec.file, { target: spec.target, targetType: task === "classification" ? "class" : "value", integerLabels: "map", classes: given?.length ? given : undefined });
  if (task === "classification" && csv.classes!.length > MAX_CLASSES) {
    throw new CliError(`${spec.file}: the target "${csv.targetName}" has ${csv.classes!.length} distinct labels, more than the ${MAX_CLASSES} classes a run takes; if it is a value to predict, use --task regression`);
  }
  const n = csv.x.shape[0];
  if (n < 2) throw new CliError(`${spec.file}: need at least 2 rows to split into training and test sets, found ${n}`);
  // A seeded, private permutation (randomSplit's own generator): the same split in every run.
  const [trainSet, testSet] = data.randomSplit(new data.TensorDataset(csv.x, csv.y), [1 - spec.testSplit, spec.testSplit], { seed });
  if (trainSet.length === 0 || testSet.length === 0) throw new CliError(`${spec.file}: a test split of ${spec.testSplit} leaves ${trainSet.length} training and ${testSet.length} test rows; both need at least one`);
  const all = (s: data.Subset): XY => {
    const [x, y] = s.getBatch(range(s.length));
    return { x, y };
  };
  const classes = csv.classes ?? [];
  return {
    train: take(all(trainSet), limit),
    test: take(all(testSet), limit),
    inputSize: csv.x.shape[1],
    task,
    numClasses: task === "classification" ? classes.length : 1,
    classes,
    featureNames: csv.featureNames,
    name: `${spec.file} (target "${csv.targetName}", ${n} rows)`,
  };
}

/** Classification when the target holds a few whole numbers or any text; regression otherwise. */
function detectTask(spec: Extract<DataSpec, { kind: "csv" }>): Task {
  let y: Float32Array;
  try {
    y = data.loadCsv(spec.file, { target: spec.target, targetType: "value" }).y.toFloat32Array();
  } catch (e) {
    if (e instanceof tg.FormatError && /not a number/.test(e.message)) return "classification";
    throw e;
  }
  const distinct = new Set(y);
  const whole = y.every((v) => Number.isInteger(v));
  return whole && distinct.size <= Math.max(2, Math.min(50, Math.floor(y.length / 5))) ? "classification" : "regression";
}

/**
 * Checks, before any training, that the data can train and test a model: samples in both sets and,
 * for classification, at least two classes (one class leaves nothing to learn).
 */
export function checkTrainable(loaded: LoadedData): void {
  const where = loaded.name;
  if (loaded.train.x.shape[0] === 0) throw new CliError(`${where}: the training set has no samples`);
  if (loaded.test.x.shape[0] === 0) throw new CliError(`${where}: the test set has no samples`);
  if (loaded.task === "classification") {
    const present = [...new Set(loaded.train.y.toTypedArray())].sort((a, b) => a - b);
    if (present.length < 2) {
      const labels = present.map((k) => loaded.classes[k] ?? k).join(", ");
      throw new CliError(`${where}: every training label is ${labels || "missing"}; classification needs at least 2 classes`);
    }
  }
}

/** Statistics of the training inputs: one overall mean/std for images, per feature for tables. */
export function computeStandardize(x: Tensor, perFeature: boolean): Standardize {
  const v = x.toFloat32Array();
  const f = perFeature ? x.shape[1] : 1;
  const n = v.length / f;
  const mean = new Array(f).fill(0), sq = new Array(f).fill(0);
  for (let i = 0; i < v.length; i++) mean[i % f] += v[i];
  for (let j = 0; j < f; j++) mean[j] /= n;
  for (let i = 0; i < v.length; i++) sq[i % f] += (v[i] - mean[i % f]) ** 2;
  // Population std as scikit-learn's StandardScaler; a constant feature is left unscaled.
  const std = sq.map((s) => Math.sqrt(s / n) || 1);
  return { mean: mean.map((m) => Math.fround(m)), std: std.map((s) => Math.fround(s)) };
}

export function applyStandardize(x: Tensor, s: Standardize): Tensor {
  if (s.mean.length !== 1 && s.mean.length !== x.shape[1]) {
    throw new CliError(`the input has ${x.shape[1]} features but the run standardises ${s.mean.length}`);
  }
  return tg.noGrad(() => x.sub(tg.tensor(s.mean)).div(tg.tensor(s.std)));
}
