// `tensorgrad runs --compare A B …`: one figure of several runs drawn together (the validation loss
// by default, or any figure their metrics.jsonl logs), at the size of a report's charts, so runs
// with other settings can be told apart at a glance.

import { existsSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { io, train } from "../src/index.js";
import { CliError, UsageError } from "./errors.js";
import { readEpochs } from "./run-epochs.js";

/** At most this many runs in one picture: past it the colours and the legend stop being readable. */
export const MAX_COMPARED = 8;
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
/** Legend labels are cut to this many characters (keeping both ends), so the legend never covers the plot. */
const MAX_LABEL = 24;

export interface CompareOptions {
  /** The figure to draw (default valLoss when every run has it, else loss). */
  metric?: string;
  /** The PNG to write. */
  out: string;
}

/** Words for the figures fit logs; others keep their logged name. */
const NAMES: Partial<Record<string, string>> = {
  loss: "training loss",
  valLoss: "validation loss",
  accuracy: "training accuracy",
  valAccuracy: "validation accuracy",
  mae: "training MAE",
  valMae: "validation MAE",
  lr: "learning rate",
};

/** A run folder named as a path, or by its name under `root`. */
function findRun(root: string, name: string): string {
  for (const dir of [name, join(root, name)]) if (existsSync(join(dir, "config.json")) && statSync(dir).isDirectory()) return dir;
  throw new CliError(`no run folder ${name} (neither a folder with a config.json nor one under ${root})`);
}

function label(text: string): string {
  if (text.length <= MAX_LABEL) return text;
  const head = Math.ceil((MAX_LABEL - 2) / 2),
    tail = MAX_LABEL - 2 - head;
  return `${text.slice(0, head)}..${text.slice(text.length - tail)}`;
}

/** Draws the runs' curves of one figure into `opts.out`; returns what it wrote, in a line. */
export function compareRuns(root: string, names: string[], opts: CompareOptions): string {
  if (names.length < 1) throw new UsageError("--compare needs at least one run folder");
  if (names.length > MAX_COMPARED) throw new UsageError(`--compare draws at most ${MAX_COMPARED} runs in one picture, got ${names.length}`);
  const runs = names.map((n) => {
    const dir = findRun(root, n);
    return { name: basename(dir.replace(/[\\/]+$/, "")), epochs: readEpochs(dir) };
  });
  const has = (key: string): boolean => runs.every((r) => r.epochs.some((e) => Number.isFinite(e.get(key))));
  const metric = opts.metric ?? (has("valLoss") ? "valLoss" : "loss");
  const missing = runs.filter((r) => !r.epochs.some((e) => Number.isFinite(e.get(metric))));
  if (missing.length) {
    const logged = [...new Set(runs.flatMap((r) => r.epochs.flatMap((e) => [...e.keys()])))].filter((k) => k !== "epoch");
    throw new CliError(
      `${missing.map((r) => r.name).join(", ")} logged no ${metric} (the runs log ${logged.length ? logged.join(", ") : "no epochs yet"})`,
    );
  }
  const series: train.plot.Series[] = runs.map((r, k) => {
    const rows = r.epochs.filter((e) => e.has(metric));
    return {
      label: label(r.name),
      values: rows.map((e) => e.get(metric)!),
      x: rows.map((e, i) => e.get("epoch") ?? i + 1),
      color: COLORS[k],
    };
  });
  const name = NAMES[metric] ?? metric;
  const png = train.plot.lineChart(series, {
    title: `${name[0].toUpperCase()}${name.slice(1)} by epoch`,
    xLabel: "epoch",
    yLabel: name,
    ...(/ccuracy$/.test(metric) && { yRange: [0, 1] as [number, number] }),
  });
  io.writeFileAtomic(opts.out, png);
  return `wrote ${opts.out}: ${metric} of ${runs.map((r) => r.name).join(", ")}`;
}
