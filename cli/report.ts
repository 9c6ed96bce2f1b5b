// What a run leaves besides weights: the charts (loss, accuracy, lr, confusion-matrix; each as PNG
// and as SVG, drawn by train.plot) and report.html (the SVGs) / report.md (the PNGs) showing them
// with the figures — rewritten while it
// trains (see cli/live-report.ts), and once more, with the test figures, when it ends.

import { join } from "node:path";
import { io, train } from "../src/index.js";
import type { RunConfig } from "./run-config.js";
import { describeModel } from "./model.js";
import { augmentationOf, augments, describeAugmentation } from "./augment.js";
import { classReport, type ClassRow } from "./class-report.js";

export interface RunSummary {
  config: RunConfig;
  history: train.History;
  test: Record<string, number>;
  confusion: number[][] | null;
  seconds: number;
  dir: string;
  /** While training runs: the epochs done and planned (the report then says so and refreshes itself). */
  progress?: { epoch: number; epochs: number; interrupted?: boolean };
}

const TRAIN = "#1f77b4",
  VAL = "#ff7f0e";

function series(history: train.History, key: string, label: string, color: string): train.plot.Series[] {
  const values = history.get(key);
  const epochs = history.epoch.map((e) => e + 1);
  return values ? [{ label, values, x: epochs, color }] : [];
}

/** Writes the charts of a run, each as NAME.png and NAME.svg, and returns the PNGs' file names. */
export function writeCharts(s: RunSummary): string[] {
  const written: string[] = [];
  const line = (name: string, data: train.plot.Series[], opts: train.plot.LineChartOptions): void => {
    if (!data.length) return;
    io.writeFileAtomic(join(s.dir, `${name}.png`), train.plot.lineChart(data, opts));
    io.writeFileAtomic(join(s.dir, `${name}.svg`), new TextEncoder().encode(train.plot.lineChartSvg(data, opts)));
    written.push(`${name}.png`);
  };
  const lossName = s.config.loss.replace(/_/g, " ");
  line("loss", [...series(s.history, "loss", "training", TRAIN), ...series(s.history, "valLoss", "validation", VAL)], {
    title: "Loss",
    xLabel: "epoch",
    yLabel: lossName,
  });
  line("accuracy", [...series(s.history, "accuracy", "training", TRAIN), ...series(s.history, "valAccuracy", "validation", VAL)], {
    title: "Accuracy",
    xLabel: "epoch",
    yLabel: "accuracy",
  });
  line("mae", [...series(s.history, "mae", "training", TRAIN), ...series(s.history, "valMae", "validation", VAL)], {
    title: "Mean absolute error",
    xLabel: "epoch",
    yLabel: "MAE",
  });
  line("lr", series(s.history, "lr", "learning rate", TRAIN), { title: "Learning rate", xLabel: "epoch", yLabel: "learning rate" });
  if (s.confusion) {
    const opts = { title: "Confusion matrix (test set)", labels: s.config.classes.map(String) };
    io.writeFileAtomic(join(s.dir, "confusion-matrix.png"), train.plot.confusionMatrixChart(s.confusion, opts));
    io.writeFileAtomic(
      join(s.dir, "confusion-matrix.svg"),
      new TextEncoder().encode(train.plot.confusionMatrixChartSvg(s.confusion, opts)),
    );
    written.push("confusion-matrix.png");
  }
  return written;
}

const f4 = (v: number | undefined): string => (v === undefined ? "-" : Number.isFinite(v) ? v.toFixed(4) : String(v));

function figureRows(s: RunSummary): [string, string][] {
  const last = s.history.length ? s.history.at(-1) : {};
  const rows: [string, string][] = [];
  const p = s.progress;
  if (p)
    rows.push([
      "status",
      p.interrupted
        ? `interrupted after epoch ${p.epoch} of ${p.epochs}; resume from checkpoint-interrupted.safetensors`
        : `training: epoch ${p.epoch} of ${p.epochs} done (updated ${new Date().toISOString().slice(11, 19)} UTC)`,
    ]);
  for (const [k, v] of Object.entries(s.test)) rows.push([`test ${k}`, f4(v)]);
  for (const [k, v] of Object.entries(last)) if (k !== "lr") rows.push([`${p && !p.interrupted ? "latest" : "final"} ${k}`, f4(v)]);
  rows.push(["epochs", String(s.history.length)], ["training time", `${s.seconds.toFixed(1)} s`]);
  return rows;
}

