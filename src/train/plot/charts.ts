// The two charts a training run draws: a line chart (loss or accuracy per epoch, training against
// validation, with grid, ticks, axis labels and a legend) and an annotated confusion-matrix heatmap.

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { Canvas, parseColor, type Color } from "./canvas.js";
import { textHeight, textWidth } from "./text.js";

/** One line of a line chart. */
export interface Series {
  /** Its name in the legend. */
  label: string;
  /** One y value per x; NaN leaves a gap. */
  values: readonly number[];
  /** x of each value (default 1, 2, 3, …: epochs). */
  x?: readonly number[];
  /** Line colour (default: the next of the palette). */
  color?: Color;
}

/** Options of lineChart. */
export interface LineChartOptions {
  /** Title above the chart. */
  title?: string;
  /** Label of the x axis (default "epoch"). */
  xLabel?: string;
  /** Label of the y axis. */
  yLabel?: string;
  /** Width in pixels (default 800). */
  width?: number;
  /** Height in pixels (default 500). */
  height?: number;
  /** Fixed y range, e.g. [0, 1] for accuracy (default: the data's range, padded). */
  yRange?: [number, number];
}

const PALETTE: Color[] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
const AXIS = "#333333",
  GRID = "#e6e6e6",
  TEXT = "#222222",
  MUTED = "#555555";

/**
 * About `count` round tick values (steps of 1, 2 or 5 × 10^k) covering [lo, hi].
 * @example train.plot.niceTicks(0, 0.93).ticks  // [0, 0.2, 0.4, 0.6, 0.8] (step 0.2)
 */
export function niceTicks(
  lo: number,
  hi: number,
  count = 5,
): {
  /** The tick values, ascending. */
  ticks: number[];
  /** The distance between two ticks. */
  step: number;
} {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return niceTicks(lo - pad, lo + pad, count);
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { ticks, step };
}

/** A tick label with as many decimals as the step needs (0.05 → 2, 0.1 → 1, 5 → 0). */
export function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/**
 * A line chart as PNG bytes: one line (with markers when there are few points) per series, light
 * grid at the ticks, labelled axes, a title and a legend in the upper-right corner.
 * @example io.writeFileAtomic("loss.png", lineChart([{ label: "train", values: h.loss }], { title: "Loss" }))
 */
export function lineChart(series: readonly Series[], opts: LineChartOptions = {}): Uint8Array {
  return drawLineChart(series, opts).toPng();
}

/**
 * lineChart as an SVG document (vector lines, real text; what report.html shows).
 * @example io.writeFileAtomic("loss.svg", new TextEncoder().encode(lineChartSvg([{ label: "train", values: [1, 0.5, 0.3] }], { title: "Loss" })))
 */
export function lineChartSvg(series: readonly Series[], opts: LineChartOptions = {}): string {
  return drawLineChart(series, opts).toSvg();
}

