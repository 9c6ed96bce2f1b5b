// Text for progress displays: durations, speeds, and the one-line summary of an epoch that the
// ProgressBar prints (and the CLI logs when not on a terminal).

import type { Logs } from "./history.js";
import { fmt } from "./callbacks/callback.js";

/**
 * "850ms", "12.3s", "4m05s", "1h02m".
 * @example train.formatDuration(245)  // "4m05s"
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "-";
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * "3,456 samples/s".
 * @example train.formatRate(3456.2)  // "3,456 samples/s"
 */
export function formatRate(perSecond: number): string {
  return Number.isFinite(perSecond) ? `${Math.round(perSecond).toLocaleString("en-US")} samples/s` : "-";
}

/** Keys a display leaves out: bookkeeping rather than figures. */
const HIDDEN = new Set(["size", "epoch", "batch", "batchLoss", "lr"]);

/** "loss 0.1834", "accuracy 0.9461", … for the loss, the metrics and any validation figures, in log order. */
export function metricPairs(logs: Logs, metricOrder?: readonly string[]): string[] {
  const keys = Object.keys(logs).filter((k) => !HIDDEN.has(k));
  if (metricOrder) keys.sort((a, b) => rank(a, metricOrder) - rank(b, metricOrder));
  return keys.map((k) => `${k} ${fmt(logs[k])}`);
}

function rank(key: string, metrics: readonly string[]): number {
  const isVal = /^val[A-Z]/.test(key);
  const base = isVal ? key.charAt(3).toLowerCase() + key.slice(4) : key;
  const i = base === "loss" ? -1 : metrics.indexOf(base);
  return (isVal ? 1000 : 0) + (i === -1 && base !== "loss" ? 500 : i);
}

/**
 * `Epoch 3/10 - 2.1s - 3,456 samples/s - loss 0.1834 - accuracy 0.9461 - valLoss …`.
 * @example train.epochLine(2, 10, 2.1, 7234, { loss: 0.1834 })  // "Epoch 3/10 - 2.1s - 3,445 samples/s - loss 0.1834" (epoch counts from 0)
 */
export function epochLine(epoch: number, epochs: number, seconds: number, samples: number, logs: Logs): string {
  return [
    `Epoch ${epoch + 1}/${epochs}`,
    formatDuration(seconds),
    formatRate(samples / Math.max(seconds, 1e-9)),
    ...metricPairs(logs),
  ].join(" - ");
}
