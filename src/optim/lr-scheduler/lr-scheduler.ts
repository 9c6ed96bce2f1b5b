// The base of the epoch-wise learning-rate schedulers (torch.optim.lr_scheduler._LRScheduler):
// initialLr bookkeeping on the groups, the initial step, lastEpoch, getLastLr and state dicts.

import { ValueError } from "../../errors.js";
import { Optimizer, checkOption } from "../optimizer.js";

/** Any optimizer, whatever its options. */
export type AnyOptimizer = Optimizer<any>;

/**
 * A scheduler's state (torch's `scheduler.state_dict()`): its options plus `lastEpoch`, `baseLrs`,
 * `lastLr` and `stepCount`. Plain JSON-serialisable data (ReduceLROnPlateau's `best` may be
 * ±Infinity, which JSON writes as null; its loadStateDict reads null back as "no best yet").
 */
export type SchedulerStateDict = Record<string, unknown>;

/** Throws ValueError for an option a scheduler does not have (e.g. torch's snake_case spelling). */
export function checkKeys(where: string, given: object | undefined, allowed: readonly string[]): void {
  // A number or a list here is one of torch's positional arguments (LinearLR(opt, 0.5)), which would
  // otherwise leave a default in place without a word.
  if (given !== undefined && (typeof given !== "object" || given === null || Array.isArray(given))) {
    const got =
      given === null
        ? "null"
        : Array.isArray(given)
          ? "an array"
          : typeof given === "function"
            ? "a function"
            : `${typeof given} ${String(given)}`;
    throw new ValueError(`${where}: options must be an object such as { ${allowed[0]}: … }, got ${got}`);
  }
  for (const key of Object.keys(given ?? {})) {
    if (!allowed.includes(key)) throw new ValueError(`${where}: unknown option "${key}" (expected one of ${allowed.join(", ")})`);
  }
}

/** Throws ValueError unless `optimizer` is a tensorgrad Optimizer. */
export function checkOptimizer(where: string, optimizer: unknown): void {
  if (!(optimizer instanceof Optimizer)) {
    const got = optimizer === null || typeof optimizer !== "object" ? String(optimizer) : optimizer.constructor.name;
    throw new ValueError(`${where}: expected an optim.Optimizer as the first argument, got ${got}`);
  }
}

/** Whether `v` is an integer > 0. */
export function positiveInt(v: unknown): boolean {
  return typeof v === "number" && Number.isInteger(v) && v > 0;
}

/** Whether `v` is a finite number. */
export function finite(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v);
}

export { checkOption };

/**
 * Base of the learning-rate schedulers (torch's LRScheduler). Constructing one records each group's
 * `initialLr` (when `lastEpoch` is -1) and performs the initial step (lastEpoch 0); call `step()` once
 * per epoch after `optimizer.step()`. Subclasses implement `getLr()` in torch's chainable form (from
 * the groups' current lr), so schedules compose with manual lr changes exactly as in PyTorch.
 * @example
 *   const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 *   for (let epoch = 0; epoch < 100; epoch++) { trainOneEpoch(); sched.step(); }
 */
export abstract class LRScheduler<O extends object = object> {
  /** The optimizer whose groups' lr this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** The index of the last step taken (0 after construction). */
  lastEpoch: number;
  /** Each group's initialLr when the scheduler was made. */
  baseLrs: number[];
  /** How many times step() has run, the initial step included. */
  protected stepCount = 0;
  /** Each group's lr after the last step (getLastLr() returns a copy). */
  protected lastLr: number[] = [];
  /** This scheduler's resolved options (saved in its state dict). */
  protected readonly options: O;
  /** The scheduler's class name, for error messages. */
  protected readonly name: string;

