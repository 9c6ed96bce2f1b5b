// `tensorgrad runs [DIR]`: one line per run folder under DIR (default runs/) — its name, when it was
// last written, model, data, epochs, best epoch's figure, test figure and state — so runs can be
// compared at a glance. The folders are read as untrusted: a broken one is listed as such, not fatal.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { compareRuns } from "../compare.js";
import { readEpochs } from "../run-epochs.js";
import { CliError, UsageError } from "../errors.js";
import type { ModelConfig } from "../model.js";
import { CONFIG_FILE, parseRunConfig, type RunConfig } from "../run-config.js";
import { lockHolder } from "../run-dir.js";
import { readResults, type RunResults } from "../run-results.js";

export interface RunsOptions {
  json?: boolean;
  compare?: string[];
  metric?: string;
  out?: string;
}

export interface RunRow {
  run: string;
  /** ISO time of the last epoch written (metrics.jsonl), or of config.json. */
  updated: string;
  model: string;
  data: string;
  epochs: number;
  /** The best epoch by the validation figure (or the training one without validation). */
  best: { metric: string; value: number; epoch: number } | null;
  test: Record<string, number> | null;
  state: "finished" | "running" | "interrupted" | "stopped" | "invalid";
  /** Why a folder is "invalid". */
  problem?: string;
}

function modelLabel(m: ModelConfig): string {
  return m.type === "mlp" ? `${m.preset} ${[m.inputSize, ...m.hidden, m.outputs].join("-")}` : m.preset;
}

function dataLabel(d: RunConfig["data"]): string {
  switch (d.kind) {
    case "mnist":
      return "mnist";
    case "idx":
      return `idx:${basename(d.dir)}`;
    case "csv":
      return basename(d.file);
    case "images":
      return `${basename(d.dir)}/ ${d.size}px ${d.color}`;
  }
}

/** The epoch with the best validation accuracy (classification) or the lowest validation loss. */
function bestEpoch(epochs: Map<string, number>[], task: RunConfig["task"]): RunRow["best"] {
  const keys = task === "classification" ? ["valAccuracy", "accuracy"] : ["valLoss", "loss"];
  const key = keys.find((k) => epochs.some((e) => Number.isFinite(e.get(k))));
  if (!key) return null;
  const higher = key.endsWith("ccuracy");
  let best: RunRow["best"] = null;
  epochs.forEach((e, i) => {
    const v = e.get(key);
    if (v === undefined || !Number.isFinite(v)) return;
    if (!best || (higher ? v > best.value : v < best.value)) best = { metric: key, value: v, epoch: e.get("epoch") ?? i + 1 };
  });
  return best;
}

function stateOf(dir: string, results: RunResults | null, epochs: number): RunRow["state"] {
  if (lockHolder(dir)) return "running";
  if (existsSync(join(dir, "checkpoint-interrupted.safetensors")) && (!results || epochs > results.epochs)) return "interrupted";
  return results ? "finished" : "stopped";
}

/** Reads one run folder; null when it is not one (no config.json). */
export function readRun(dir: string): RunRow | null {
  const configPath = join(dir, CONFIG_FILE);
  if (!existsSync(configPath)) return null;
  const updatedOf = (p: string): string => statSync(p).mtime.toISOString();
  let config: RunConfig;
  try {
    if (statSync(configPath).size > 1 << 24) throw new CliError(`${configPath} is larger than 16 MiB`);
    config = parseRunConfig(configPath, readFileSync(configPath, "utf8"));
  } catch (e) {
    return {
      run: basename(dir),
      updated: updatedOf(configPath),
      model: "?",
      data: "?",
      epochs: 0,
      best: null,
      test: null,
      state: "invalid",
      problem: (e as Error).message,
    };
  }
  const epochs = readEpochs(dir);
  const results = readResults(dir);
  const metrics = join(dir, "metrics.jsonl");
  return {
    run: basename(dir),
    updated: updatedOf(existsSync(metrics) ? metrics : configPath),
    model: modelLabel(config.model),
    data: dataLabel(config.data),
    epochs: epochs.length,
    best: bestEpoch(epochs, config.task),
    test: results?.test ?? null,
    state: stateOf(dir, results, epochs.length),
  };
}

/** The run folders directly under `root`, oldest first. */
export function listRuns(root: string): RunRow[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new CliError(`runs folder not found: ${root}`);
  const rows: RunRow[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith(".")) continue;
    const row = readRun(join(root, e.name));
    if (row) rows.push(row);
  }
  return rows.sort((a, b) => (a.updated < b.updated ? -1 : a.updated > b.updated ? 1 : a.run < b.run ? -1 : 1));
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : String(v));

/** The headline test figure: accuracy, or rmse for regression. */
function testLabel(test: Record<string, number> | null): string {
  if (!test) return "-";
  if (test.accuracy !== undefined) return `accuracy ${fmt(test.accuracy)}`;
  if (test.rmse !== undefined) return `rmse ${fmt(test.rmse)}`;
  const first = Object.entries(test)[0];
  return first ? `${first[0]} ${fmt(first[1])}` : "-";
}

/** The table as printed: aligned columns, one run a line. */
export function formatRuns(rows: RunRow[]): string {
  const header = ["run", "updated", "model", "data", "epochs", "best", "test", "state"];
  const cells = rows.map((r) => [
    r.run,
    r.updated.slice(0, 16).replace("T", " "),
    r.model,
    r.data,
    String(r.epochs),
    r.best ? `${r.best.metric} ${fmt(r.best.value)} @${r.best.epoch}` : "-",
    testLabel(r.test),
    r.state === "invalid" ? `invalid: ${r.problem}` : r.state,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

export function runsCommand(dir: string, opts: RunsOptions): number {
  if (opts.compare) {
    process.stdout.write(compareRuns(dir, opts.compare, { metric: opts.metric, out: opts.out ?? "compare.png" }) + "\n");
    return 0;
  }
  if (opts.metric || opts.out) throw new UsageError("--metric and --out go with --compare");
  const rows = listRuns(dir);
  if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
  else if (rows.length === 0) process.stdout.write(`no run folders in ${dir}\n`);
  else process.stdout.write(formatRuns(rows) + "\n");
  return 0;
}
