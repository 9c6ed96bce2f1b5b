// evaluate(model, data, { loss, metrics }): the loss and metrics over a whole data set in eval mode
// under noGrad (Keras's model.evaluate); also the validation pass of fit.

import { noGrad } from "../autograd/grad-mode.js";
import type { Module } from "../nn/module.js";
import { Tensor } from "../tensor/tensor.js";
import { checkBatchSize, evaluationBatches, type Batches, type Data } from "./batches.js";
import type { Logs } from "./history.js";
import { resolveMetric, type Metric, type MetricSpec } from "./metrics.js";
import { checkLossValue, checkPrediction, resolveLoss, type LossFn, type LossSpec } from "./resolve.js";
import { ValueError } from "../errors.js";
import { checkOptions } from "../tensor/options.js";
import { platform } from "#platform";
import { onHost, readScalar } from "./device.js";
import { backendReady } from "../backend/current.js";

/** Options of evaluate. */
export interface EvaluateOptions {
  /** The loss, as for fit (a Keras name, a function or a loss module). */
  loss: LossSpec;
  /** Metric names, Metric objects or functions, as for fit. */
  metrics?: readonly MetricSpec[];
  /** Samples per forward pass (default 32; ignored for a DataLoader). */
  batchSize?: number;
}

/** Hands control back to the event loop (Ctrl-C, timers, progress redraws) when `ms` have passed. */
export class Yielder {
  private last = performance.now();
  constructor(private readonly ms = 40) {}
  async maybe(): Promise<void> {
    if (performance.now() - this.last < this.ms) return;
    await platform.yieldToEventLoop();
    this.last = performance.now();
  }
}

/**
 * Runs `model` in eval mode over `batches` (noGrad, one batch at a time so no scope spans an
 * await) and returns the sample-weighted mean loss and each metric; the model's modes are restored.
 */
export async function evaluateBatches(
  model: Module,
  batches: Batches,
  loss: LossFn,
  metrics: readonly Metric[],
  who: string,
): Promise<Logs> {
  const modes = model.modules().map((m) => m.training);
  const yielder = new Yielder();
  let sum = 0;
  let count = 0;
  for (const m of metrics) m.reset();
  try {
    model.eval();
    for (const batch of batches.iterate()) {
      const [x, y] = batch;
      // The forward pass under noGrad, then the awaited reads (a scope never spans an await).
      const [pred, lossTensor] = noGrad(() => {
        const pred = checkPrediction(who, model.forward(x));
        return [pred, checkLossValue(who, loss(pred, y))] as const;
      });
      const value = await readScalar(lossTensor);
      if (metrics.length > 0) {
        const [p, t] = await onHost(pred, y);
        for (const m of metrics) await noGrad(() => m.update(p, t));
      }
      const n = x.shape[0];
      sum += value * n;
      count += n;
      await yielder.maybe();
    }
  } finally {
    model.modules().forEach((m, i) => (m.training = modes[i]));
  }
  const logs: Logs = { loss: count === 0 ? NaN : sum / count };
  for (const m of metrics) logs[m.name] = m.result();
  return logs;
}

/**
 * The loss and metrics of `model` on `data` (Keras's model.evaluate), in eval mode under noGrad;
 * the model's train/eval mode is restored afterwards.
 * @example const { loss, accuracy } = await train.evaluate(model, { x, y }, { loss: { name: "sparse_categorical_crossentropy", fromLogits: true }, metrics: ["accuracy"] });
 */
export async function evaluate(model: Module, data: Data, opts: EvaluateOptions): Promise<Logs> {
  const who = "evaluate";
  if ((opts as unknown) instanceof Tensor)
    throw new ValueError(
      `${who}: the data go together, evaluate(model, { x, y }, options); the third argument is the options, got a Tensor`,
    );
  if (!opts || opts.loss === undefined)
    throw new ValueError(`${who}: options.loss is required (a name such as "mse", a function or a loss module)`);
  checkOptions(who, opts, ["loss", "metrics", "batchSize"]);
  const { batchSize = 32, metrics = [] } = opts;
  checkBatchSize(who, batchSize);
  await backendReady();
  const loss = resolveLoss(opts.loss, who);
  const resolved = metrics.map((m) => resolveMetric(m, { fromLogits: loss.fromLogits }));
  return evaluateBatches(model, evaluationBatches(who, "data", data, batchSize), loss.fn, resolved, who);
}
