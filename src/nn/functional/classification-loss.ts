// Classification losses for nn.functional: crossEntropy, nllLoss, binaryCrossEntropy(+WithLogits)
// and klDiv. All are composites; crossEntropy goes through logSoftmax, never log(softmax).

import { DTypeError, ShapeError, ValueError, fmtShape } from "../../errors.js";
import { where } from "../../ops/index.js";
import { isFloat } from "../../tensor/dtype.js";
import { shapesEqual } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { asIndexTensor, checkRange, type IndexInput } from "./indices.js";
import { crossEntropyRowsPrim } from "../../ops/primitives/cross-entropy.js";
import { checkPair, reduce, type Reduction, type ReductionOptions } from "./loss.js";
import { checkOptions } from "../../tensor/options.js";

/** Options of nllLoss and nn.NLLLoss (torch's names and defaults, camelCase). */
export interface NllOptions extends ReductionOptions {
  /** Per-class weights, shape [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing, not even to the mean's denominator (default -100). */
  ignoreIndex?: number;
}

/** Options of crossEntropy and nn.CrossEntropyLoss (torch's names and defaults, camelCase). */
export interface CrossEntropyOptions extends NllOptions {
  /** Mix the target with the uniform distribution: (1 - ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

interface ClassLayout {
  /** The input laid out [N, C, d1, …] (an unbatched [C] input gets N = 1). */
  batched: Tensor;
  unbatched: boolean;
  classes: number;
}

function layout(op: string, input: Tensor): ClassLayout {
  if (!isFloat(input.dtype)) throw new DTypeError(`${op}: input must be a floating-point tensor, got ${input.dtype}`);
  if (input.ndim === 0) throw new ShapeError(`${op}: input must be [C] or [N, C, ...], got a 0-d tensor`);
  const unbatched = input.ndim === 1;
  const batched = unbatched ? input.unsqueeze(0) : input;
  return { batched, unbatched, classes: batched.shape[1] };
}

function checkWeight(op: string, weight: Tensor | null, classes: number): void {
  if (weight !== null && (weight.ndim !== 1 || weight.shape[0] !== classes)) {
    throw new ShapeError(`${op}: weight ${fmtShape(weight.shape)} must have one entry per class (expected [${classes}])`);
  }
}

/** Expected index-target shape for scores [N, C, d1, …]: [N, d1, …]. */
function indexShape(logp: Tensor): number[] {
  return [logp.shape[0], ...logp.shape.slice(2)];
}

interface NllTerms {
  /** The log-probability of each element's target class (class 0's where the target is ignored). */
  picked: Tensor;
  /**
   * The weight each element carries (0 when ignored), whose sum is the mean's denominator as torch;
   * null when every element weighs 1 (no class weights, no target ignored), to skip the mask's ops.
   */
  w: Tensor | null;
  /** Where the target is not ignored (null with `w`). */
  valid: Tensor | null;
}

function classOutOfRange(v: number, classes: number, op: string): string {
  return `${op}: target class ${v} is out of range for ${classes} classes (expected 0 to ${classes - 1})`;
}

/** The terms of the negative log-likelihood of index targets given log-probabilities [N, C, …]. */
function nllTerms(op: string, logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): NllTerms {
  const ignored = checkRange(target, logp.shape[1], classOutOfRange, ignoreIndex, op);
  if (weight === null && !ignored) return { picked: logp.gather(1, target.unsqueeze(1)).squeeze(1), w: null, valid: null };
  const valid = target.ne(ignoreIndex);
  const safe = where(valid, target, 0);
  const picked = logp.gather(1, safe.unsqueeze(1)).squeeze(1);
  const w =
    weight === null
      ? valid
      : weight
          .detach()
          .gather(0, safe.reshape([safe.size]))
          .reshape(safe.shape)
          .mul(valid);
  return { picked, w, valid };
}

/** The reduced loss -w·picked. */
function reduceNll(op: string, { picked, w, valid }: NllTerms, reduction: Reduction, unbatched: boolean): Tensor {
  // Every weight 1: (Σ picked)/(-n) is exactly the weighted form's (Σ -picked·1)/(Σ 1) (negation and
  // ·1 are exact, n is an exact float), in two kernels.
  if (w === null && reduction === "mean") return picked.sum().div(-picked.size);
  return reduceWeighted(op, w === null ? picked.neg() : ignoring(valid, picked.mul(w)).neg(), w, reduction, unbatched);
}

