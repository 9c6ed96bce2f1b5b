// Data sources of the command line — the bundled MNIST digits, a folder of IDX files, or a numeric
// CSV file — loaded into train/test tensors, plus the input standardisation stored with a run.

import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import * as tg from "../src/index.js";
import { data, type Tensor } from "../src/index.js";
import { CliError, UsageError } from "./errors.js";
import { encodedNames, encodeRows, fitEncoding, readTable, type ColumnEncoding } from "./table.js";
import { loadImageFolder, type ImagesSpec } from "./image-folder.js";
import type { ColorMode } from "./image-decode.js";

export type Task = "classification" | "regression";

export type DataSpec =
  | { kind: "mnist" }
  | { kind: "idx"; dir: string }
  | { kind: "csv"; file: string; target: string | number; task?: Task; testSplit: number }
  | ImagesSpec;

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
  /** CSV: how the input columns became features (stored in config.json for eval and predict). */
  encoding?: ColumnEncoding[];
  /** Images from a folder: [channels, height, width] of one sample. */
  imageShape?: number[];
  /** CSV: the target column's name (config.json keeps it, so eval reads another file's columns by name). */
  targetName?: string;
  /** For messages: "MNIST (bundled)", "iris.csv". */
  name: string;
}

/** Per-feature (or one overall) mean and std applied to inputs before the model: x' = (x − mean) / std. */
export interface Standardize {
  mean: number[];
  std: number[];
}

/** The image options of `--data DIR`. */
export interface ImageOptions {
  imageSize?: number;
  color?: ColorMode;
}

export const IMAGE_DEFAULTS = { imageSize: 28, color: "gray" } as const;

/**
 * Parses `--data`: "mnist", "idx:DIR", "csv:FILE" (with --target, --task, --test-split), or a folder
 * of class folders of images, "images:DIR" or just "DIR" (with --image-size, --color, --test-split).
 */
export function parseDataSpec(
  value: string,
  {
    target,
    task,
    testSplit = 0.2,
    imageSize = IMAGE_DEFAULTS.imageSize,
    color = IMAGE_DEFAULTS.color,
  }: { target?: string; task?: Task; testSplit?: number } & ImageOptions,
): DataSpec {
  if (value === "mnist") return { kind: "mnist" };
  const m = /^(idx|csv|images):(.+)$/.exec(value);
  const folder = !m && existsSync(value) && statSync(value).isDirectory();
  if (!m && !folder) {
    // A CSV file given as a plain path is the likeliest slip: name the spelling that reads it.
    const hint = /\.csv$/i.test(value) && existsSync(value) ? `; for this CSV file: --data csv:${value}` : "";
    throw new UsageError(
      `unknown data source "${value}" (expected mnist, idx:DIR, csv:FILE, or a folder of class folders of images)${hint}`,
    );
  }
  if (!m || m[1] === "images") {
    if (task === "regression") throw new UsageError("--task regression: a folder of images has classes (one subfolder each)");
    return { kind: "images", dir: resolve(m ? m[2] : value), size: imageSize, color, testSplit };
  }
  const path = resolve(m[2]);
  if (m[1] === "idx") return { kind: "idx", dir: path };
  const col = target === undefined ? -1 : /^-?\d+$/.test(target) ? Number(target) : target;
  return { kind: "csv", file: path, target: col, task, testSplit };
}

