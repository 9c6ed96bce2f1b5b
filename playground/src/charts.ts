// Canvas drawings of a run: loss and accuracy curves, the decision map or fitted curve, sample
// digits with their predictions, and histograms of weights and gradients.

import type { EpochLog } from "./trainer.js";

const CLASS_COLOURS: [number, number, number][] = [
  [33, 113, 181],
  [230, 85, 13],
  [49, 163, 84],
  [117, 107, 177],
  [214, 39, 40],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];
const css = ([r, g, b]: [number, number, number], a = 1) => `rgba(${r},${g},${b},${a})`;
const PAD = { left: 44, right: 10, top: 20, bottom: 16 };

function frame(c: CanvasRenderingContext2D, title: string): { w: number; h: number } {
  const { width: w, height: h } = c.canvas;
  c.clearRect(0, 0, w, h);
  c.fillStyle = "#fff";
  c.fillRect(0, 0, w, h);
  c.fillStyle = "#222";
  c.font = "12px system-ui, sans-serif";
  c.fillText(title, PAD.left, 13);
  return { w, h };
}

function ticks(lo: number, hi: number, n = 4): number[] {
  return Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e4) ? v.toExponential(0) : String(Number(v.toPrecision(2)));
}

/** Lines over epochs (y on a log scale when `log`); series with no finite value are skipped. */
export function drawCurves(
  c: CanvasRenderingContext2D,
  title: string,
  series: { label: string; values: (number | null)[]; colour: string }[],
  log: boolean,
): void {
  const { w, h } = frame(c, title);
  const tf = (v: number) => (log ? Math.log10(Math.max(v, 1e-8)) : v);
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)).map(tf));
  const n = Math.max(...series.map((s) => s.values.length), 1);
  if (all.length === 0) return;
  let lo = Math.min(...all),
    hi = Math.max(...all);
  if (hi - lo < 1e-6) [lo, hi] = [lo - 0.5, hi + 0.5];
  const X = (i: number) => PAD.left + ((w - PAD.left - PAD.right) * i) / Math.max(n - 1, 1);
  const Y = (v: number) => h - PAD.bottom - ((h - PAD.top - PAD.bottom) * (tf(v) - lo)) / (hi - lo);
  c.strokeStyle = "#ddd";
  c.fillStyle = "#555";
  c.font = "10px system-ui, sans-serif";
  for (const t of ticks(lo, hi)) {
    const y = h - PAD.bottom - ((h - PAD.top - PAD.bottom) * (t - lo)) / (hi - lo);
    c.beginPath();
    c.moveTo(PAD.left, y);
    c.lineTo(w - PAD.right, y);
    c.stroke();
    c.fillText(fmt(log ? 10 ** t : t), 2, y + 3);
  }
  c.fillText(`epoch ${n}`, w - PAD.right - 50, h - 6);
  series.forEach((s, k) => {
    c.strokeStyle = s.colour;
    c.lineWidth = 2;
    c.beginPath();
    let started = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      if (started) c.lineTo(X(i), Y(v));
      else c.moveTo(X(i), Y(v));
      started = true;
    });
    c.stroke();
    c.lineWidth = 1;
    c.fillStyle = s.colour;
    c.fillText(s.label, w - PAD.right - 90 + k * 45, 13);
  });
}

export function drawHistory(loss: CanvasRenderingContext2D, acc: CanvasRenderingContext2D, history: readonly EpochLog[]): void {
  drawCurves(
    loss,
    "loss (log scale)",
    [
      { label: "train", values: history.map((e) => e.trainLoss), colour: "#2171b5" },
      { label: "test", values: history.map((e) => e.testLoss), colour: "#e6550d" },
    ],
    true,
  );
  drawCurves(
    acc,
    "accuracy",
    [
      { label: "train", values: history.map((e) => e.trainAccuracy), colour: "#2171b5" },
      { label: "test", values: history.map((e) => e.testAccuracy), colour: "#e6550d" },
    ],
    false,
  );
}

/**
 * The decision map of a 2-D classifier: each cell of a g×g grid over `range`² tinted by the
 * predicted class, paler where the model is less sure, with the points on top.
 */
