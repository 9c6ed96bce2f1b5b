// Exploding gradients, and clipping. With weights too large (here N(0, 1) in a 10-layer ReLU net)
// every layer multiplies the signal and its gradient by about √(fan_in / 2) ≈ 4, so the gradient
// is astronomically large, one SGD step throws the weights far away and the loss becomes inf/NaN.
// Clipping the gradient's global norm (nn.utils.clipGradNorm, between backward and step) keeps the
// direction but bounds the step, so training stays finite and the loss falls.
// Notice: the unclipped run's loss turns non-finite within a few steps; the clipped run's stays
// finite and ends far below where it started.
//   npm run example -- exploding-gradients [outDir] [--quick]

import * as tg from "tensorgrad";
import { data, nn, optim, type Tensor } from "tensorgrad";
import { curvesChart, result, savePng, setup, trainSteps } from "./common.js";

const ctx = setup("exploding-gradients");
const { x, y } = data.synthetic.sine({ n: 128, noise: 0, seed: 0 });
const steps = ctx.size(300, 100);
const make = (): nn.Module => {
  tg.manualSeed(0);
  const layers: nn.Module[] = [];
  for (let i = 0; i < 10; i++) {
    const lin = new nn.Linear(i === 0 ? 1 : 32, 32);
    nn.init.normal(lin.weight, 0, 1);
    layers.push(lin, new nn.ReLU());
  }
  return new nn.Sequential(...layers, new nn.Linear(32, 1));
};
const mse = (p: Tensor, t: Tensor): Tensor => nn.functional.mseLoss(p, t);
const curves: [string, number[], number[]][] = [];
for (const clip of [false, true]) {
  const model = make();
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  let firstNorm = NaN;
  const losses = trainSteps(model, x, y, mse, opt, steps, {
    beforeStep: () => {
      // clipGradNorm returns the norm before clipping; without clipping, measure it the same way.
      const norm = nn.utils.clipGradNorm(model.parameters(), clip ? 1.0 : Infinity).item();
      if (Number.isNaN(firstNorm)) firstNorm = norm;
    },
  });
  const name = clip ? "clipped" : "unclipped";
  const firstBad = losses.findIndex((l) => !Number.isFinite(l));
  console.log(
    `${name.padEnd(10)} first gradient norm ${firstNorm.toExponential(2)}, loss ${losses[0].toExponential(2)} → ${losses[losses.length - 1].toExponential(2)}` +
      (firstBad >= 0 ? ` (non-finite from step ${firstBad + 1})` : ""),
  );
  result(`${name}_initial_loss`, losses[0]);
  result(`${name}_final_loss`, Number.isFinite(losses[losses.length - 1]) ? losses[losses.length - 1] : "non-finite");
  result(`${name}_finite`, losses.every(Number.isFinite));
  curves.push([name, losses.map((_, i) => i + 1), losses.map((l) => (Number.isFinite(l) ? Math.log10(l) : NaN))]);
}
savePng(ctx, "loss.png", curvesChart(curves, { title: "10-layer ReLU net, N(0,1) weights, SGD", xLabel: "step", yLabel: "log10 MSE" }));
