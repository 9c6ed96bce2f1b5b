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
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { checkOptions } from "../tensor/options.js";
import { noGrad } from "../autograd/grad-mode.js";

/** A loss: (prediction, target) → a one-element tensor. */
export type LossFn = (pred: Tensor, target: Tensor) => Tensor;

/** The Keras loss names fit and evaluate accept. */
export type LossName =
  | "mse"
  | "mean_squared_error"
  | "mae"
  | "mean_absolute_error"
  | "huber"
  | "huber_loss"
  | "binary_crossentropy"
  | "binary_crossentropy_with_logits"
  | "categorical_crossentropy"
  | "sparse_categorical_crossentropy";

/** A cross-entropy by name with Keras's `from_logits`: `{ name: "sparse_categorical_crossentropy", fromLogits: true }`. */
export interface LossConfig {
  /** The Keras name of the loss ("mse", "binary_crossentropy", …). */
  name: LossName;
  /** The model outputs logits rather than probabilities (Keras's from_logits). Default false. */
  fromLogits?: boolean;
  /**
   * Per-class weights [C] for the cross-entropies ("categorical_crossentropy",
   * "sparse_categorical_crossentropy"), as torch's CrossEntropyLoss `weight`: with class indices
   * the loss is the weighted mean Σ w[yᵢ]·lᵢ / Σ w[yᵢ]; with one-hot or probability targets each
   * class's term is scaled by its weight and the mean is over the batch. (Keras's class_weight
   * divides by the batch size in both cases.) Applies to the validation loss too.
   */
  classWeight?: readonly number[] | Tensor;
}

/** A loss by Keras name, a name with options, a function, or a loss module (e.g. `new nn.CrossEntropyLoss()`). */
export type LossSpec = LossName | LossConfig | LossFn | Module;

/** Target [N] against a prediction [N, 1] (or the reverse): Keras pairs them; torch would broadcast to [N, N]. */
function alignTarget(op: string, pred: Tensor, target: Tensor): Tensor {
  let t = target.dtype === "int32" ? target.float() : target;
  if (t.dtype !== pred.dtype) t = t.to(pred.dtype);
  if (pred.shape.length === t.shape.length && pred.shape.every((d, i) => d === t.shape[i])) return t;
  if (t.size === pred.size && t.shape[0] === pred.shape[0]) return t.reshape(pred.shape);
  throw new ShapeError(
    `${op}: prediction ${fmtShape(pred.shape)} and target ${fmtShape(target.shape)} do not match (expected the same shape, or [N] against [N, 1])`,
  );
}

/** Class-index targets for sparse cross-entropy: int32 [N] (float whole numbers and [N, 1] accepted). */
function sparseTarget(pred: Tensor, target: Tensor): Tensor {
  let t = target;
  if (t.ndim === pred.ndim && t.ndim >= 2 && t.shape[1] === 1 && pred.shape[1] !== 1) t = t.reshape([t.shape[0], ...t.shape.slice(2)]);
  if (t.dtype !== "int32") {
    if (t.ndim === pred.ndim) {
      throw new ShapeError(
        `fit: loss "sparse_categorical_crossentropy" expects class indices of shape [N], got ${t.dtype} ${fmtShape(target.shape)} for predictions ${fmtShape(pred.shape)}; use "categorical_crossentropy" for one-hot targets`,
      );
    }
    t = t.int();
  }
  return t;
}

function categoricalTarget(pred: Tensor, target: Tensor): Tensor {
  if (target.dtype === "int32" || target.ndim !== pred.ndim) {
    throw new ShapeError(
      `fit: loss "categorical_crossentropy" expects one-hot (or probability) targets of the predictions' shape ${fmtShape(pred.shape)}, got ${target.dtype} ${fmtShape(target.shape)}; use "sparse_categorical_crossentropy" for class indices`,
    );
  }
  return target.dtype === pred.dtype ? target : target.to(pred.dtype);
}

