// What every example shares: its command line (--quick, an output folder), a way to print the key
// results so that a person reads them and the examples' test can check them, the training loop the
// course writes by hand, and a few pictures the library's line chart does not draw (a heatmap for
// decision boundaries, a scatter with a fitted curve). Only the public `tensorgrad` API is used.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import * as tg from "tensorgrad";
import { io, nn, train, type Tensor, type optim } from "tensorgrad";

export interface ExampleContext {
  /** Smaller data and fewer steps, for the test (`--quick` or TENSORGRAD_EXAMPLES_QUICK=1). */
  quick: boolean;
  /** Where the pictures go (first non-flag argument, default examples-out/<name>). */
  outDir: string;
  /** Picks the full-size or the quick value. */
  size<T>(full: T, quick: T): T;
}

/** Parses the command line of example `name` and creates its output folder. */
export function setup(name: string): ExampleContext {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick") || process.env.TENSORGRAD_EXAMPLES_QUICK === "1";
  const dir = args.find((a) => !a.startsWith("--"));
  const outDir = resolve(dir ?? join("examples-out", name));
  mkdirSync(outDir, { recursive: true });
  console.log(`== ${name}${quick ? " (quick)" : ""} — pictures in ${outDir}`);
  return { quick, outDir, size: (full, q) => (quick ? q : full) };
}

/**
 * Prints one key result as `result <key> = <value>`: the line a learner should look at, and the
 * line test/examples/examples.test.ts parses to check that the example's point still holds.
 */
export function result(key: string, value: number | boolean | string): void {
  const shown = typeof value === "number" && !Number.isInteger(value) ? value.toPrecision(4) : String(value);
  console.log(`result ${key} = ${shown}`);
}

/** Writes PNG bytes into the output folder (atomically, as the library saves everything). */
export function savePng(ctx: ExampleContext, file: string, png: Uint8Array): void {
  io.writeFileAtomic(join(ctx.outDir, file), png);
  console.log(`wrote ${file}`);
}

/** Full-batch training written out as in the course: zero, forward, loss, backward, step. Returns the loss per step. */
export function trainSteps(
  model: nn.Module,
  x: Tensor,
  y: Tensor,
  loss: (pred: Tensor, target: Tensor) => Tensor,
  opt: optim.Optimizer,
  steps: number,
  hooks: { beforeStep?: () => void; afterStep?: () => void } = {},
): number[] {
  const losses: number[] = [];
  model.train();
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const l = loss(model.forward(x), y);
    l.backward();
    hooks.beforeStep?.(); // e.g. gradient clipping, between backward and the update
    opt.step();
    hooks.afterStep?.(); // e.g. a learning-rate scheduler
    losses.push(l.item());
  }
  return losses;
}

/** The model's output without building a graph, in eval mode (dropout off, batch norm on its running statistics). */
export function predict(model: nn.Module, x: Tensor): Tensor {
  model.eval();
  const out = tg.noGrad(() => model.forward(x));
  model.train();
  return out;
}

/** Fraction of rows whose arg-max class equals the label. */
export function accuracy(logits: Tensor, labels: Tensor): number {
  return logits.argmax(1).eq(labels).float().mean().item();
}

/** Every `every`-th value (and the last), to keep long curves light in a chart. */
export function thin(values: readonly number[], every: number): { x: number[]; values: number[] } {
  const x: number[] = [],
    v: number[] = [];
  values.forEach((val, i) => {
    if (i % every === 0 || i === values.length - 1) {
      x.push(i + 1);
      v.push(val);
    }
  });
  return { x, values: v };
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

/**
 * A 2-D classifier's decision map: the plane coloured by P(class 1) (blue 0 … red 1), the 0.5
 * contour in black, and the data points on top. `prob` maps [N, 2] points to [N] probabilities.
 */
export function decisionMap(
  prob: (pts: Tensor) => Tensor,
  x: Tensor,
  y: Tensor,
  opts: { title: string; range?: [number, number]; size?: number },
): Uint8Array {
  const size = opts.size ?? 360,
    top = 40,
    [lo, hi] = opts.range ?? [-1.5, 1.5],
    cell = 4;
  const n = size / cell;
  const canvas = new train.plot.Canvas(size, size + top);
  const grid: number[][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) grid.push([lo + ((j + 0.5) / n) * (hi - lo), hi - ((i + 0.5) / n) * (hi - lo)]);
  const p = Array.from(prob(tg.tensor(grid)).reshape([-1]).toFloat32Array());
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = p[i * n + j];
      const rgb: [number, number, number] = [
        Math.round(90 + 165 * v),
        Math.round(140 + 60 * (1 - Math.abs(2 * v - 1)) - 40),
        Math.round(90 + 165 * (1 - v)),
      ];
      canvas.fillRect(j * cell, top + i * cell, cell, cell, rgb);
      const right = j + 1 < n && p[i * n + j + 1] > 0.5 !== v > 0.5;
      const below = i + 1 < n && p[(i + 1) * n + j] > 0.5 !== v > 0.5;
      if (right || below) canvas.fillRect(j * cell + cell - 1, top + i * cell + cell - 1, 2, 2, "#000000");
    }
  }
  const xs = x.toArray() as number[][],
    ys = Array.from(y.reshape([-1]).toFloat32Array());
  xs.forEach(([a, b], k) => {
    const px = ((a - lo) / (hi - lo)) * size,
      py = top + ((hi - b) / (hi - lo)) * size;
    canvas.disc(px, py, 4.5, "#ffffff");
    canvas.disc(px, py, 3.2, ys[k] > 0.5 ? "#b00000" : "#0030b0");
  });
  canvas.text(opts.title, size / 2, 12, { color: "#222222", scale: 2, align: "center" });
  return canvas.toPng();
}

/** Curves y(x) on one chart, e.g. the target function and each network's fit: [label, xs, ys]. */
export function curvesChart(
  curves: [string, readonly number[], readonly number[]][],
  opts: { title: string; xLabel?: string; yLabel?: string; yRange?: [number, number] },
): Uint8Array {
  const series: train.plot.Series[] = curves.map(([label, xs, ys], k) => ({
    label,
    x: xs,
    values: ys,
    color: PALETTE[k % PALETTE.length],
  }));
  return train.plot.lineChart(series, { title: opts.title, xLabel: opts.xLabel ?? "x", yLabel: opts.yLabel ?? "y", yRange: opts.yRange });
}
