// Callbacks: the hook protocol and order, stopTraining, EarlyStopping (patience, minDelta, modes,
// restoring the best weights), ModelCheckpoint (best-only picks the best epoch), CSVLogger's file,
// LRSchedulerCallback (per epoch, plateau with the monitored value) and ProgressBar's plain lines.

import { hostData } from "../../../src/backend/backend.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "tensorgrad";
import { io, nn, optim, train, ValueError } from "tensorgrad";

function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "tg-cb-"));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const xy = () => ({ x: tg.randn([16, 2]), y: tg.randn([16, 1]) });

/** Replaces the logged valLoss with a script, so "best" epochs are known in advance. */
function scriptValLoss(values: number[]): train.CallbackHooks {
  return { onEpochEnd: (epoch, logs) => void (logs.valLoss = values[epoch]) };
}

test("hooks run in order with epoch and batch logs; a plain object is a callback", async () => {
  tg.manualSeed(0);
  const events: string[] = [];
  let batchLogs: train.Logs = {};
  await train.fit(new nn.Linear(2, 1), xy(), {
    loss: "mse",
    epochs: 2,
    batchSize: 8,
    verbose: 0,
    callbacks: [
      {
        onTrainBegin: () => void events.push("trainBegin"),
        onEpochBegin: (e) => void events.push(`epochBegin ${e}`),
        onBatchBegin: (b) => void events.push(`batchBegin ${b}`),
        onBatchEnd: (b, logs) => {
          events.push(`batchEnd ${b}`);
          batchLogs = logs;
        },
        onEpochEnd: (e, logs) => void events.push(`epochEnd ${e} ${Object.keys(logs).join(",")}`),
        onTrainEnd: () => void events.push("trainEnd"),
      },
    ],
  });
  assert.deepEqual(events, [
    "trainBegin",
    "epochBegin 0",
    "batchBegin 0",
    "batchEnd 0",
    "batchBegin 1",
    "batchEnd 1",
    "epochEnd 0 loss,lr",
    "epochBegin 1",
    "batchBegin 0",
    "batchEnd 0",
    "batchBegin 1",
    "batchEnd 1",
    "epochEnd 1 loss,lr",
    "trainEnd",
  ]);
  assert.deepEqual(Object.keys(batchLogs), ["epoch", "size", "batchLoss", "loss"]);
  assert.equal(batchLogs.epoch, 1);
  assert.equal(batchLogs.size, 8);
});

test("a Callback subclass sees the model and stops training through stopTraining", async () => {
  tg.manualSeed(0);
  const model = new nn.Linear(2, 1);
  class StopAfterThree extends train.Callback {
    batches = 0;
    sawModel = false;
    override onBatchEnd(): void {
      this.sawModel = this.model === model;
      if (++this.batches === 3) this.stopTraining = true;
    }
  }
  const cb = new StopAfterThree();
  const h = await train.fit(model, xy(), { loss: "mse", epochs: 5, batchSize: 4, verbose: 0, callbacks: [cb] });
  assert.equal(cb.batches, 3);
  assert.ok(cb.sawModel);
  assert.deepEqual(h.epoch, [0], "the cut-short epoch is recorded");
  assert.equal(h.stopReason, "stopped by a callback");
  assert.throws(() => new train.EarlyStopping().model, /EarlyStopping: the training context is available only during fit/);
});

/** Drives EarlyStopping by hand: weight = epoch index, so a restore shows which epoch came back. */
function driveEarlyStopping(es: train.EarlyStopping, values: number[], key = "valLoss") {
  const model = new nn.Linear(1, 1, { bias: false });
  const ctx = { model, stopTraining: false, stopReason: null } as unknown as train.TrainingContext;
  es.setContext(ctx);
  es.onTrainBegin!({}, ctx);
  let epoch = 0;
  for (; epoch < values.length && !ctx.stopTraining; epoch++) {
    hostData(model.weight.storage)[model.weight.offset] = epoch;
    es.onEpochEnd!(epoch, { [key]: values[epoch] }, ctx);
  }
  return { ran: epoch, reason: ctx.stopReason, weight: model.weight.item() };
}

