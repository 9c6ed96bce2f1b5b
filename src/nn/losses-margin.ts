// Module forms of the margin, embedding and count losses (torch.nn.MarginRankingLoss, …): each keeps
// its options (class weights as the "weight" buffer, as torch's state dicts have them) and calls the
// nn.functional loss of the same maths.

import type { Tensor } from "../tensor/tensor.js";
import * as M from "./functional/margin-loss.js";
import type { ReductionOptions } from "./functional/loss.js";
import type { IndexInput } from "./functional/indices.js";
import { Module } from "./module.js";
import { checkOptions } from "../tensor/options.js";

abstract class OptionsLoss<O extends object> extends Module {
  /** The options the loss was built with (frozen). */
  readonly options: Readonly<O>;
  constructor(name: string, opts: O, known: string[]) {
    super();
    checkOptions(name, opts, known);
    this.options = Object.freeze({ ...opts });
  }
}

/**
 * torch.nn.MarginRankingLoss: forward(x1, x2, y).
 * @example new nn.MarginRankingLoss({ margin: 0.5 }).forward(tg.tensor([1, 2]), tg.tensor([2, 1]), tg.tensor([1, 1]))  // 0.75
 */
export class MarginRankingLoss extends OptionsLoss<M.MarginOptions> {
  constructor(opts: M.MarginOptions = {}) {
    super("MarginRankingLoss", opts, ["margin", "reduction"]);
  }
  forward(x1: Tensor, x2: Tensor, y: Tensor): Tensor {
    return M.marginRankingLoss(x1, x2, y, this.options);
  }
}

/**
 * torch.nn.CosineEmbeddingLoss: forward(x1, x2, y).
 * @example new nn.CosineEmbeddingLoss().forward(tg.tensor([[1, 0]]), tg.tensor([[0, 1]]), tg.tensor([1]))  // 1
 */
export class CosineEmbeddingLoss extends OptionsLoss<M.MarginOptions> {
  constructor(opts: M.MarginOptions = {}) {
    super("CosineEmbeddingLoss", opts, ["margin", "reduction"]);
  }
  forward(x1: Tensor, x2: Tensor, y: Tensor): Tensor {
    return M.cosineEmbeddingLoss(x1, x2, y, this.options);
  }
}

/**
 * torch.nn.TripletMarginLoss: forward(anchor, positive, negative).
 * @example new nn.TripletMarginLoss().forward(tg.tensor([[0, 0]]), tg.tensor([[1, 0]]), tg.tensor([[1.5, 0]]))  // 0.5
 */
export class TripletMarginLoss extends OptionsLoss<M.TripletMarginOptions> {
  constructor(opts: M.TripletMarginOptions = {}) {
    super("TripletMarginLoss", opts, ["margin", "p", "eps", "swap", "reduction"]);
  }
  forward(a: Tensor, p: Tensor, n: Tensor): Tensor {
    return M.tripletMarginLoss(a, p, n, this.options);
  }
}

/**
 * torch.nn.HingeEmbeddingLoss: forward(x, y).
 * @example new nn.HingeEmbeddingLoss().forward(tg.tensor([0.3, 0.3]), tg.tensor([1, -1]))  // 0.5
 */
export class HingeEmbeddingLoss extends OptionsLoss<M.MarginOptions> {
  constructor(opts: M.MarginOptions = {}) {
    super("HingeEmbeddingLoss", opts, ["margin", "reduction"]);
  }
  forward(x: Tensor, y: Tensor): Tensor {
    return M.hingeEmbeddingLoss(x, y, this.options);
  }
}

/**
 * torch.nn.PoissonNLLLoss: forward(input, target).
 * @example new nn.PoissonNLLLoss().forward(tg.tensor([0]), tg.tensor([2]))  // 1
 */
export class PoissonNLLLoss extends OptionsLoss<M.PoissonNllOptions> {
  constructor(opts: M.PoissonNllOptions = {}) {
    super("PoissonNLLLoss", opts, ["logInput", "full", "eps", "reduction"]);
  }
  forward(x: Tensor, y: Tensor): Tensor {
    return M.poissonNllLoss(x, y, this.options);
  }
}

/**
 * torch.nn.SoftMarginLoss: forward(x, y).
 * @example new nn.SoftMarginLoss().forward(tg.tensor([0]), tg.tensor([1]))  // 0.6931
 */
export class SoftMarginLoss extends OptionsLoss<ReductionOptions> {
  constructor(opts: ReductionOptions = {}) {
    super("SoftMarginLoss", opts, ["reduction"]);
  }
  forward(x: Tensor, y: Tensor): Tensor {
    return M.softMarginLoss(x, y, this.options);
  }
}

/**
 * torch.nn.MultiMarginLoss: forward(logits, classes); weight is a buffer.
 * @example new nn.MultiMarginLoss().forward(tg.tensor([[0.1, 0.2, 0.4, 0.8]]), tg.tensor([3], { dtype: "int32" }))  // 0.325
 */
export class MultiMarginLoss extends OptionsLoss<Omit<M.MultiMarginOptions, "weight">> {
  /** Per-class weights [C] (the "weight" buffer), or null. */
  readonly weight: Tensor | null;
  constructor({ weight = null, ...opts }: M.MultiMarginOptions = {}) {
    super("MultiMarginLoss", opts, ["p", "margin", "reduction"]);
    this.weight = this.registerBuffer("weight", weight);
  }
  forward(x: Tensor, y: IndexInput): Tensor {
    return M.multiMarginLoss(x, y, { ...this.options, weight: this.weight });
  }
}

/**
 * torch.nn.MultiLabelSoftMarginLoss: forward(logits, labels); weight is a buffer.
 * @example new nn.MultiLabelSoftMarginLoss().forward(tg.tensor([[0, 0]]), tg.tensor([[1, 0]]))  // 0.6931
 */
export class MultiLabelSoftMarginLoss extends OptionsLoss<ReductionOptions> {
  /** Per-class weights [C] (the "weight" buffer), or null. */
  readonly weight: Tensor | null;
  constructor({ weight = null, ...opts }: ReductionOptions & { weight?: Tensor | null } = {}) {
    super("MultiLabelSoftMarginLoss", opts, ["reduction"]);
    this.weight = this.registerBuffer("weight", weight);
  }
  forward(x: Tensor, y: Tensor): Tensor {
    return M.multilabelSoftMarginLoss(x, y, { ...this.options, weight: this.weight });
  }
}
