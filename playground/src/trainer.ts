// A playground run: the model, optimizer and schedule the settings describe, trained one batch at a
// time so the page can draw and stay responsive between batches. Every number comes from
// tensorgrad's seeded generator, so the same settings give the same run.

import * as tg from "tensorgrad";
import { nn, optim, type Tensor } from "tensorgrad";
import type { Problem } from "./datasets.js";
import type { Settings } from "./settings.js";

/** The elements of `t` as float32 on any backend (WebGPU can only be read asynchronously). */
export async function read(t: Tensor): Promise<Float32Array> {
  const asyncData = (t as unknown as { data?: () => Promise<ArrayLike<number>> }).data;
  if (typeof asyncData === "function") return Float32Array.from(await asyncData.call(t));
  return t.toFloat32Array();
}

function activation(name: Settings["activation"]): nn.Module {
  switch (name) {
    case "relu":
      return new nn.ReLU();
    case "tanh":
      return new nn.Tanh();
    case "sigmoid":
      return new nn.Sigmoid();
    case "gelu":
      return new nn.GELU();
    case "leakyRelu":
      return new nn.LeakyReLU(0.01);
    case "elu":
      return new nn.ELU();
    case "silu":
      return new nn.SiLU();
  }
}

export function buildModel(s: Settings, p: Problem): nn.Sequential {
  const layers: nn.Module[] = [];
  let width = p.inputs;
  if (s.model === "cnn" && p.inputs === 28 * 28) {
    // Two conv-pool blocks as in LeNet: [N, 784] → [N, 1, 28, 28] → [N, 8, 14, 14] → [N, 16, 7, 7].
    layers.push(new nn.Unflatten(1, [1, 28, 28]), new nn.Conv2d(1, 8, 5, { padding: 2 }), activation(s.activation), new nn.MaxPool2d(2));
    layers.push(new nn.Conv2d(8, 16, 5, { padding: 2 }), activation(s.activation), new nn.MaxPool2d(2), new nn.Flatten());
    width = 16 * 7 * 7;
  }
  for (let i = 0; i < s.depth; i++) {
    layers.push(new nn.Linear(width, s.width));
    if (s.norm === "batch") layers.push(new nn.BatchNorm1d(s.width));
    if (s.norm === "layer") layers.push(new nn.LayerNorm(s.width));
    layers.push(activation(s.activation));
    if (s.dropout > 0) layers.push(new nn.Dropout(s.dropout));
    width = s.width;
  }
  layers.push(new nn.Linear(width, p.outputs));
  const model = new nn.Sequential(...layers);
  if (s.init !== "default") {
    for (const m of model.modules()) {
      if (!(m instanceof nn.Linear || m instanceof nn.Conv2d)) continue;
      if (s.init === "he") nn.init.kaimingNormal(m.weight, { nonlinearity: "relu" });
      else if (s.init === "xavier") nn.init.xavierNormal(m.weight);
      else nn.init.normal(m.weight, 0, s.init === "small" ? 0.01 : 1);
      if (m.bias) nn.init.zeros(m.bias);
    }
  }
  return model;
}

function buildOptimizer(s: Settings, params: Tensor[]): optim.Optimizer {
  const { lr, weightDecay } = s;
  switch (s.optimizer) {
    case "sgd":
      return new optim.SGD(params, { lr, weightDecay });
    case "momentum":
      return new optim.SGD(params, { lr, weightDecay, momentum: 0.9 });
    case "nesterov":
      return new optim.SGD(params, { lr, weightDecay, momentum: 0.9, nesterov: true });
    case "adam":
      return new optim.Adam(params, { lr, weightDecay });
    case "adamw":
      return new optim.AdamW(params, { lr, weightDecay });
    case "rmsprop":
      return new optim.RMSprop(params, { lr, weightDecay });
  }
}

function buildSchedule(s: Settings, opt: optim.Optimizer): { step(): void } | null {
  switch (s.schedule) {
    case "constant":
      return null;
    case "step":
      return new optim.lrScheduler.StepLR(opt, { stepSize: Math.max(1, Math.round(s.epochs / 3)), gamma: 0.3 });
    case "cosine":
      return new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: s.epochs, etaMin: s.lr / 100 });
    case "exponential":
      return new optim.lrScheduler.ExponentialLR(opt, { gamma: Math.pow(0.01, 1 / s.epochs) });
  }
}

export interface EpochLog {
  epoch: number;
  lr: number;
  trainLoss: number;
  testLoss: number;
  /** Test accuracy (classification) or null. */
  testAccuracy: number | null;
  trainAccuracy: number | null;
}

export class Trainer {
  readonly model: nn.Sequential;
  readonly optimizer: optim.Optimizer;
  readonly history: EpochLog[] = [];
  #schedule: { step(): void } | null;
  #order: Float32Array = new Float32Array(0);
  #at = 0;
  #epochLoss = 0;
  #epochBatches = 0;