test("EarlyStopping: patience, restoring the best weights, minDelta and modes", () => {
  // Best 0.8 at epoch index 1; two epochs without improvement → stop after index 3, restore index 1.
  const r = driveEarlyStopping(new train.EarlyStopping({ patience: 2, restoreBestWeights: true }), [1.0, 0.8, 0.85, 0.9, 0.7]);
  assert.equal(r.ran, 4);
  assert.equal(r.weight, 1);
  assert.equal(r.reason, "EarlyStopping: valLoss did not improve for 2 epochs (best 0.8000 at epoch 2); restored the weights of epoch 2");
  // patience 0 stops at the first epoch that does not improve; without restore the weights stay.
  const p0 = driveEarlyStopping(new train.EarlyStopping(), [1.0, 0.8, 0.85, 0.7]);
  assert.equal(p0.ran, 3);
  assert.equal(p0.weight, 2);
  // minDelta: 0.79 is not better than 0.8 by more than 0.05.
  assert.equal(driveEarlyStopping(new train.EarlyStopping({ minDelta: 0.05 }), [1.0, 0.8, 0.79, 0.5]).ran, 3);
  assert.equal(driveEarlyStopping(new train.EarlyStopping(), [1.0, 0.8, 0.79, 0.5]).ran, 4);
  assert.equal(driveEarlyStopping(new train.EarlyStopping({ minDelta: 0.05 }), [1.0, 0.9, 0.8, 0.7, 0.6]).ran, 5);
  // Accuracy-like figures are maximised in "auto" mode; Keras's val_ spelling is accepted.
  const acc = new train.EarlyStopping({ monitor: "val_accuracy", patience: 1 });
  assert.equal(acc.monitor, "valAccuracy");
  assert.equal(acc.mode, "max");
  assert.equal(driveEarlyStopping(acc, [0.5, 0.6, 0.55, 0.58, 0.9], "valAccuracy").ran, 3);
  assert.throws(
    () => driveEarlyStopping(new train.EarlyStopping(), [1], "loss"),
    (e: Error) =>
      e instanceof ValueError &&
      e.message ===
        'EarlyStopping: monitored value "valLoss" is not in the epoch logs (available: loss); pass validationData or validationSplit to fit, or monitor a training figure',
  );
});

test("EarlyStopping inside fit stops the run and records why", async () => {
  tg.manualSeed(0);
  // mode "max" on a falling loss never improves after the first epoch.
  const h = await train.fit(new nn.Linear(2, 1), xy(), {
    loss: "mse",
    optimizer: "sgd",
    epochs: 10,
    batchSize: 8,
    verbose: 0,
    callbacks: [new train.EarlyStopping({ monitor: "loss", mode: "max" })],
  });
  assert.deepEqual(h.epoch, [0, 1]);
  assert.match(h.stopReason!, /^EarlyStopping: loss did not improve for 1 epoch \(best \d\.\d{4} at epoch 1\)$/);
});

test("ModelCheckpoint with saveBestOnly saves exactly the improving epochs; the file holds the best epoch's weights", () =>
  withTmp(async (dir) => {
    tg.manualSeed(0);
    const model = new nn.Linear(2, 1);
    const weightsAt: number[][] = [];
    const val = [0.5, 0.3, 0.4, 0.2, 0.25];
    await train.fit(model, xy(), {
      loss: "mse",
      optimizer: "sgd",
      epochs: 5,
      batchSize: 8,
      verbose: 0,
      callbacks: [
        scriptValLoss(val),
        { onEpochEnd: () => void weightsAt.push(Array.from(model.weight.toFloat32Array())) },
        new train.ModelCheckpoint({ path: join(dir, "every-{epoch:02d}.safetensors"), saveBestOnly: true }),
        new train.ModelCheckpoint({ path: join(dir, "best.safetensors"), saveBestOnly: true }),
        new train.ModelCheckpoint({ path: join(dir, "last.safetensors"), monitor: "loss" }),
      ],
    });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((e) => existsSync(join(dir, `every-0${e}.safetensors`))),
      [true, true, false, true, false],
    );
    const fresh = new nn.Linear(2, 1);
    const best = io.loadCheckpoint(join(dir, "best.safetensors"), { model: fresh });
    assert.equal(best.epoch, 3);
    assert.deepEqual(Array.from(fresh.weight.toFloat32Array()), weightsAt[3]);
    assert.equal(best.extra.best, 0.2);
    assert.equal(io.loadCheckpoint(join(dir, "last.safetensors"), { model: fresh }).epoch, 4);
    assert.deepEqual(Array.from(fresh.weight.toFloat32Array()), weightsAt[4]);
    assert.equal(train.formatCheckpointPath("c-{epoch}-{epoch:03d}.st", 6), "c-7-007.st");
  }));