function drawLineChart(series: readonly Series[], opts: LineChartOptions): Canvas {
  const { title = "", xLabel = "epoch", yLabel = "", width = 800, height = 500 } = opts;
  if (series.length === 0) throw new ValueError("lineChart: expected at least one series");
  const canvas = new Canvas(width, height);
  const plot = { left: 96, right: width - 28, top: title ? 64 : 28, bottom: height - 72 };

  const xs = series.map((s) => s.x ?? s.values.map((_, i) => i + 1));
  const allX = xs.flat().filter(Number.isFinite);
  const allY = series.flatMap((s) => s.values).filter(Number.isFinite);
  let [xMin, xMax] = allX.length ? [Math.min(...allX), Math.max(...allX)] : [0, 1];
  if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1];
  // A little room so the first and last markers do not sit on the frame.
  const xPad = (xMax - xMin) * 0.03;
  const [xLo, xHi] = [xMin, xMax];
  [xMin, xMax] = [xMin - xPad, xMax + xPad];
  let [yMin, yMax] = opts.yRange ?? (allY.length ? [Math.min(...allY), Math.max(...allY)] : [0, 1]);
  if (!opts.yRange) {
    const pad = (yMax - yMin) * 0.08 || Math.abs(yMax) * 0.1 || 1;
    [yMin, yMax] = [yMin - pad, yMax + pad];
  }
  const yTicks = niceTicks(yMin, yMax, 6);
  if (!opts.yRange) [yMin, yMax] = [Math.min(yMin, yTicks.ticks[0]), Math.max(yMax, yTicks.ticks[yTicks.ticks.length - 1])];
  // Room on the left for the rotated y label and the widest tick label, whatever their lengths.
  const tickW = Math.max(0, ...yTicks.ticks.map((t) => textWidth(formatTick(t, yTicks.step), 2)));
  plot.left = 18 + (yLabel ? textHeight(2) + 12 : 0) + tickW + 10;
  const xTicks = niceTicks(xLo, xHi, Math.min(10, Math.max(1, Math.round(xHi - xLo))));
  const xStep = Math.max(1, xTicks.step); // epochs are whole numbers
  const px = (x: number): number => plot.left + ((x - xMin) / (xMax - xMin)) * (plot.right - plot.left);
  const py = (y: number): number => plot.bottom - ((y - yMin) / (yMax - yMin)) * (plot.bottom - plot.top);

  // Grid and ticks.
  for (const t of yTicks.ticks) {
    if (t < yMin - 1e-12 || t > yMax + 1e-12) continue;
    const y = Math.round(py(t));
    canvas.fillRect(plot.left, y, plot.right - plot.left, 1, GRID);
    canvas.fillRect(plot.left - 6, y, 6, 1, AXIS);
    canvas.text(formatTick(t, yTicks.step), plot.left - 10, y, { color: MUTED, scale: 2, align: "right", baseline: "middle" });
  }
  for (let t = Math.ceil(xLo / xStep) * xStep; t <= xHi + 1e-9; t += xStep) {
    const x = Math.round(px(t));
    canvas.fillRect(x, plot.top, 1, plot.bottom - plot.top, GRID);
    canvas.fillRect(x, plot.bottom, 1, 6, AXIS);
    canvas.text(formatTick(t, xStep), x, plot.bottom + 12, { color: MUTED, scale: 2, align: "center" });
  }
  canvas.fillRect(plot.left, plot.top, 1, plot.bottom - plot.top + 1, AXIS);
  canvas.fillRect(plot.left, plot.bottom, plot.right - plot.left + 1, 1, AXIS);

  // Data.
  const lines = series.map((s, k) => s.values.map((v, i) => [px(xs[k][i]), Number.isFinite(v) ? py(v) : NaN] as [number, number]));
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    canvas.polyline(lines[k], color, 2.5);
    if (lines[k].length <= 40) for (const [x, y] of lines[k]) if (Number.isFinite(y)) canvas.disc(x, y, 4, color);
  });

  // Title, axis labels, legend.
  if (title) drawTitle(canvas, title, width);
  if (xLabel) canvas.text(xLabel, (plot.left + plot.right) / 2, height - 30, { color: TEXT, scale: 2, align: "center" });
  if (yLabel) canvas.text(yLabel, 18, (plot.top + plot.bottom) / 2, { color: TEXT, scale: 2, align: "center", rotate: true });
  drawLegend(
    canvas,
    series.map((s, k) => ({ label: s.label, color: s.color ?? PALETTE[k % PALETTE.length] })),
    plot,
    lines,
  );
  return canvas;
}

type Box = { left: number; right: number; top: number; bottom: number };

/** How much of the drawn data falls inside `box` (lines sampled every few pixels). */
function crowding(box: Box, lines: readonly (readonly [number, number])[][]): number {
  let n = 0;
  const inside = (x: number, y: number): boolean => x >= box.left - 6 && x <= box.right + 6 && y >= box.top - 6 && y <= box.bottom + 6;
  for (const pts of lines) {
    for (let i = 0; i + 1 < pts.length; i++) {
      const [a, b] = [pts[i], pts[i + 1]];
      if (![...a, ...b].every(Number.isFinite)) continue;
      for (let t = 0; t <= 1; t += 0.02) if (inside(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)) n++;
    }
    for (const [x, y] of pts) if (Number.isFinite(y) && inside(x, y)) n += 10;
  }
  return n;
}

