// Margin, embedding and count losses (torch.nn.functional.margin_ranking_loss, cosine_embedding_loss,
// triplet_margin_loss, hinge_embedding_loss, poisson_nll_loss, soft_margin_loss, multi_margin_loss,
// multilabel_soft_margin_loss), as compositions written the way PyTorch 1.13 computes them.

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { where } from "../../ops/index.js";
import { arange } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";
import { broadcastShapes } from "../../tensor/shape.js";
import { pairwiseDistance } from "./distance.js";
import { asIndexTensor, checkRange, type IndexInput } from "./indices.js";
import { checkPair, reduce, type ReductionOptions } from "./loss.js";
import { logSigmoid } from "../../ops/composite/activations-more.js";

/** Options of the margin losses: the reduction and the margin. */
export interface MarginOptions extends ReductionOptions {
  /** The margin (default 0 for the ranking and cosine losses, 1 for the hinge, triplet and multi-class ones, as torch). */
  margin?: number;
}

/**
 * max(0, −y·(x1 − x2) + margin) (torch.nn.functional.margin_ranking_loss): y = 1 means x1 should
 * rank higher, −1 lower.
 * @example F.marginRankingLoss(tg.tensor([1, 2]), tg.tensor([2, 1]), tg.tensor([1, 1]), { margin: 0.5 })  // 0.75: mean of [1.5, 0]
 */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: MarginOptions = {}): Tensor {
  checkOptions("marginRankingLoss", opts, ["margin", "reduction"]);
  const { margin = 0, reduction = "mean" } = opts;
  checkPair("marginRankingLoss", input1, input2, ["input1", "input2"]);
  checkPair("marginRankingLoss", input1, target, ["input1", "target"]);
  return reduce("marginRankingLoss", target.neg().mul(input1.sub(input2)).add(margin).clamp(0, null), reduction);
}

/**
 * 1 − cos(x1, x2) where y = 1 and max(0, cos(x1, x2) − margin) where y = −1, per row
 * (torch.nn.functional.cosine_embedding_loss; x1, x2 [N, D] or [D], y [N] or []).
 * @example F.cosineEmbeddingLoss(tg.tensor([[1, 0]]), tg.tensor([[0, 1]]), tg.tensor([1]))  // 1: orthogonal, wanted similar
 */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: MarginOptions = {}): Tensor {
  checkOptions("cosineEmbeddingLoss", opts, ["margin", "reduction"]);
  const { margin = 0, reduction = "mean" } = opts;
  checkPair("cosineEmbeddingLoss", input1, input2, ["input1", "input2"]);
  if (input1.ndim !== 1 && input1.ndim !== 2)
    throw new ShapeError(`cosineEmbeddingLoss: expected inputs [N, D] or [D], got ${fmtShape(input1.shape)}`);
  if (target.ndim !== input1.ndim - 1 || (input1.ndim === 2 && target.shape[0] !== input1.shape[0])) {
    throw new ShapeError(`cosineEmbeddingLoss: target ${fmtShape(target.shape)} must have one entry per row of ${fmtShape(input1.shape)}`);
  }
  const dim = input1.ndim - 1;
  // torch's EPSILON (1e-12) inside each squared magnitude.
  const dot = input1.mul(input2).sum(dim);
  const mag1 = input1.mul(input1).sum(dim).add(1e-12);
  const mag2 = input2.mul(input2).sum(dim).add(1e-12);
  const cos = dot.div(mag1.mul(mag2).sqrt());
  const pos = where(target.eq(1), cos.neg().add(1), 0);
  const neg = where(target.eq(-1), cos.sub(margin).clamp(0, null), 0);
  return reduce("cosineEmbeddingLoss", pos.add(neg), reduction);
}

/** Options of {@link tripletMarginLoss}. */
export interface TripletMarginOptions extends MarginOptions {
  /** The norm of the distances (default 2). */
  p?: number;
  /** Added to the difference inside the norm, as torch's pairwise distance (default 1e-6). */
  eps?: number;
  /** Use the positive-negative distance when it is smaller (the distance swap). */
  swap?: boolean;
}

