// Keras-style names for fit/evaluate: losses ("mse", "sparse_categorical_crossentropy", …) and
// optimizers ("adam", "sgd", …) resolved to nn.functional losses and optim optimizers.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import { Module } from "../nn/module.js";
import * as F from "../nn/functional/index.js";
import { Optimizer } from "../optim/optimizer.js";
import { SGD } from "../optim/sgd.js";
import { Adam, AdamW } from "../optim/adam.js";
import { RMSprop } from "../optim/rmsprop.js";
import { Adagrad } from "../optim/adagrad.js";
import type { Tensor } from "../tensor/tensor.js";

/** A loss: (prediction, target) → a one-element tensor. */
export type LossFn = (pred: Tensor, target: Tensor) => Tensor;

/** A loss by Keras name, function, or loss module instance (e.g. `new nn.CrossEntropyLoss()`). */
export type LossSpec = string | LossFn | Module;

/** Target [N] against a prediction [N, 1] (or the reverse): Keras pairs them; torch would broadcast to [N, N]. */
function alignTarget(op: string, pred: Tensor, target: Tensor): Tensor {
  let t = target.dtype === "int32" ? target.float() : target;
  if (t.dtype !== pred.dtype) t = t.to(pred.dtype);
  if (pred.shape.length === t.shape.length && pred.shape.every((d, i) => d === t.shape[i])) return t;
  if (t.size === pred.size && t.shape[0] === pred.shape[0]) return t.reshape(pred.shape);
  throw new ShapeError(`${op}: prediction ${fmtShape(pred.shape)} and target ${fmtShape(target.shape)} do not match (expected the same shape, or [N] against [N, 1])`);
}

/** Class-index targets for sparse cross-entropy: int32 [N] (float whole numbers and [N, 1] accepted). */
function sparseTarget(pred: Tensor, target: Tensor): Tensor {
  let t = target;
  if (t.ndim === pred.ndim && t.ndim >= 2 && t.shape[1] === 1 && pred.shape[1] !== 1) t = t.reshape([t.shape[0], ...t.shape.slice(2)]);
  if (t.dtype !== "int32") {
    if (t.ndim === pred.ndim) {
      throw new ShapeError(`fit: loss "sparse_categorical_crossentropy" expects class indices of shape [N], got ${t.dtype} ${fmtShape(target.shape)} for logits ${fmtShape(pred.shape)}; use "categorical_crossentropy" for one-hot targets`);
    }
    t = t.int();
  }
  return t;
}

function categoricalTarget(pred: Tensor, target: Tensor): Tensor {
  if (target.dtype === "int32" || target.ndim !== pred.ndim) {
    throw new ShapeError(`fit: loss "categorical_crossentropy" expects one-hot (or probability) targets of the logits' shape ${fmtShape(pred.shape)}, got ${target.dtype} ${fmtShape(target.shape)}; use "sparse_categorical_crossentropy" for class indices`);
  }
  return target.dtype === pred.dtype ? target : target.to(pred.dtype);
}

const LOSSES: Record<string, LossFn> = {
  mse: (p, t) => F.mseLoss(p, alignTarget("mse", p, t)),
  mae: (p, t) => F.l1Loss(p, alignTarget("mae", p, t)),
  huber: (p, t) => F.huberLoss(p, alignTarget("huber", p, t)),
  binary_crossentropy: (p, t) => F.binaryCrossEntropy(p, alignTarget("binary_crossentropy", p, t)),
  binary_crossentropy_with_logits: (p, t) => F.binaryCrossEntropyWithLogits(p, alignTarget("binary_crossentropy_with_logits", p, t)),
  categorical_crossentropy: (p, t) => F.crossEntropy(p, categoricalTarget(p, t)),
  sparse_categorical_crossentropy: (p, t) => F.crossEntropy(p, sparseTarget(p, t)),
};
const ALIASES: Record<string, string> = {
  mean_squared_error: "mse",
  mean_absolute_error: "mae",
  huber_loss: "huber",
};

/** The loss names fit accepts. */
export const LOSS_NAMES = Object.keys(LOSSES);

/**
 * A loss function for a Keras name, a function, or a loss module. By name:
 * "mse", "mae", "huber" (delta 1) — a target [N] pairs with a prediction [N, 1];
 * "binary_crossentropy" — the model outputs probabilities (end it with a Sigmoid);
 * "binary_crossentropy_with_logits" — the model outputs logits;
 * "categorical_crossentropy" (one-hot or probability targets [N, C]) and
 * "sparse_categorical_crossentropy" (int32 class indices [N]) — the model outputs logits (no
 * Softmax layer): the softmax is applied inside the loss, through logSoftmax, as torch's cross_entropy.
 */
