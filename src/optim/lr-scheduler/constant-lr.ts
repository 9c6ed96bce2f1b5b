// ConstantLR and PolynomialLR (torch.optim.lr_scheduler): a constant factor for the first totalIters
// epochs, and a polynomial decay to zero over totalIters epochs.

import { LRScheduler, checkKeys, checkOption, finite, positiveInt, type AnyOptimizer } from "./lr-scheduler.js";

/** Options of ConstantLR (torch's names and defaults, camelCase). */
export interface ConstantLROptions {
  /** The factor applied until totalIters, in (0, 1] (default 1/3). */
  factor?: number;
  /** Epochs the factor lasts (default 5). */
  totalIters?: number;
  /** -1 (the default) for a fresh schedule; the index of the last epoch to resume one. */
  lastEpoch?: number;
}

/**
 * lr = initialLr · factor for epochs < totalIters, then initialLr.
 * @example new optim.lrScheduler.ConstantLR(opt, { factor: 0.5, totalIters: 4 })
 */
export class ConstantLR extends LRScheduler<Required<Omit<ConstantLROptions, "lastEpoch">>> {
  constructor(optimizer: AnyOptimizer, options: ConstantLROptions = {}) {
    checkKeys("ConstantLR", options, ["factor", "totalIters", "lastEpoch"]);
    const { factor = 1 / 3, totalIters = 5, lastEpoch = -1 } = options;
    checkOption(finite(factor) && factor > 0 && factor <= 1, "ConstantLR", "factor", factor, "a number in (0, 1]");
    checkOption(positiveInt(totalIters), "ConstantLR", "totalIters", totalIters, "a positive integer");
    super(optimizer, { factor, totalIters }, lastEpoch);
  }

  protected getLr(): number[] {
    const { factor, totalIters } = this.options;
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * factor);
    if (this.lastEpoch !== totalIters) return lrs;
    return lrs.map((lr) => lr * (1 / factor));
  }

  protected override closedFormLr(): number[] {
    const { factor, totalIters } = this.options;
    return this.baseLrs.map((base) => base * (this.lastEpoch >= totalIters ? 1 : factor));
  }
}

/** Options of PolynomialLR (torch's names and defaults, camelCase). */
export interface PolynomialLROptions {
  /** Epochs over which the rate decays to 0 (default 5). */
  totalIters?: number;
  /** The polynomial's power (default 1: linear). */
  power?: number;
  /** -1 (the default) for a fresh schedule; the index of the last epoch to resume one. */
  lastEpoch?: number;
}

/**
 * lr = initialLr · (1 − min(epoch, totalIters)/totalIters)^power.
 * @example new optim.lrScheduler.PolynomialLR(opt, { totalIters: 100, power: 2 })
 */
export class PolynomialLR extends LRScheduler<Required<Omit<PolynomialLROptions, "lastEpoch">>> {
  constructor(optimizer: AnyOptimizer, options: PolynomialLROptions = {}) {
    checkKeys("PolynomialLR", options, ["totalIters", "power", "lastEpoch"]);
    const { totalIters = 5, power = 1, lastEpoch = -1 } = options;
    checkOption(positiveInt(totalIters), "PolynomialLR", "totalIters", totalIters, "a positive integer");
    checkOption(finite(power), "PolynomialLR", "power", power, "a finite number");
    super(optimizer, { totalIters, power }, lastEpoch);
  }

  protected getLr(): number[] {
    const { totalIters, power } = this.options;
    const t = this.lastEpoch;
    const lrs = this.currentLrs();
    if (t === 0 || t > totalIters) return lrs;
    const factor = ((1 - t / totalIters) / (1 - (t - 1) / totalIters)) ** power;
    return lrs.map((lr) => lr * factor);
  }

  protected override closedFormLr(): number[] {
    const { totalIters, power } = this.options;
    return this.baseLrs.map((base) => base * (1 - Math.min(totalIters, this.lastEpoch) / totalIters) ** power);
  }
}
