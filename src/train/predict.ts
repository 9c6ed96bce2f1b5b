// predict(model, x, { batchSize }): the model's outputs for every sample, batch by batch, in eval
// mode under noGrad (Keras's model.predict).

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { noGrad } from "../autograd/grad-mode.js";
import type { Module } from "../nn/module.js";
import { cat } from "../ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { checkOptions } from "../tensor/options.js";

/** Options of predict. */
export interface PredictOptions {
  /** Samples per forward pass (default 32). */
  batchSize?: number;
}

/**
 * The outputs of `model` for the samples in `x` (first dimension), computed `batchSize` at a time
 * in eval mode without recording gradients and joined along dim 0. The model's train/eval mode is
 * restored afterwards. Synchronous.
 * @example const logits = train.predict(model, xTest, { batchSize: 256 }); logits.argmax(1)
 */
export function predict(model: Module, x: Tensor, opts: PredictOptions = {}): Tensor {
  checkOptions("predict", opts, ["batchSize"]);
  const { batchSize = 32 } = opts;
  if (!(x instanceof Tensor)) throw new ValueError("predict: x must be a Tensor");
  if (x.ndim === 0) throw new ShapeError(`predict: x needs a first (sample) dimension, got shape ${fmtShape(x.shape)}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ValueError(`predict: batchSize must be a positive integer, got ${batchSize}`);
  const modes = model.modules().map((m) => m.training);
  try {
    model.eval();
    return noGrad(() => {
      const n = x.shape[0];
      if (n <= batchSize) return model.forward(x) as Tensor;
      const parts: Tensor[] = [];
      for (let start = 0; start < n; start += batchSize) parts.push(model.forward(x.slice(0, start, Math.min(n, start + batchSize))));
      return cat(parts, 0);
    });
  } finally {
    model.modules().forEach((m, i) => (m.training = modes[i]));
  }
}
