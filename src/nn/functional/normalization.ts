// batchNorm and layerNorm for nn.functional, composed of primitives so their gradients (through
// the batch statistics too) come from autograd. Running statistics are updated in place.

import { widestFloat } from "../../backend/current.js";
import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { shapesEqual, sizeOf } from "../../tensor/shape.js";
import { fusedLayerNorm, layerNormRows } from "../../ops/primitives/layer-norm.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { markIntermediate } from "../../autograd/engine.js";

/** Options of F.batchNorm (torch's batch_norm arguments, camelCase). */
export interface BatchNormOptions {
  /** Per-channel scale γ, shape [C] (null: none). */
  weight?: Tensor | null;
  /** Per-channel shift β, shape [C] (null: none). */
  bias?: Tensor | null;
  /** Normalise with the batch's statistics (and update the running ones); default false, as torch. */
  training?: boolean;
  /** Weight of the new batch in the running averages (default 0.1). */
  /** A 0-d tensor too (BatchNorm's momentum null on WebGPU: 1 / batches seen, kept on the device). */
  momentum?: number | Tensor;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

function checkChannelVector(op: string, what: string, t: Tensor | null | undefined, x: Tensor, c: number): void {
  if (t != null && (t.ndim !== 1 || t.shape[0] !== c)) {
    throw new ShapeError(
      `${op}: ${what} ${fmtShape(t.shape)} does not fit input ${fmtShape(x.shape)} (expected [${c}], one value per channel in dim 1)`,
    );
  }
}

/**
 * Batch normalisation over every dim but the channel dim 1 (torch.nn.functional.batch_norm).
 * Training mode normalises with the biased batch variance but feeds the unbiased one into
 * `runningVar`, as torch does; eval mode uses `runningMean`/`runningVar`.
 * @example F.batchNorm(x, null, null, { training: true })
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  checkOptions("batchNorm", opts, ["weight", "bias", "training", "momentum", "eps"]);
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = opts;
  if (x.ndim < 2) throw new ShapeError(`batchNorm: expected input [N, C, ...] with at least 2 dims, got ${fmtShape(x.shape)}`);
  const c = x.shape[1];
  checkChannelVector("batchNorm", "running_mean", runningMean, x, c);
  checkChannelVector("batchNorm", "running_var", runningVar, x, c);
  checkChannelVector("batchNorm", "weight", weight, x, c);
  checkChannelVector("batchNorm", "bias", bias, x, c);
  if ((runningMean === null) !== (runningVar === null)) {
    throw new ValueError("batchNorm: runningMean and runningVar must both be given or both be null");
  }
  // Per-channel vectors broadcast as [1, C, 1, …].
  const statShape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  let xhat: Tensor;
  if (training || runningMean === null) {
    const count = x.size / Math.max(c, 1);
    if (count <= 1) {
      throw new ValueError(`batchNorm: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
    }
    const mean = x.mean(dims, true);
    const centred = x.sub(mean);
    const variance = centred.mul(centred).mean(dims, true);
    xhat = centred.div(variance.add(eps).sqrt());
    if (training && runningMean !== null && runningVar !== null) {
      updateRunning(runningMean, mean, momentum, 1);
      updateRunning(runningVar, variance, momentum, count / (count - 1));
    }
  } else {
    xhat = x.sub(runningMean.reshape(statShape)).div(runningVar!.reshape(statShape).add(eps).sqrt());
  }
  if (weight !== null) xhat = xhat.mul(weight.reshape(statShape));
  if (bias !== null) xhat = xhat.add(bias.reshape(statShape));
  return xhat;
}

/**
 * running ← (1 - m)·running + m·scale·batch, in place: computed in float64 and rounded once into the
 * buffer's dtype.
 */
function updateRunning(running: Tensor, batch: Tensor, momentum: number | Tensor, scale: number): void {
  if (!running.isContiguous)
    throw new ValueError(`batchNorm: running statistics must be contiguous, got strides ${fmtShape(running.strides)}`);
  // float64 where the backend has it (WebGPU computes in float32).
  const wide = widestFloat();
  noGrad(() => {
    const keep = typeof momentum === "number" ? 1 - momentum : momentum.to(wide).neg().add(1);
    const take = typeof momentum === "number" ? momentum * scale : momentum.to(wide).mul(scale);
    const next = running.to(wide).mul(keep).add(batch.reshape(running.shape).to(wide).mul(take));
    running.copy_(next);
  });
}

/** Options of F.layerNorm. */
export interface LayerNormOptions {
  /** Scale of the normalized shape (null: none). */
  weight?: Tensor | null;
  /** Shift of the normalized shape (null: none). */
  bias?: Tensor | null;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/**
 * Normalises over the trailing dims given by `normalizedShape` with the biased variance, then
 * applies the elementwise affine (torch.nn.functional.layer_norm).
 * @example F.layerNorm(x, [x.shape.at(-1)!])
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], opts: LayerNormOptions = {}): Tensor {
  checkOptions("layerNorm", opts, ["weight", "bias", "eps"]);
  const { weight = null, bias = null, eps = 1e-5 } = opts;
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const k = shape.length;
  if (k === 0 || x.ndim < k || !shapesEqual(x.shape.slice(x.ndim - k), shape)) {
    throw new ShapeError(
      `layerNorm: input ${fmtShape(x.shape)} does not end with the normalized shape ${fmtShape(shape)} (expected input [..., ${shape.join(", ")}])`,
    );
  }
  for (const [what, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t !== null && !shapesEqual(t.shape, shape)) {
      throw new ShapeError(`layerNorm: ${what} ${fmtShape(t.shape)} does not match the normalized shape ${fmtShape(shape)}`);
    }
  }
  if (fusedLayerNorm(x, weight, bias)) {
    // Rows of the normalized size: one fused kernel each way (ops/primitives/layer-norm.ts).
    const C = sizeOf(shape);
    const rows = x.contiguous().reshape([x.size / C, C]);
    return layerNormRows(rows, weight?.reshape([C]) ?? null, bias?.reshape([C]) ?? null, eps).reshape(x.shape);
  }
  const dims = shape.map((_, i) => x.ndim - k + i);
  const centred = x.sub(x.mean(dims, true));
  const squares = centred.mul(centred);
  const variance = squares.mean(dims, true);
  const normalized = centred.div(variance.add(eps).sqrt());
  // The input-sized values between x and the result (the result excepted) are this function's own:
  // backward frees them with the graph rather than leaving them to the collector.
  markIntermediate(centred, squares);
  let out = normalized;
  if (weight !== null) {
    markIntermediate(out);
    out = out.mul(weight);
  }
  if (bias !== null) {
    markIntermediate(out);
    out = out.add(bias);
  }
  return out;
}

/** Options of F.groupNorm and F.instanceNorm (torch's weight, bias and eps). */
export interface GroupNormOptions {
  /** Per-channel scale γ, shape [C] (default null: no scaling). */
  weight?: Tensor | null;
  /** Per-channel shift β, shape [C] (default null: no shift). */
  bias?: Tensor | null;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/**
 * Normalises each sample's channels in `numGroups` groups (over each group's channels and all
 * spatial positions, biased variance), then applies a per-channel affine (torch.nn.functional.group_norm).
 * @example F.groupNorm(x, 4, { weight, bias })  // x: [N, C, ...], C divisible by 4
 */
export function groupNorm(x: Tensor, numGroups: number, opts: GroupNormOptions = {}): Tensor {
  checkOptions("groupNorm", opts, ["weight", "bias", "eps"]);
  const { weight = null, bias = null, eps = 1e-5 } = opts;
  if (x.ndim < 2) throw new ShapeError(`groupNorm: expected an input [N, C, ...], got ${fmtShape(x.shape)}`);
  const [N, C] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups <= 0 || C % numGroups !== 0) {
    throw new ValueError(
      `groupNorm: numGroups must be a positive integer dividing the ${C} channels of ${fmtShape(x.shape)}, got ${numGroups}`,
    );
  }
  for (const [what, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t !== null && !shapesEqual(t.shape, [C]))
      throw new ShapeError(`groupNorm: ${what} ${fmtShape(t.shape)} must be [${C}] (one per channel)`);
  }
  const grouped = x.reshape([N, numGroups, -1]);
  const centred = grouped.sub(grouped.mean(2, true));
  const variance = centred.mul(centred).mean(2, true);
  let out = centred.div(variance.add(eps).sqrt()).reshape(x.shape);
  const perChannel = x.shape.map((n, d) => (d === 1 ? n : 1));
  if (weight !== null) out = out.mul(weight.reshape(perChannel));
  if (bias !== null) out = out.add(bias.reshape(perChannel));
  return out;
}

/**
 * Normalises each channel of each sample over its spatial positions (torch.nn.functional.instance_norm
 * without running statistics): group normalisation with one group per channel.
 * @example F.instanceNorm(tg.randn([2, 3, 16, 16]))  // each [16, 16] map: mean 0, variance 1
 */
export function instanceNorm(x: Tensor, opts: GroupNormOptions = {}): Tensor {
  checkOptions("instanceNorm", opts, ["weight", "bias", "eps"]);
  if (x.ndim < 3) throw new ShapeError(`instanceNorm: expected an input [N, C, ...spatial], got ${fmtShape(x.shape)}`);
  return groupNorm(x, x.shape[1], opts);
}