/**
 * `loss` with ignored elements 0 and cut out of the graph, as torch skips them: their gradient is 0
 * even where the mean's 1/Σw is infinite (every target ignored), not 0·∞ = NaN.
 */
function ignoring(valid: Tensor | null, loss: Tensor): Tensor {
  return valid === null ? loss : where(valid, loss, 0);
}

function indexTarget(op: string, target: IndexInput, scores: Tensor, logp: Tensor, unbatched: boolean): Tensor {
  const expected = unbatched ? [] : indexShape(logp);
  const t = asIndexTensor(op, target, "target");
  if (!shapesEqual(t.shape, expected)) {
    throw new ShapeError(
      `${op}: target ${fmtShape(t.shape)} does not fit input ${fmtShape(scores.shape)} (expected class indices of shape ${fmtShape(expected)})`,
    );
  }
  return unbatched ? t.reshape([1]) : t;
}

/** Reduces per-element losses; the mean divides by the summed weights `w` (null: all 1). */
function reduceWeighted(op: string, loss: Tensor, w: Tensor | null, reduction: Reduction, unbatched: boolean): Tensor {
  if (reduction === "mean") return loss.sum().div(w === null ? loss.size : w.sum());
  const out = reduce(op, loss, reduction);
  return unbatched && reduction === "none" ? out.reshape([]) : out;
}

/**
 * Negative log-likelihood of class-index targets given log-probabilities (torch.nn.functional.nll_loss):
 * input [N, C, d1, …] (or [C]) and int32 target [N, d1, …] (or []). The weighted mean divides by
 * the summed weights of the non-ignored targets.
 * @example F.nllLoss(logits.logSoftmax(1), labels)
 */
export function nllLoss(input: Tensor, target: IndexInput, opts: NllOptions = {}): Tensor {
  checkOptions("nllLoss", opts, ["reduction", "weight", "ignoreIndex"]);
  const { reduction = "mean", weight = null, ignoreIndex = -100 } = opts;
  const { batched: logp, unbatched, classes } = layout("nllLoss", input);
  checkWeight("nllLoss", weight, classes);
  const t = indexTarget("nllLoss", target, input, logp, unbatched);
  return reduceNll("nllLoss", nllTerms("nllLoss", logp, t, weight, ignoreIndex), reduction, unbatched);
}

/**
 * Cross-entropy of logits (torch.nn.functional.cross_entropy), through logSoftmax so huge logits
 * stay exact. `target` is either class indices (int32 tensor or number[]) of shape [N, d1, …] for
 * logits [N, C, d1, …], or class probabilities of the logits' own shape.
 * @example F.crossEntropy(logits, [3, 0, 1], { labelSmoothing: 0.1 })
 */
export function crossEntropy(input: Tensor, target: IndexInput, opts?: CrossEntropyOptions): Tensor {
  // Options read one by one (no default object or destructuring): a training loop calls this every step.
  checkOptions("crossEntropy", opts, ["reduction", "weight", "ignoreIndex", "labelSmoothing"]);
  const reduction = opts?.reduction ?? "mean",
    weight = opts?.weight ?? null,
    ignoreIndex = opts?.ignoreIndex ?? -100,
    labelSmoothing = opts?.labelSmoothing ?? 0;
  const op = "crossEntropy";
  if (!isFloat(input.dtype)) throw new DTypeError(`${op}: input must be a floating-point tensor, got ${input.dtype}`);
  if (
    input.ndim === 2 &&
    weight === null &&
    labelSmoothing === 0 &&
    target instanceof Tensor &&
    target.ndim === 1 &&
    target.shape[0] === input.shape[0] &&
    !isFloat(target.dtype)
  ) {
    // The common case, fused: per-row losses and their gradient one kernel each (equal to the
    // logSoftmax → gather path below bit for bit), unless some target is ignored.
    const t = asIndexTensor(op, target, "target");
    if (!checkRange(t, input.shape[1], classOutOfRange, ignoreIndex, op)) {
      const rows = crossEntropyRowsPrim([input, t], undefined);
      return reduction === "mean" ? rows.sum().div(rows.size) : reduce(op, rows, reduction);
    }
  }
  return crossEntropyGeneral(input, target, opts ?? {}, reduction, weight, ignoreIndex, labelSmoothing);
}

