// ProgressBar: on a terminal, a live bar per epoch (cli-progress) with the running loss and metrics,
// samples per second and time left; elsewhere (a pipe, a log file, CI) one plain line per epoch.

import cliProgress from "cli-progress";
import type { Logs } from "../history.js";
import { formatDuration, formatRate, epochLine, metricPairs } from "../progress.js";
import { Callback, type TrainingContext } from "./callback.js";

/** The slice of a stream the progress display writes to (process.stderr by default). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressBarOptions {
  /** Where to draw (default process.stderr, so results on stdout stay clean for pipes). */
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
  private bar: cliProgress.SingleBar | null = null;
  private epochStart = 0;
  private seen = 0;
  private epoch = 0;

  constructor({ stream = process.stderr, tty }: ProgressBarOptions = {}) {
    super();
    this.stream = stream;
    this.live = tty ?? stream.isTTY === true;
  }

  override onEpochBegin(epoch: number, _logs: Logs, ctx: TrainingContext): void {
    this.epoch = epoch;
    this.epochStart = performance.now();
    this.seen = 0;
    if (!this.live) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `Epoch ${epoch + 1}/${ctx.epochs} {bar} {value}/{total} {figures} | {rate} | {timeLeft} left`,
        stream: this.stream as NodeJS.WritableStream,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        linewrap: false,
        noTTYOutput: this.live,
        fps: 8,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(ctx.stepsPerEpoch, 0, { figures: "", rate: "-", timeLeft: "-" });
  }

  override onBatchEnd(batch: number, logs: Logs, ctx: TrainingContext): void {
    this.seen += logs.size ?? 0;
    if (!this.bar) return;
    const elapsed = (performance.now() - this.epochStart) / 1000;
    const left = ctx.stepsPerEpoch - (batch + 1);
    this.bar.update(batch + 1, {
      figures: metricPairs(logs, ctx.metrics).join("  "),
      rate: formatRate(this.seen / Math.max(elapsed, 1e-9)),
      timeLeft: formatDuration((elapsed / (batch + 1)) * left),
    });
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