export function drawDecision(
  c: CanvasRenderingContext2D,
  probs: Float32Array,
  classes: number,
  g: number,
  range: [number, number],
  x: Float32Array,
  y: ArrayLike<number>,
): void {
  const { w, h } = frame(c, "decision map (test points)");
  const size = Math.min(w, h - PAD.top);
  const img = c.createImageData(g, g);
  for (let i = 0; i < g * g; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[i * classes + k]! > probs[i * classes + best]!) best = k;
    const conf = (probs[i * classes + best]! - 1 / classes) / (1 - 1 / classes);
    const col = CLASS_COLOURS[best % CLASS_COLOURS.length]!;
    // Grid row 0 is the bottom of the map (y = range[0]).
    const row = g - 1 - Math.floor(i / g),
      at = (row * g + (i % g)) * 4;
    for (let ch = 0; ch < 3; ch++) img.data[at + ch] = Math.round(255 - (255 - col[ch]!) * (0.15 + 0.45 * conf));
    img.data[at + 3] = 255;
  }
  const tmp = document.createElement("canvas");
  tmp.width = tmp.height = g;
  tmp.getContext("2d")!.putImageData(img, 0, 0);
  c.imageSmoothingEnabled = true;
  c.drawImage(tmp, 0, PAD.top, size, size);
  const [lo, hi] = range,
    P = (v: number) => ((v - lo) / (hi - lo)) * size;
  for (let i = 0; i < y.length; i++) {
    c.fillStyle = css(CLASS_COLOURS[y[i]! % CLASS_COLOURS.length]!);
    c.strokeStyle = "#fff";
    c.beginPath();
    c.arc(P(x[2 * i]!), PAD.top + size - P(x[2 * i + 1]!), 3, 0, 2 * Math.PI);
    c.fill();
    c.stroke();
  }
}

/** A 1-D regression: the points and the model's curve over `range`. */
export function drawFit(
  c: CanvasRenderingContext2D,
  gx: Float32Array,
  pred: Float32Array,
  x: Float32Array,
  y: Float32Array,
  range: [number, number],
): void {
  const { w, h } = frame(c, "fit (test points)");
  const ys = [...y, ...pred].filter(Number.isFinite);
  const lo = Math.min(-1.5, ...ys),
    hi = Math.max(1.5, ...ys);
  const X = (v: number) => PAD.left + ((v - range[0]) / (range[1] - range[0])) * (w - PAD.left - PAD.right);
  const Y = (v: number) => h - PAD.bottom - ((v - lo) / (hi - lo)) * (h - PAD.top - PAD.bottom);
  c.fillStyle = "rgba(33,113,181,0.6)";
  for (let i = 0; i < x.length; i++) c.fillRect(X(x[i]!) - 2, Y(y[i]!) - 2, 4, 4);
  c.strokeStyle = "#e6550d";
  c.lineWidth = 2;
  c.beginPath();
  gx.forEach((v, i) => (i ? c.lineTo(X(v), Y(pred[i]!)) : c.moveTo(X(v), Y(pred[i]!))));
  c.stroke();
  c.lineWidth = 1;
}

/** Up to 24 test digits, each with its prediction (red when wrong). */
export function drawDigits(c: CanvasRenderingContext2D, pixels: Float32Array, labels: ArrayLike<number>, probs: Float32Array): void {
  const { w } = frame(c, "test digits: prediction (red = wrong)");
  const per = Math.floor((w - 8) / 6),
    n = Math.min(24, labels.length);
  for (let i = 0; i < n; i++) {
    const img = c.createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = 255 - Math.round(255 * pixels[i * 784 + p]!);
      img.data.set([v, v, v, 255], p * 4);
    }
    const tmp = document.createElement("canvas");
    tmp.width = tmp.height = 28;
    tmp.getContext("2d")!.putImageData(img, 0, 0);
    const x0 = 4 + (i % 6) * per,
      y0 = PAD.top + Math.floor(i / 6) * (per + 14);
    c.drawImage(tmp, x0, y0, per - 6, per - 6);
    let best = 0;
    for (let k = 1; k < 10; k++) if (probs[i * 10 + k]! > probs[i * 10 + best]!) best = k;
    c.fillStyle = best === labels[i] ? "#222" : "#d62728";
    c.fillText(String(best), x0 + per / 2 - 8, y0 + per + 4);
  }
}

/** A histogram of `values` in 40 bins between their 0.5th and 99.5th percentiles. */
export function drawHistogram(c: CanvasRenderingContext2D, title: string, values: Float32Array, colour: string): void {
  const { w, h } = frame(c, `${title} (${values.length})`);
  const finite = values.filter(Number.isFinite).sort();
  if (finite.length === 0) return;
  let lo = finite[Math.floor(finite.length * 0.005)]!,
    hi = finite[Math.min(finite.length - 1, Math.floor(finite.length * 0.995))]!;
  if (hi - lo < 1e-12) [lo, hi] = [lo - 1e-3, hi + 1e-3];
  const bins = new Array<number>(40).fill(0);
  for (const v of finite) bins[Math.min(39, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * 40)))]!++;
  const top = Math.max(...bins),
    bw = (w - PAD.left - PAD.right) / 40;
  c.fillStyle = colour;
  bins.forEach((b, i) => {
    const bh = ((h - PAD.top - PAD.bottom) * b) / top;
    c.fillRect(PAD.left + i * bw, h - PAD.bottom - bh, bw - 1, bh);
  });
  c.fillStyle = "#555";
  c.fillText(fmt(lo), PAD.left, h - 8);
  c.fillText(fmt(hi), w - PAD.right - 30, h - 8);
}