  constructor(
    readonly settings: Settings,
    readonly problem: Problem,
  ) {
    tg.manualSeed(settings.seed);
    this.model = buildModel(settings, problem);
    this.optimizer = buildOptimizer(settings, this.model.parameters());
    this.#schedule = buildSchedule(settings, this.optimizer);
  }

  get epoch(): number {
    return this.history.length;
  }

  /** Epoch progress in [0, 1). */
  get progress(): number {
    const n = this.problem.train.x.shape[0]!;
    return this.#order.length === 0 ? 0 : this.#at / n;
  }

  loss(out: Tensor, y: Tensor): Tensor {
    const s = this.settings,
      p = this.problem;
    if (p.classes === 0) {
      if (s.loss === "l1") return nn.functional.l1Loss(out, y);
      if (s.loss === "huber") return nn.functional.huberLoss(out, y);
      return nn.functional.mseLoss(out, y);
    }
    if (s.loss === "mse") return nn.functional.mseLoss(out.softmax(1), nn.functional.oneHot(y, p.classes).float());
    return nn.functional.crossEntropy(out, y);
  }

  /** Trains on one batch; returns true when it finished an epoch (then the epoch's log is in history). */
  async step(): Promise<boolean> {
    const { x, y } = this.problem.train;
    const n = x.shape[0]!;
    // A fresh order each epoch from the seeded generator (argsort of uniform draws).
    if (this.#at === 0) this.#order = await read(tg.rand([n]).argsort());
    let end = Math.min(n, this.#at + this.settings.batchSize);
    // Batch norm needs two samples in a batch: a last batch of one joins the one before it.
    if (this.settings.norm === "batch" && n - end === 1) end = n;
    const idx = tg.tensor(Int32Array.from(this.#order.subarray(this.#at, end)), { dtype: "int32" });
    this.#at = end;
    this.model.train();
    this.optimizer.zeroGrad();
    let loss = this.loss(this.model.forward(x.indexSelect(0, idx)), y.indexSelect(0, idx));
    if (this.settings.l1 > 0) {
      let penalty: Tensor = tg.tensor(0);
      for (const [name, w] of this.model.namedParameters()) if (name.endsWith("weight")) penalty = penalty.add(w.abs().sum());
      loss = loss.add(penalty.mul(this.settings.l1));
    }
    loss.backward();
    if (this.settings.clip > 0) nn.utils.clipGradNorm(this.model.parameters(), this.settings.clip);
    this.optimizer.step();
    this.#epochLoss += (await read(loss))[0]! * idx.shape[0]!;
    this.#epochBatches += idx.shape[0]!;
    if (end < n) return false;
    this.#at = 0;
    const lr = this.optimizer.paramGroups[0]!.lr;
    this.#schedule?.step();
    const trainLoss = this.#epochLoss / this.#epochBatches;
    this.#epochLoss = 0;
    this.#epochBatches = 0;
    const test = await this.evaluate(this.problem.test.x, this.problem.test.y);
    const train = this.problem.classes ? await this.evaluate(x, y) : null;
    this.history.push({
      epoch: this.history.length + 1,
      lr,
      trainLoss,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      trainAccuracy: train?.accuracy ?? null,
    });
    return true;
  }

  /** Loss and accuracy (classification) on a whole set, in eval mode and without gradients. */
  async evaluate(x: Tensor, y: Tensor): Promise<{ loss: number; accuracy: number | null }> {
    this.model.eval();
    const [loss, correct] = tg.noGrad(() => {
      const out = this.model.forward(x);
      return [this.loss(out, y), this.problem.classes ? out.argmax(1).eq(y).float().mean() : null] as const;
    });
    return { loss: (await read(loss))[0]!, accuracy: correct ? (await read(correct))[0]! : null };
  }

  /** The model's outputs for `x` (class probabilities for classification) in eval mode. */
  async predict(x: Tensor): Promise<Float32Array> {
    this.model.eval();
    const out = tg.noGrad(() => {
      const o = this.model.forward(x);
      return this.problem.classes ? o.softmax(1) : o;
    });
    return read(out);
  }

  /**
   * Every weight (not bias) and its latest gradient, flattened, and the gradient's L2 norm for each
   * layer from input to output (where vanishing or exploding gradients show).
   */
  async weightsAndGrads(): Promise<{ weights: Float32Array; grads: Float32Array; gradNorms: number[] }> {
    const ws: Float32Array[] = [],
      gs: Float32Array[] = [];
    for (const [name, w] of this.model.namedParameters()) {
      // Linear and conv weights; norm layers' scales ("weight" too, but 1-D) are left out.
      if (!name.endsWith("weight") || w.ndim < 2) continue;
      ws.push(await read(w));
      if (w.grad) gs.push(await read(w.grad));
    }
    const gradNorms = gs.map((g) => Math.sqrt(g.reduce((a, v) => a + v * v, 0)));
    const cat = (parts: Float32Array[]) => {
      const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let at = 0;
      for (const p of parts) out.set(p, (at += p.length) - p.length);
      return out;
    };
    return { weights: cat(ws), grads: cat(gs), gradNorms };
  }
}
