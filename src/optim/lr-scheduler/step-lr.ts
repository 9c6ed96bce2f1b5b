// StepLR (torch.optim.lr_scheduler.StepLR): multiply the learning rate by gamma every stepSize epochs.

import { LRScheduler, checkKeys, checkOption, finite, positiveInt, type AnyOptimizer } from "./lr-scheduler.js";

/** Options of StepLR (torch's names and defaults, camelCase). */
export interface StepLROptions {
  /** Epochs between two decays. */
  stepSize: number;
  /** Multiplicative factor of each decay. */
  gamma?: number;
  /** -1 for a fresh schedule; see LRScheduler. */
  lastEpoch?: number;
}

/**
 * Decays each group's lr by `gamma` every `stepSize` epochs: lr = initialLr · gamma^⌊epoch/stepSize⌋.
 * @example const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 */
export class StepLR extends LRScheduler<Required<Omit<StepLROptions, "lastEpoch">>> {
  constructor(optimizer: AnyOptimizer, options: StepLROptions) {
    checkKeys("StepLR", options, ["stepSize", "gamma", "lastEpoch"]);
    const { stepSize, gamma = 0.1, lastEpoch = -1 } = options ?? ({} as StepLROptions);
    checkOption(positiveInt(stepSize), "StepLR", "stepSize", stepSize, "a positive integer");
    checkOption(finite(gamma), "StepLR", "gamma", gamma, "a finite number");
    super(optimizer, { stepSize, gamma }, lastEpoch);
  }

  protected getLr(): number[] {
    const { stepSize, gamma } = this.options;
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0 || this.lastEpoch % stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * gamma);
  }

  protected override closedFormLr(): number[] {
    const { stepSize, gamma } = this.options;
    return this.baseLrs.map((base) => base * gamma ** Math.floor(this.lastEpoch / stepSize));
  }
}
