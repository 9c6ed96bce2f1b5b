// LRSchedulerCallback: steps an optim.lrScheduler from fit — once per epoch (or per batch), and
// ReduceLROnPlateau with the monitored figure.

import { ValueError } from "../../errors.js";
import { ReduceLROnPlateau } from "../../optim/lr-scheduler/reduce-lr-on-plateau.js";
import type { Logs } from "../history.js";
import { Callback, monitored, normalizeMonitor, type TrainingContext } from "./callback.js";
import { checkOptions } from "../../tensor/options.js";

/** What the callback needs of a scheduler: `step()` (epoch schedules) or `step(metric)` (plateau). */
export interface SchedulerLike {
  // `any`: ReduceLROnPlateau takes a number or a one-element Tensor, the others take nothing.
  /** Advances the schedule by one epoch (or batch); plateau schedulers take the monitored value. */
  step(metric?: any): void;
}

/** Options of LRSchedulerCallback. */
export interface LRSchedulerCallbackOptions {
  /** The figure given to ReduceLROnPlateau (default "valLoss", or "loss" without validation). */
  monitor?: string;
  /** Step after every epoch (default, as PyTorch schedules are written) or after every batch (OneCycleLR). */
  interval?: "epoch" | "batch";
}

/**
 * Calls `scheduler.step()` at the end of every epoch — `scheduler.step(logs[monitor])` for
 * ReduceLROnPlateau — or after every batch with `interval: "batch"`.
 * @example
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 5 });
 * await train.fit(model, data, { optimizer: opt, callbacks: [new train.LRSchedulerCallback(sched)] });
 */
export class LRSchedulerCallback extends Callback {
  /**
   * The figure given to a plateau scheduler's step(metric); undefined: "valLoss", or "loss" without
   * validation.
   */
  readonly monitor: string | undefined;
  /** Whether the scheduler steps after every epoch or every batch. */
  readonly interval: "epoch" | "batch";

  constructor(
    /** The scheduler stepped (any optim.lrScheduler, ReduceLROnPlateau included). */
    readonly scheduler: SchedulerLike,
    opts: LRSchedulerCallbackOptions = {},
  ) {
    checkOptions("LRSchedulerCallback", opts, ["monitor", "interval"]);
    const { monitor, interval = "epoch" } = opts;
    super();
    if (!scheduler || typeof scheduler.step !== "function")
      throw new ValueError("LRSchedulerCallback: expected a scheduler with a step() method");
    if (interval !== "epoch" && interval !== "batch")
      throw new ValueError(`LRSchedulerCallback: interval must be "epoch" or "batch", got ${JSON.stringify(interval)}`);
    if (interval === "batch" && this.isPlateau())
      throw new ValueError('LRSchedulerCallback: ReduceLROnPlateau steps once per epoch with a metric; interval must be "epoch"');
    this.monitor = monitor === undefined ? undefined : normalizeMonitor(monitor);
    this.interval = interval;
  }

  private isPlateau(): boolean {
    return this.scheduler instanceof ReduceLROnPlateau;
  }

  override onBatchEnd(_batch?: number, _logs?: Logs, _ctx?: TrainingContext): void {
    if (this.interval === "batch") this.scheduler.step();
  }

  override onEpochEnd(_epoch: number, logs: Logs, _ctx?: TrainingContext): void {
    if (this.interval !== "epoch") return;
    if (!this.isPlateau()) return this.scheduler.step();
    const monitor = this.monitor ?? ("valLoss" in logs ? "valLoss" : "loss");
    this.scheduler.step(monitored("LRSchedulerCallback", monitor, logs));
  }
}