/**
 * max(0, d(a, p) − d(a, n) + margin) with d the pairwise p-norm distance
 * (torch.nn.functional.triplet_margin_loss; margin 1 by default).
 * @example F.tripletMarginLoss(tg.tensor([[0, 0]]), tg.tensor([[1, 0]]), tg.tensor([[1.5, 0]]))  // 0.5: 1 − 1.5 + margin 1
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts: TripletMarginOptions = {}): Tensor {
  checkOptions("tripletMarginLoss", opts, ["margin", "p", "eps", "swap", "reduction"]);
  const { margin = 1, p = 2, eps = 1e-6, swap = false, reduction = "mean" } = opts;
  for (const [name, t] of [
    ["anchor", anchor],
    ["positive", positive],
    ["negative", negative],
  ] as const) {
    if (t.ndim !== anchor.ndim || (t.ndim !== 1 && t.ndim !== 2)) {
      throw new ShapeError(
        `tripletMarginLoss: anchor, positive and negative must all be [N, D] or [D], got ${name} ${fmtShape(t.shape)} with anchor ${fmtShape(anchor.shape)}`,
      );
    }
  }
  const d = (a: Tensor, b: Tensor) => pairwiseDistance(a, b, { p, eps });
  const dPos = d(anchor, positive);
  let dNeg = d(anchor, negative);
  if (swap) dNeg = dNeg.minimum(d(positive, negative));
  return reduce("tripletMarginLoss", dPos.sub(dNeg).add(margin).clamp(0, null), reduction);
}

/**
 * x where y = 1 and max(0, margin − x) where y = −1 (torch.nn.functional.hinge_embedding_loss).
 * @example F.hingeEmbeddingLoss(tg.tensor([0.3, 0.3]), tg.tensor([1, -1]))  // 0.5: mean of [0.3, 1 − 0.3]
 */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, opts: MarginOptions = {}): Tensor {
  checkOptions("hingeEmbeddingLoss", opts, ["margin", "reduction"]);
  const { margin = 1, reduction = "mean" } = opts;
  broadcastShapes("hingeEmbeddingLoss", input.shape, target.shape);
  const marginPart = where(target.ne(1), input.neg().add(margin).clamp(0, null), 0);
  const selfPart = where(target.ne(-1), input, 0);
  return reduce("hingeEmbeddingLoss", marginPart.add(selfPart), reduction);
}

/** Options of {@link poissonNllLoss}. */
export interface PoissonNllOptions extends ReductionOptions {
  /** The input is the log of the rate (default true): loss = exp(input) − target·input. */
  logInput?: boolean;
  /** Add Stirling's approximation of log(target!) for targets > 1 (default false). */
  full?: boolean;
  /** Keeps log(input + eps) finite when logInput is false (default 1e-8). */
  eps?: number;
}

/**
 * Negative log-likelihood of a Poisson target (torch.nn.functional.poisson_nll_loss).
 * @example F.poissonNllLoss(tg.tensor([0]), tg.tensor([2]))  // 1: exp(0) − 2·0
 */
export function poissonNllLoss(input: Tensor, target: Tensor, opts: PoissonNllOptions = {}): Tensor {
  checkOptions("poissonNllLoss", opts, ["logInput", "full", "eps", "reduction"]);
  const { logInput = true, full = false, eps = 1e-8, reduction = "mean" } = opts;
  checkPair("poissonNllLoss", input, target);
  let loss = logInput ? input.exp().sub(target.mul(input)) : input.sub(target.mul(input.add(eps).log()));
  if (full) {
    // target·log(target) − target + ½·log(2π·target), where target > 1 (0 elsewhere).
    const safe = where(target.gt(1), target, 2);
    const stirling = safe
      .mul(safe.log())
      .sub(safe)
      .add(
        safe
          .mul(2 * Math.PI)
          .log()
          .mul(0.5),
      );
    loss = loss.add(where(target.gt(1), stirling, 0));
  }
  return reduce("poissonNllLoss", loss, reduction);
}

/**
 * log(1 + exp(−y·x)) for labels y = ±1 (torch.nn.functional.soft_margin_loss).
 * @example F.softMarginLoss(tg.tensor([0]), tg.tensor([1]))  // 0.6931: log 2
 */
export function softMarginLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  checkOptions("softMarginLoss", opts, ["reduction"]);
  const { reduction = "mean" } = opts;
  checkPair("softMarginLoss", input, target);
  return reduce("softMarginLoss", input.neg().mul(target).exp().log1p(), reduction);
}

