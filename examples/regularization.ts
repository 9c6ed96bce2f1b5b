// Overfitting and its cures. A wide network trained long on 20 noisy points of a sine memorises
// the noise: training loss near zero, validation loss high. Dropout (random units off while
// training), L2 (weight decay: small weights), L1 (sparse weights) and elastic net (both) all
// pull it back toward the smooth function.
// Notice: the plain net has the highest validation loss and each regulariser lowers it (dropout
// and L2 visibly trade training loss for it); L1 and elastic net also drive most weights to
// (nearly) zero — a sparser network.
//   npm run example -- regularization [outDir] [--quick]

import * as tg from "tensorgrad";
import { data, nn, optim, type Tensor } from "tensorgrad";
import { curvesChart, predict, result, savePng, setup, trainSteps } from "./common.js";

const ctx = setup("regularization");
const trainSet = data.synthetic.sine({ n: 20, noise: 0.3, seed: 0 });
const valSet = data.synthetic.sine({ n: 200, noise: 0.3, seed: 1 });
const steps = ctx.size(2000, 600);
const mse = (p: Tensor, t: Tensor): Tensor => nn.functional.mseLoss(p, t);

const net = (dropout: number): nn.Module => {
  tg.manualSeed(0);
  const drop = (): nn.Module[] => (dropout > 0 ? [new nn.Dropout(dropout)] : []);
  return new nn.Sequential(
    new nn.Linear(1, 128),
    new nn.ReLU(),
    ...drop(),
    new nn.Linear(128, 128),
    new nn.ReLU(),
    ...drop(),
    new nn.Linear(128, 1),
  );
};
const weights = (m: nn.Module): Tensor[] => m.parameters().filter((p) => p.shape.length === 2); // penalise weights, not biases

const variants: [string, number, number, number][] = [
  // name, dropout, L1 strength, L2 strength
  ["none", 0, 0, 0],
  ["dropout", 0.3, 0, 0],
  ["l2", 0, 0, 1e-3],
  ["l1", 0, 1e-4, 0],
  ["elastic_net", 0, 5e-5, 5e-4],
];
const grid = tg.linspace(-Math.PI, Math.PI, 101).reshape([101, 1]);
const g = Array.from(grid.toFloat32Array());
const curves: [string, number[], number[]][] = [["sin(x)", g, Array.from(grid.sin().toFloat32Array())]];
for (const [name, p, l1, l2] of variants) {
  const model = net(p);
  const opt = new optim.Adam(model.parameters(), { lr: 0.005 });
  // The penalty is added to the data loss, so its gradient flows into every step.
  const loss = (pred: Tensor, t: Tensor): Tensor => {
    let l = mse(pred, t);
    if (l1 > 0) l = l.add(nn.utils.l1Penalty(weights(model)).mul(l1));
    if (l2 > 0) l = l.add(nn.utils.l2Penalty(weights(model)).mul(l2));
    return l;
  };
  trainSteps(model, trainSet.x, trainSet.y, loss, opt, steps);
  const trainLoss = mse(predict(model, trainSet.x), trainSet.y).item();
  const valLoss = mse(predict(model, valSet.x), valSet.y).item();
  const all = weights(model).flatMap((w) => Array.from(w.detach().toFloat32Array()));
  const small = all.filter((w) => Math.abs(w) < 1e-3).length / all.length;
  console.log(
    `${name.padEnd(12)} train MSE ${trainLoss.toFixed(4)}  validation MSE ${valLoss.toFixed(4)}  weights |w| < 1e-3: ${(small * 100).toFixed(0)} %`,
  );
  result(`train_${name}`, trainLoss);
  result(`val_${name}`, valLoss);
  result(`near_zero_${name}`, small);
  curves.push([name, g, Array.from(predict(model, grid).toFloat32Array())]);
}
savePng(ctx, "fits.png", curvesChart(curves, { title: "Fits to 20 noisy points", yRange: [-2, 2] }));
