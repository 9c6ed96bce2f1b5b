// Transfer learning with frozen layers. Features learned on one task help another: pretrain a
// network to recognise digits (0–9) on plenty of images, then reuse its hidden layers — frozen, so
// they do not change — under a new output layer for a new task, "is the digit odd?", for which we
// pretend to have only 50 labelled images. Trained from scratch on those 50 images the same
// network has to discover what a digit is from almost nothing; on top of the pretrained features
// only a tiny head has to be learned.
// Notice: the frozen-feature model clearly beats the from-scratch model on unseen images, trains
// only the head's 130 parameters, and its frozen layers are bit-identical after training.
//   npm run example -- transfer-learning [outDir] [--quick]

import * as tg from "tensorgrad";
import { data, nn, optim, type Tensor } from "tensorgrad";
import { accuracy, curvesChart, predict, result, savePng, setup, trainSteps } from "./common.js";

const ctx = setup("transfer-learning");
const all = data.mnist({ train: true, limit: ctx.size(8000, 2050) });
const test = data.mnist({ train: false, limit: ctx.size(2000, 1000) });
const n = all.x.shape[0];
// The pretraining images and the 50 new-task images are disjoint.
const source = { x: all.x.slice(0, 0, n - 50), y: all.y.slice(0, 0, n - 50) };
const odd = (y: Tensor): Tensor => y.remainder(2).int(); // the new task's labels: 1 for odd digits
const few = { x: all.x.slice(0, n - 50, n), y: odd(all.y.slice(0, n - 50, n)) };
const oddTest = { x: test.x, y: odd(test.y) };
const ce = (p: Tensor, t: Tensor): Tensor => nn.functional.crossEntropy(p, t);
const makeFeatures = (): nn.Sequential => new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU());

// 1. Pretrain features + a 10-way head on digit recognition (mini-batches, a few epochs).
tg.manualSeed(0);
const features = makeFeatures();
const digitModel = new nn.Sequential(features, new nn.Linear(64, 10));
const opt = new optim.Adam(digitModel.parameters(), { lr: 0.002 });
const loader = new data.DataLoader(new data.TensorDataset(source.x, source.y), { batchSize: 64, shuffle: true, seed: 0 });
for (let epoch = 0; epoch < ctx.size(4, 2); epoch++) {
  for (const [xb, yb] of loader) {
    opt.zeroGrad();
    ce(digitModel.forward(xb), yb).backward();
    opt.step();
  }
}
console.log(
  `pretrained on ${source.x.shape[0]} digits: test accuracy ${(accuracy(predict(digitModel, test.x), test.y) * 100).toFixed(1)} %`,
);

/** 200 full-batch steps on the 50 images, with the accuracy on unseen images every 20 steps. */
function trainWatching(model: nn.Module, o: optim.Optimizer): number[] {
  const curve: number[] = [];
  for (let i = 0; i < 10; i++) {
    trainSteps(model, few.x, few.y, ce, o, 20);
    curve.push(accuracy(predict(model, oddTest.x), oddTest.y));
  }
  return curve;
}

// 2a. From scratch on the 50 images.
tg.manualSeed(1);
const scratch = new nn.Sequential(makeFeatures(), new nn.Linear(64, 2));
const scratchCurve = trainWatching(scratch, new optim.Adam(scratch.parameters(), { lr: 0.002 }));

// 2b. Frozen pretrained features and a new head, trained on the same 50 images.
tg.manualSeed(1);
features.freeze(); // requiresGrad off: no gradients, and optimizers skip these parameters
const transfer = new nn.Sequential(features, new nn.Linear(64, 2));
const before = features.parameters().map((p) => Array.from(p.toFloat32Array()));
const transferCurve = trainWatching(transfer, new optim.Adam(transfer.parameters(), { lr: 0.01 }));
const unchanged = features.parameters().every((p, k) => p.toFloat32Array().every((v, i) => v === before[k][i]));

const [scratchAcc, transferAcc] = [scratchCurve.at(-1)!, transferCurve.at(-1)!];
console.log(`"is it odd?" from 50 labelled images, accuracy on ${oddTest.x.shape[0]} unseen ones:`);
console.log(
  `  from scratch:            ${(scratchAcc * 100).toFixed(1)} %  (${scratch.numParameters({ trainableOnly: true })} trainable parameters)`,
);
console.log(
  `  frozen features + head:  ${(transferAcc * 100).toFixed(1)} %  (${transfer.numParameters({ trainableOnly: true })} trainable parameters)`,
);
console.log(`  frozen layers unchanged: ${unchanged}`);
result("scratch_accuracy", scratchAcc);
result("transfer_accuracy", transferAcc);
result("trainable_parameters", transfer.numParameters({ trainableOnly: true }));
result("frozen_unchanged", unchanged);
const stepsAxis = scratchCurve.map((_, i) => 20 * (i + 1));
savePng(
  ctx,
  "accuracy.png",
  curvesChart(
    [
      ["from scratch", stepsAxis, scratchCurve],
      ["frozen features + new head", stepsAxis, transferCurve],
    ],
    { title: '"Is it odd?" from 50 labelled images', xLabel: "training step", yLabel: "accuracy on unseen images", yRange: [0.4, 1] },
  ),
);