/** Options of {@link multiMarginLoss}. */
export interface MultiMarginOptions extends MarginOptions {
  /** 1 (default) or 2: the hinge or its square. */
  p?: 1 | 2;
  /** Per-class weights [C], applied by the target class. */
  weight?: Tensor | null;
}

/**
 * Multi-class hinge loss (torch.nn.functional.multi_margin_loss): per row,
 * Σ_{i≠y} max(0, margin − x[y] + x[i])^p / C, for logits [N, C] (or [C]) and class indices [N].
 * @example F.multiMarginLoss(tg.tensor([[0.1, 0.2, 0.4, 0.8]]), tg.tensor([3], { dtype: "int32" }))  // 0.325: (0.3 + 0.4 + 0.6)/4
 */
export function multiMarginLoss(input: Tensor, target: IndexInput, opts: MultiMarginOptions = {}): Tensor {
  checkOptions("multiMarginLoss", opts, ["p", "margin", "weight", "reduction"]);
  const { p = 1, margin = 1, weight = null, reduction = "mean" } = opts;
  if (p !== 1 && p !== 2) throw new ValueError(`multiMarginLoss: p must be 1 or 2, got ${p}`);
  if (input.ndim !== 1 && input.ndim !== 2)
    throw new ShapeError(`multiMarginLoss: expected input [N, C] or [C], got ${fmtShape(input.shape)}`);
  const x = input.ndim === 1 ? input.unsqueeze(0) : input;
  const [N, C] = x.shape;
  let t = asIndexTensor("multiMarginLoss", target, "target");
  if (t.ndim === 0) t = t.reshape([1]);
  if (t.ndim !== 1 || t.shape[0] !== N)
    throw new ShapeError(`multiMarginLoss: target ${fmtShape(t.shape)} must have one class per row of ${fmtShape(input.shape)}`);
  checkRange(t, C, (v) => `multiMarginLoss: target ${v} is out of bounds for ${C} classes`);
  if (weight !== null && (weight.ndim !== 1 || weight.shape[0] !== C))
    throw new ShapeError(`multiMarginLoss: weight ${fmtShape(weight.shape)} must be [${C}]`);
  const col = t.unsqueeze(1);
  const xy = x.gather(1, col);
  // relu, not clamp: torch's kernel counts a term only where it is > 0, so at exactly 0 it has no gradient.
  let hinge = x.sub(xy).add(margin).relu();
  if (p === 2) hinge = hinge.mul(hinge);
  if (weight !== null) hinge = hinge.mul(weight.gather(0, t).unsqueeze(1));
  // The target's own term (margin, or margin² — always positive) is left out.
  const notTarget = arange(C, { dtype: "int32" }).unsqueeze(0).ne(col);
  const loss = hinge.mul(notTarget).sum(1).div(C);
  return reduce("multiMarginLoss", input.ndim === 1 ? loss.squeeze(0) : loss, reduction);
}

/**
 * One-vs-all logistic loss over labels in {0, 1} (torch.nn.functional.multilabel_soft_margin_loss):
 * −(y·log σ(x) + (1 − y)·log σ(−x)), averaged over the classes of each row.
 * @example F.multilabelSoftMarginLoss(tg.tensor([[0, 0]]), tg.tensor([[1, 0]]))  // 0.6931
 */
export function multilabelSoftMarginLoss(input: Tensor, target: Tensor, opts: ReductionOptions & { weight?: Tensor | null } = {}): Tensor {
  checkOptions("multilabelSoftMarginLoss", opts, ["weight", "reduction"]);
  const { weight = null, reduction = "mean" } = opts;
  checkPair("multilabelSoftMarginLoss", input, target);
  if (input.ndim < 1) throw new ShapeError("multilabelSoftMarginLoss: expected input [N, C] or [C], got a 0-d tensor");
  let loss = target
    .mul(logSigmoid(input))
    .add(target.neg().add(1).mul(logSigmoid(input.neg())))
    .neg();
  if (weight !== null) loss = loss.mul(weight);
  const classDim = input.ndim - 1;
  loss = loss.sum(classDim).div(input.shape[classDim]);
  return reduce("multilabelSoftMarginLoss", loss, reduction);
}
