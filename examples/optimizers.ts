// Gradient descent and its variants on the same problem, from the same initial weights: full-batch
// GD, mini-batch SGD, SGD with momentum, with Nesterov momentum, RMSprop and Adam. Each sees the
// same number of epochs (passes over the data).
// Notice: mini-batches make many more (noisier) steps per epoch than full-batch GD, so SGD is far
// ahead after the same number of epochs; momentum, Nesterov and Adam (which scales each weight's
// step by its gradient history, as RMSprop does) get closest to the noise floor, MSE ≈ 0.01.
//   npm run example -- optimizers [outDir] [--quick]

import * as tg from "tensorgrad";
import { data, nn, optim, type Tensor } from "tensorgrad";
import { curvesChart, result, savePng, setup } from "./common.js";

const ctx = setup("optimizers");
// The problem: fit a noisy sine (regression, MSE) with a small tanh network.
const { x, y } = data.synthetic.sine({ n: 256, noise: 0.1, seed: 0 });
const epochs = ctx.size(60, 25);

tg.manualSeed(0);
const init = new nn.Sequential(new nn.Linear(1, 32), new nn.Tanh(), new nn.Linear(32, 32), new nn.Tanh(), new nn.Linear(32, 1));
const start = init.stateDict();

const runs: [string, number, (p: Tensor[]) => optim.Optimizer][] = [
  ["GD (full batch)", 256, (p) => new optim.SGD(p, { lr: 0.1 })],
  ["SGD", 16, (p) => new optim.SGD(p, { lr: 0.1 })],
  ["momentum", 16, (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9 })],
  ["Nesterov", 16, (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ["RMSprop", 16, (p) => new optim.RMSprop(p, { lr: 0.01 })],
  ["Adam", 16, (p) => new optim.Adam(p, { lr: 0.01 })],
];
const curves: [string, number[], number[]][] = [];
for (const [name, batchSize, make] of runs) {
  const model = new nn.Sequential(new nn.Linear(1, 32), new nn.Tanh(), new nn.Linear(32, 32), new nn.Tanh(), new nn.Linear(32, 1));
  model.loadStateDict(start); // every optimizer starts from the very same weights
  const opt = make(model.parameters());
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize, shuffle: true, seed: 1 });
  const perEpoch: number[] = [];
  for (let e = 0; e < epochs; e++) {
    for (const [xb, yb] of loader) {
      opt.zeroGrad();
      nn.functional.mseLoss(model.forward(xb), yb).backward();
      opt.step();
    }
    perEpoch.push(tg.noGrad(() => nn.functional.mseLoss(model.forward(x), y).item()));
  }
  const final = perEpoch[perEpoch.length - 1];
  console.log(`${name.padEnd(16)} batch ${String(batchSize).padStart(3)}: loss after ${epochs} epochs ${final.toFixed(4)}`);
  result(`loss_${name.split(" ")[0].toLowerCase()}`, final);
  curves.push([name, perEpoch.map((_, i) => i + 1), perEpoch]);
}
savePng(ctx, "loss.png", curvesChart(curves, { title: "Same net, same start: training loss", xLabel: "epoch", yLabel: "MSE" }));
