// The learning rate: too small and training crawls, too big and it diverges, and a schedule gets
// the best of both — big steps early, small steps to settle. Same network, same data, plain SGD.
// Notice: lr 0.001 has barely moved after the budget, lr 0.5 blows up (loss NaN), lr 0.1 works;
// a step-decay or cosine schedule starting at the same 0.1 ends lower than the constant 0.1, which
// keeps bouncing near the edge of stability.
//   npm run example -- learning-rates [outDir] [--quick]

import * as tg from "tensorgrad";
import { data, nn, optim } from "tensorgrad";
import { curvesChart, result, savePng, setup, thin, trainSteps } from "./common.js";

const ctx = setup("learning-rates");
const { x, y } = data.synthetic.sine({ n: 128, noise: 0, seed: 0 });
const steps = ctx.size(1500, 600);
const make = (): nn.Module => {
  tg.manualSeed(0);
  return new nn.Sequential(new nn.Linear(1, 32), new nn.Tanh(), new nn.Linear(32, 1));
};
const mse = (p: tg.Tensor, t: tg.Tensor): tg.Tensor => nn.functional.mseLoss(p, t);

const curves: [string, number[], number[]][] = [];
const record = (key: string, label: string, losses: number[]): void => {
  const final = losses[losses.length - 1];
  console.log(`${label.padEnd(22)} final MSE ${Number.isFinite(final) ? final.toExponential(2) : String(final)}`);
  result(key, Number.isFinite(final) ? final : "diverged");
  // log10 so that 1e-4 and 1 fit on one chart; a diverged run (inf, NaN or above 10) is drawn
  // along the top edge, at log10 10 = 1.
  const t = thin(
    losses.map((l) => (Number.isFinite(l) && l < 10 ? Math.log10(l) : 1)),
    10,
  );
  curves.push([Number.isFinite(final) ? label : `${label} (diverged)`, t.x, t.values]);
};

for (const lr of [0.001, 0.1, 0.5]) {
  const model = make();
  record(`lr_${lr}`, `constant lr ${lr}`, trainSteps(model, x, y, mse, new optim.SGD(model.parameters(), { lr }), steps));
}
{
  const model = make();
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: Math.floor(steps / 3), gamma: 0.3 });
  record("step_decay", "StepLR from 0.1", trainSteps(model, x, y, mse, opt, steps, { afterStep: () => sched.step() }));
}
{
  const model = make();
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: steps });
  record("cosine", "cosine from 0.1", trainSteps(model, x, y, mse, opt, steps, { afterStep: () => sched.step() }));
}
savePng(ctx, "loss.png", curvesChart(curves, { title: "Learning rate and schedules (SGD)", xLabel: "step", yLabel: "log10 MSE" }));
