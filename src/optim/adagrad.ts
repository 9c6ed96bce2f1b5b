// Adagrad with learning-rate decay, weight decay and an initial accumulator value
// (torch.optim.Adagrad, PyTorch 1.13 update rule).

import type { Tensor } from "../tensor/tensor.js";
import {
  Optimizer,
  checkOption,
  keepsNoGradient,
  ensureBuffer,
  nonNegative,
  runUpdate,
  type ParamGroup,
  type ParamState,
  type Params,
} from "./optimizer.js";

/**
 * Options of optim.Adagrad (torch's names and defaults, camelCase); a parameter group may override any of
 * them.
 */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** The step size at step t is `lr / (1 + (t − 1)·lrDecay)`. */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients. */
  initialAccumulatorValue?: number;
  /** Added to the denominator for stability (default 1e-10). */
  eps?: number;
  /** Ascend the objective instead of descending it (default false). */
  maximize?: boolean;
}

type Hyper = Required<AdagradOptions>;

/**
 * torch.optim.Adagrad: `s += g²`, `p -= clr·g/(√s + eps)` with `clr = lr/(1 + (t−1)·lrDecay)`.
 * torch creates the state of every parameter at construction; tensorgrad creates it on a
 * parameter's first update (the same numbers, and frozen parameters get none).
 * @example const opt = new optim.Adagrad(model.parameters(), { lr: 0.05 });
 */
export class Adagrad extends Optimizer<Hyper> {
  static {
    keepsNoGradient(this.prototype.update);
  }

  constructor(params: Params<Hyper>, options: AdagradOptions = {}) {
    const { lr = 1e-2, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10, maximize = false } = options;
    super(params, { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize }, options);
  }

  protected validate(o: Partial<Hyper>, where: string): void {
    checkOption(nonNegative(o.lr), where, "lr", o.lr, "a number >= 0");
    checkOption(nonNegative(o.lrDecay), where, "lrDecay", o.lrDecay, "a number >= 0");
    checkOption(nonNegative(o.weightDecay), where, "weightDecay", o.weightDecay, "a number >= 0");
    checkOption(nonNegative(o.initialAccumulatorValue), where, "initialAccumulatorValue", o.initialAccumulatorValue, "a number >= 0");
    checkOption(nonNegative(o.eps), where, "eps", o.eps, "a number >= 0");
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<Hyper>): void {
    const sum = ensureBuffer(state, "sum", p, group.initialAccumulatorValue);
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    const clr = group.lr / (1 + (step - 1) * group.lrDecay);
    runUpdate("adagradStep", p, [grad, sum], { clr, eps: group.eps, wd: group.weightDecay, sign: group.maximize ? -1 : 1 });
  }
}
