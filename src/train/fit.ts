// fit(model, data, options): Keras-style training — batches, loss, backward, optimizer step, metrics,
// validation every epoch, callbacks, a NaN guard, and a History of every epoch's figures.

import { ValueError } from "../errors.js";
import { Module } from "../nn/module.js";
import type { Optimizer } from "../optim/optimizer.js";
import { manualSeed } from "../tensor/random.js";
import { checkOptions } from "../tensor/options.js";
import { Tensor } from "../tensor/tensor.js";
import { checkBatchSize, evaluationBatches, trainingBatches, type Data } from "./batches.js";
import { CallbackList, type CallbackHooks, type TrainingContext } from "./callbacks/callback.js";
import { ProgressBar } from "./callbacks/progress-bar.js";
import { evaluateBatches, Yielder } from "./evaluate.js";
import { History, type FitHistory, type Logs } from "./history.js";
import { onHost, readScalar } from "./device.js";
import { backendReady } from "../backend/current.js";
import { resolveMetric, type MetricSpec } from "./metrics.js";
import { checkLossValue, checkPrediction, resolveLoss, resolveOptimizer, type LossSpec, type OptimizerSpec } from "./resolve.js";

/** Options of fit (Keras's names, camelCase). */
export interface FitOptions {
  /**
   * A Keras name ("mse", "sparse_categorical_crossentropy", …; cross-entropies expect probabilities
   * unless given as `{ name, fromLogits: true }`, as Keras; see resolveLoss), a function or a loss module.
   */
  loss: LossSpec;
  /** An optim.Optimizer, or a name ("sgd", "adam", "adamw", "rmsprop", "adagrad") with its default lr. Default "adam". */
  optimizer?: OptimizerSpec;
  /** Learning rate for an optimizer given by name. */
  lr?: number;
  /** Train until this epoch index (exclusive). Default 1. */
  epochs?: number;
  /** Samples per batch for `{ x, y }` data (a DataLoader brings its own). Default 32. */
  batchSize?: number;
  /** Data to evaluate after every epoch (`valLoss`, `valAccuracy`, …). */
  validationData?: Data;
  /** Or: hold out this last fraction of `{ x, y }` (before shuffling) for validation, as Keras. */
  validationSplit?: number;
  /** Metric names ("accuracy", "precision", "recall", "f1", "mae", "mse", "r2"), Metric objects or functions. */
  metrics?: readonly MetricSpec[];
  /** Callbacks (train.EarlyStopping, …, or plain objects with hook methods), run in order. */
  callbacks?: readonly CallbackHooks[];
  /** 0 silent; 1 (default) a ProgressBar (live on a terminal); 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /**
   * Seeds the global generator (manualSeed) when fit starts, so shuffling and dropout repeat run to
   * run. Leave it out when resuming from a checkpoint: loadCheckpoint restores the generator.
   */
  seed?: number;
  /** Reshuffle `{ x, y }` every epoch. Default true. */
  shuffle?: boolean;
  /** The epoch index to start from (resuming: the checkpoint's epoch + 1). Default 0. */
  initialEpoch?: number;
  /** A History to append to (e.g. restored with History.fromJSON from a checkpoint). */
  history?: History;
}

const NAN_HINT =
  "the learning rate may be too high, the inputs may hold NaN or Inf, or the loss may take the log of 0; " +
  "add train.TerminateOnNaN() to stop cleanly instead";

/**
 * Trains `model` (Keras's model.fit). Each epoch: train mode, reshuffle (`{ x, y }` with `shuffle`),
 * for every batch zeroGrad → forward → loss → backward → step, then validation in eval mode under
 * noGrad. Returns a History: `history.loss`, `history.accuracy`, `history.valLoss`, … one entry per
 * epoch (plus `lr`). Epoch logs and History keys are camelCase (`valLoss`). Async: it hands control
 * to the event loop every few dozen milliseconds so Ctrl-C handlers and progress redraws run.
 *
 * A NaN or infinite loss throws ValueError `fit: loss is NaN at epoch 3, batch 17 …` (1-based;
 * the update of that batch is skipped), unless a TerminateOnNaN callback stops training cleanly.
 * A callback may stop training (`stopTraining`); an epoch cut short is recorded in the History
 * without validation and does not reach onEpochEnd. The model's train/eval mode is restored at the end.
 * @example
 * const history = await train.fit(model, { x, y }, {
 *   loss: { name: "sparse_categorical_crossentropy", fromLogits: true }, optimizer: "adam", epochs: 5, batchSize: 64,
 *   validationSplit: 0.1, metrics: ["accuracy"], seed: 0,
 * });
 * console.log(history.valAccuracy);
 */
