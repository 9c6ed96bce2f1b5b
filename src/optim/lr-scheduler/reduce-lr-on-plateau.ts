// ReduceLROnPlateau (torch.optim.lr_scheduler.ReduceLROnPlateau): cut the learning rate by a factor
// when a monitored metric has stopped improving for `patience` epochs.

import { ValueError } from "../../errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkKeys, checkOption, checkOptimizer, finite, type AnyOptimizer, type SchedulerStateDict } from "./lr-scheduler.js";

/** Options of ReduceLROnPlateau (torch's names and defaults, camelCase). */
export interface ReduceLROnPlateauOptions {
  /** "min": lower is better (a loss); "max": higher is better (an accuracy). */
  mode?: "min" | "max";
  /** new lr = lr · factor (< 1). */
  factor?: number;
  /** Epochs without improvement tolerated before a cut. */
  patience?: number;
  /** How much better a value must be to count as an improvement. */
  threshold?: number;
  /** "rel": better than best·(1 ∓ threshold); "abs": better than best ∓ threshold. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a cut before counting bad epochs again. */
  cooldown?: number;
  /** Lower bound on the lr: one number, or one per param group. */
  minLr?: number | number[];
  /** A cut smaller than eps is not applied. */
  eps?: number;
}

type Resolved = {
  mode: "min" | "max";
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: "rel" | "abs";
  cooldown: number;
  minLrs: number[];
  eps: number;
};

const KEYS = ["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps"];

/**
 * torch's ReduceLROnPlateau: `step(metric)` once per epoch with the monitored value. Unlike the
 * epoch schedulers it does not step at construction and has no `initialLr`.
 * @example
 *   const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 3 });
 *   sched.step(valLoss);
 */
export class ReduceLROnPlateau {
  /** The optimizer whose groups' lr this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** Epochs stepped so far. */
  lastEpoch = 0;
  /** The best metric seen (±Infinity before the first step). */
  best: number;
  /** Epochs without improvement since the last improvement or cut. */
  numBadEpochs = 0;
  /** Epochs of cooldown left after the last cut. */
  cooldownCounter = 0;
  private readonly options: Resolved;
  private lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const W = "ReduceLROnPlateau";
    checkOptimizer(W, optimizer);
    checkKeys(W, options, KEYS);
    const {
      mode = "min",
      factor = 0.1,
      patience = 10,
      threshold = 1e-4,
      thresholdMode = "rel",
      cooldown = 0,
      minLr = 0,
      eps = 1e-8,
    } = options;
    checkOption(mode === "min" || mode === "max", W, "mode", mode, '"min" or "max"');
    checkOption(thresholdMode === "rel" || thresholdMode === "abs", W, "thresholdMode", thresholdMode, '"rel" or "abs"');
    checkOption(finite(factor) && factor >= 0 && factor < 1, W, "factor", factor, "a number in [0, 1)");
    checkOption(Number.isInteger(patience) && patience >= 0, W, "patience", patience, "an integer >= 0");
    checkOption(finite(threshold) && threshold >= 0, W, "threshold", threshold, "a number >= 0");
    checkOption(Number.isInteger(cooldown) && cooldown >= 0, W, "cooldown", cooldown, "an integer >= 0");
    checkOption(finite(eps) && eps >= 0, W, "eps", eps, "a number >= 0");
    const groups = optimizer.paramGroups;
    const minLrs = Array.isArray(minLr) ? [...minLr] : groups.map(() => minLr);
    if (minLrs.length !== groups.length)
      throw new ValueError(`${W}: expected ${groups.length} values for minLr (one per param group), got ${minLrs.length}`);
    minLrs.forEach((m) => checkOption(finite(m) && m >= 0, W, "minLr", m, "a number >= 0"));
    this.optimizer = optimizer;
    this.options = { mode, factor, patience, threshold, thresholdMode, cooldown, minLrs, eps };
    this.best = this.worst();
    this.lastLr = groups.map((g) => g.lr);
  }

  /** Records this epoch's metric (a number or a one-element tensor) and cuts the lr on a plateau. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== "number") {
      throw new ValueError(
        `ReduceLROnPlateau.step: expected the monitored metric as a number or a one-element Tensor, got ${String(metric)}`,
      );
    }
    this.lastEpoch++;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.options.patience) {
      this.reduceLr();
      this.cooldownCounter = this.options.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rate of each group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** A snapshot of the state (JSON-serialisable except that `best` may be ±Infinity). */
  stateDict(): SchedulerStateDict {
    const { minLrs, ...rest } = this.options;
    return {
      ...rest,
      minLrs: [...minLrs],
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      lastLr: [...this.lastLr],
    };
  }

  /** Restores a state from `stateDict()`; a `best` of null (±Infinity through JSON) means none yet. */
  loadStateDict(dict: SchedulerStateDict): void {
    if (dict === null || typeof dict !== "object" || typeof dict.lastEpoch !== "number") {
      throw new ValueError(`ReduceLROnPlateau.loadStateDict: expected a state made by stateDict(), got ${JSON.stringify(dict)}`);
    }
    const options = this.options as Record<string, unknown>;
    for (const key of Object.keys(options)) if (key in dict) options[key] = structuredClone(dict[key]);
    this.best = typeof dict.best === "number" ? dict.best : this.worst();
    this.numBadEpochs = dict.numBadEpochs as number;
    this.cooldownCounter = dict.cooldownCounter as number;
    this.lastEpoch = dict.lastEpoch;
    this.lastLr = Array.isArray(dict.lastLr) ? [...(dict.lastLr as number[])] : this.optimizer.paramGroups.map((g) => g.lr);
  }

  private worst(): number {
    return this.options.mode === "min" ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const { mode, threshold, thresholdMode } = this.options;
    const best = this.best;
    if (mode === "min") return thresholdMode === "rel" ? a < best * (1 - threshold) : a < best - threshold;
    return thresholdMode === "rel" ? a > best * (threshold + 1) : a > best + threshold;
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const newLr = Math.max(g.lr * this.options.factor, this.options.minLrs[i]);
      if (g.lr - newLr > this.options.eps) g.lr = newLr;
    });
  }
}