  /**
   * `options` are the subclass's resolved options; `lastEpoch` -1 starts a fresh schedule, any other
   * value resumes one (the groups must then hold `initialLr`, as a loaded optimizer state does).
   */
  protected constructor(optimizer: AnyOptimizer, options: O, lastEpoch = -1) {
    this.name = new.target.name;
    checkOptimizer(this.name, optimizer);
    checkOption(Number.isInteger(lastEpoch) && lastEpoch >= -1, this.name, "lastEpoch", lastEpoch, "an integer >= -1");
    this.optimizer = optimizer;
    this.options = options;
    optimizer.paramGroups.forEach((g, i) => {
      if (lastEpoch === -1) {
        if (g.initialLr === undefined) g.initialLr = g.lr;
      } else if (typeof g.initialLr !== "number") {
        throw new ValueError(
          `${this.name}: param group ${i} has no initialLr, which resuming with lastEpoch ${lastEpoch} needs (load the optimizer state saved with the schedule first)`,
        );
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
    this.step();
  }

  /** The learning rate of each group for the epoch `lastEpoch` has just become. */
  protected abstract getLr(): number[];

  /**
   * Advances the schedule by one epoch and writes the new learning rates into the groups. Given an
   * `epoch`, jumps there instead, as torch's deprecated step(epoch) does (the closed form where the
   * schedule has one).
   * @example for (let epoch = 0; epoch < 100; epoch++) { trainOneEpoch(); sched.step(); }
   */
  step(epoch?: number): void {
    if (epoch !== undefined) {
      checkOption(Number.isInteger(epoch) && epoch >= 0, this.name, "step(epoch)", epoch, "an integer >= 0");
      return this._stepAt(epoch);
    }
    this.stepCount++;
    this.lastEpoch++;
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = values[i]));
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The learning rates at `lastEpoch` computed from baseLrs directly (torch's _get_closed_form_lr),
   * for schedules that have one; null otherwise.
   */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * @internal Jumps to `epoch` (torch's deprecated step(epoch)): the closed form where the schedule
   * has one, else its step rule from the current rates. SequentialLR restarts a schedule with it.
   */
  _stepAt(epoch: number): void {
    this.stepCount++;
    this.lastEpoch = epoch;
    const values = this.closedFormLr() ?? this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = values[i]));
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The learning rate of each group as last set by this scheduler (torch's get_last_lr).
   * @example sched.getLastLr()  // e.g. [0.001], one per param group
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The groups' current learning rates (the start of the chainable forms). */
  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * A snapshot of the scheduler's state (see SchedulerStateDict).
   * @example const saved = sched.stateDict(); sched.step(); sched.loadStateDict(saved);  // back where it was
   */
  stateDict(): SchedulerStateDict {
    return {
      ...structuredClone(this.options),
      /** -1 (the default) for a fresh schedule; the index of the last epoch to resume one. */
      lastEpoch: this.lastEpoch,
      baseLrs: [...this.baseLrs],
      lastLr: [...this.lastLr],
      stepCount: this.stepCount,
    };
  }

  /**
   * Restores a state from `stateDict()` of the same kind of scheduler.
   * @example io.loadCheckpoint("ckpt.safetensors", { model, optimizer: opt, scheduler: sched });  // calls sched.loadStateDict
   */
  loadStateDict(dict: SchedulerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (dict === null || typeof dict !== "object" || typeof dict.lastEpoch !== "number" || !Array.isArray(dict.baseLrs)) {
      throw new ValueError(`${where}: expected a state made by ${this.name}.stateDict(), got ${JSON.stringify(dict)}`);
    }
    const options = this.options as Record<string, unknown>;
    for (const key of Object.keys(options)) if (key in dict) options[key] = structuredClone(dict[key]);
    this.lastEpoch = dict.lastEpoch;
    this.baseLrs = [...(dict.baseLrs as number[])];
    this.lastLr = Array.isArray(dict.lastLr) ? [...(dict.lastLr as number[])] : this.currentLrs();
    this.stepCount = typeof dict.stepCount === "number" ? dict.stepCount : this.stepCount;
  }
}
