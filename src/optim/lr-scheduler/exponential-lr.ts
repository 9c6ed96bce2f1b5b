// ExponentialLR (torch.optim.lr_scheduler.ExponentialLR): multiply the learning rate by gamma every epoch.

import { ValueError } from "../../errors.js";
import { LRScheduler, checkKeys, checkOption, finite, type AnyOptimizer } from "./lr-scheduler.js";

/** Options of ExponentialLR. */
export interface ExponentialLROptions {
  /** Multiplicative factor per epoch (required). */
  gamma: number;
  /** -1 (the default) for a fresh schedule; the index of the last epoch to resume one. */
  lastEpoch?: number;
}

/**
 * Decays each group's lr by `gamma` every epoch: lr = initialLr · gamma^epoch.
 * @example const sched = new optim.lrScheduler.ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler<Required<Omit<ExponentialLROptions, "lastEpoch">>> {
  constructor(optimizer: AnyOptimizer, options: ExponentialLROptions) {
    checkKeys("ExponentialLR", options, ["gamma", "lastEpoch"]);
    const { gamma, lastEpoch = -1 } = options ?? ({} as ExponentialLROptions);
    if (gamma === undefined) throw new ValueError("ExponentialLR: gamma is required (e.g. { gamma: 0.95 })");
    checkOption(finite(gamma), "ExponentialLR", "gamma", gamma, "a finite number");
    super(optimizer, { gamma }, lastEpoch);
  }

  protected getLr(): number[] {
    const lrs = this.currentLrs();
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.options.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.options.gamma ** this.lastEpoch);
  }
}
