// LambdaLR and MultiplicativeLR (torch.optim.lr_scheduler): learning rates from user functions of the
// epoch. The functions are not part of the state dict (as torch, which saves only callable objects).

import { ValueError } from "../../errors.js";
import { LRScheduler, checkKeys, type AnyOptimizer } from "./lr-scheduler.js";

/** A learning-rate factor as a function of the epoch (LambdaLR: of initialLr; MultiplicativeLR: of the previous lr). */
export type LrLambda = (epoch: number) => number;

/** Options of LambdaLR and MultiplicativeLR (torch's lr_lambda and last_epoch, camelCase). */
export interface LambdaLROptions {
  /** One function for every group, or one per group. */
  lrLambda: LrLambda | readonly LrLambda[];
  /** -1 (the default) for a fresh schedule; the index of the last epoch to resume one. */
  lastEpoch?: number;
}

function lambdas(where: string, optimizer: AnyOptimizer, f: LrLambda | readonly LrLambda[]): LrLambda[] {
  const n = optimizer?.paramGroups?.length ?? 0;
  if (typeof f === "function") return new Array<LrLambda>(n).fill(f);
  if (!Array.isArray(f) || f.some((g) => typeof g !== "function"))
    throw new ValueError(`${where}: lrLambda must be a function or a list of functions`);
  if (f.length !== n) throw new ValueError(`${where}: expected ${n} lrLambdas (one per param group), got ${f.length}`);
  return [...f];
}

/**
 * lr = initialLr · lrLambda(epoch).
 * @example new optim.lrScheduler.LambdaLR(opt, { lrLambda: (e) => Math.min(1, (e + 1) / 10) })  // warm-up
 */
export class LambdaLR extends LRScheduler<Record<string, never>> {
  constructor(optimizer: AnyOptimizer, options: LambdaLROptions) {
    checkKeys("LambdaLR", options, ["lrLambda", "lastEpoch"]);
    const fns = lambdas("LambdaLR", optimizer, options?.lrLambda);
    super(optimizer, withLambdas(fns), options.lastEpoch ?? -1);
  }

  protected getLr(): number[] {
    const fns = lambdasOf(this);
    return this.baseLrs.map((base, i) => base * fns[i](this.lastEpoch));
  }
}

/**
 * lr = previous lr · lrLambda(epoch), from epoch 1 on.
 * @example new optim.lrScheduler.MultiplicativeLR(opt, { lrLambda: () => 0.95 })
 */
export class MultiplicativeLR extends LRScheduler<Record<string, never>> {
  constructor(optimizer: AnyOptimizer, options: LambdaLROptions) {
    checkKeys("MultiplicativeLR", options, ["lrLambda", "lastEpoch"]);
    const fns = lambdas("MultiplicativeLR", optimizer, options?.lrLambda);
    super(optimizer, withLambdas(fns), options.lastEpoch ?? -1);
  }

  protected getLr(): number[] {
    const lrs = this.currentLrs();
    if (this.lastEpoch <= 0) return lrs;
    const fns = lambdasOf(this);
    return lrs.map((lr, i) => lr * fns[i](this.lastEpoch));
  }
}

// The functions ride on the options object under a symbol: the base class needs them during its
// initial step (before a subclass field could be set), and the state dict leaves symbols out.
const LAMBDAS = Symbol("lrLambdas");

function withLambdas(fns: LrLambda[]): Record<string, never> {
  return Object.defineProperty({}, LAMBDAS, { value: fns, enumerable: false }) as Record<string, never>;
}

function lambdasOf(s: LRScheduler<Record<string, never>>): LrLambda[] {
  return (s as unknown as { options: Record<symbol, LrLambda[]> }).options[LAMBDAS];
}
