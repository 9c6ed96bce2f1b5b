// CosineAnnealingLR (torch.optim.lr_scheduler.CosineAnnealingLR) in torch's recursive form, which
// matches PyTorch step for step (and keeps going past tMax the way torch does: back up, then down).

import { LRScheduler, checkKeys, checkOption, finite, type AnyOptimizer } from "./lr-scheduler.js";

/** Options of CosineAnnealingLR (torch's names and defaults, camelCase). */
export interface CosineAnnealingLROptions {
  /** Half-period of the cosine, in epochs. */
  tMax: number;
  /** The minimum learning rate. */
  etaMin?: number;
  /** -1 (the default) for a fresh schedule; the index of the last epoch to resume one. */
  lastEpoch?: number;
}

/**
 * Anneals each group's lr from its initialLr to `etaMin` along a half cosine over `tMax` epochs:
 * lr_t = etaMin + (initialLr − etaMin)·(1 + cos(π·t/tMax))/2, computed recursively as torch does.
 * @example const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 50 });
 */
export class CosineAnnealingLR extends LRScheduler<Required<Omit<CosineAnnealingLROptions, "lastEpoch">>> {
  constructor(optimizer: AnyOptimizer, options: CosineAnnealingLROptions) {
    checkKeys("CosineAnnealingLR", options, ["tMax", "etaMin", "lastEpoch"]);
    const { tMax, etaMin = 0, lastEpoch = -1 } = options ?? ({} as CosineAnnealingLROptions);
    checkOption(finite(tMax) && tMax > 0, "CosineAnnealingLR", "tMax", tMax, "a number > 0");
    checkOption(finite(etaMin), "CosineAnnealingLR", "etaMin", etaMin, "a finite number");
    super(optimizer, { tMax, etaMin }, lastEpoch);
  }

  protected getLr(): number[] {
    const { tMax, etaMin } = this.options;
    const t = this.lastEpoch;
    const lrs = this.currentLrs();
    if (t === 0) return lrs;
    if (this.stepCount === 1 && t > 0) {
      // Resuming (lastEpoch given): the closed form, as torch does for the first step.
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2);
    }
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      // The bottom of a cycle: the recursive ratio below would divide by zero, so step up directly.
      return lrs.map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return lrs.map((lr) => ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    const { tMax, etaMin } = this.options;
    return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / tMax))) / 2);
  }
}
