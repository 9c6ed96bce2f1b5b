// BatchNorm1d, BatchNorm2d and LayerNorm (torch.nn), with torch's buffers (running_mean,
// running_var, num_batches_tracked) and defaults (eps 1e-5, momentum 0.1, affine).

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { ones, zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { shapesEqual } from "../../tensor/shape.js";
import { batchNorm, layerNorm } from "../functional/normalization.js";
import { Module, keepsNoActivation } from "../module.js";
import type { Parameter } from "../parameter.js";
import { pyBool, pyFloat, pyTuple } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";
import { noGrad } from "../../autograd/grad-mode.js";

/** Options of nn.BatchNorm1d and nn.BatchNorm2d (torch's names and defaults). */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of each new batch in the running averages; null for a cumulative average (default 0.1). */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without them eval uses batch statistics. */
  trackRunningStats?: boolean;
}

/** Shared by BatchNorm1d and BatchNorm2d, which differ only in the input ranks they accept. */
abstract class BatchNormBase extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Weight of each new batch in the running averages (null: a cumulative average). */
  readonly momentum: number | null;
  /** Whether the layer learns a per-channel scale (weight) and shift (bias). */
  readonly affine: boolean;
  /** Whether running statistics are kept for eval mode. */
  readonly trackRunningStats: boolean;
  /** The per-channel scale γ, shape [C], initialised to ones (null without affine). */
  readonly weight: Parameter | null;
  /** The per-channel shift β, shape [C], initialised to zeros (null without affine). */
  readonly bias: Parameter | null;
  /**
   * The running mean per channel, shape [C] (state-dict key "running_mean"; null without
   * trackRunningStats).
   */
  readonly runningMean: Tensor | null;
  /**
   * The running unbiased variance per channel, shape [C] (state-dict key "running_var"; null without
   * trackRunningStats).
   */
  readonly runningVar: Tensor | null;
  /** Count of train-mode batches seen (int32 0-d; torch uses int64). */
  readonly numBatchesTracked: Tensor | null;

  constructor(
    /** The channel count C of the inputs. */
    readonly numFeatures: number,
    opts: BatchNormOptions = {},
  ) {
    checkOptions(new.target.name, opts, ["eps", "momentum", "affine", "trackRunningStats"]);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = opts;
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new ValueError(`${new.target.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    }
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.weight = this.registerParameter("weight", affine ? ones([numFeatures]) : null);
    this.bias = this.registerParameter("bias", affine ? zeros([numFeatures]) : null);
    this.runningMean = this.registerBuffer("running_mean", trackRunningStats ? zeros([numFeatures]) : null);
    this.runningVar = this.registerBuffer("running_var", trackRunningStats ? ones([numFeatures]) : null);
    this.numBatchesTracked = this.registerBuffer("num_batches_tracked", trackRunningStats ? zeros([], { dtype: "int32" }) : null);
  }

  /** Resets running_mean to 0, running_var to 1 and the batch count to 0. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.fill_(0);
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.fill_(0);
    });
  }

  /** Throws a ShapeError naming the layer when `x` is not an accepted input. */
  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    let factor: number | Tensor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      const nbt = this.numBatchesTracked;
      noGrad(() => nbt.add_(1));
      // momentum null: the running stats are the plain average of every batch so far (1 / count,
      // computed on the device where the count cannot be read synchronously).
      if (this.momentum === null) factor = nbt.storage.backend.host ? 1 / nbt.item() : noGrad(() => nbt.to("float32").reciprocal());
    }
    const useBatchStats = this.training || this.runningMean === null;
    return batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    const m = this.momentum === null ? "None" : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalisation of [N, C] or [N, C, L] inputs over N (and L) per channel (torch.nn.BatchNorm1d).
 * @example const bn = new nn.BatchNorm1d(64); bn.forward(h)  // h: [N, 64]
 */
export class BatchNorm1d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.numFeatures) {
      const c = this.numFeatures;
      throw new ShapeError(`BatchNorm1d(${c}): expected input [N, ${c}] or [N, ${c}, L], got ${fmtShape(x.shape)}`);
    }
  }
}

/**
 * Batch normalisation of [N, C, H, W] inputs per channel (torch.nn.BatchNorm2d).
 * @example new nn.BatchNorm2d(16).forward(tg.randn([8, 16, 28, 28]))
 */
export class BatchNorm2d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4 || x.shape[1] !== this.numFeatures) {
      const c = this.numFeatures;
      throw new ShapeError(`BatchNorm2d(${c}): expected input [N, ${c}, H, W], got ${fmtShape(x.shape)}`);
    }
  }
}

/** Options of nn.LayerNorm (torch's names and defaults). */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a scale and shift of the normalized shape (default true). */
  elementwiseAffine?: boolean;
}

/**
 * Normalises each sample over its trailing `normalizedShape` dims (torch.nn.LayerNorm); weight
 * ones and bias zeros of that shape.
 * @example new nn.LayerNorm(512).forward(x)  // x: [..., 512]
 */
export class LayerNorm extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** The trailing dims normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Whether the layer learns a scale and shift of normalizedShape. */
  readonly elementwiseAffine: boolean;
  /** The scale, shape normalizedShape, initialised to ones (null without elementwiseAffine). */
  readonly weight: Parameter | null;
  /** The shift, shape normalizedShape, initialised to zeros (null without elementwiseAffine). */
  readonly bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    checkOptions("LayerNorm", opts, ["eps", "elementwiseAffine"]);
    const { eps = 1e-5, elementwiseAffine = true } = opts;
    super();
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ValueError(`LayerNorm: normalizedShape must be positive integers, got ${fmtShape(shape)}`);
    }
    this.normalizedShape = Object.freeze(shape);
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    this.weight = this.registerParameter("weight", elementwiseAffine ? ones(shape) : null);
    this.bias = this.registerParameter("bias", elementwiseAffine ? zeros(shape) : null);
  }

  forward(x: Tensor): Tensor {
    const shape = this.normalizedShape;
    if (x.ndim < shape.length || !shapesEqual(x.shape.slice(x.ndim - shape.length), shape)) {
      throw new ShapeError(`LayerNorm(${fmtShape(shape)}): expected input [..., ${shape.join(", ")}], got ${fmtShape(x.shape)}`);
    }
    return layerNorm(x, shape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}