test("CSVLogger writes a header and one full-precision row per epoch", () =>
  withTmp(async (dir) => {
    const path = join(dir, "log.csv");
    const csv = new train.CSVLogger(path);
    csv.onTrainBegin!({}, {} as train.TrainingContext);
    csv.onEpochEnd!(0, { loss: 0.5, valLoss: 0.25 }, {} as train.TrainingContext);
    assert.equal(readFileSync(path, "utf8"), "epoch,loss,valLoss\n1,0.5,0.25\n");
    csv.onEpochEnd!(1, { loss: 1 / 3, valLoss: 0.125, accuracy: 0.75 }, {} as train.TrainingContext);
    assert.equal(readFileSync(path, "utf8"), "epoch,loss,valLoss,accuracy\n1,0.5,0.25,\n2,0.3333333333333333,0.125,0.75\n");

    tg.manualSeed(0);
    const fitPath = join(dir, "fit.csv");
    const h = await train.fit(new nn.Linear(2, 1), xy(), {
      loss: "mse",
      epochs: 3,
      batchSize: 8,
      validationSplit: 0.25,
      verbose: 0,
      callbacks: [new train.CSVLogger(fitPath)],
    });
    const lines = readFileSync(fitPath, "utf8").trimEnd().split("\n");
    assert.equal(lines[0], "epoch,loss,valLoss,lr");
    assert.deepEqual(
      lines.slice(1),
      h.epoch.map((e, i) => `${e + 1},${h.loss[i]},${h.valLoss[i]},${h.lr[i]}`),
    );
  }));

test("LRSchedulerCallback steps per epoch, and ReduceLROnPlateau gets the monitored value", async () => {
  tg.manualSeed(0);
  const model = new nn.Linear(2, 1);
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const step = new train.LRSchedulerCallback(new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 }));
  const h = await train.fit(model, xy(), { loss: "mse", optimizer: opt, epochs: 3, batchSize: 8, verbose: 0, callbacks: [step] });
  assert.deepEqual(h.lr, [0.1, 0.05, 0.025]);

  const opt2 = new optim.SGD(model.parameters(), { lr: 0.1 });
  const plateau = new optim.lrScheduler.ReduceLROnPlateau(opt2, { patience: 0, factor: 0.5 });
  const h2 = await train.fit(model, xy(), {
    loss: "mse",
    optimizer: opt2,
    epochs: 3,
    batchSize: 8,
    validationSplit: 0.25,
    verbose: 0,
    callbacks: [scriptValLoss([1, 2, 3]), new train.LRSchedulerCallback(plateau)],
  });
  // valLoss 1 (best), 2 (worse: cut), 3 (worse: cut) → the lr used in each epoch.
  assert.deepEqual(h2.lr, [0.1, 0.1, 0.05]);
  assert.equal(opt2.lr, 0.025);
  assert.equal(plateau.best, 1);
});

test("ProgressBar prints one plain line per epoch when not on a terminal", async () => {
  tg.manualSeed(0);
  const out: string[] = [];
  const stream = { write: (s: string) => void out.push(s), isTTY: false };
  await train.fit(new nn.Linear(2, 1), xy(), {
    loss: "mse",
    epochs: 2,
    batchSize: 8,
    validationSplit: 0.25,
    metrics: ["mae"],
    verbose: 0,
    callbacks: [new train.ProgressBar({ stream })],
  });
  assert.equal(out.length, 2);
  out.forEach((line, i) =>
    assert.match(
      line,
      new RegExp(
        `^Epoch ${i + 1}/2 - \\d+(ms|\\.\\ds) - [\\d,]+ samples/s - loss \\d+\\.\\d{4} - mae \\d+\\.\\d{4} - valLoss \\d+\\.\\d{4} - valMae \\d+\\.\\d{4}\\n$`,
      ),
    ),
  );
});

test("ProgressBar on a terminal redraws a live bar in place, then clears it for the epoch's line", async () => {
  tg.manualSeed(0);
  const out: string[] = [];
  const stream = { write: (s: string) => void out.push(s), isTTY: true };
  await train.fit(new nn.Linear(2, 1), xy(), {
    loss: "mse",
    epochs: 1,
    batchSize: 8,
    verbose: 0,
    callbacks: [new train.ProgressBar({ stream })],
  });
  const text = out.join("");
  // Hidden cursor, the bar at step 0 and at the last step (always drawn), cleared, cursor back, the line.
  assert.ok(text.startsWith("\x1b[?25l\r\x1b[2KEpoch 1/1 ░░░░░░░░░░░░░░░░░░░░░░░░ 0/2  | - | - left"), JSON.stringify(text));
  assert.match(text, /\r\x1b\[2KEpoch 1\/1 █{24} 2\/2 loss \d+\.\d{4} \| [\d,.]+ samples\/s \| 0ms left\r\x1b\[2K\x1b\[\?25hEpoch 1\/1 - /);
  assert.ok(text.endsWith("\n"));
});

test("ModelCheckpoint and CSVLogger refuse a misspelt option instead of ignoring it", () => {
  assert.throws(() => new train.ModelCheckpoint({ path: "best.safetensors", saveBest: true } as never), {
    name: "ValueError",
    message:
      'ModelCheckpoint: unknown option "saveBest" (known options: path, monitor, saveBestOnly, mode, initialValueThreshold, extra, scheduler)',
  });
  assert.throws(() => new train.CSVLogger("log.csv", { delimiter: ";" } as never), {
    name: "ValueError",
    message: 'CSVLogger: unknown option "delimiter" (known options: separator, initialRows)',
  });
});