function crossEntropyGeneral(
  input: Tensor,
  target: IndexInput,
  opts: CrossEntropyOptions,
  reduction: Reduction,
  weight: Tensor | null,
  ignoreIndex: number,
  labelSmoothing: number,
): Tensor {
  const op = "crossEntropy";
  const { batched, unbatched, classes } = layout(op, input);
  checkWeight(op, weight, classes);
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
    throw new ValueError(`${op}: labelSmoothing must be between 0 and 1, got ${labelSmoothing}`);
  const indices = !(target instanceof Tensor && isFloat(target.dtype));
  if (indices && weight === null && labelSmoothing === 0 && batched.ndim === 2) {
    const t = indexTarget(op, target, input, batched, unbatched);
    const ignored = checkRange(t, classes, classOutOfRange, ignoreIndex, op);
    if (!ignored) {
      const rows = crossEntropyRowsPrim([batched, t], undefined);
      if (reduction === "mean") return rows.sum().div(rows.size);
      const out = reduce(op, rows, reduction);
      return unbatched && reduction === "none" ? out.reshape([]) : out;
    }
  }
  const logp = batched.logSoftmax(1);
  // Per-class weights broadcast along dim 1 of [N, C, d1, …].
  const wView = weight === null ? null : weight.detach().reshape(logp.shape.map((d, i) => (i === 1 ? d : 1)));

  if (target instanceof Tensor && isFloat(target.dtype)) {
    if (!shapesEqual(target.shape, input.shape)) {
      const idx = unbatched ? [] : indexShape(logp);
      if (shapesEqual(target.shape, idx)) {
        throw new DTypeError(`${op}: class-index target must be an int32 tensor (or number[]), got ${target.dtype}; convert with .int()`);
      }
      throw new ShapeError(
        `${op}: target ${fmtShape(target.shape)} does not fit logits ${fmtShape(input.shape)} ` +
          `(expected class indices of shape ${fmtShape(idx)} or probabilities of shape ${fmtShape(input.shape)})`,
      );
    }
    if (opts.ignoreIndex !== undefined && opts.ignoreIndex !== -100) {
      throw new ValueError(`${op}: ignoreIndex is only supported for class-index targets, not probabilities`);
    }
    let p = unbatched ? target.unsqueeze(0) : target;
    if (labelSmoothing > 0) p = p.mul(1 - labelSmoothing).add(labelSmoothing / classes);
    let terms = logp.mul(p);
    if (wView !== null) terms = terms.mul(wView);
    const loss = terms.sum(1).neg();
    // torch divides by the number of samples (N·d1·…), not by the weights, for probability targets.
    const out = reduce(op, loss, reduction);
    return unbatched && reduction === "none" ? out.reshape([]) : out;
  }

  const t = indexTarget(op, target, input, logp, unbatched);
  const terms = nllTerms(op, logp, t, weight, ignoreIndex);
  const nll = reduceNll(op, terms, reduction, unbatched);
  if (labelSmoothing === 0) return nll;
  // Label smoothing with indices (torch): (1-ε)·nll + ε/C·Σ_c -w_c·logp_c, the smooth term zero
  // for ignored targets and, for the mean, divided by the same weight sum as the nll.
  let smooth = (wView === null ? logp : logp.mul(wView)).sum(1).neg();
  smooth = ignoring(terms.valid, smooth);
  smooth = reduceWeighted(op, smooth, terms.w, reduction, unbatched);
  return nll.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing / classes));
}

/** Options of binaryCrossEntropy and nn.BCELoss. */
export interface BinaryCrossEntropyOptions extends ReductionOptions {
  /** Rescales each element's loss; broadcast against the input. */
  weight?: Tensor | null;
}

function checkUnitInterval(op: string, what: string, t: Tensor, hint: string): void {
  // Checked in host memory only (a device tensor cannot be read synchronously).
  const data = t._hostDataOrNull() ?? [];
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0 && v <= 1)) throw new ValueError(`${op}: ${what} value ${v} at element ${i} is outside [0, 1]${hint}`);
  }
}

/** log(x) clamped below at -100 like torch, with a zero (not NaN) gradient where x = 0. */
function clampedLog(x: Tensor): Tensor {
  const positive = x.gt(0);
  const l = where(positive, x, 1).log();
  return where(positive.mul(l.ge(-100)), l, -100);
}

