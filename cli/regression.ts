// Regression in the data's own units: the model learns standardised targets, and its outputs are
// turned back before MAE, RMSE and R² are reported, so the figures mean what the user's column means.

import * as tg from "../src/index.js";
import type { Tensor } from "../src/index.js";
import type { Standardize } from "./data.js";

/** Model outputs (standardised) back in the target's units: y = out · std + mean. */
export function unstandardize(out: Tensor, s: Standardize | undefined): Tensor {
  return s ? tg.noGrad(() => out.mul(tg.tensor(s.std)).add(tg.tensor(s.mean))) : out;
}

export interface RegressionMetrics {
  /** Mean squared error in the target's units. */
  loss: number;
  mae: number;
  rmse: number;
  /** 1 − SSE / SST over every output; 0 is as good as predicting the test set's mean. */
  r2: number;
  /** RMSE of always predicting the training targets' mean: the figure to beat. */
  baselineRmse: number;
}

/** Metrics of predictions `pred` against `y`, both [N, K] in the target's units. */
export function regressionMetrics(pred: Tensor, y: Tensor, trainMean: readonly number[]): RegressionMetrics {
  const p = pred.toFloat32Array(),
    t = y.toFloat32Array();
  const k = y.shape[1] ?? 1,
    n = t.length / k;
  const colMean = new Array<number>(k).fill(0);
  for (let i = 0; i < t.length; i++) colMean[i % k] += t[i] / n;
  let abs = 0,
    sse = 0,
    sst = 0,
    base = 0;
  for (let i = 0; i < t.length; i++) {
    const e = p[i] - t[i];
    abs += Math.abs(e);
    sse += e * e;
    sst += (t[i] - colMean[i % k]) ** 2;
    base += (t[i] - trainMean[i % k]) ** 2;
  }
  const m = t.length;
  return { loss: sse / m, mae: abs / m, rmse: Math.sqrt(sse / m), r2: sst > 0 ? 1 - sse / sst : 0, baselineRmse: Math.sqrt(base / m) };
}