/** A label for messages. */
export function describeSpec(spec: DataSpec): string {
  if (spec.kind === "images") return `images in ${spec.dir}`;
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
export function loadData(
  spec: DataSpec,
  { limit, seed, classes, encoding }: { limit?: number; seed: number; classes?: readonly (string | number)[]; encoding?: ColumnEncoding[] },
): LoadedData {
  if (spec.kind === "mnist") {
    const train = data.mnist({ train: true, limit }),
      test = data.mnist({ train: false, limit });
    return {
      train,
      test,
      inputSize: 784,
      task: "classification",
      numClasses: 10,
      classes: range(10),
      name: "MNIST (bundled, 8,000 train / 2,000 test)",
    };
  }
  if (spec.kind === "idx") {
    if (!existsSync(spec.dir) || !statSync(spec.dir).isDirectory()) throw new CliError(`data directory not found: ${spec.dir}`);
    const { train, test } = data.loadMnistIdx(spec.dir);
    const k = Math.max(classCount(train.y), classCount(test.y));
    return {
      train: take(train, limit),
      test: take(test, limit),
      inputSize: train.x.shape[1],
      task: "classification",
      numClasses: k,
      classes: range(k),
      name: `IDX ${spec.dir}`,
    };
  }
  if (spec.kind === "images") {
    const f = loadImageFolder(spec, { seed, classes, limit });
    const notes = [`${f.classes.length} classes`, `${f.images} images as ${f.shape[1]}x${f.shape[2]} ${spec.color}`];
    if (f.ignored) notes.push(`${f.ignored} other files ignored`);
    return {
      train: f.train,
      test: f.test,
      inputSize: f.shape.reduce((a, b) => a * b, 1),
      task: "classification",
      numClasses: f.classes.length,
      classes: f.classes,
      imageShape: f.shape,
      name: `${spec.dir} (${notes.join(", ")})`,
    };
  }
  return loadCsvData(spec, limit, seed, classes, encoding);
}

const range = (k: number): number[] => Array.from({ length: k }, (_, i) => i);

function resolveTarget(path: string, header: string[], target: string | number): number {
  if (typeof target === "number") {
    if (!Number.isInteger(target) || target < -header.length || target >= header.length)
      throw new CliError(`${path}: target column index ${target} is out of range for ${header.length} columns`);
    return target < 0 ? target + header.length : target;
  }
  const at = header.indexOf(target);
  if (at < 0) throw new CliError(`${path}: no target column named "${target}" (columns: ${header.map((n) => `"${n}"`).join(", ")})`);
  return at;
}

/** Class labels: numbers in numeric order when every label is one, else text in string order. */
function labelClasses(labels: string[]): (string | number)[] {
  const distinct = [...new Set(labels)];
  return distinct.every((v) => Number.isFinite(Number(v))) ? distinct.map(Number).sort((a, b) => a - b) : distinct.sort();
}

/**
 * A CSV file (RFC 4180, with a header row) as train/test tensors. Rows without a target are
 * dropped; input columns are encoded as cli/table.ts describes, fitted on the training rows unless
 * `encoding` (a trained run's) is given.
 */
function loadCsvData(
  spec: Extract<DataSpec, { kind: "csv" }>,
  limit: number | undefined,
  seed: number,
  given?: readonly (string | number)[],
  encoding?: ColumnEncoding[],
): LoadedData {
  if (!existsSync(spec.file)) throw new CliError(`data file not found: ${spec.file}`);
  // Read as a file, a folder would fail with a bare EISDIR.
  if (statSync(spec.file).isDirectory())
    throw new CliError(`csv:${spec.file} is a folder, not a CSV file (a folder of class folders of images is given without "csv:")`);
  const table = readTable(spec.file);
  const t = resolveTarget(spec.file, table.header, spec.target);
  const targetName = table.header[t];
  if (table.header.length < 2) {
    throw new CliError(
      `loadCsv: ${spec.file}: no feature columns: the file has 1 column ("${targetName}") and "${targetName}" is the target; is "," the file's delimiter?`,
    );
  }
  const labelled = range(table.rows.length).filter((r) => table.rows[r].fields[t] !== "");
  const dropped = table.rows.length - labelled.length;
  const labels = labelled.map((r) => table.rows[r].fields[t]);
  const task = spec.task ?? detectTask(labels);
  const n = labelled.length;
  let y: Tensor,
    classes: (string | number)[] = [];
  if (task === "classification") {
    classes = given?.length ? [...given] : labelClasses(labels);
    if (classes.length > MAX_CLASSES) {
      throw new CliError(
        `${spec.file}: the target "${targetName}" has ${classes.length} distinct labels, more than the ${MAX_CLASSES} classes a run takes; if it is a value to predict, use --task regression`,
      );
    }
    const lookup = new Map(classes.map((c, i) => [String(c), i]));
    const idx = new Int32Array(n);
    labelled.forEach((r, i) => {
      const raw = table.rows[r].fields[t];
      const k = lookup.get(Number.isFinite(Number(raw)) && typeof classes[0] === "number" ? String(Number(raw)) : raw);
      if (k === undefined)
        throw new CliError(
          `${spec.file} line ${table.rows[r].line}: class label "${raw}" is not one of the run's classes [${classes.join(", ")}]`,
        );
      idx[i] = k;
    });
    y = tg.tensor(idx, { shape: [n], dtype: "int32" });
  } else {
    const v = new Float32Array(n);
    labelled.forEach((r, i) => {
      const raw = table.rows[r].fields[t];
      if (!Number.isFinite(Number(raw)))
        throw new CliError(
          `${spec.file} line ${table.rows[r].line}: target "${raw}" is not a number (regression needs numbers; use --task classification for labels)`,
        );
      v[i] = Number(raw);
    });
    y = tg.tensor(v, { shape: [n, 1] });
  }
  if (n < 2) throw new CliError(`${spec.file}: need at least 2 rows to split into training and test sets, found ${n}`);
  // A seeded, private permutation (randomSplit's own generator): the same split in every run.
  const [trainSet, testSet] = data.randomSplit({ length: n, get: () => [] }, [1 - spec.testSplit, spec.testSplit], { seed });
  if (trainSet.length === 0 || testSet.length === 0)
    throw new CliError(
      `${spec.file}: a test split of ${spec.testSplit} leaves ${trainSet.length} training and ${testSet.length} test rows; both need at least one`,
    );
  const inputs = range(table.header.length).filter((c) => c !== t);
  const rowsOf = (s: data.Subset): number[] => s.indices.map((i) => labelled[i]);
  const enc = encoding ?? fitEncoding(table, inputs, rowsOf(trainSet), spec.file);
  if (encoding) {
    for (const e of encoding)
      if (!table.header.includes(e.name))
        throw new CliError(`${spec.file}: no column "${e.name}" (the model takes ${encoding.map((c) => c.name).join(", ")})`);
  }
  const columns = enc.map((e) => table.header.indexOf(e.name));
  const width = encodedNames(enc).length;
  let imputed = 0;
  const part = (s: data.Subset): XY => {
    const e = encodeRows(table, columns, enc, rowsOf(s), spec.file);
    imputed += e.imputed;
    const ix = tg.tensor(s.indices.length ? [...s.indices] : [], { shape: [s.indices.length], dtype: "int32" });
    return { x: tg.tensor(e.x, { shape: [s.indices.length, width] }), y: y.indexSelect(0, ix) };
  };
  const trainXY = part(trainSet),
    testXY = part(testSet);
  const notes: string[] = [];
  if (dropped) notes.push(`${dropped} rows without a target dropped`);
  if (imputed) notes.push(`${imputed} empty cells imputed (median of numbers, most frequent text)`);
  const categorical = enc.filter((e) => e.kind === "category");
  if (categorical.length)
    notes.push(`one-hot: ${categorical.map((e) => `${e.name} (${(e as { values: string[] }).values.length})`).join(", ")}`);
  return {
    train: take(trainXY, limit),
    test: take(testXY, limit),
    inputSize: width,
    task,
    numClasses: task === "classification" ? classes.length : 1,
    classes,
    featureNames: encodedNames(enc),
    encoding: enc,
    targetName,
    name: `${spec.file} (target "${targetName}", ${n} rows${notes.length ? `; ${notes.join("; ")}` : ""})`,
  };
}

/** Classification when the target holds a few whole numbers or any text; regression otherwise. */
function detectTask(labels: string[]): Task {
  if (!labels.every((v) => Number.isFinite(Number(v)))) return "classification";
  const y = labels.map(Number);
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
  const mean = new Array(f).fill(0),
    sq = new Array(f).fill(0);
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
