// Universal approximation: a network with one hidden ReLU layer fits sin(x) on [-π, π], and the
// width of that layer decides how well. Each hidden ReLU unit adds one "kink", so the fit is a
// piecewise-linear curve with at most `width` pieces: 2 units draw a crude zig-zag, 64 a smooth sine.
// Notice: the final MSE falls as the width grows, and the picture shows the kinks disappear.
//   npm run example -- sine-width [outDir] [--quick]

import * as tg from "tensorgrad";
import { nn, optim } from "tensorgrad";
import { curvesChart, predict, result, savePng, setup, thin, trainSteps } from "./common.js";

const ctx = setup("sine-width");
const steps = ctx.size(2000, 600);
const x = tg.linspace(-Math.PI, Math.PI, 128).reshape([128, 1]);
const y = x.sin();
const xs = Array.from(x.toFloat32Array());

const curves: [string, number[], number[]][] = [["sin(x)", xs, Array.from(y.toFloat32Array())]];
const lossCurves: [string, number[], number[]][] = [];
const mse: Record<number, number> = {};
for (const width of [2, 8, 64]) {
  tg.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(1, width), new nn.ReLU(), new nn.Linear(width, 1));
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  // A cosine schedule lets Adam settle at the end instead of ending on a late spike.
  const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: steps });
  const losses = trainSteps(model, x, y, (p, t) => nn.functional.mseLoss(p, t), opt, steps, { afterStep: () => sched.step() });
  mse[width] = nn.functional.mseLoss(predict(model, x), y).item();
  console.log(`width ${String(width).padStart(2)}: ${model.numParameters()} parameters, final MSE ${mse[width].toExponential(2)}`);
  curves.push([`width ${width}`, xs, Array.from(predict(model, x).toFloat32Array())]);
  const t = thin(
    losses.map((l) => Math.log10(l)),
    10,
  );
  lossCurves.push([`width ${width}`, t.x, t.values]);
}
result("mse_width2", mse[2]);
result("mse_width8", mse[8]);
result("mse_width64", mse[64]);
savePng(ctx, "fits.png", curvesChart(curves, { title: "One hidden ReLU layer fitting sin(x)" }));
savePng(ctx, "loss.png", curvesChart(lossCurves, { title: "Training loss by width", xLabel: "step", yLabel: "log10 MSE" }));