// Keras clips probabilities to [ε, 1 - ε] before the log (backend.epsilon()).
const EPSILON = 1e-7;

/** log of probabilities renormalised over dim 1 and clipped, as Keras's categorical cross-entropy. */
function logProbabilities(p: Tensor): Tensor {
  return p
    .div(p.sum(1, true))
    .clamp(EPSILON, 1 - EPSILON)
    .log();
}

type CanonicalLoss = Exclude<LossName, keyof typeof ALIASES>;
const ALIASES = { mean_squared_error: "mse", mean_absolute_error: "mae", huber_loss: "huber" } as const;

/** `weight` in the prediction's dtype, or null. */
const castWeight = (w: Tensor | null, p: Tensor): Tensor | null => (w === null || w.dtype === p.dtype ? w : w.to(p.dtype));

const LOSSES: Record<CanonicalLoss, (fromLogits: boolean, weight: Tensor | null) => LossFn> = {
  mse: () => (p, t) => F.mseLoss(p, alignTarget("mse", p, t)),
  mae: () => (p, t) => F.l1Loss(p, alignTarget("mae", p, t)),
  huber: () => (p, t) => F.huberLoss(p, alignTarget("huber", p, t)),
  binary_crossentropy: (logits) =>
    logits
      ? (p, t) => F.binaryCrossEntropyWithLogits(p, alignTarget("binary_crossentropy", p, t))
      : (p, t) => F.binaryCrossEntropy(p, alignTarget("binary_crossentropy", p, t)),
  binary_crossentropy_with_logits: () => (p, t) => F.binaryCrossEntropyWithLogits(p, alignTarget("binary_crossentropy_with_logits", p, t)),
  categorical_crossentropy: (logits, weight) =>
    logits
      ? (p, t) => F.crossEntropy(p, categoricalTarget(p, t), { weight: castWeight(weight, p) })
      : (p, t) => {
          const terms = logProbabilities(p).mul(categoricalTarget(p, t));
          const w = castWeight(weight, p);
          return (w === null ? terms : terms.mul(w)).sum(1).mean().neg();
        },
  sparse_categorical_crossentropy: (logits, weight) =>
    logits
      ? (p, t) => F.crossEntropy(p, sparseTarget(p, t), { weight: castWeight(weight, p) })
      : (p, t) => F.nllLoss(logProbabilities(p), sparseTarget(p, t), { weight: castWeight(weight, p) }),
};

/** A loss config's classWeight as a 1-D float tensor (null when absent), checked. */
function classWeights(who: string, name: CanonicalLoss, given: readonly number[] | Tensor | undefined): Tensor | null {
  if (given === undefined) return null;
  if (!CATEGORICAL.has(name))
    throw new ValueError(`${who}: classWeight applies to "categorical_crossentropy" and "sparse_categorical_crossentropy", not "${name}"`);
  const w = given instanceof Tensor ? given.detach() : Array.isArray(given) ? tensor(given as number[]) : null;
  if (w === null || w.ndim !== 1 || w.size === 0) {
    throw new ShapeError(
      `${who}: classWeight must be a non-empty 1-D array or tensor of per-class weights, got ${w === null ? String(given) : fmtShape(w.shape)}`,
    );
  }
  if (w.dtype === "int32") return w.float();
  return w;
}

/** The loss names fit accepts. */
export const LOSS_NAMES = Object.keys(LOSSES) as CanonicalLoss[];

const CATEGORICAL = new Set(["categorical_crossentropy", "sparse_categorical_crossentropy"]);