/** The legend, in whichever inner corner of the plot (upper right first) hides the least data. */
function drawLegend(
  canvas: Canvas,
  entries: { label: string; color: Color }[],
  plot: Box,
  lines: readonly (readonly [number, number])[][],
): void {
  const rowH = 26,
    swatch = 28,
    margin = 12;
  const w = 16 + swatch + 10 + Math.max(...entries.map((e) => textWidth(e.label, 2))) + 14;
  const h = entries.length * rowH + 12;
  const corners = [
    { left: plot.right - margin - w, top: plot.top + margin },
    { left: plot.right - margin - w, top: plot.bottom - margin - h },
    { left: plot.left + margin, top: plot.top + margin },
    { left: plot.left + margin, top: plot.bottom - margin - h },
  ];
  let best = corners[0],
    bestScore = Infinity;
  for (const c of corners) {
    const score = crowding({ left: c.left, right: c.left + w, top: c.top, bottom: c.top + h }, lines);
    if (score < bestScore) [best, bestScore] = [c, score];
  }
  const { left, top } = best;
  canvas.fillRect(left, top, w, h, "#ffffff", 0.92);
  canvas.strokeRect(left, top, w, h, "#bbbbbb");
  entries.forEach((e, k) => {
    const cy = top + 6 + rowH * k + rowH / 2;
    canvas.polyline(
      [
        [left + 14, cy],
        [left + 14 + swatch, cy],
      ],
      e.color,
      2.5,
    );
    canvas.disc(left + 14 + swatch / 2, cy, 4, e.color);
    canvas.text(e.label, left + 14 + swatch + 10, cy, { color: TEXT, scale: 2, baseline: "middle" });
  });
}

/** `text` cut to at most `maxWidth` pixels (at label size) by ".." in the middle, keeping both ends (names often differ at the end). */
function shorten(text: string, maxWidth: number): string {
  if (textWidth(text, 2) <= maxWidth) return text;
  let head = Math.ceil(text.length / 2),
    tail = text.length - head;
  while (head + tail > 1 && textWidth(text.slice(0, head) + ".." + text.slice(text.length - tail), 2) > maxWidth) {
    if (head > tail) head--;
    else tail--;
  }
  return text.slice(0, head) + ".." + text.slice(text.length - tail);
}

/** The title centred at the top: at title size when it fits, else smaller, else shortened. */
function drawTitle(canvas: Canvas, title: string, width: number): void {
  const room = width - 40;
  if (textWidth(title, 3) <= room) canvas.text(title, width / 2, 16, { color: TEXT, scale: 3, align: "center" });
  else canvas.text(shorten(title, room), width / 2, 18, { color: TEXT, scale: 2, align: "center" });
}

/** The counts as K rows of K finite numbers, or a typed error naming what was given instead. */
function countRows(given: unknown): number[][] {
  const op = "confusionMatrixChart";
  let counts = given;
  if (given instanceof Tensor) {
    if (given.shape.length !== 2 || given.shape[0] !== given.shape[1] || given.shape[0] === 0)
      throw new ShapeError(`${op}: expected a square [K, K] tensor of counts, got ${fmtShape(given.shape)}`);
    // A tensor's values are checked as an array's are: NaN, negative or bool "counts" are refused alike.
    counts = given.toArray();
  }
  if (!Array.isArray(counts))
    throw new ValueError(`${op}: expected a [K, K] Tensor or a K×K array of counts, got ${counts === null ? "null" : typeof counts}`);
  const k = counts.length;
  if (k === 0 || counts.some((row) => !Array.isArray(row) || row.length !== k)) {
    throw new ValueError(
      `${op}: expected a square K×K matrix, got ${k} rows of lengths ${counts.map((r) => (Array.isArray(r) ? r.length : typeof r)).join(", ")}`,
    );
  }
  for (const [i, row] of counts.entries()) {
    const j = (row as unknown[]).findIndex((v) => typeof v !== "number" || !Number.isFinite(v) || v < 0);
    if (j >= 0) throw new ValueError(`${op}: counts must be finite numbers >= 0, got ${String(row[j])} at row ${i}, column ${j}`);
  }
  return counts as number[][];
}

/** Options of confusionMatrixChart. */
export interface ConfusionChartOptions {
  /** Title above the chart. */
  title?: string;
  /** Class names for the ticks (default 0, 1, 2, …). */
  labels?: readonly string[];
}

/**
 * A confusion matrix as an annotated heatmap (PNG bytes): rows are true classes, columns predicted
 * ones; each cell shows its count and is shaded by its share of the row (the per-class recall).
 * Takes the counts as a [K, K] Tensor (what train.confusionMatrix returns) or nested arrays.
 * @example confusionMatrixChart(train.confusionMatrix(logits, y, 10), { title: "Test set" })
 */
