// The callback protocol of fit (Keras's Callback): hooks at train / epoch / batch boundaries that
// see the logs, the model and the optimizer, and may stop training; plus the runner fit uses.

import { ValueError } from "../../errors.js";
import type { Module } from "../../nn/module.js";
import type { Optimizer } from "../../optim/optimizer.js";
import type { History, Logs } from "../history.js";

/** What fit shares with its callbacks. Setting `stopTraining` ends training after the current batch. */
export interface TrainingContext {
  /** The model being trained. */
  readonly model: Module;
  /** The optimizer fit steps (an instance even when fit was given a name such as "adam"). */
  readonly optimizer: Optimizer<any>;
  /** Train until this epoch index (exclusive), as Keras's `epochs`. */
  readonly epochs: number;
  /** The first epoch index of this fit (0, or where a resumed run picks up). */
  readonly initialEpoch: number;
  /** Batches per epoch. */
  readonly stepsPerEpoch: number;
  /** Training samples per epoch. */
  readonly samples: number;
  /** Metric names as logged for training ("accuracy"); validation twins are "valAccuracy". */
  readonly metrics: readonly string[];
  /** Whether validation figures (valLoss, valAccuracy, …) are computed each epoch. */
  readonly hasValidation: boolean;
  /** The History fit returns, filled one entry per epoch as training goes. */
  readonly history: History;
  /** Set to true to stop after the current batch (Keras's model.stop_training). */
  stopTraining: boolean;
  /** Why training stopped (recorded in History.stopReason). */
  stopReason: string | null;
}

type Awaitable = void | Promise<void>;

/**
 * The hooks a callback may implement; each also receives the training context last, so a plain
 * object works as a callback: `{ onEpochEnd(epoch, logs) { console.log(epoch, logs.loss) } }`.
 * Epochs and batches are 0-based indices. Epoch logs hold `loss`, the metrics, their `val` twins and
 * `lr`; batch logs hold the running means over the epoch so far plus `size` (samples in the batch).
 * Hooks may be async; fit awaits them.
 */
export interface CallbackHooks {
  /** Called once before the first epoch. */
  onTrainBegin?(logs: Logs, ctx: TrainingContext): Awaitable;
  /** Called once after training ends, also when a callback stopped it; `logs` are the last epoch's. */
  onTrainEnd?(logs: Logs, ctx: TrainingContext): Awaitable;
  /** Called at the start of each epoch (`epoch` is 0-based). */
  onEpochBegin?(epoch: number, logs: Logs, ctx: TrainingContext): Awaitable;
  /** Called for every completed epoch (not for one cut short by stopTraining). */
  onEpochEnd?(epoch: number, logs: Logs, ctx: TrainingContext): Awaitable;
  /** Called before each training batch (`batch` is its 0-based index in the epoch). */
  onBatchBegin?(batch: number, logs: Logs, ctx: TrainingContext): Awaitable;
  /** Called after each optimizer step with the epoch's running means so far and the batch `size`. */
  onBatchEnd?(batch: number, logs: Logs, ctx: TrainingContext): Awaitable;
  /** Called by fit before onTrainBegin. */
  setContext?(ctx: TrainingContext): void;
}

/**
 * Base class for callbacks (keras.callbacks.Callback): override the hooks you need; `this.model`,
 * `this.optimizer` and `this.stopTraining` are available once training has begun.
 * @example
 * class PrintLoss extends train.Callback {
 *   onEpochEnd(epoch: number, logs: Logs) { console.log(epoch, logs.loss); if (logs.loss < 0.01) this.stopTraining = true; }
 * }
 */
// The hooks are optional members (merged in from CallbackHooks) rather than no-op methods, so fit
// can tell which hooks a callback really has and skip building batch logs when none listens.
export interface Callback extends CallbackHooks {}
export class Callback implements CallbackHooks {
  /** The training context while fit runs (null before). */
  protected context: TrainingContext | null = null;

  /** Called by fit with its context before onTrainBegin; subclasses that override it call super. */
  setContext(ctx: TrainingContext): void {
    this.context = ctx;
  }

  /** The training context; a ValueError outside fit. */
  protected get ctx(): TrainingContext {
    if (!this.context) throw new ValueError(`${this.constructor.name}: the training context is available only during fit`);
    return this.context;
  }

  /** The model being trained (during fit). */
  get model(): Module {
    return this.ctx.model;
  }

  /** The optimizer fit steps (during fit). */
  get optimizer(): Optimizer<any> {
    return this.ctx.optimizer;
  }

