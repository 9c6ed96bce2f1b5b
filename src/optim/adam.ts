// Adam and AdamW (torch.optim.Adam / AdamW, PyTorch 1.13 update rules): one implementation, where
// AdamW only switches the weight decay from the gradient (L2) to the weights (decoupled).

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
import { adamLoop, type FloatArray } from "../backend/js/optim.js";
import type { AdamStepParams } from "../backend/kernel-table.js";

/**
 * Options of optim.Adam and optim.AdamW (torch's names and defaults, camelCase); a parameter group may
 * override any of them.
 */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment averages. */
  betas?: readonly [number, number];
  /** Added to the denominator, outside the square root. */
  eps?: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay `p *= 1 − lr·weightDecay`. */
  weightDecay?: number;
  /** Normalise by the running maximum of the second moment (AMSGrad). */
  amsgrad?: boolean;
  /** Ascend the objective instead of descending it (default false). */
  maximize?: boolean;
}

type Hyper = { lr: number; betas: [number, number]; eps: number; weightDecay: number; amsgrad: boolean; maximize: boolean };

/**
 * torch.optim.Adam: `m = β1·m + (1−β1)·g`, `v = β2·v + (1−β2)·g²`,
 * `p -= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps)`; weight decay is added to the gradient first.
 * @example const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer<Hyper> {
  static {
    keepsNoGradient(this.prototype.update);
  }

  /** Whether weight decay is decoupled from the gradient (AdamW). */
  static readonly decoupled: boolean = false;
  /** The weightDecay used when none is given: 0 for Adam, 1e-2 for AdamW. */
  static readonly defaultWeightDecay: number = 0;

  constructor(params: Params<Hyper>, options: AdamOptions = {}) {
    const {
      lr = 1e-3,
      betas = [0.9, 0.999],
      eps = 1e-8,
      weightDecay = new.target.defaultWeightDecay,
      amsgrad = false,
      maximize = false,
    } = options;
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay, amsgrad, maximize }, options);
  }

  protected validate(o: Partial<Hyper>, where: string): void {
    checkOption(nonNegative(o.lr), where, "lr", o.lr, "a number >= 0");
    checkOption(Array.isArray(o.betas) && o.betas.length === 2, where, "betas", o.betas, "two numbers [beta1, beta2]");
    o.betas!.forEach((b, i) => checkOption(nonNegative(b) && b < 1, where, `beta at index ${i}`, b, "a number in [0, 1)"));
    checkOption(nonNegative(o.eps), where, "eps", o.eps, "a number >= 0");
    checkOption(nonNegative(o.weightDecay), where, "weightDecay", o.weightDecay, "a number >= 0");
  }

  // Refilled for every parameter and read only while its kernel runs: no array or object per update.
  #operands3: (Tensor | null)[] = [null, null, null];
  #operands4: (Tensor | null)[] = [null, null, null, null];
  #scalars: AdamStepParams = adamScalars(1, false, { lr: 0, betas: [0, 0], eps: 0, weightDecay: 0, amsgrad: false, maximize: false }, true);

  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<Hyper>): void {
    const m = ensureBuffer(state, "exp_avg", p);
    const v = ensureBuffer(state, "exp_avg_sq", p);
    const vMax = group.amsgrad ? ensureBuffer(state, "max_exp_avg_sq", p) : null;
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    const decoupled = (this.constructor as typeof Adam).decoupled;
    // Filled in place (no push or length change, which may reallocate) and emptied after.
    const operands = vMax ? this.#operands4 : this.#operands3;
    operands[0] = grad;
    operands[1] = m;
    operands[2] = v;
    if (vMax) operands[3] = vMax;
    try {
      runUpdate("adamStep", p, operands as Tensor[], fillAdamScalars(this.#scalars, step, decoupled, group, p.dtype === "float32"));
    } finally {
      operands.fill(null);
    }
  }
}

/**
 * torch.optim.AdamW: Adam with decoupled weight decay (`p *= 1 − lr·weightDecay` before the Adam
 * step), weightDecay 1e-2 by default.
 * @example const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends Adam {
  static override readonly decoupled: boolean = true;
  static override readonly defaultWeightDecay: number = 1e-2;
}

/**
 * The per-step scalars of the Adam update, shared by adamUpdate and a backend's fused "adamStep":
 * computed in float64 (as torch's Python floats), then, for a float32 parameter, rounded once to
 * float32 (as torch casts a scalar to the tensor's dtype).
 */
export function adamScalars(step: number, decoupled: boolean, h: Hyper, isFloat32: boolean): AdamStepParams {
  return fillAdamScalars(
    { shrink: 0, l2: 0, sign: 1, beta1: 0, c1: 0, beta2: 0, c2: 0, stepSize: 0, bc2Sqrt: 0, eps: 0 },
    step,
    decoupled,
    h,
    isFloat32,
  );
}

/** adamScalars written into `out` (an optimizer reuses one object for all its updates). */
function fillAdamScalars(out: AdamStepParams, step: number, decoupled: boolean, h: Hyper, isFloat32: boolean): AdamStepParams {
  const lr = h.lr,
    beta1 = h.betas[0],
    beta2 = h.betas[1];
  const o = out as { -readonly [K in keyof AdamStepParams]: AdamStepParams[K] };
  o.shrink = round(isFloat32, decoupled ? 1 - lr * h.weightDecay : 1);
  o.l2 = round(isFloat32, decoupled ? 0 : h.weightDecay);
  o.sign = h.maximize ? -1 : 1;
  o.beta1 = round(isFloat32, beta1);
  o.c1 = round(isFloat32, 1 - beta1);
  o.beta2 = round(isFloat32, beta2);
  o.c2 = round(isFloat32, 1 - beta2);
  o.stepSize = round(isFloat32, lr / (1 - beta1 ** step));
  o.bc2Sqrt = round(isFloat32, Math.sqrt(1 - beta2 ** step));
  o.eps = round(isFloat32, h.eps);
  return out;
}

function round(isFloat32: boolean, x: number): number {
  return isFloat32 ? Math.fround(x) : x;
}

/**
 * The Adam/AdamW maths for one parameter at step `step` (1-based) on plain arrays, element by element
 * in the parameter's precision as torch computes it: the reference kernel's loop ("adamStep" in
 * src/backend/js/optim.ts), for tests that check a backend's fused kernel against it. `vMax` is the
 * AMSGrad running maximum (null without amsgrad).
 */
export function adamUpdate(
  p: FloatArray,
  g: FloatArray,
  m: FloatArray,
  v: FloatArray,
  vMax: FloatArray | null,
  step: number,
  decoupled: boolean,
  h: Hyper,
): void {
  adamLoop(p, g, m, v, vMax, adamScalars(step, decoupled, h, p instanceof Float32Array));
}
