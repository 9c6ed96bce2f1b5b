// `tensorgrad predict`: rebuild a run's model and print one prediction per input sample — the class
// label for classification, the value for regression — from a CSV file, an IDX image file, or for a
// run trained on an image folder, a PNG/JPEG file or a folder of them.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { imageKind, readImage } from "../image-decode.js";
import { MAX_IMAGE_VALUES } from "../image-folder.js";
import * as tg from "../../src/index.js";
import { data, io, train, type Tensor } from "../../src/index.js";
import { applyStandardize } from "../data.js";
import { CliError } from "../errors.js";
import { createModel } from "../model.js";
import { configFor, type RunConfig } from "../run-config.js";
import { loadWeights } from "../weights.js";
import { unstandardize } from "../regression.js";
import { encodeRows, readTable } from "../table.js";

export interface PredictOptions {
  checkpoint: string;
  input: string;
  output?: string;
  batchSize: number;
}

/**
 * Features from a CSV file: with a header row, the run's feature columns are picked by name (so a
 * file that still has its target column works); without one, every column in order.
 */
function readCsvFeatures(path: string, config: RunConfig): Tensor {
  const lines = readFileSync(path, "utf8")
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .map((l, i) => ({ line: i + 1, text: l }))
    .filter((l) => l.text.trim() !== "");
  if (lines.length === 0) throw new CliError(`${path}: no rows`);
  const split = (t: string): string[] => t.split(",").map((f) => f.trim().replace(/^"(.*)"$/, "$1"));
  const first = split(lines[0].text);
  const hasHeader = first.some((f) => f === "" || Number.isNaN(Number(f)));
  const width = config.model.inputSize;
  let columns = Array.from({ length: first.length }, (_, i) => i);
  if (hasHeader && config.featureNames) {
    columns = config.featureNames.map((name) => {
      const at = first.indexOf(name);
      if (at < 0) throw new CliError(`${path}: no column "${name}" (the model takes ${config.featureNames!.join(", ")})`);
      return at;
    });
  }
  if (columns.length !== width) throw new CliError(`${path}: rows have ${columns.length} values but the model takes ${width} features`);
  const rows = hasHeader ? lines.slice(1) : lines;
  const x = new Float32Array(rows.length * width);
  rows.forEach(({ line, text }, r) => {
    const fields = split(text);
    if (fields.length !== first.length) throw new CliError(`${path} line ${line}: expected ${first.length} fields, found ${fields.length}`);
    columns.forEach((c, j) => {
      const v = Number(fields[c]);
      if (fields[c] === "" || Number.isNaN(v)) throw new CliError(`${path} line ${line}: "${fields[c]}" is not a number`);
      x[r * width + j] = v;
    });
  });
  return tg.tensor(x, { shape: [rows.length, width] });
}

/** Features of a CSV file with the run's column encoding (header required; the target may be there). */
function readEncodedCsv(path: string, config: RunConfig): Tensor {
  const table = readTable(path);
  const encoding = config.encoding!;
  const columns = encoding.map((e) => {
    const at = table.header.indexOf(e.name);
    if (at < 0) throw new CliError(`${path}: no column "${e.name}" (the model takes ${encoding.map((c) => c.name).join(", ")})`);
    return at;
  });
  const rows = table.rows.map((_, i) => i);
  return tg.tensor(encodeRows(table, columns, encoding, rows, path).x, { shape: [rows.length, config.model.inputSize] });
}

/** Samples from an IDX file: images [N, rows, cols] become [N, rows·cols], bytes scaled to [0, 1]. */
function readIdxFeatures(path: string, config: RunConfig): Tensor {
  const raw = data.readIdx(path);
  if (raw.ndim < 2)
    throw new CliError(
      `${path}: an IDX file of shape [${raw.shape.join(", ")}] holds no samples with features (expected images [N, rows, cols])`,
    );
  const n = raw.shape[0];
  const x = raw.reshape([n, raw.size / n]).float();
  if (x.shape[1] !== config.model.inputSize)
    throw new CliError(`${path}: samples have ${x.shape[1]} values but the model takes ${config.model.inputSize} features`);
  // Training read IDX and MNIST pixels as byte / 255.
  return raw.dtype === "int32" ? x.div(255) : x;
}

/**
 * Images for a run trained on an image folder: one file, or every image directly in a folder (in
 * name order), read at the run's size and colour. Returns the pixels and the file names.
 */
function readImages(path: string, config: RunConfig): { x: Tensor; names: string[] } {
  const d = config.data;
  if (d.kind !== "images")
    throw new CliError(
      `${path}: this model was trained on ${d.kind === "csv" ? "a CSV file" : `${d.kind} data`}, not on an image folder; give it ${d.kind === "csv" ? "a .csv file" : "an IDX or .csv file"}`,
    );
  const folder = statSync(path).isDirectory();
  const files = folder
    ? readdirSync(path)
        .filter((f) => !f.startsWith(".") && imageKind(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  if (files.length === 0) throw new CliError(`${path}: no .png, .jpg or .jpeg images in the folder`);
  const px = config.model.inputSize;
  if (files.length * px > MAX_IMAGE_VALUES)
    throw new CliError(
      `${path}: ${files.length} images of ${px} values are more than the ${MAX_IMAGE_VALUES.toLocaleString("en-US")} values predict reads at once; split the folder`,
    );
  const x = new Float32Array(files.length * px);
  files.forEach((f, i) => x.set(readImage(f, d.size, d.color), i * px));
  return { x: tg.tensor(x, { shape: [files.length, px] }), names: folder ? files.map((f) => basename(f)) : [] };
}

export async function predictCommand(opts: PredictOptions): Promise<number> {
  const config = configFor(opts.checkpoint);
  if (!existsSync(opts.input)) throw new CliError(`input file not found: ${opts.input}`);
  const csv = /\.csv$/i.test(opts.input);
  let names: string[] = [];
  let x: Tensor;
  if (imageKind(opts.input) || statSync(opts.input).isDirectory()) ({ x, names } = readImages(opts.input, config));
  else
    x =
      csv && config.encoding
        ? readEncodedCsv(opts.input, config)
        : csv
          ? readCsvFeatures(opts.input, config)
          : readIdxFeatures(opts.input, config);
  const model = await createModel(config.model);
  loadWeights(opts.checkpoint, model);
  const out = train.predict(model, applyStandardize(x, config.standardize), { batchSize: opts.batchSize });
  let lines: string[];
  if (config.task === "classification") {
    const idx = out.argmax(1).toTypedArray();
    lines = Array.from(idx, (k) => String(config.classes[k] ?? k));
  } else {
    const rows = unstandardize(out, config.targetStandardize).toArray() as number[][];
    lines = rows.map((r) => r.map((v) => String(Math.fround(v))).join(","));
  }
  // A folder's predictions name their files: "cat-1.png,cat".
  if (names.length) lines = lines.map((l, i) => `${names[i]},${l}`);
  const text = lines.join("\n") + (lines.length ? "\n" : "");
  if (opts.output) {
    io.writeFileAtomic(opts.output, text);
    process.stderr.write(`wrote ${lines.length} predictions to ${opts.output}\n`);
  } else process.stdout.write(text);
  return 0;
}
