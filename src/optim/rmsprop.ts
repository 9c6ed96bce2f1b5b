// RMSprop with optional momentum, centering and weight decay (torch.optim.RMSprop, PyTorch 1.13
// update rule: eps is added after the square root).

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
 * Options of optim.RMSprop (torch's names and defaults, camelCase); a parameter group may override any of
 * them.
 */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the squared-gradient average. */
  alpha?: number;
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalise by the estimated variance (mean of g² minus the square of the mean of g). */
  centered?: boolean;
  /** Ascend the objective instead of descending it (default false). */
  maximize?: boolean;
}

type Hyper = Required<RMSpropOptions>;

/**
 * torch.optim.RMSprop: `s = α·s + (1−α)·g²`, `avg = √(s − ḡ²) + eps` (centered) or `√s + eps`;
 * `p -= lr·g/avg`, or through a momentum buffer `b = μ·b + g/avg; p -= lr·b`.
 * @example const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<Hyper> {
  static {
    keepsNoGradient(this.prototype.update);
  }

  constructor(params: Params<Hyper>, options: RMSpropOptions = {}) {
    const { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false, maximize = false } = options;
    super(params, { lr, alpha, eps, weightDecay, momentum, centered, maximize }, options);
  }

  protected validate(o: Partial<Hyper>, where: string): void {
    checkOption(nonNegative(o.lr), where, "lr", o.lr, "a number >= 0");
    checkOption(nonNegative(o.alpha), where, "alpha", o.alpha, "a number >= 0");
    checkOption(nonNegative(o.eps), where, "eps", o.eps, "a number >= 0");
    checkOption(nonNegative(o.weightDecay), where, "weightDecay", o.weightDecay, "a number >= 0");
    checkOption(nonNegative(o.momentum), where, "momentum", o.momentum, "a number >= 0");
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<Hyper>): void {
    const squareAvg = ensureBuffer(state, "square_avg", p);
    const buf = group.momentum > 0 ? ensureBuffer(state, "momentum_buffer", p) : null;
    const gradAvg = group.centered ? ensureBuffer(state, "grad_avg", p) : null;
    state.step = ((state.step as number | undefined) ?? 0) + 1;
    const inputs = [grad, squareAvg];
    if (gradAvg) inputs.push(gradAvg);
    if (buf) inputs.push(buf);
    const { lr, alpha, eps, weightDecay: wd, momentum, centered } = group;
    runUpdate("rmspropStep", p, inputs, { lr, alpha, eps, wd, momentum, centered, sign: group.maximize ? -1 : 1 });
  }
}
