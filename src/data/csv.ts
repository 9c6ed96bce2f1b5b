// loadCsv: a numeric CSV file to feature and target tensors, with class-label mapping and optional
// standardisation. Errors name the file, the line and the column.

import { readFileSync } from "#fs";
import { FormatError, ValueError, withPath } from "../errors.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkOptions } from "../tensor/options.js";

/** A class label as written in a CSV file: a number when every label is numeric, else the text. */
export type ClassLabel = number | string;

/** Options of loadCsv. */
export interface LoadCsvOptions {
  /** The target column: its header name, or its index (negative counts from the end). */
  target: string | number;
  /** The first non-empty line holds column names. Default true; without one, columns are named "0", "1", … */
  header?: boolean;
  /** Field separator, one character. Default ",". */
  delimiter?: string;
  /** "class" (default): y int32 [N] class indices; "value": y float32 [N, 1] (regression). */
  targetType?: "class" | "value";
  /**
   * Standardise every feature to zero mean and unit variance (population std, as scikit-learn's
   * StandardScaler; a constant column is divided by 1). Pass `{ mean, std }` (e.g. the ones a
   * training file returned) to apply given statistics instead. Default false.
   */
  standardize?:
    | boolean
    | {
        /** Per-feature means to subtract. */
        mean: readonly number[];
        /** Per-feature standard deviations to divide by. */
        std: readonly number[];
      };
  /** Feature columns (names or indices) in the order wanted; default every column but the target. */
  columns?: readonly (string | number)[];
  /**
   * The class labels in index order, to reuse the mapping of another file (e.g. train for test).
   * Default: found from this file (see loadCsv).
   */
  classes?: readonly ClassLabel[];
  /**
   * Class targets whose labels are all non-negative integers: "index" (default) uses them as class
   * indices as they are (classes [0, 1, …, max]); "map" maps them to 0…K-1 in sorted order like any
   * other labels, so that labels {0, 50000} make two classes, not 50,001.
   */
  integerLabels?: "index" | "map";
}

/** What loadCsv returns: the tensors, the column names and the encodings applied. */
export interface CsvData {
  /** Features, float32 [N, F]. */
  x: Tensor;
  /** int32 [N] class indices, or float32 [N, 1] values. */
  y: Tensor;
  /** The feature columns' names, in the order of x's columns. */
  featureNames: string[];
  /** The target column's name. */
  targetName: string;
  /** For class targets: the original label of each class index. */
  classes?: ClassLabel[];
  /** With `standardize`: the per-feature mean and std that were applied. */
  mean?: number[];
  /** With `standardize`: the per-feature standard deviations that were applied. */
  std?: number[];
}

/** Splits one line into fields; double-quoted fields may contain the delimiter and "" for a quote. */
function splitLine(line: string, delimiter: string, where: string): string[] {
  const fields: string[] = [];
  let field = "",
    quoted = false,
    i = 0;
  while (i < line.length) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === "") {
      quoted = true;
      field = "";
    } else if (c === delimiter) {
      fields.push(field.trim());
      field = "";
    } else field += c;
    i++;
  }
  if (quoted) throw new FormatError(`${where}: unterminated quoted field`);
  fields.push(field.trim());
  return fields;
}

function parseNumber(s: string): number {
  return s === "" ? NaN : Number(s);
}
const isNumber = (s: string): boolean => s !== "" && (!Number.isNaN(Number(s)) || /^[+-]?nan$/i.test(s));

function resolveColumn(op: string, path: string, names: string[], col: string | number, role: string): number {
  if (typeof col === "number") {
    if (!Number.isInteger(col) || col < -names.length || col >= names.length) {
      throw new ValueError(`${op}: ${path}: ${role} column index ${col} is out of range for ${names.length} columns`);
    }
    return col < 0 ? col + names.length : col;
  }
  const at = names.indexOf(col);
  if (at < 0) throw new ValueError(`${op}: ${path}: no ${role} column named "${col}" (columns: ${names.map((n) => `"${n}"`).join(", ")})`);
  return at;
}

