// MultiStepLR (torch.optim.lr_scheduler.MultiStepLR): multiply the learning rate by gamma at each
// milestone epoch (a milestone listed twice decays twice).

import { LRScheduler, checkKeys, checkOption, finite, positiveInt, type AnyOptimizer } from "./lr-scheduler.js";

/** Options of MultiStepLR (torch's names and defaults, camelCase). */
export interface MultiStepLROptions {
  /** Epochs at which to decay, increasing. */
  milestones: readonly number[];
  /** Multiplicative factor of each decay (default 0.1). */
  gamma?: number;
  /** -1 (the default) for a fresh schedule; the index of the last epoch to resume one. */
  lastEpoch?: number;
}

/**
 * lr = initialLr · gamma^(number of milestones ≤ epoch).
 * @example new optim.lrScheduler.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 })
 */
export class MultiStepLR extends LRScheduler<Required<Omit<MultiStepLROptions, "lastEpoch">>> {
  constructor(optimizer: AnyOptimizer, options: MultiStepLROptions) {
    checkKeys("MultiStepLR", options, ["milestones", "gamma", "lastEpoch"]);
    const { milestones, gamma = 0.1, lastEpoch = -1 } = options ?? ({} as MultiStepLROptions);
    checkOption(
      Array.isArray(milestones) && milestones.every(positiveInt),
      "MultiStepLR",
      "milestones",
      milestones,
      "a list of positive integers",
    );
    checkOption(
      milestones.every((m, i) => i === 0 || m >= milestones[i - 1]),
      "MultiStepLR",
      "milestones",
      milestones,
      "an increasing list",
    );
    checkOption(finite(gamma), "MultiStepLR", "gamma", gamma, "a finite number");
    super(optimizer, { milestones: [...milestones], gamma }, lastEpoch);
  }

  protected getLr(): number[] {
    const { milestones, gamma } = this.options;
    const hits = milestones.filter((m) => m === this.lastEpoch).length;
    return this.currentLrs().map((lr) => lr * gamma ** hits);
  }

  protected override closedFormLr(): number[] {
    const { milestones, gamma } = this.options;
    const passed = milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((base) => base * gamma ** passed);
  }
}