/**
 * A loss function for a Keras name, a function, or a loss module. By name, as Keras:
 * "mse", "mae", "huber" (delta 1) — a target [N] pairs with a prediction [N, 1];
 * "binary_crossentropy" — the model outputs probabilities (ends with a Sigmoid), or logits with
 * `{ name: "binary_crossentropy", fromLogits: true }` (the same as "binary_crossentropy_with_logits");
 * "categorical_crossentropy" (one-hot or probability targets [N, C]) and
 * "sparse_categorical_crossentropy" (int32 class indices [N]) — the model outputs probabilities
 * (ends with a Softmax), or logits with `fromLogits: true`, the faster and more stable choice (the
 * softmax then happens inside the loss, through logSoftmax, as torch's cross_entropy).
 * The first batch is checked against the choice: outputs that are not probabilities when
 * probabilities are expected, or rows that already sum to 1 under `fromLogits` (a double softmax),
 * are a ValueError.
 * @example const { fn } = train.resolveLoss({ name: "sparse_categorical_crossentropy", fromLogits: true }); fn(logits, labels);
 */
export function resolveLoss(
  spec: LossSpec,
  who = "fit",
): {
  /** The loss as a function of prediction and target. */
  fn: LossFn;
  /** The canonical Keras name, or a module's class name, or a function's name ("loss" if anonymous). */
  name: string;
  /** Whether the model's outputs are taken as logits. */
  fromLogits: boolean;
} {
  if (typeof spec === "string" || (spec !== null && typeof spec === "object" && !(spec instanceof Module))) {
    const config: LossConfig = typeof spec === "string" ? { name: spec } : spec;
    checkOptions(`${who}: loss`, config, ["name", "fromLogits", "classWeight"]);
    const { name: given, fromLogits = false, classWeight } = config;
    const name = (Object.hasOwn(ALIASES, given) ? ALIASES[given as keyof typeof ALIASES] : given) as CanonicalLoss;
    if (!Object.hasOwn(LOSSES, name)) {
      throw new ValueError(
        `${who}: unknown loss "${String(given)}" (expected one of ${LOSS_NAMES.join(", ")}, a function or a loss module)`,
      );
    }
    if (typeof fromLogits !== "boolean") throw new ValueError(`${who}: fromLogits must be true or false, got ${String(fromLogits)}`);
    const logits = fromLogits || name === "binary_crossentropy_with_logits";
    const inner = LOSSES[name](logits, classWeights(who, name, classWeight));
    let checked = !(CATEGORICAL.has(name) || name === "binary_crossentropy");
    const fn: LossFn = (p, t) => {
      if (!checked) {
        checkOutputs(who, name, logits, p);
        checked = true;
      }
      return inner(p, t);
    };
    return { fn, name, fromLogits: logits };
  }
  if (spec instanceof Module)
    return { fn: (p, t) => spec.forward(p, t), name: spec.constructor.name, fromLogits: spec.constructor.name === "BCEWithLogitsLoss" };
  if (typeof spec === "function") return { fn: spec, name: spec.name || "loss", fromLogits: false };
  throw new ValueError(`${who}: loss must be a name, a function (pred, target) => Tensor or a loss module, got ${String(spec)}`);
}

/**
 * The first batch's outputs against the loss's expectation: probabilities (each in [0, 1], and rows
 * summing to 1 for the categorical losses), or, under fromLogits, rows that do not already sum to 1.
 */
