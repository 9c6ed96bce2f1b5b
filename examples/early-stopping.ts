// Validation, early stopping, checkpoints and exact resume — the Keras-style `train.fit` way.
// 1. A big net on few noisy points starts to overfit: its validation loss turns up while the
//    training loss keeps falling. EarlyStopping watches valLoss, stops after `patience` epochs
//    without improvement and puts back the best epoch's weights; ModelCheckpoint saves the best
//    model to disk as it goes.
// 2. A checkpoint holds weights, optimizer state, epoch, history and the random generator's state,
//    so training 2×N epochs in one go and training N, saving, loading into a fresh model and
//    training N more give bit-identical weights — shuffling and dropout included.
// Notice: training stops well before the epoch budget at a validation loss below the last epoch's,
// and the resumed weights equal the uninterrupted ones exactly (max difference 0).
//   npm run example -- early-stopping [outDir] [--quick]

import { join } from "node:path";
import * as tg from "tensorgrad";
import { data, io, nn, optim, train } from "tensorgrad";
import { result, savePng, setup } from "./common.js";

const ctx = setup("early-stopping");
const trainSet = data.synthetic.sine({ n: 40, noise: 0.3, seed: 0 });
const valSet = data.synthetic.sine({ n: 200, noise: 0.3, seed: 1 });
const makeModel = (): nn.Module =>
  new nn.Sequential(
    new nn.Linear(1, 128),
    new nn.ReLU(),
    new nn.Dropout(0.1),
    new nn.Linear(128, 128),
    new nn.ReLU(),
    new nn.Linear(128, 1),
  );

// --- 1. Early stopping with a best-model checkpoint ----------------------------------------------
tg.manualSeed(0);
const model = makeModel();
const budget = ctx.size(400, 250);
const stopper = new train.EarlyStopping({ monitor: "valLoss", patience: 20, restoreBestWeights: true });
const best = join(ctx.outDir, "best.safetensors");
const history = await train.fit(model, trainSet, {
  loss: "mse",
  optimizer: new optim.Adam(model.parameters(), { lr: 0.003 }),
  epochs: budget,
  batchSize: 10,
  validationData: valSet,
  verbose: 0,
  seed: 0,
  callbacks: [stopper, new train.ModelCheckpoint({ path: best, monitor: "valLoss", saveBestOnly: true })],
});
const val = history.valLoss,
  loss = history.loss;
const bestEpoch = val.indexOf(Math.min(...val)) + 1;
const restored = tg.noGrad(() => {
  model.eval();
  return nn.functional.mseLoss(model.forward(valSet.x), valSet.y).item();
});
console.log(`stopped after ${val.length} of ${budget} epochs (${history.stopReason ?? "ran to the end"})`);
console.log(
  `best validation MSE ${Math.min(...val).toFixed(4)} at epoch ${bestEpoch}; last epoch's ${val[val.length - 1].toFixed(4)}; restored model's ${restored.toFixed(4)}`,
);
result("epochs_run", val.length);
result("epoch_budget", budget);
result("best_val", Math.min(...val));
result("last_val", val[val.length - 1]);
result("restored_val", restored);
// The checkpoint on disk holds the best model too: load it into a fresh one and check.
const fromDisk = makeModel();
io.loadCheckpoint(best, { model: fromDisk });
fromDisk.eval();
result(
  "checkpoint_val",
  tg.noGrad(() => nn.functional.mseLoss(fromDisk.forward(valSet.x), valSet.y).item()),
);
savePng(
  ctx,
  "loss.png",
  train.plot.lineChart(
    [
      { label: "training", values: loss },
      { label: "validation", values: val },
    ],
    { title: "Overfitting, caught by early stopping", xLabel: "epoch", yLabel: "MSE" },
  ),
);

// --- 2. Exact resume -----------------------------------------------------------------------------
const n = ctx.size(10, 4);
const fitFor = (m: nn.Module, opt: optim.Optimizer, epochs: number, initialEpoch: number, seed?: number) =>
  train.fit(m, trainSet, { loss: "mse", optimizer: opt, epochs, initialEpoch, batchSize: 8, verbose: 0, seed });

tg.manualSeed(1);
const straight = makeModel();
await fitFor(straight, new optim.Adam(straight.parameters(), { lr: 0.003 }), 2 * n, 0, 7);

tg.manualSeed(1);
const first = makeModel();
const firstOpt = new optim.Adam(first.parameters(), { lr: 0.003 });
await fitFor(first, firstOpt, n, 0, 7);
const ckpt = join(ctx.outDir, "resume.safetensors");
io.saveCheckpoint(ckpt, { model: first, optimizer: firstOpt, epoch: n - 1 });

tg.manualSeed(123); // scramble the generator: loadCheckpoint must put it back
const resumed = makeModel();
const resumedOpt = new optim.Adam(resumed.parameters(), { lr: 0.003 });
const { epoch } = io.loadCheckpoint(ckpt, { model: resumed, optimizer: resumedOpt });
await fitFor(resumed, resumedOpt, 2 * n, (epoch ?? 0) + 1); // no seed: the restored generator goes on

let maxDiff = 0;
const a = straight.stateDict(),
  b = resumed.stateDict();
for (const k of Object.keys(a)) {
  const x = a[k].toFloat32Array(),
    y = b[k].toFloat32Array();
  for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
}
console.log(`${2 * n} epochs straight vs ${n} + save/load + ${n}: max weight difference ${maxDiff}`);
result("resume_max_diff", maxDiff);