/**
 * Reads a numeric CSV file into tensors. Empty lines and a trailing newline are ignored; fields are
 * trimmed and may be double-quoted. Every feature field must be a number: a row with the wrong
 * number of fields or a non-numeric value throws FormatError with its line number.
 *
 * Class targets (the default) become int32 indices: labels that are all non-negative integers are
 * used as they are (classes = [0, 1, …, max]) unless `integerLabels: "map"`; any other labels (negative, fractional or text) are
 * mapped to 0…K-1 in sorted order (numeric order if all are numbers, else string order), and
 * `classes` reports the label of each index. Value targets must be numbers (float32 [N, 1]).
 * @example const { x, y, classes } = data.loadCsv("iris.csv", { target: "species", standardize: true });
 */
export function loadCsv(path: string, opts: LoadCsvOptions): CsvData {
  const op = "loadCsv";
  checkOptions(op, opts, ["target", "header", "delimiter", "targetType", "standardize", "columns", "classes", "integerLabels"]);
  const {
    target,
    header = true,
    delimiter = ",",
    targetType = "class",
    standardize = false,
    columns,
  } = opts ?? ({} as Partial<LoadCsvOptions>);
  if (target === undefined)
    throw new ValueError(`${op}: options.target is required: the target column's name, or its index (-1 for the last)`);
  if (delimiter.length !== 1) throw new ValueError(`${op}: delimiter must be one character, got "${delimiter}"`);
  if (targetType !== "class" && targetType !== "value")
    throw new ValueError(`${op}: targetType must be "class" or "value", got "${targetType}"`);

  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw withPath(e, "read", path);
  }
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const rows: { line: number; fields: string[] }[] = [];
  let names: string[] | null = null;
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    const fields = splitLine(text, delimiter, `${op}: ${path} line ${i + 1}`);
    if (header && names === null) names = fields;
    else rows.push({ line: i + 1, fields });
  });
  if (rows.length === 0) throw new FormatError(`${op}: ${path}: no data rows`);
  const colNames: string[] = names ?? rows[0].fields.map((_, i) => String(i));
  const width = colNames.length;
  for (const { line, fields } of rows) {
    if (fields.length !== width) throw new FormatError(`${op}: ${path} line ${line}: expected ${width} fields, found ${fields.length}`);
  }

  const t = resolveColumn(op, path, colNames, target, "target");
  const featureCols = columns
    ? columns.map((c) => resolveColumn(op, path, colNames, c, "feature"))
    : colNames.map((_, i) => i).filter((i) => i !== t);
  if (featureCols.includes(t)) throw new ValueError(`${op}: ${path}: the target column "${colNames[t]}" is also listed in columns`);

  const n = rows.length,
    f = featureCols.length;
  if (f === 0) {
    // Usually a file split on another character (";", tab) read as one column.
    throw new FormatError(
      `${op}: ${path}: no feature columns: the file has ${width} column${width === 1 ? "" : "s"} (${colNames.map((c) => `"${c}"`).join(", ")}) and "${colNames[t]}" is the target; is "${delimiter}" the file's delimiter?`,
    );
  }
  const x = new Float64Array(n * f);
  rows.forEach(({ line, fields }, r) => {
    featureCols.forEach((c, j) => {
      if (!isNumber(fields[c]))
        throw new FormatError(`${op}: ${path} line ${line}, column "${colNames[c]}": "${fields[c]}" is not a number`);
      x[r * f + j] = parseNumber(fields[c]);
    });
  });

  let y: Tensor, classes: ClassLabel[] | undefined;
  if (targetType === "value") {
    const values = new Float32Array(n);
    rows.forEach(({ line, fields }, r) => {
      if (!isNumber(fields[t]))
        throw new FormatError(`${op}: ${path} line ${line}, column "${colNames[t]}": "${fields[t]}" is not a number`);
      values[r] = parseNumber(fields[t]);
    });
    y = tensor(values, { shape: [n, 1] });
  } else {
    const mapped = classIndices(op, path, rows, t, colNames[t], opts.classes, opts.integerLabels ?? "index");
    y = tensor(mapped.indices, { shape: [n] });
    classes = mapped.classes;
  }

  let stats: { mean: number[]; std: number[] } | undefined;
  if (standardize) {
    stats = standardize === true ? columnStats(x, n, f) : checkStats(op, standardize, f);
    const { mean, std } = stats;
    for (let r = 0; r < n; r++) for (let j = 0; j < f; j++) x[r * f + j] = (x[r * f + j] - mean[j]) / std[j];
  }
  return {
    x: tensor(Float32Array.from(x), { shape: [n, f] }),
    y,
    featureNames: featureCols.map((c) => colNames[c]),
    targetName: colNames[t],
    ...(classes && { classes }),
    ...(stats && { mean: stats.mean, std: stats.std }),
  };
}

