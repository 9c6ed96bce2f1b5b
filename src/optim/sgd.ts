// Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and maximize
// (torch.optim.SGD, PyTorch 1.13 update rule).

import { ValueError } from "../errors.js";
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
import { sgdLoop, type FloatArray } from "../backend/js/optim.js";
import type { SgdStepParams } from "../backend/kernel-table.js";

/**
 * Options of optim.SGD (torch's names and defaults, camelCase); a parameter group may override any of
 * them.
 */
export interface SGDOptions {
  /** Learning rate; required, as in torch. */
  lr: number;
  /** Momentum factor μ (default 0: plain gradient descent). */
  momentum?: number;
  /** Dampening of the momentum buffer's gradient term (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (coupled weight decay). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** Ascend the objective instead of descending it. */
  maximize?: boolean;
}

type Hyper = Required<SGDOptions>;

/**
 * torch.optim.SGD. With momentum μ the buffer starts as the first gradient, then
 * `b = μ·b + (1 − dampening)·g`; the step is `p -= lr·b` (or `lr·(g + μ·b)` with Nesterov).
 * @example const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer<Hyper> {
  static {
    keepsNoGradient(this.prototype.update);
  }

  constructor(params: Params<Hyper>, options: SGDOptions) {
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false } = options ?? ({} as SGDOptions);
    super(params, { lr, momentum, dampening, weightDecay, nesterov, maximize }, options ?? {});
  }

  protected validate(o: Partial<Hyper>, where: string, isGroup: boolean): void {
    if (o.lr === undefined) {
      if (isGroup) throw new ValueError(`${where}: lr is required (e.g. new SGD(params, { lr: 0.01 }))`);
    } else {
      checkOption(nonNegative(o.lr), where, "lr", o.lr, "a number >= 0");
    }
    checkOption(nonNegative(o.momentum), where, "momentum", o.momentum, "a number >= 0");
    checkOption(typeof o.dampening === "number" && Number.isFinite(o.dampening), where, "dampening", o.dampening, "a finite number");
    checkOption(nonNegative(o.weightDecay), where, "weightDecay", o.weightDecay, "a number >= 0");
    if (o.nesterov && (o.momentum! <= 0 || o.dampening !== 0)) {
      throw new ValueError(
        `${where}: nesterov requires momentum > 0 and dampening 0, got momentum ${o.momentum} and dampening ${o.dampening}`,
      );
    }
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<Hyper>): void {
    let buf: Tensor | null = null;
    let first = false;
    if (group.momentum !== 0) {
      first = !("momentum_buffer" in state);
      buf = ensureBuffer(state, "momentum_buffer", p);
    }
    runUpdate("sgdStep", p, buf ? [grad, buf] : [grad], sgdScalars(first, group));
  }
}

/** The "sgdStep" kernel's parameters; `first`: the momentum buffer is new and takes the gradient as it is. */
function sgdScalars(first: boolean, h: Hyper): SgdStepParams {
  const { lr, momentum, weightDecay: wd, nesterov } = h;
  return { first, nesterov, lr, momentum, keep: 1 - h.dampening, wd, sign: h.maximize ? -1 : 1 };
}

/**
 * The SGD maths for one parameter on plain arrays, element by element in float64 (the arrays are
 * written in their own precision): the reference kernel's loop, for tests of a backend's fused one.
 */
export function sgdUpdate(p: FloatArray, g: FloatArray, buf: FloatArray | null, first: boolean, h: Hyper): void {
  sgdLoop(p, g, buf, sgdScalars(first, h));
}
