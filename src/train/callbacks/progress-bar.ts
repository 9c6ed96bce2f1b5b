// ProgressBar: on a terminal, a live bar per epoch with the running loss and metrics, samples per
// second and time left; elsewhere (a pipe, a log file, CI, a browser's console) one line per epoch.

import { platform } from "#platform";
import type { TextSink } from "../../platform/platform.js";
import { TerminalBar } from "./terminal-bar.js";
import type { Logs } from "../history.js";
import { formatDuration, formatRate, epochLine, metricPairs } from "../progress.js";
import { Callback, type TrainingContext } from "./callback.js";
import { checkOptions } from "../../tensor/options.js";

/** The slice of a stream the progress display writes to (process.stderr by default; the console in a browser). */
export type ProgressStream = TextSink;

/** Options of ProgressBar. */
export interface ProgressBarOptions {
  /** Where to draw (default process.stderr, so results on stdout stay clean for pipes; in a browser, console.log). */
  stream?: ProgressStream;
  /** Force the live bar on or off (default: on exactly when the stream is a terminal). */
  tty?: boolean;
}

/**
 * Shows training progress: a per-epoch bar with loss, metrics, samples/s and time left when the
 * stream is a terminal; one line per epoch otherwise, e.g.
 * `Epoch 3/10 - 2.1s - 3,456 samples/s - loss 0.1834 - accuracy 0.9461 - valLoss 0.2011 - valAccuracy 0.9400`.
 * fit adds one by itself when `verbose` is 1 (the default) and none is given.
 * @example callbacks: [new train.ProgressBar()]
 */
export class ProgressBar extends Callback {
  private readonly stream: ProgressStream;
  private readonly live: boolean;
  private bar: TerminalBar | null = null;
  private epochStart = 0;
  private seen = 0;
  private epoch = 0;

  constructor(opts: ProgressBarOptions = {}) {
    checkOptions("ProgressBar", opts, ["stream", "tty"]);
    const { stream = platform.progressSink(), tty } = opts;
    super();
    this.stream = stream;
    this.live = tty ?? stream.isTTY === true;
  }

  override onEpochBegin(epoch: number, _logs: Logs, ctx: TrainingContext): void {
    this.epoch = epoch;
    this.epochStart = performance.now();
    this.seen = 0;
    if (!this.live) return;
    this.bar = new TerminalBar(this.stream, `Epoch ${epoch + 1}/${ctx.epochs}`, ctx.stepsPerEpoch);
    this.bar.update(0, " | - | - left");
  }

  override onBatchEnd(batch: number, logs: Logs, ctx: TrainingContext): void {
    this.seen += logs.size ?? 0;
    if (!this.bar) return;
    const elapsed = (performance.now() - this.epochStart) / 1000;
    const left = ctx.stepsPerEpoch - (batch + 1);
    const figures = metricPairs(logs, ctx.metrics).join("  ");
    const rate = formatRate(this.seen / Math.max(elapsed, 1e-9));
    this.bar.update(batch + 1, `${figures} | ${rate} | ${formatDuration((elapsed / (batch + 1)) * left)} left`);
  }

  override onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): void {
    this.stopBar();
    const seconds = (performance.now() - this.epochStart) / 1000;
    this.stream.write(epochLine(epoch, ctx.epochs, seconds, this.seen, logs) + "\n");
  }

  override onTrainEnd(_logs: Logs, ctx: TrainingContext): void {
    // An epoch cut short (Ctrl-C, NaN, a callback) never reached onEpochEnd: clear its bar.
    if (this.bar) {
      this.stopBar();
      this.stream.write(`Epoch ${this.epoch + 1}/${ctx.epochs} stopped after ${this.seen} samples\n`);
    }
  }

  /** Removes a bar still on screen (fit calls this when training ends with an error). */
  close(): void {
    this.stopBar();
  }

  private stopBar(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