/** Integer labels at or above this are a value column by mistake, not class indices. */
const MAX_CLASS_INDEX = 1_000_000;

function classIndices(
  op: string,
  path: string,
  rows: { line: number; fields: string[] }[],
  t: number,
  name: string,
  given: readonly ClassLabel[] | undefined,
  integerLabels: "index" | "map",
): { indices: Int32Array; classes: ClassLabel[] } {
  const raw = rows.map((r) => r.fields[t]);
  const allNumeric = raw.every(isNumber);
  const labels: ClassLabel[] = allNumeric ? raw.map(parseNumber) : raw;
  let classes: ClassLabel[];
  if (given) {
    classes = [...given];
  } else if (integerLabels === "index" && allNumeric && (labels as number[]).every((v) => Number.isInteger(v) && v >= 0)) {
    const max = (labels as number[]).reduce((a, b) => Math.max(a, b), 0);
    if (max >= MAX_CLASS_INDEX) {
      throw new ValueError(
        `${op}: ${path}: class label ${max} in column "${name}" is too large for a class index (expected < ${MAX_CLASS_INDEX}); is the target a value (targetType: "value")?`,
      );
    }
    classes = Array.from({ length: max + 1 }, (_, i) => i);
  } else {
    const distinct = [...new Set(labels)];
    classes = allNumeric ? (distinct as number[]).sort((a, b) => a - b) : (distinct as string[]).sort();
  }
  const lookup = new Map<string, number>(classes.map((c, i) => [String(c), i]));
  const indices = new Int32Array(rows.length);
  labels.forEach((label, r) => {
    const k = lookup.get(String(label));
    if (k === undefined) {
      throw new FormatError(
        `${op}: ${path} line ${rows[r].line}, column "${name}": class label "${raw[r]}" is not one of the given classes [${classes.join(", ")}]`,
      );
    }
    indices[r] = k;
  });
  return { indices, classes };
}

function columnStats(x: Float64Array, n: number, f: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(f).fill(0),
    std = new Array<number>(f).fill(0);
  for (let r = 0; r < n; r++) for (let j = 0; j < f; j++) mean[j] += x[r * f + j] / n;
  for (let r = 0; r < n; r++) for (let j = 0; j < f; j++) std[j] += (x[r * f + j] - mean[j]) ** 2 / n;
  // A constant column keeps its (zero) centred values instead of dividing by zero.
  return { mean, std: std.map((v) => (v > 0 ? Math.sqrt(v) : 1)) };
}

function checkStats(op: string, s: { mean: readonly number[]; std: readonly number[] }, f: number): { mean: number[]; std: number[] } {
  if (s.mean.length !== f || s.std.length !== f) {
    throw new ValueError(
      `${op}: standardize was given ${s.mean.length} means and ${s.std.length} stds for ${f} feature columns; expected ${f} of each`,
    );
  }
  return { mean: [...s.mean], std: [...s.std] };
}
