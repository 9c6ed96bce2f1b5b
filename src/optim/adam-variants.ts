// NAdam, RAdam and Adamax (torch.optim, PyTorch 1.13 update rules). Written with in-place tensor ops
// (the optimizer runs its updates under noGrad), so every backend runs them without a fused kernel
// of its own; the scalars are computed in float64 as torch's Python floats are.

import type { Tensor } from "../tensor/tensor.js";
import { Optimizer, checkOption, ensureBuffer, nonNegative, type ParamGroup, type ParamState, type Params } from "./optimizer.js";

interface AdamLikeOptions {
  /** Learning rate (default 2e-3 for Adamax and NAdam, 1e-3 for RAdam, as torch). */
  lr?: number;
  /** Decay rates of the first and second moment (Adamax: of the infinity norm) averages (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Keeps the step finite: added to the square-root denominator (NAdam, RAdam) or to |g| in the infinity norm (Adamax) (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
}

/** Options of optim.Adamax (torch.optim.Adamax's, camelCase): lr, betas, eps, weightDecay. */
export type AdamaxOptions = AdamLikeOptions;
/** Options of optim.RAdam (torch.optim.RAdam's, camelCase): lr, betas, eps, weightDecay. */
export type RAdamOptions = AdamLikeOptions;
/** Options of optim.NAdam (torch.optim.NAdam's, camelCase): Adam's plus momentumDecay. */
export interface NAdamOptions extends AdamLikeOptions {
  /** How fast the momentum schedule μ_t = β1·(1 − ½·0.96^(t·momentumDecay)) rises (default 4e-3). */
  momentumDecay?: number;
}

type Hyper = { lr: number; betas: [number, number]; eps: number; weightDecay: number };

function validateAdamLike(o: Partial<Hyper>, where: string): void {
  checkOption(nonNegative(o.lr), where, "lr", o.lr, "a number >= 0");
  checkOption(Array.isArray(o.betas) && o.betas.length === 2, where, "betas", o.betas, "two numbers [beta1, beta2]");
  o.betas!.forEach((b, i) => checkOption(nonNegative(b) && b < 1, where, `beta at index ${i}`, b, "a number in [0, 1)"));
  checkOption(nonNegative(o.eps), where, "eps", o.eps, "a number >= 0");
  checkOption(nonNegative(o.weightDecay), where, "weightDecay", o.weightDecay, "a number >= 0");
}

/** The gradient with the L2 penalty added (a new tensor: the caller's gradient is left alone). */
function withDecay(grad: Tensor, p: Tensor, weightDecay: number): Tensor {
  return weightDecay !== 0 ? grad.add(p, { alpha: weightDecay }) : grad;
}

function nextStep(state: ParamState): number {
  const step = ((state.step as number | undefined) ?? 0) + 1;
  state.step = step;
  return step;
}

/**
 * torch.optim.Adamax: Adam with the infinity norm, `u = max(β2·u, |g| + eps)`,
 * `p -= lr/(1−β1ᵗ) · m/u`.
 * @example const opt = new optim.Adamax(model.parameters(), { lr: 2e-3 });
 */
export class Adamax extends Optimizer<Hyper> {
  constructor(params: Params<Hyper>, options: AdamaxOptions = {}) {
    const { lr = 2e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = options;
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay }, options);
  }

  protected validate(o: Partial<Hyper>, where: string): void {
    validateAdamLike(o, where);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<Hyper>): void {
    const m = ensureBuffer(state, "exp_avg", p);
    const u = ensureBuffer(state, "exp_inf", p);
    const step = nextStep(state);
    const [beta1, beta2] = group.betas;
    const g = withDecay(grad, p, group.weightDecay);
    m.mul_(beta1).add_(g, { alpha: 1 - beta1 });
    u.copy_(u.mul(beta2).maximum(g.abs().add(group.eps)));
    p.sub_(m.div(u), { alpha: group.lr / (1 - beta1 ** step) });
  }
}

/**
 * torch.optim.RAdam: Adam whose adaptive step is rectified by the variance of its second-moment
 * estimate; while that variance is intractable (ρ_t ≤ 5, the first steps) it steps with the
 * bias-corrected momentum alone.
 * @example const opt = new optim.RAdam(model.parameters(), { lr: 1e-3 });
 */
export class RAdam extends Optimizer<Hyper> {
  constructor(params: Params<Hyper>, options: RAdamOptions = {}) {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = options;
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay }, options);
  }

  protected validate(o: Partial<Hyper>, where: string): void {
    validateAdamLike(o, where);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<Hyper>): void {
    const m = ensureBuffer(state, "exp_avg", p);
    const v = ensureBuffer(state, "exp_avg_sq", p);
    const step = nextStep(state);
    const [beta1, beta2] = group.betas;
    const g = withDecay(grad, p, group.weightDecay);
    m.mul_(beta1).add_(g, { alpha: 1 - beta1 });
    v.mul_(beta2).add_(g.mul(g), { alpha: 1 - beta2 });
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    const corrected = m.div(bc1);
    const rhoInf = 2 / (1 - beta2) - 1;
    const rho = rhoInf - (2 * step * beta2 ** step) / bc2;
    if (rho > 5) {
      const rect = Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
      const adaptive = v.sqrt().add(group.eps).reciprocal().mul(Math.sqrt(bc2));
      p.sub_(corrected.mul(group.lr).mul(adaptive).mul(rect));
    } else {
      p.sub_(corrected.mul(group.lr));
    }
  }
}

type NAdamHyper = Hyper & { momentumDecay: number };

/**
 * torch.optim.NAdam: Adam with Nesterov momentum and a momentum schedule
 * μ_t = β1·(1 − ½·0.96^(t·momentumDecay)): `p -= lr·(1−μ_t)/(1−Πμ)·g/d + lr·μ_{t+1}/(1−Πμ·μ_{t+1})·m/d`,
 * d = √(v/(1−β2ᵗ)) + eps.
 * @example const opt = new optim.NAdam(model.parameters(), { lr: 2e-3 });
 */
export class NAdam extends Optimizer<NAdamHyper> {
  constructor(params: Params<NAdamHyper>, options: NAdamOptions = {}) {
    const { lr = 2e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, momentumDecay = 4e-3 } = options;
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay, momentumDecay }, options);
  }

  protected validate(o: Partial<NAdamHyper>, where: string): void {
    validateAdamLike(o, where);
    checkOption(nonNegative(o.momentumDecay), where, "momentumDecay", o.momentumDecay, "a number >= 0");
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<NAdamHyper>): void {
    const m = ensureBuffer(state, "exp_avg", p);
    const v = ensureBuffer(state, "exp_avg_sq", p);
    const step = nextStep(state);
    const [beta1, beta2] = group.betas;
    const g = withDecay(grad, p, group.weightDecay);
    const mu = beta1 * (1 - 0.5 * 0.96 ** (step * group.momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * group.momentumDecay));
    // torch keeps the running product of the μ_t as a float32 scalar tensor.
    const muProduct = Math.fround(((state.mu_product as number | undefined) ?? 1) * mu);
    state.mu_product = muProduct;
    const muProductNext = Math.fround(muProduct * muNext);
    m.mul_(beta1).add_(g, { alpha: 1 - beta1 });
    v.mul_(beta2).add_(g.mul(g), { alpha: 1 - beta2 });
    const denom = v
      .div(1 - beta2 ** step)
      .sqrt()
      .add(group.eps);
    p.sub_(g.div(denom), { alpha: (group.lr * (1 - mu)) / (1 - muProduct) });
    p.sub_(m.div(denom), { alpha: (group.lr * muNext) / (1 - muProductNext) });
  }
}
