// Activations side by side: ReLU, LeakyReLU, ELU, GELU, tanh and sigmoid — their shapes, their
// derivatives (computed by autograd, not by hand), and what they do to training a deep network.
// Notice: sigmoid's derivative never exceeds 0.25 and tanh's is 1 only at 0, so in a deep stack the
// gradient shrinks layer by layer; the 6-layer sigmoid net barely learns the spirals while the
// ReLU-family nets do.
//   npm run example -- activations [outDir] [--quick]

import * as tg from "tensorgrad";
import { data, nn, optim } from "tensorgrad";
import { accuracy, curvesChart, predict, result, savePng, setup, thin, trainSteps } from "./common.js";

const ctx = setup("activations");
const acts: [string, () => nn.Module][] = [
  ["relu", () => new nn.ReLU()],
  ["leaky_relu", () => new nn.LeakyReLU(0.1)],
  ["elu", () => new nn.ELU()],
  ["gelu", () => new nn.GELU()],
  ["tanh", () => new nn.Tanh()],
  ["sigmoid", () => new nn.Sigmoid()],
];

// 1. Shapes and derivatives: one backward pass through f(x).sum() gives f'(x) at every x.
const xs = tg.linspace(-4, 4, 161, { requiresGrad: true });
const values: [string, number[], number[]][] = [],
  slopes: [string, number[], number[]][] = [];
const grid = Array.from(xs.detach().toFloat32Array());
for (const [name, make] of acts) {
  xs.grad = null;
  const fx = make().forward(xs);
  fx.sum().backward();
  const d = Array.from(xs.grad!.toFloat32Array());
  values.push([name, grid, Array.from(fx.detach().toFloat32Array())]);
  slopes.push([name, grid, d]);
  result(`max_slope_${name}`, Math.max(...d));
}
savePng(ctx, "functions.png", curvesChart(values, { title: "Activation functions", yRange: [-1.5, 4] }));
savePng(ctx, "derivatives.png", curvesChart(slopes, { title: "Their derivatives (by autograd)", yLabel: "f'(x)", yRange: [-0.2, 1.2] }));

// 2. The same 8-layer network, trained the same way on the spirals, with each activation.
const { x, y } = data.synthetic.spirals({ n: ctx.size(300, 200), noise: 0.1, seed: 0 });
const steps = ctx.size(300, 200),
  depth = 6,
  width = 32;
const curves: [string, number[], number[]][] = [];
for (const [name, make] of acts) {
  tg.manualSeed(0);
  const layers: nn.Module[] = [new nn.Linear(2, width), make()];
  for (let i = 1; i < depth; i++) layers.push(new nn.Linear(width, width), make());
  const model = new nn.Sequential(...layers, new nn.Linear(width, 2));
  const opt = new optim.Adam(model.parameters(), { lr: 0.005 });
  const losses = trainSteps(model, x, y, (p, t) => nn.functional.crossEntropy(p, t), opt, steps);
  const acc = accuracy(predict(model, x), y);
  console.log(
    `${name.padEnd(11)} loss ${losses[0].toFixed(3)} → ${losses[losses.length - 1].toFixed(3)}, train accuracy ${(acc * 100).toFixed(0)} %`,
  );
  result(`loss_${name}`, losses[losses.length - 1]);
  const t = thin(losses, 3);
  curves.push([name, t.x, t.values]);
}
savePng(
  ctx,
  "training.png",
  curvesChart(curves, { title: `${depth}-layer net on spirals, Adam`, xLabel: "step", yLabel: "cross-entropy" }),
);