function settings(s: RunSummary): [string, string][] {
  const t = s.config.training;
  return [
    ["model", describeModel(s.config.model)],
    ["data", dataLabel(s.config.data)],
    ["loss", s.config.loss],
    ["optimizer", `${t.optimizer}, lr ${t.lr}${t.lrSchedule === "cosine" ? " (cosine schedule)" : ""}`],
    ["batch size", String(t.batchSize)],
    ["validation split", String(t.validationSplit)],
    ["seed", String(t.seed)],
    ...(augments(augmentationOf(t)) ? [["augmentation", describeAugmentation(augmentationOf(t))] as [string, string]] : []),
    ...(s.config.task === "classification" ? [["classes", listClasses(s.config.classes)] as [string, string]] : []),
  ];
}

function dataLabel(d: RunConfig["data"]): string {
  switch (d.kind) {
    case "mnist":
      return "MNIST (bundled)";
    case "idx":
      return d.dir;
    case "csv":
      return d.file;
    case "images":
      return `${d.dir} (${d.size}x${d.size} ${d.color})`;
  }
}

/** The class labels in index order, the first 20 of a longer list. */
function listClasses(classes: (string | number)[]): string {
  const shown = classes.slice(0, 20).map(String).join(", ");
  return classes.length > 20 ? `${shown}, … (${classes.length} in all)` : shown;
}

/**
 * Text for a Markdown table cell: paths and labels come from the user's files and may hold "|",
 * newlines, HTML or link syntax, which would break the table or inject markup.
 */
export function markdownCell(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/\r?\n|\r/g, " ");
}

/** Per-class precision, recall, F1 and support on the test set, then the macro and weighted averages. */
function perClassRows(s: RunSummary): string[][] {
  if (!s.confusion) return [];
  const r = classReport(s.confusion, s.config.classes);
  const row = (x: ClassRow): string[] => [x.label, f4(x.precision), f4(x.recall), f4(x.f1), String(x.support)];
  return [...r.classes.map(row), row(r.macro), row(r.weighted)];
}

const PER_CLASS_HEADER = ["class", "precision", "recall", "f1", "support"];

/** Writes report.md and report.html (which shows the charts next to the figures). */
export function writeReports(s: RunSummary, charts: string[]): void {
  const figures = figureRows(s),
    setup = settings(s),
    perClass = perClassRows(s);
  const mdRow = (cells: string[]): string => `| ${cells.map(markdownCell).join(" | ")} |`;
  const md = [
    "# Training report",
    "",
    "| figure | value |",
    "|---|---|",
    ...figures.map(([k, v]) => `| ${markdownCell(k)} | ${markdownCell(v)} |`),
    "",
    "| setting | value |",
    "|---|---|",
    ...setup.map(([k, v]) => `| ${markdownCell(k)} | ${markdownCell(v)} |`),
    "",
    ...(perClass.length
      ? ["## Per class (test set)", "", mdRow(PER_CLASS_HEADER), "|---|---:|---:|---:|---:|", ...perClass.map(mdRow), ""]
      : []),
    ...charts.map((c) => `![${c}](${c})\n`),
  ].join("\n");
  io.writeFileAtomic(join(s.dir, "report.md"), md + "\n");

  const esc = (t: string): string => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const table = (rows: [string, string][]): string =>
    `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${s.progress && !s.progress.interrupted ? '<meta http-equiv="refresh" content="5">' : ""}<title>tensorgrad training report</title>
<style>body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:0 2em 1.5em 0;display:inline-table;vertical-align:top}
th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}td{font-variant-numeric:tabular-nums}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}</style></head>
<body><h1>Training report</h1>
${table(figures)}${table(setup)}
${perClass.length ? `<h2>Per class (test set)</h2><table><tr>${PER_CLASS_HEADER.map((h) => `<th>${h}</th>`).join("")}</tr>${perClass.map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join("")}</tr>`).join("")}</table>` : ""}
${charts.map((c) => `<div><img src="${c.replace(/\.png$/, ".svg")}" alt="${c}"></div>`).join("\n")}
</body></html>
`;
  io.writeFileAtomic(join(s.dir, "report.html"), html);
}
