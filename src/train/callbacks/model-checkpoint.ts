// ModelCheckpoint (keras.callbacks.ModelCheckpoint): save a resumable checkpoint (io.saveCheckpoint)
// after every epoch, or only when the monitored figure improves.

import { ValueError } from "../../errors.js";
import { checkOptions } from "../../tensor/options.js";
import { saveCheckpointAsync, type CheckpointScheduler } from "../../io/checkpoint.js";
import type { Logs } from "../history.js";
import { Callback, improves, monitored, normalizeMonitor, resolveMode, type TrainingContext } from "./callback.js";

/** Options of ModelCheckpoint (Keras's names, camelCase). */
export interface ModelCheckpointOptions {
  /**
   * Where to save. `{epoch}` becomes the 1-based epoch number (`{epoch:03d}` zero-pads it, as
   * Keras), so `ckpt-{epoch}.safetensors` keeps one file per epoch.
   */
  path: string;
  /** The figure that decides "best" (default "valLoss"). */
  monitor?: string;
  /** Save only when `monitor` improves on the best so far (default false: every epoch). */
  saveBestOnly?: boolean;
  /**
   * Whether lower ("min") or higher ("max") values of `monitor` are better ("auto", the default, maximises
   * accuracy-like figures).
   */
  mode?: "auto" | "min" | "max";
  /** With saveBestOnly: a value the first save must beat (e.g. the best of a run being resumed). */
  initialValueThreshold?: number;
  /** JSON-able data stored with every checkpoint (e.g. the model's configuration). */
  extra?: unknown;
  /** A learning-rate scheduler whose state is saved too (needed to resume a schedule exactly). */
  scheduler?: CheckpointScheduler;
}

/**
 * Fills `{epoch}` / `{epoch:0Nd}` in a checkpoint path with the 1-based number of the 0-based epoch
 * index `epoch`, as Keras's ModelCheckpoint formats `filepath`.
 * @example train.formatCheckpointPath("runs/ckpt-{epoch:03d}.safetensors", 4)  // "runs/ckpt-005.safetensors"
 */
export function formatCheckpointPath(path: string, epoch: number): string {
  return path.replace(/\{epoch(?::0?(\d+)d)?\}/g, (_, width: string | undefined) =>
    String(epoch + 1).padStart(width ? Number(width) : 0, "0"),
  );
}

/**
 * Saves model, optimizer (and `scheduler`), epoch, history and the random generator's state with io.saveCheckpoint
 * at the end of each epoch (or only on improvement with `saveBestOnly`), so training can resume
 * exactly: load it with io.loadCheckpoint and call fit with `initialEpoch: epoch + 1`.
 * @example new train.ModelCheckpoint({ path: "runs/best.safetensors", monitor: "valLoss", saveBestOnly: true })
 */
export class ModelCheckpoint extends Callback {
  /** Where checkpoints are written; `{epoch}` or `{epoch:03d}` is replaced by the 1-based epoch. */
  readonly path: string;
  /** The logged figure that decides "best". */
  readonly monitor: string;
  /** Whether a checkpoint is written only when `monitor` improves. */
  readonly saveBestOnly: boolean;
  /** Whether lower ("min") or higher ("max") values of `monitor` are better, resolved from "auto". */
  readonly mode: "min" | "max";
  /** The best monitored value saved so far. */
  best: number;
  /** The epoch of the best value saved (-1 before any save). */
  bestEpoch = -1;
  /** The file written last (null before the first save). */
  lastSaved: string | null = null;
  private readonly extra: unknown;
  private readonly scheduler: CheckpointScheduler | undefined;

  constructor(options: ModelCheckpointOptions) {
    super();
    checkOptions("ModelCheckpoint", options, ["path", "monitor", "saveBestOnly", "mode", "initialValueThreshold", "extra", "scheduler"]);
    const { path, monitor = "valLoss", saveBestOnly = false, mode = "auto", initialValueThreshold, extra, scheduler } = options ?? {};
    if (typeof path !== "string" || path === "")
      throw new ValueError(`ModelCheckpoint: path must be a non-empty string, got ${JSON.stringify(path)}`);
    this.path = path;
    this.monitor = normalizeMonitor(monitor);
    this.saveBestOnly = saveBestOnly;
    this.mode = resolveMode("ModelCheckpoint", this.monitor, mode);
    this.best = initialValueThreshold ?? (this.mode === "min" ? Infinity : -Infinity);
    this.extra = extra;
    this.scheduler = scheduler;
  }

  override async onEpochEnd(epoch: number, logs: Logs, _ctx?: TrainingContext): Promise<void> {
    if (this.saveBestOnly) {
      const current = monitored("ModelCheckpoint", this.monitor, logs);
      if (!improves(current, this.best, this.mode)) return;
      this.best = current;
      this.bestEpoch = epoch;
    }
    const file = formatCheckpointPath(this.path, epoch);
    const extra = {
      monitor: this.monitor,
      best: this.saveBestOnly ? this.best : undefined,
      logs,
      ...(this.extra !== undefined ? { user: this.extra } : {}),
    };
    // Awaited: the weights are read back first where they live on a device (WebGPU).
    await saveCheckpointAsync(file, {
      model: this.model,
      optimizer: this.optimizer,
      scheduler: this.scheduler,
      epoch,
      history: this.ctx.history.toJSON(),
      extra,
    });
    this.lastSaved = file;
  }
}
