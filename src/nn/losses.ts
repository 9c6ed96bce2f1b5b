// Loss modules (torch.nn.MSELoss, CrossEntropyLoss, …): each holds its options and calls the
// nn.functional loss of the same maths. Class weights are buffers, as in torch's state dicts.

import type { Tensor } from "../tensor/tensor.js";
import * as L from "./functional/loss.js";
import * as C from "./functional/classification-loss.js";
import type { IndexInput } from "./functional/indices.js";
import { Module } from "./module.js";
import { checkOptions } from "../tensor/options.js";

/** `options` once its keys are checked: a misspelt one ({ labelsmoothing }) would otherwise be dropped silently. */
function checked<T extends object>(op: string, options: T, known: readonly string[]): T {
  checkOptions(op, options, known);
  return options;
}

/** Base of the loss modules: keeps the reduction ("mean" unless stated). */
abstract class Loss extends Module {
  /** How per-element losses are combined: "mean" (the default), "sum" or "none". */
  readonly reduction: L.Reduction;
  constructor(reduction: L.Reduction = "mean") {
    super();
    this.reduction = reduction;
  }
}

/** Mean squared error (torch.nn.MSELoss). @example new nn.MSELoss().forward(pred, y) */
export class MSELoss extends Loss {
  constructor(options: L.ReductionOptions = {}) {
    const { reduction = "mean" } = checked("MSELoss", options, ["reduction"]);
    super(reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Mean absolute error (torch.nn.L1Loss).
 * @example new nn.L1Loss().forward(tg.tensor([1, 2, 3]), tg.tensor([2, 2, 5]))  // 1
 */
export class L1Loss extends Loss {
  constructor(options: L.ReductionOptions = {}) {
    const { reduction = "mean" } = checked("L1Loss", options, ["reduction"]);
    super(reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, { reduction: this.reduction });
  }
}

/**
 * Huber loss (torch.nn.HuberLoss, default delta 1).
 * @example new nn.HuberLoss({ reduction: "none" }).forward(tg.tensor([0, 0]), tg.tensor([0.5, 3]))  // [0.125, 2.5]
 */
export class HuberLoss extends Loss {
  /** Where the loss turns from quadratic to linear (default 1). */
  readonly delta: number;
  constructor(options: L.ReductionOptions & { delta?: number } = {}) {
    const { reduction = "mean", delta = 1 } = checked("HuberLoss", options, ["reduction", "delta"]);
    super(reduction);
    this.delta = delta;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * Smooth L1 loss (torch.nn.SmoothL1Loss, default beta 1).
 * @example new nn.SmoothL1Loss({ beta: 2, reduction: "none" }).forward(tg.tensor([0, 0]), tg.tensor([0.5, 3]))  // [0.0625, 2]
 */
export class SmoothL1Loss extends Loss {
  /** Where the loss turns from quadratic to linear (default 1). */
  readonly beta: number;
  constructor(options: L.ReductionOptions & { beta?: number } = {}) {
    const { reduction = "mean", beta = 1 } = checked("SmoothL1Loss", options, ["reduction", "beta"]);
    super(reduction);
    this.beta = beta;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/**
 * Gaussian negative log likelihood (torch.nn.GaussianNLLLoss); forward(mean, target, variance).
 * @example new nn.GaussianNLLLoss().forward(tg.tensor([0]), tg.tensor([1]), tg.tensor([1]))  // 0.5: ½(log 1 + 1²/1)
 */
export class GaussianNLLLoss extends Loss {
  /** Whether the constant ½·log(2π) is added. */
  readonly full: boolean;
  /** The variance floor (default 1e-6). */
  readonly eps: number;
  constructor(options: L.GaussianNllOptions = {}) {
    const { reduction = "mean", full = false, eps = 1e-6 } = checked("GaussianNLLLoss", options, ["reduction", "full", "eps"]);
    super(reduction);
    this.full = full;
    this.eps = eps;
  }
  forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return L.gaussianNllLoss(input, target, variance, { reduction: this.reduction, full: this.full, eps: this.eps });
  }
}

/**
 * Binary cross-entropy of probabilities (torch.nn.BCELoss).
 * @example new nn.BCELoss().forward(tg.tensor([0.5, 0.9]), tg.tensor([1, 1]))  // 0.3993: −mean(log p)
 */
export class BCELoss extends Loss {
  /** Per-element rescaling weights (null: none). */
  readonly weight: Tensor | null;
  constructor(options: C.BinaryCrossEntropyOptions = {}) {
    const { reduction = "mean", weight = null } = checked("BCELoss", options, ["reduction", "weight"]);
    super(reduction);
    this.weight = this.registerBuffer("weight", weight);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return C.binaryCrossEntropy(input, target, { reduction: this.reduction, weight: this.weight });
  }
}

/**
 * Binary cross-entropy of logits, numerically stable (torch.nn.BCEWithLogitsLoss).
 * @example new nn.BCEWithLogitsLoss({ posWeight: tg.tensor([2]) }).forward(tg.tensor([0]), tg.tensor([1]))  // 1.3863: 2·log 2
 */
export class BCEWithLogitsLoss extends Loss {
  /** Per-element rescaling weights (null: none). */
  readonly weight: Tensor | null;
  /** Weight of the positive class per output (null: none). */
  readonly posWeight: Tensor | null;
  constructor(options: C.BCEWithLogitsOptions = {}) {
    const {
      reduction = "mean",
      weight = null,
      posWeight = null,
    } = checked("BCEWithLogitsLoss", options, ["reduction", "weight", "posWeight"]);
    super(reduction);
    this.weight = this.registerBuffer("weight", weight);
    this.posWeight = this.registerBuffer("pos_weight", posWeight);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return C.binaryCrossEntropyWithLogits(input, target, { reduction: this.reduction, weight: this.weight, posWeight: this.posWeight });
  }
}

/**
 * Cross-entropy of logits with class-index or probability targets (torch.nn.CrossEntropyLoss).
 * @example new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(logits, labels)
 */
export class CrossEntropyLoss extends Loss {
  /** Per-class weights, shape [C] (null: none). */
  readonly weight: Tensor | null;
  /** A target class index that contributes nothing (default -100). */
  readonly ignoreIndex: number;
  /** The ε of the label smoothing (default 0). */
  readonly labelSmoothing: number;
  constructor(options: C.CrossEntropyOptions = {}) {
    const {
      reduction = "mean",
      weight = null,
      ignoreIndex = -100,
      labelSmoothing = 0,
    } = checked("CrossEntropyLoss", options, ["reduction", "weight", "ignoreIndex", "labelSmoothing"]);
    super(reduction);
    this.weight = this.registerBuffer("weight", weight);
    this.ignoreIndex = ignoreIndex;
    this.labelSmoothing = labelSmoothing;
  }
  forward(input: Tensor, target: IndexInput): Tensor {
    return C.crossEntropy(input, target, {
      reduction: this.reduction,
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * Negative log-likelihood of log-probabilities (torch.nn.NLLLoss).
 * @example new nn.NLLLoss().forward(tg.tensor([[0.25, 0.75]]).log(), tg.tensor([1], { dtype: "int32" }))  // 0.2877: −log 0.75
 */
export class NLLLoss extends Loss {
  /** Per-class weights, shape [C] (null: none). */
  readonly weight: Tensor | null;
  /** A target class index that contributes nothing (default -100). */
  readonly ignoreIndex: number;
  constructor(options: C.NllOptions = {}) {
    const { reduction = "mean", weight = null, ignoreIndex = -100 } = checked("NLLLoss", options, ["reduction", "weight", "ignoreIndex"]);
    super(reduction);
    this.weight = this.registerBuffer("weight", weight);
    this.ignoreIndex = ignoreIndex;
  }
  forward(input: Tensor, target: IndexInput): Tensor {
    return C.nllLoss(input, target, { reduction: this.reduction, weight: this.weight, ignoreIndex: this.ignoreIndex });
  }
}

/**
 * Kullback-Leibler divergence, input as log-probabilities (torch.nn.KLDivLoss; default reduction "mean").
 * @example new nn.KLDivLoss({ reduction: "batchmean" }).forward(tg.tensor([[0.5, 0.5]]).log(), tg.tensor([[1, 0]]))  // 0.6931: log 2
 */
export class KLDivLoss extends Module {
  /** "mean" (over every element), "sum", "none" or "batchmean" (the sum divided by the batch size). */
  readonly reduction: L.Reduction | "batchmean";
  /** Whether the target is given as log-probabilities. */
  readonly logTarget: boolean;
  constructor(options: C.KLDivOptions = {}) {
    const { reduction = "mean", logTarget = false } = checked("KLDivLoss", options, ["reduction", "logTarget"]);
    super();
    this.reduction = reduction;
    this.logTarget = logTarget;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return C.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}
