// LinearLR (torch.optim.lr_scheduler.LinearLR): scale the learning rate linearly from startFactor to
// endFactor over totalIters epochs (a warm-up), then hold it.

import { LRScheduler, checkKeys, checkOption, finite, positiveInt, type AnyOptimizer } from "./lr-scheduler.js";

/** Options of LinearLR (torch's names and defaults, camelCase). */
export interface LinearLROptions {
  /** The lr multiplier at the first epoch (default 1/3). */
  startFactor?: number;
  /** The lr multiplier from totalIters on (default 1). */
  endFactor?: number;
  /** Epochs over which the multiplier moves from startFactor to endFactor (default 5). */
  totalIters?: number;
  /** -1 (the default) for a fresh schedule; the index of the last epoch to resume one. */
  lastEpoch?: number;
}

/**
 * lr_t = initialLr · (startFactor + (endFactor − startFactor)·min(t, totalIters)/totalIters), in
 * torch's recursive form.
 * @example const warmup = new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 */
export class LinearLR extends LRScheduler<Required<Omit<LinearLROptions, "lastEpoch">>> {
  constructor(optimizer: AnyOptimizer, options: LinearLROptions = {}) {
    checkKeys("LinearLR", options, ["startFactor", "endFactor", "totalIters", "lastEpoch"]);
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5, lastEpoch = -1 } = options;
    // torch 1.13 accepts startFactor 0 and then divides by zero on the first step; later versions refuse it.
    checkOption(finite(startFactor) && startFactor > 0 && startFactor <= 1, "LinearLR", "startFactor", startFactor, "a number in (0, 1]");
    checkOption(finite(endFactor) && endFactor >= 0 && endFactor <= 1, "LinearLR", "endFactor", endFactor, "a number in [0, 1]");
    checkOption(positiveInt(totalIters), "LinearLR", "totalIters", totalIters, "a positive integer");
    super(optimizer, { startFactor, endFactor, totalIters }, lastEpoch);
  }

  protected getLr(): number[] {
    const { startFactor, endFactor, totalIters } = this.options;
    const t = this.lastEpoch;
    const lrs = this.currentLrs();
    if (t === 0) return lrs.map((lr) => lr * startFactor);
    if (t > totalIters) return lrs;
    const ratio = 1 + (endFactor - startFactor) / (totalIters * startFactor + (t - 1) * (endFactor - startFactor));
    return lrs.map((lr) => lr * ratio);
  }

  protected override closedFormLr(): number[] {
    const { startFactor, endFactor, totalIters } = this.options;
    const t = Math.min(totalIters, this.lastEpoch);
    return this.baseLrs.map((base) => base * (startFactor + ((endFactor - startFactor) * t) / totalIters));
  }
}