function checkOutputs(who: string, name: string, logits: boolean, p: Tensor): void {
  // Outputs on a device (WebGPU) cannot be read inside the loss, which is synchronous: not checked.
  if (p.size === 0 || !p.storage.backend.host) return;
  // Rows are checked where the class dim is dim 1 of a 2-D output; other layouts by range only.
  const rowsKnown = CATEGORICAL.has(name) && p.ndim === 2 && p.shape[1] > 1;
  const { lo, hi, rowsSumToOne } = noGrad(() => ({
    lo: p.min().item(),
    hi: p.max().item(),
    rowsSumToOne: rowsKnown && p.sum(1).sub(1).abs().max().item() <= 1e-3,
  }));
  const inUnit = lo >= 0 && hi <= 1;
  if (logits && inUnit && rowsSumToOne) {
    throw new ValueError(
      `${who}: loss "${name}" with fromLogits expects logits, but every row of the model's output already sums to 1 ` +
        `(a double softmax, which trains badly): remove the model's final Softmax, or leave fromLogits out to pass probabilities`,
    );
  }
  if (!logits && !(inUnit && (rowsSumToOne || !rowsKnown))) {
    const found = inUnit ? "rows that do not sum to 1" : `values from ${lo} to ${hi}`;
    const end = name === "binary_crossentropy" ? "nn.Sigmoid" : "nn.Softmax(1)";
    throw new ValueError(
      `${who}: loss "${name}" expects probabilities (as Keras), but the model's first outputs have ${found}: ` +
        `end the model with ${end}, or pass loss: { name: "${name}", fromLogits: true } for a model that outputs logits`,
    );
  }
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

/**
 * The default learning rate fit uses for an optimizer name.
 * @example train.defaultLr("adam")  // 0.001
 */
export function defaultLr(name: string): number {
  const entry = OPTIMIZERS[name.toLowerCase()];
  if (!entry) throw new ValueError(`unknown optimizer "${name}" (expected one of ${OPTIMIZER_NAMES.join(", ")})`);
  return entry.lr;
}

/**
 * An optimizer instance as given, or a new one by name over the model's parameters with its
 * default learning rate (sgd 0.01, adam 1e-3, adamw 1e-3, rmsprop 1e-2, adagrad 1e-2) or `lr`.
 * @example train.resolveOptimizer("sgd", model)  // new optim.SGD(model.parameters(), { lr: 0.01 })
 */
export function resolveOptimizer(spec: OptimizerSpec, model: Module, lr?: number, who = "fit"): Optimizer<any> {
  if (spec instanceof Optimizer) {
    if (lr !== undefined)
      throw new ValueError(`${who}: lr applies only to an optimizer given by name; set it on the optimizer instance instead`);
    return spec;
  }
  if (typeof spec !== "string")
    throw new ValueError(`${who}: optimizer must be a name (${OPTIMIZER_NAMES.join(", ")}) or an optim.Optimizer, got ${String(spec)}`);
  const entry = OPTIMIZERS[spec.toLowerCase()];
  if (!entry)
    throw new ValueError(`${who}: unknown optimizer "${spec}" (expected one of ${OPTIMIZER_NAMES.join(", ")} or an optim.Optimizer)`);
  if (lr !== undefined && !(lr >= 0 && Number.isFinite(lr))) throw new ValueError(`${who}: lr must be a finite number >= 0, got ${lr}`);
  const params = model.parameters();
  if (params.length === 0) throw new ValueError(`${who}: the model has no parameters to optimize`);
  return entry.make(params, lr ?? entry.lr);
}

/** The model's output as one Tensor of predictions; a tuple (array) or anything else is a ValueError naming `who`. */
export function checkPrediction(who: string, out: unknown): Tensor {
  if (out instanceof Tensor) return out;
  const what = Array.isArray(out)
    ? `an array of ${out.length} values (a tuple)`
    : out === null
      ? "null"
      : typeof out === "object"
        ? `a ${(out as object).constructor?.name ?? "object"}`
        : typeof out;
  throw new ValueError(
    `${who}: the model's forward returned ${what}; ${who} needs one Tensor of predictions (wrap the model in a Module whose forward returns the prediction)`,
  );
}

/** Checks the loss came out as one number. */
export function checkLossValue(who: string, loss: unknown): Tensor {
  if (!loss || typeof (loss as Tensor).item !== "function")
    throw new ValueError(`${who}: the loss function must return a Tensor, got ${String(loss)}`);
  const t = loss as Tensor;
  if (t.size !== 1)
    throw new ShapeError(`${who}: the loss must reduce to one number, got shape ${fmtShape(t.shape)} (use reduction "mean" or "sum")`);
  if (t.dtype === "int32") throw new DTypeError(`${who}: the loss must be a floating-point tensor, got int32`);
  return t;
}