export function resolveLoss(spec: LossSpec, who = "fit"): { fn: LossFn; name: string; fromLogits: boolean } {
  if (typeof spec === "string") {
    const name = ALIASES[spec] ?? spec;
    const fn = LOSSES[name];
    if (!fn) throw new ValueError(`${who}: unknown loss "${spec}" (expected one of ${LOSS_NAMES.join(", ")}, a function or a loss module)`);
    return { fn, name, fromLogits: name === "binary_crossentropy_with_logits" };
  }
  if (spec instanceof Module) return { fn: (p, t) => spec.forward(p, t), name: spec.constructor.name, fromLogits: spec.constructor.name === "BCEWithLogitsLoss" };
  if (typeof spec === "function") return { fn: spec, name: spec.name || "loss", fromLogits: false };
  throw new ValueError(`${who}: loss must be a name, a function (pred, target) => Tensor or a loss module, got ${String(spec)}`);
}

/** An optimizer by name or instance. */
export type OptimizerSpec = string | Optimizer<any>;

const OPTIMIZERS: Record<string, { make: (params: Tensor[], lr: number) => Optimizer<any>; lr: number }> = {
  // torch requires an lr for SGD; 0.01 is Keras's default. The others use torch's defaults.
  sgd: { make: (p, lr) => new SGD(p, { lr }), lr: 0.01 },
  adam: { make: (p, lr) => new Adam(p, { lr }), lr: 1e-3 },
  adamw: { make: (p, lr) => new AdamW(p, { lr }), lr: 1e-3 },
  rmsprop: { make: (p, lr) => new RMSprop(p, { lr }), lr: 1e-2 },
  adagrad: { make: (p, lr) => new Adagrad(p, { lr }), lr: 1e-2 },
};

/** The optimizer names fit accepts. */
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS);

/** The default learning rate fit uses for an optimizer name. */
export function defaultLr(name: string): number {
  const entry = OPTIMIZERS[name.toLowerCase()];
  if (!entry) throw new ValueError(`unknown optimizer "${name}" (expected one of ${OPTIMIZER_NAMES.join(", ")})`);
  return entry.lr;
}

/**
 * An optimizer instance as given, or a new one by name over the model's parameters with its
 * default learning rate (sgd 0.01, adam 1e-3, adamw 1e-3, rmsprop 1e-2, adagrad 1e-2) or `lr`.
 */
export function resolveOptimizer(spec: OptimizerSpec, model: Module, lr?: number, who = "fit"): Optimizer<any> {
  if (spec instanceof Optimizer) {
    if (lr !== undefined) throw new ValueError(`${who}: lr applies only to an optimizer given by name; set it on the optimizer instance instead`);
    return spec;
  }
  if (typeof spec !== "string") throw new ValueError(`${who}: optimizer must be a name (${OPTIMIZER_NAMES.join(", ")}) or an optim.Optimizer, got ${String(spec)}`);
  const entry = OPTIMIZERS[spec.toLowerCase()];
  if (!entry) throw new ValueError(`${who}: unknown optimizer "${spec}" (expected one of ${OPTIMIZER_NAMES.join(", ")} or an optim.Optimizer)`);
  if (lr !== undefined && !(lr >= 0 && Number.isFinite(lr))) throw new ValueError(`${who}: lr must be a finite number >= 0, got ${lr}`);
  const params = model.parameters();
  if (params.length === 0) throw new ValueError(`${who}: the model has no parameters to optimize`);
  return entry.make(params, lr ?? entry.lr);
}

/** Checks the loss came out as one number. */
export function checkLossValue(who: string, loss: unknown): Tensor {
  if (!loss || typeof (loss as Tensor).item !== "function") throw new ValueError(`${who}: the loss function must return a Tensor, got ${String(loss)}`);
  const t = loss as Tensor;
  if (t.size !== 1) throw new ShapeError(`${who}: the loss must reduce to one number, got shape ${fmtShape(t.shape)} (use reduction "mean" or "sum")`);
  if (t.dtype === "int32") throw new DTypeError(`${who}: the loss must be a floating-point tensor, got int32`);
  return t;
}
