// Regression losses for nn.functional (mseLoss, l1Loss, huberLoss, smoothL1Loss, gaussianNllLoss)
// and the reduction and shape checks every loss shares. Each is a composite of primitives.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../../errors.js";
import { where } from "../../ops/index.js";
import { isFloat } from "../../tensor/dtype.js";
import { shapesEqual } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";

/**
 * How a loss combines its per-element values: averaged ("mean"), added ("sum") or returned as they are
 * ("none").
 */
export type Reduction = "mean" | "sum" | "none";

/** The `reduction` option every loss takes. */
export interface ReductionOptions {
  /** "mean" (default) averages the per-element losses, "sum" adds them, "none" returns them. */
  reduction?: Reduction;
}

/** Applies `reduction` to per-element losses. */
export function reduce(op: string, loss: Tensor, reduction: string): Tensor {
  switch (reduction) {
    case "mean":
      return loss.mean();
    case "sum":
      return loss.sum();
    case "none":
      return loss;
    default:
      throw new ValueError(`${op}: reduction must be "mean", "sum" or "none", got "${reduction}"`);
  }
}

/** Prediction and target must be float tensors of the same shape (torch only warns and broadcasts). */
export function checkPair(op: string, input: Tensor, target: Tensor, names = ["input", "target"]): void {
  for (const [name, t] of [
    [names[0], input],
    [names[1], target],
  ] as const) {
    if (!isFloat(t.dtype)) throw new DTypeError(`${op}: ${name} must be a floating-point tensor, got ${t.dtype} (convert with .float())`);
  }
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(`${op}: ${names[0]} ${fmtShape(input.shape)} and ${names[1]} ${fmtShape(target.shape)} must have the same shape`);
  }
}

/** Mean squared error (torch.nn.functional.mse_loss). @example F.mseLoss(pred, y) */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  checkOptions("mseLoss", opts, ["reduction"]);
  const { reduction = "mean" } = opts;
  checkPair("mseLoss", input, target);
  const d = input.sub(target);
  return reduce("mseLoss", d.mul(d), reduction);
}

/**
 * Mean absolute error (torch.nn.functional.l1_loss); the gradient at a zero difference is 0.
 * @example F.l1Loss(tg.tensor([1, 2, 3]), tg.tensor([2, 2, 5]))  // 1
 */
export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  checkOptions("l1Loss", opts, ["reduction"]);
  const { reduction = "mean" } = opts;
  checkPair("l1Loss", input, target);
  return reduce("l1Loss", input.sub(target).abs(), reduction);
}

/**
 * Huber loss (torch.nn.functional.huber_loss): ½d² where |d| < delta, else delta·(|d| - ½delta).
 * @example F.huberLoss(pred, y, { delta: 0.5 })
 */
export function huberLoss(input: Tensor, target: Tensor, opts: ReductionOptions & { delta?: number } = {}): Tensor {
  checkOptions("huberLoss", opts, ["reduction", "delta"]);
  const { reduction = "mean", delta = 1 } = opts;
  checkPair("huberLoss", input, target);
  if (!(delta > 0)) throw new ValueError(`huberLoss: delta must be > 0, got ${delta}`);
  const d = input.sub(target);
  const a = d.abs();
  const loss = where(a.lt(delta), d.mul(d).mul(0.5), a.sub(0.5 * delta).mul(delta));
  return reduce("huberLoss", loss, reduction);
}

/**
 * Smooth L1 loss (torch.nn.functional.smooth_l1_loss): ½d²/beta where |d| < beta, else |d| - ½beta;
 * beta = 0 is plain L1. Equals huberLoss / beta for beta = delta.
 * @example F.smoothL1Loss(tg.tensor([0, 0]), tg.tensor([0.5, 3]), { beta: 2, reduction: "none" })  // [0.0625, 2]
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: ReductionOptions & { beta?: number } = {}): Tensor {
  checkOptions("smoothL1Loss", opts, ["reduction", "beta"]);
  const { reduction = "mean", beta = 1 } = opts;
  checkPair("smoothL1Loss", input, target);
  if (!(beta >= 0)) throw new ValueError(`smoothL1Loss: beta must be >= 0, got ${beta}`);
  const d = input.sub(target);
  const a = d.abs();
  const loss = beta === 0 ? a : where(a.lt(beta), d.mul(d).mul(0.5 / beta), a.sub(0.5 * beta));
  return reduce("smoothL1Loss", loss, reduction);
}

/** Options of gaussianNllLoss and nn.GaussianNLLLoss. */
export interface GaussianNllOptions extends ReductionOptions {
  /** Add the constant ½·log(2π) (default false, as torch). */
  full?: boolean;
  /** Variances are clamped to at least eps for stability (default 1e-6). */
  eps?: number;
}

/**
 * Gaussian negative log likelihood (torch.nn.functional.gaussian_nll_loss):
 * ½(log(max(var, eps)) + (input - target)²/max(var, eps)) [+ ½log 2π]. `variance` has the input's
 * shape, or that shape without its last dim, or with last dim 1 (one variance shared per row).
 * @example F.gaussianNllLoss(mu, y, sigma2)
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, opts: GaussianNllOptions = {}): Tensor {
  checkOptions("gaussianNllLoss", opts, ["reduction", "full", "eps"]);
  const { reduction = "mean", full = false, eps = 1e-6 } = opts;
  checkPair("gaussianNllLoss", input, target);
  if (!isFloat(variance.dtype)) throw new DTypeError(`gaussianNllLoss: variance must be a floating-point tensor, got ${variance.dtype}`);
  let v = variance;
  if (!shapesEqual(v.shape, input.shape)) {
    const lead = input.shape.slice(0, -1);
    if (shapesEqual(v.shape, lead)) v = v.unsqueeze(-1);
    else if (!(v.ndim === input.ndim && shapesEqual(v.shape.slice(0, -1), lead) && v.shape[v.ndim - 1] === 1)) {
      throw new ShapeError(
        `gaussianNllLoss: variance ${fmtShape(variance.shape)} does not fit input ${fmtShape(input.shape)} ` +
          `(expected ${fmtShape(input.shape)}, ${fmtShape(lead)} or ${fmtShape([...lead, 1])})`,
      );
    }
  }
  // Checked in host memory only (a device tensor cannot be read synchronously).
  const data = v._hostDataOrNull() ?? [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] < 0) throw new ValueError(`gaussianNllLoss: variance has a negative entry ${data[i]} (expected every variance >= 0)`);
  }
  // torch clamps a clone in place under no_grad: the value is max(var, eps) while the gradient flows
  // as if unclamped. The detached difference reproduces exactly that.
  const vc = v.add(v.clamp(eps, null).sub(v).detach());
  const d = input.sub(target);
  let loss = vc.log().add(d.mul(d).div(vc)).mul(0.5);
  if (full) loss = loss.add(0.5 * Math.log(2 * Math.PI));
  return reduce("gaussianNllLoss", loss, reduction);
}
