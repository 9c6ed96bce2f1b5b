// EarlyStopping (keras.callbacks.EarlyStopping): stop when a monitored figure has not improved for
// `patience` epochs, optionally putting back the weights of the best epoch.

import { ValueError } from "../../errors.js";
import { noGrad } from "../../autograd/grad-mode.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Logs } from "../history.js";
import { Callback, fmt, improves, monitored, normalizeMonitor, resolveMode, type TrainingContext } from "./callback.js";
import { checkOptions } from "../../tensor/options.js";

/** Options of EarlyStopping (Keras's names and defaults, camelCase). */
export interface EarlyStoppingOptions {
  /** The logged figure to watch (default "valLoss"; Keras's "val_loss" spelling works too). */
  monitor?: string;
  /** Epochs without improvement to tolerate before stopping (default 0: stop at the first). */
  patience?: number;
  /** An improvement must beat the best by more than this (default 0). */
  minDelta?: number;
  /** "min", "max", or "auto" (default): maximise accuracy-like figures, minimise the rest. */
  mode?: "auto" | "min" | "max";
  /** Stop unless the figure beats this value within `patience` epochs (default none). */
  baseline?: number;
  /** When stopping, restore the weights (and buffers) of the best epoch (default false). */
  restoreBestWeights?: boolean;
}

/**
 * Stops training once `monitor` has failed to improve for `patience` consecutive epochs, as Keras
 * does (its bookkeeping exactly: the wait counter, `minDelta`, `baseline`, and with
 * `restoreBestWeights` the best epoch's weights put back when it stops).
 * @example callbacks: [new train.EarlyStopping({ monitor: "valLoss", patience: 3, restoreBestWeights: true })]
 */
export class EarlyStopping extends Callback {
  /** The logged figure watched ("valLoss" unless told). */
  readonly monitor: string;
  /** Epochs without improvement tolerated before stopping. */
  readonly patience: number;
  /** The margin an improvement must beat the best by. */
  readonly minDelta: number;
  /** Whether lower ("min") or higher ("max") values of `monitor` are better, resolved from "auto". */
  readonly mode: "min" | "max";
  /** A value the monitored figure must beat within `patience` epochs (undefined: none). */
  readonly baseline: number | undefined;
  /** Whether the best epoch's weights are restored when training stops. */
  readonly restoreBestWeights: boolean;
  /** The best value so far. */
  best = NaN;
  /** The epoch of the best value (-1 before any). */
  bestEpoch = -1;
  /** The epoch at which training was stopped (-1 if it was not). */
  stoppedEpoch = -1;
  private wait = 0;
  private bestWeights: Record<string, Tensor> | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    checkOptions("EarlyStopping", opts, ["monitor", "patience", "minDelta", "mode", "baseline", "restoreBestWeights"]);
    const { monitor = "valLoss", patience = 0, minDelta = 0, mode = "auto", baseline, restoreBestWeights = false } = opts;
    super();
    if (!Number.isInteger(patience) || patience < 0)
      throw new ValueError(`EarlyStopping: patience must be an integer >= 0, got ${patience}`);
    if (!(minDelta >= 0)) throw new ValueError(`EarlyStopping: minDelta must be a number >= 0, got ${minDelta}`);
    this.monitor = normalizeMonitor(monitor);
    this.patience = patience;
    this.minDelta = minDelta;
    this.mode = resolveMode("EarlyStopping", this.monitor, mode);
    this.baseline = baseline;
    this.restoreBestWeights = restoreBestWeights;
  }

  override onTrainBegin(_logs?: Logs, _ctx?: TrainingContext): void {
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.best = this.mode === "min" ? Infinity : -Infinity;
    this.bestEpoch = -1;
    this.bestWeights = null;
  }

  override onEpochEnd(epoch: number, logs: Logs, _ctx?: TrainingContext): void {
    const current = monitored("EarlyStopping", this.monitor, logs);
    this.wait += 1;
    if (improves(current, this.best, this.mode, this.minDelta)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = snapshot(this.model.stateDict());
      // Keras: an improvement that still misses the baseline does not reset the wait.
      if (this.baseline === undefined || improves(current, this.baseline, this.mode, this.minDelta)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      let reason =
        `EarlyStopping: ${this.monitor} did not improve for ${this.wait} epoch${this.wait === 1 ? "" : "s"} ` +
        `(best ${fmt(this.best)} at epoch ${this.bestEpoch + 1})`;
      if (this.restoreBestWeights && this.bestWeights) {
        this.model.loadStateDict(this.bestWeights);
        reason += `; restored the weights of epoch ${this.bestEpoch + 1}`;
      }
      this.stop(reason);
    }
  }
}

/** Copies of every state tensor, so later training cannot change them. */
export function snapshot(state: Record<string, Tensor>): Record<string, Tensor> {
  return noGrad(() => Object.fromEntries(Object.entries(state).map(([k, t]) => [k, t.clone()])));
}