  /** Whether training will stop after the current batch (Keras's model.stop_training). */
  get stopTraining(): boolean {
    return this.ctx.stopTraining;
  }
  /** Set to true to stop training after the current batch. */
  set stopTraining(on: boolean) {
    this.ctx.stopTraining = on;
  }

  /** Stops training after the current batch, recording why (the first reason given wins). */
  protected stop(reason: string): void {
    this.ctx.stopTraining = true;
    this.ctx.stopReason ??= reason;
  }
}

type HookName = "onTrainBegin" | "onTrainEnd" | "onEpochBegin" | "onEpochEnd" | "onBatchBegin" | "onBatchEnd";

/**
 * Runs a list of callbacks in order; a hook that returns a promise is awaited before the next.
 * @example const list = new train.CallbackList([new train.TerminateOnNaN(), { onEpochEnd: (e, logs) => console.log(e, logs.loss) }], ctx); await list.run("onEpochEnd", 0, { loss: 0.5 });
 */
export class CallbackList {
  constructor(
    /** The callbacks, run in this order. */
    readonly callbacks: readonly CallbackHooks[],
    private readonly ctx: TrainingContext,
  ) {
    for (const cb of callbacks) {
      if (cb === null || typeof cb !== "object")
        throw new ValueError(`fit: callbacks must be objects with hook methods, got ${String(cb)}`);
      cb.setContext?.(ctx);
    }
  }

  /** Whether any callback implements `hook` (fit skips building logs nobody reads). */
  has(hook: HookName): boolean {
    return this.callbacks.some((cb) => typeof cb[hook] === "function");
  }

  /** Calls `hook` on every callback that has it, in order, awaiting each. */
  async run(hook: "onTrainBegin" | "onTrainEnd", logs: Logs): Promise<void>;
  /** Calls `hook` with the epoch or batch index on every callback that has it, in order, awaiting each. */
  async run(hook: "onEpochBegin" | "onEpochEnd" | "onBatchBegin" | "onBatchEnd", index: number, logs: Logs): Promise<void>;
  async run(hook: HookName, a: number | Logs, b?: Logs): Promise<void> {
    for (const cb of this.callbacks) {
      const fn = cb[hook] as ((...args: unknown[]) => Awaitable) | undefined;
      if (typeof fn !== "function") continue;
      const r = b === undefined ? fn.call(cb, a, this.ctx) : fn.call(cb, a, b, this.ctx);
      if (r && typeof (r as Promise<void>).then === "function") await r;
    }
  }
}

// ---- monitoring a logged value (EarlyStopping, ModelCheckpoint, LRSchedulerCallback) ----------

/** Keras spells validation keys "val_loss"; tensorgrad logs "valLoss". Both are accepted. */
export function normalizeMonitor(monitor: string): string {
  return monitor.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const HIGHER_IS_BETTER = ["accuracy", "acc", "precision", "recall", "f1", "r2", "auc"];

/** "min" or "max" for `mode: "auto"`: accuracy-like metrics are maximised, everything else minimised. */
export function resolveMode(who: string, monitor: string, mode: "auto" | "min" | "max"): "min" | "max" {
  if (mode === "min" || mode === "max") return mode;
  if (mode !== "auto") throw new ValueError(`${who}: mode must be "auto", "min" or "max", got ${JSON.stringify(mode)}`);
  const base = monitor.replace(/^val(?=[A-Z])/, "");
  const name = base.charAt(0).toLowerCase() + base.slice(1);
  return HIGHER_IS_BETTER.includes(name) || /acc/i.test(name) ? "max" : "min";
}

/** The monitored value from epoch logs, or a ValueError naming what is available. */
export function monitored(who: string, monitor: string, logs: Logs): number {
  const v = logs[monitor];
  if (typeof v === "number") return v;
  const hint = monitor.startsWith("val") ? "; pass validationData or validationSplit to fit, or monitor a training figure" : "";
  throw new ValueError(`${who}: monitored value "${monitor}" is not in the epoch logs (available: ${Object.keys(logs).join(", ")})${hint}`);
}

/** Whether `current` beats `best` by more than `minDelta` in direction `mode`. */
export function improves(current: number, best: number, mode: "min" | "max", minDelta = 0): boolean {
  if (Number.isNaN(current)) return false;
  return mode === "min" ? current < best - minDelta : current > best + minDelta;
}

/** Formats a logged number for messages and progress lines. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}
