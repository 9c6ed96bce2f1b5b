// SequentialLR and ChainedScheduler (torch.optim.lr_scheduler): schedules run one after another at
// milestone epochs (a warm-up, then a decay), or all at once, each applying its factor in turn.

import { ValueError } from "../../errors.js";
import { LRScheduler, checkKeys, checkOptimizer, positiveInt, type AnyOptimizer, type SchedulerStateDict } from "./lr-scheduler.js";

function checkSchedulers(where: string, schedulers: unknown, optimizer: AnyOptimizer | null): LRScheduler[] {
  if (!Array.isArray(schedulers) || schedulers.length === 0 || !schedulers.every((s) => s instanceof LRScheduler)) {
    throw new ValueError(`${where}: schedulers must be a non-empty list of lrScheduler instances (not ReduceLROnPlateau)`);
  }
  const opt = optimizer ?? schedulers[0].optimizer;
  schedulers.forEach((s: LRScheduler, i) => {
    if (s.optimizer !== opt) throw new ValueError(`${where}: scheduler ${i} steps a different optimizer than the others`);
  });
  return schedulers;
}

/** Options of SequentialLR (torch's names, camelCase). */
export interface SequentialLROptions {
  /** The schedules, in order, all on the same optimizer. */
  schedulers: readonly LRScheduler[];
  /** The epochs at which the next schedule takes over (one fewer than schedulers). */
  milestones: readonly number[];
  /** -1 (the default) for a fresh schedule; the index of the last epoch to resume one. */
  lastEpoch?: number;
}

/**
 * Runs `schedulers[0]` until milestones[0], then schedulers[1] (restarted at its epoch 0), and so on
 * (torch.optim.lr_scheduler.SequentialLR).
 * @example
 * const warmup = new S.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const decay = new S.CosineAnnealingLR(opt, { tMax: 95 });
 * const sched = new S.SequentialLR(opt, { schedulers: [warmup, decay], milestones: [5] });
 */
export class SequentialLR {
  /** The optimizer every schedule sets the lr of. */
  readonly optimizer: AnyOptimizer;
  /** The schedules, in order. */
  readonly schedulers: readonly LRScheduler[];
  /** The epochs at which the next schedule takes over. */
  readonly milestones: readonly number[];
  /** The index of the last step taken (0 after construction). */
  lastEpoch: number;
  private lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: SequentialLROptions) {
    checkOptimizer("SequentialLR", optimizer);
    checkKeys("SequentialLR", options, ["schedulers", "milestones", "lastEpoch"]);
    const { schedulers, milestones, lastEpoch = -1 } = options ?? ({} as SequentialLROptions);
    this.schedulers = checkSchedulers("SequentialLR", schedulers, optimizer);
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1 || !milestones.every(positiveInt)) {
      throw new ValueError(
        `SequentialLR: expected ${schedulers.length - 1} milestones (positive integers, one fewer than schedulers), got ${JSON.stringify(milestones)}`,
      );
    }
    this.optimizer = optimizer;
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    // As torch: back to the initial rates, undo the other schedulers' initial steps, then the first
    // scheduler's initial step alone.
    for (const g of optimizer.paramGroups) g.lr = g.initialLr as number;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].step();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  /** Advances one epoch, handing over to the next schedule at a milestone. */
  step(): void {
    this.lastEpoch++;
    let idx = 0;
    while (idx < this.milestones.length && this.milestones[idx] <= this.lastEpoch) idx++;
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s._stepAt(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  /** The learning rate of each group as last set by the running schedule (torch's get_last_lr). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** A snapshot of lastEpoch, the milestones and every schedule's own state dict, for exact resume. */
  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.lastEpoch,
      milestones: [...this.milestones],
      lastLr: [...this.lastLr],
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  /** Restores a state from `stateDict()` of a SequentialLR with as many schedules. */
  loadStateDict(dict: SchedulerStateDict): void {
    const subs = dict?.schedulers;
    if (typeof dict?.lastEpoch !== "number" || !Array.isArray(subs) || subs.length !== this.schedulers.length) {
      throw new ValueError(
        `SequentialLR.loadStateDict: expected a state made by SequentialLR.stateDict() with ${this.schedulers.length} schedulers`,
      );
    }
    this.lastEpoch = dict.lastEpoch;
    this.lastLr = Array.isArray(dict.lastLr) ? [...(dict.lastLr as number[])] : this.lastLr;
    this.schedulers.forEach((s, i) => s.loadStateDict(subs[i] as SchedulerStateDict));
  }
}

/**
 * Steps every scheduler at once, so their factors compose (torch.optim.lr_scheduler.ChainedScheduler).
 * @example new S.ChainedScheduler([new S.ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new S.ExponentialLR(opt, { gamma: 0.9 })])
 */
export class ChainedScheduler {
  /** The optimizer every scheduler sets the lr of (the first scheduler's). */
  readonly optimizer: AnyOptimizer;
  /** The schedulers, stepped in this order. */
  readonly schedulers: readonly LRScheduler[];
  private lastLr: number[];

  constructor(
    /** Schedulers on the same optimizer, chainable ones (each multiplies the current lr), e.g. ConstantLR, ExponentialLR. */
    schedulers: readonly LRScheduler[],
  ) {
    this.schedulers = checkSchedulers("ChainedScheduler", schedulers, null);
    this.optimizer = this.schedulers[0].optimizer;
    this.lastLr = this.schedulers[this.schedulers.length - 1].getLastLr();
  }

  /** The last scheduler's lastEpoch (they all step together). */
  get lastEpoch(): number {
    return this.schedulers[this.schedulers.length - 1].lastEpoch;
  }

  /** Steps every scheduler once, in order, so their factors compose. */
  step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.schedulers[this.schedulers.length - 1].getLastLr();
  }

  /** The learning rate of each group after the last step (torch's get_last_lr). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** A snapshot of every scheduler's own state dict, for exact resume. */
  stateDict(): SchedulerStateDict {
    return { lastLr: [...this.lastLr], schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  /** Restores a state from `stateDict()` of a ChainedScheduler with as many schedulers. */
  loadStateDict(dict: SchedulerStateDict): void {
    const subs = dict?.schedulers;
    if (!Array.isArray(subs) || subs.length !== this.schedulers.length) {
      throw new ValueError(
        `ChainedScheduler.loadStateDict: expected a state made by ChainedScheduler.stateDict() with ${this.schedulers.length} schedulers`,
      );
    }
    this.lastLr = Array.isArray(dict.lastLr) ? [...(dict.lastLr as number[])] : this.lastLr;
    this.schedulers.forEach((s, i) => s.loadStateDict(subs[i] as SchedulerStateDict));
  }
}