/**
 * Binary cross-entropy of probabilities (torch.nn.functional.binary_cross_entropy):
 * -(t·log p + (1-t)·log(1-p)) with each log clamped at -100, as torch. Probabilities outside
 * [0, 1] are a ValueError. At exactly p = 0 or 1 the gradient is 0 (torch gives ±1e12-scaled
 * values there); prefer binaryCrossEntropyWithLogits, which never saturates.
 * @example F.binaryCrossEntropy(logits.sigmoid(), y)
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BinaryCrossEntropyOptions = {}): Tensor {
  checkOptions("binaryCrossEntropy", opts, ["reduction", "weight"]);
  const { reduction = "mean", weight = null } = opts;
  const op = "binaryCrossEntropy";
  checkPair(op, input, target);
  checkUnitInterval(op, "input", input, " (expected probabilities; apply sigmoid first or use binaryCrossEntropyWithLogits)");
  checkUnitInterval(op, "target", target, " (expected probabilities)");
  // No gradient at exactly 0 or 1 (where torch's (p - t)/max(p(1-p), 1e-12) is 0 or ±1e12-scaled),
  // also from the unclamped term: d/dp -log(1-p) is 1 at p = 0, where torch's is 0 for t = 0.
  const edge = input.eq(0).logicalOr(input.eq(1));
  input = where(edge, input.detach(), input);
  let loss = target
    .mul(clampedLog(input))
    .add(
      target
        .neg()
        .add(1)
        .mul(clampedLog(input.neg().add(1))),
    )
    .neg();
  if (weight !== null) loss = loss.mul(weight);
  return reduce(op, loss, reduction);
}

/** Options of binaryCrossEntropyWithLogits and nn.BCEWithLogitsLoss. */
export interface BCEWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of the positive class per output (broadcast along the last dim), e.g. negatives/positives. */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy of logits (torch.nn.functional.binary_cross_entropy_with_logits), in torch's
 * stable form (1-t)·x + (1 + (pw-1)·t)·(log1p(e^{-|x|}) + max(-x, 0)): no exp can overflow.
 * @example F.binaryCrossEntropyWithLogits(logits, y, { posWeight: tg.tensor([3]) })
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  checkOptions("binaryCrossEntropyWithLogits", opts, ["reduction", "weight", "posWeight"]);
  const { reduction = "mean", weight = null, posWeight = null } = opts;
  const op = "binaryCrossEntropyWithLogits";
  checkPair(op, input, target);
  const softplusNeg = input.abs().neg().exp().log1p().add(input.neg().maximum(0)); // log(1 + e^{-x})
  const logWeight = posWeight === null ? null : posWeight.sub(1).mul(target).add(1);
  let loss = target
    .neg()
    .add(1)
    .mul(input)
    .add(logWeight === null ? softplusNeg : softplusNeg.mul(logWeight));
  if (weight !== null) loss = loss.mul(weight);
  return reduce(op, loss, reduction);
}

/** Options of klDiv and nn.KLDivLoss. */
export interface KLDivOptions {
  /** Default "mean" (over every element, as torch); "batchmean" divides the sum by the batch size. */
  reduction?: Reduction | "batchmean";
  /** The target is given as log-probabilities (default false). */
  logTarget?: boolean;
}

/**
 * Kullback-Leibler divergence with `input` as log-probabilities (torch.nn.functional.kl_div):
 * pointwise t·(log t - input), taken as 0 where t = 0; with logTarget, e^t·(t - input).
 * @example F.klDiv(q.logSoftmax(1), p, { reduction: "batchmean" })
 */
export function klDiv(input: Tensor, target: Tensor, opts: KLDivOptions = {}): Tensor {
  checkOptions("klDiv", opts, ["reduction", "logTarget"]);
  const { reduction = "mean", logTarget = false } = opts;
  checkPair("klDiv", input, target);
  let loss: Tensor;
  if (logTarget) loss = target.exp().mul(target.sub(input));
  else {
    const positive = target.gt(0);
    const xlogx = where(positive, target.mul(where(positive, target, 1).log()), 0);
    loss = xlogx.sub(target.mul(input));
  }
  if (reduction === "batchmean") return input.ndim === 0 ? loss.sum() : loss.sum().div(input.shape[0]);
  return reduce("klDiv", loss, reduction);
}