export function confusionMatrixChart(given: Tensor | readonly (readonly number[])[], opts: ConfusionChartOptions = {}): Uint8Array {
  return drawConfusion(given, opts).toPng();
}

/**
 * confusionMatrixChart as an SVG document (vector cells, real text; what report.html shows).
 * @example confusionMatrixChartSvg([[5, 1], [0, 6]], { labels: ["cat", "dog"] }).startsWith("<svg")  // true
 */
export function confusionMatrixChartSvg(given: Tensor | readonly (readonly number[])[], opts: ConfusionChartOptions = {}): string {
  return drawConfusion(given, opts).toSvg();
}

function drawConfusion(given: Tensor | readonly (readonly number[])[], opts: ConfusionChartOptions): Canvas {
  const matrix = countRows(given);
  const k = matrix.length;
  const { title = "Confusion matrix", labels = matrix.map((_, i) => String(i)) } = opts;
  const counts = matrix.flat();
  const cell = Math.max(36, Math.min(64, Math.floor(560 / k)));
  const digits = Math.max(...counts.map((c) => String(c).length));
  const textScale = cell >= 44 && digits <= 4 ? 2 : 1;
  const lineH = textHeight(2);
  // Long class names are shortened; column names turn upright when they would touch, and past 40
  // classes only every few are named so that the names never overlap.
  const names = labels.map((l) => shorten(l, 160));
  const labelW = Math.max(...names.map((l) => textWidth(l, 2)));
  const upright = labelW > cell - 8;
  const every = Math.max(1, Math.ceil(lineH / cell));
  const colLabelH = upright ? labelW : lineH;
  const titleW = textWidth(title, 3);
  const left = 18 + lineH + 12 + labelW + 10,
    top = 16 + textHeight(3) + 22;
  const width = Math.max(left + k * cell + 30, titleW + 40),
    height = top + k * cell + 10 + colLabelH + 12 + lineH + 16;
  const canvas = new Canvas(width, height);
  const low = parseColor("#f7fbff"),
    high = parseColor("#08306b");

  for (let i = 0; i < k; i++) {
    const rowSum = matrix[i].reduce((a, b) => a + b, 0);
    for (let j = 0; j < k; j++) {
      const share = rowSum > 0 ? matrix[i][j] / rowSum : 0;
      const rgb = low.map((c, ch) => Math.round(c + (high[ch] - c) * Math.sqrt(share))) as [number, number, number];
      const x = left + j * cell,
        y = top + i * cell;
      canvas.fillRect(x, y, cell, cell, rgb);
      const dark = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] < 140;
      // Zeros in grey: the eye should find the errors, not count empty cells.
      const ink = dark ? "#ffffff" : matrix[i][j] === 0 ? "#b4b4b4" : TEXT;
      canvas.text(String(matrix[i][j]), x + cell / 2, y + cell / 2, { color: ink, scale: textScale, align: "center", baseline: "middle" });
    }
    if (i % every === 0)
      canvas.text(names[i], left - 10, top + i * cell + cell / 2, { color: MUTED, scale: 2, align: "right", baseline: "middle" });
  }
  for (let j = 0; j < k; j += every) {
    const x = left + j * cell + cell / 2,
      y = top + k * cell + 8;
    if (upright) canvas.text(names[j], x, y, { color: MUTED, scale: 2, align: "right", baseline: "middle", rotate: true });
    else canvas.text(names[j], x, y, { color: MUTED, scale: 2, align: "center" });
  }
  // Thin separators keep neighbouring cells of similar shade apart.
  for (let i = 0; i <= k; i++) {
    canvas.fillRect(left, top + i * cell, k * cell + 1, 1, "#ffffff");
    canvas.fillRect(left + i * cell, top, 1, k * cell + 1, "#ffffff");
  }
  canvas.strokeRect(left - 1, top - 1, k * cell + 3, k * cell + 3, AXIS);
  drawTitle(canvas, title, width);
  canvas.text("predicted class", left + (k * cell) / 2, top + k * cell + 10 + colLabelH + 12, { color: TEXT, scale: 2, align: "center" });
  canvas.text("true class", 18, top + (k * cell) / 2, { color: TEXT, scale: 2, align: "center", baseline: "top", rotate: true });
  return canvas;
}
