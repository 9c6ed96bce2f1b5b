// TerminateOnNaN (keras.callbacks.TerminateOnNaN): stop cleanly, instead of with an error, when a
// batch's loss is NaN or infinite.

import type { Logs } from "../history.js";
import { Callback, type TrainingContext } from "./callback.js";

/**
 * Stops training at the first batch whose loss is NaN or ±Infinity. Without it fit throws a
 * ValueError there; with it fit returns normally, the update from that batch is skipped (the model
 * keeps its last finite weights), the cut-short epoch is recorded in the History with its NaN
 * loss, and `history.stopReason` says where it happened.
 * @example callbacks: [new train.TerminateOnNaN()]
 */
export class TerminateOnNaN extends Callback {
  override onBatchEnd(batch: number, logs: Logs, _ctx?: TrainingContext): void {
    const loss = logs.batchLoss ?? logs.loss;
    if (Number.isFinite(loss)) return;
    const epoch = logs.epoch;
    this.stop(`TerminateOnNaN: loss is ${loss} at epoch ${epoch + 1}, batch ${batch + 1}`);
  }
}