export async function fit(model: Module, trainData: Data, options: FitOptions): Promise<FitHistory> {
  const who = "fit";
  if (!(model instanceof Module)) throw new ValueError(`${who}: expected an nn.Module as the model`);
  // Keras's fit(x, y, …) order: a tensor where the options go is the targets, given apart.
  if ((options as unknown) instanceof Tensor)
    throw new ValueError(`${who}: the data go together, fit(model, { x, y }, options); the third argument is the options, got a Tensor`);
  if (!options || options.loss === undefined)
    throw new ValueError(`${who}: options.loss is required (a name such as "mse", a function or a loss module)`);
  // A misspelt key ({ epoch: 20 }) would otherwise train with the default silently.
  checkOptions(who, options, [
    "loss",
    "optimizer",
    "lr",
    "epochs",
    "batchSize",
    "validationData",
    "validationSplit",
    "metrics",
    "callbacks",
    "verbose",
    "seed",
    "shuffle",
    "initialEpoch",
    "history",
  ]);
  const { epochs = 1, batchSize = 32, shuffle = true, initialEpoch = 0, verbose = 1, metrics: metricSpecs = [], callbacks = [] } = options;
  checkBatchSize(who, batchSize);
  if (!Number.isInteger(epochs) || epochs < 0) throw new ValueError(`${who}: epochs must be an integer >= 0, got ${epochs}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0)
    throw new ValueError(`${who}: initialEpoch must be an integer >= 0, got ${initialEpoch}`);
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new ValueError(`${who}: verbose must be 0, 1 or 2, got ${verbose}`);
  if (options.validationData !== undefined && options.validationSplit)
    throw new ValueError(`${who}: give validationData or validationSplit, not both`);

  await backendReady();
  const loss = resolveLoss(options.loss, who);
  const optimizer: Optimizer<any> = resolveOptimizer(options.optimizer ?? "adam", model, options.lr, who);
  const trainMetrics = metricSpecs.map((m) => resolveMetric(m, { fromLogits: loss.fromLogits }));
  const split = trainingBatches(who, trainData, { batchSize, shuffle, validationSplit: options.validationSplit });
  const train = split.train;
  const validation =
    options.validationData !== undefined ? evaluationBatches(who, "validationData", options.validationData, batchSize) : split.validation;
  if (options.seed !== undefined) manualSeed(options.seed);

  const history = options.history ?? new History();
  const ctx: TrainingContext = {
    model,
    optimizer,
    epochs,
    initialEpoch,
    history,
    stepsPerEpoch: train.steps,
    samples: train.samples,
    metrics: trainMetrics.map((m) => m.name),
    hasValidation: validation !== null,
    stopTraining: false,
    stopReason: null,
  };
  const all = [...callbacks];
  if (verbose !== 0 && !all.some((cb) => cb instanceof ProgressBar)) all.push(new ProgressBar(verbose === 2 ? { tty: false } : {}));
  const cbs = new CallbackList(all, ctx);
  const batchHooks = cbs.has("onBatchBegin") || cbs.has("onBatchEnd");
  const modes = model.modules().map((m) => m.training);
  const yielder = new Yielder();
  let lastLogs: Logs = {};

  try {
    await cbs.run("onTrainBegin", {});
    for (let epoch = initialEpoch; epoch < epochs && !ctx.stopTraining; epoch++) {
      model.train();
      for (const m of trainMetrics) m.reset();
      const lr = optimizer.lr;
      await cbs.run("onEpochBegin", epoch, {});
      let sum = 0,
        count = 0,
        batch = 0;
      for (const [x, y] of train.iterate()) {
        const size = x.shape[0];
        if (batchHooks) await cbs.run("onBatchBegin", batch, { epoch, size });
        optimizer.zeroGrad();
        const pred = checkPrediction(who, model.forward(x));
        const lossTensor = checkLossValue(who, loss.fn(pred, y));
        const value = await readScalar(lossTensor);
        // A non-finite loss would poison every weight through the step: skip the update.
        if (Number.isFinite(value)) {
          lossTensor.backward();
          optimizer.step();
        }
        sum += value * size;
        count += size;
        if (trainMetrics.length > 0) {
          const [p, t] = await onHost(pred.detach(), y);
          for (const m of trainMetrics) await m.update(p, t);
        }
        if (batchHooks) {
          const logs: Logs = { epoch, size, batchLoss: value, loss: sum / count };
          for (const m of trainMetrics) logs[m.name] = m.result();
          await cbs.run("onBatchEnd", batch, logs);
        }
        if (!Number.isFinite(value) && !ctx.stopTraining) {
          throw new ValueError(`${who}: loss is ${value} at epoch ${epoch + 1}, batch ${batch + 1} (of ${train.steps}) (${NAN_HINT})`);
        }
        batch++;
        if (ctx.stopTraining) break;
        await yielder.maybe();
      }

      // Read the training figures before validation reuses (and resets) the same accumulators.
      const logs: Logs = { loss: count === 0 ? NaN : sum / count };
      for (const m of trainMetrics) logs[m.name] = m.result();
      const complete = batch === train.steps;
      if (complete && validation) {
        const val = await evaluateBatches(model, validation, loss.fn, trainMetrics, who);
        for (const [k, v] of Object.entries(val)) logs[`val${k.charAt(0).toUpperCase()}${k.slice(1)}`] = v;
      }
      logs.lr = lr;
      history.record(epoch, logs);
      lastLogs = logs;
      if (complete) await cbs.run("onEpochEnd", epoch, logs);
    }
    history.stopReason = ctx.stopReason ?? (ctx.stopTraining ? "stopped by a callback" : null);
    await cbs.run("onTrainEnd", lastLogs);
  } finally {
    model.modules().forEach((m, i) => (m.training = modes[i]));
    for (const cb of all) if (cb instanceof ProgressBar) cb.close();
  }
  return history as FitHistory;
}
