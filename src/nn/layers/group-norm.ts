// GroupNorm and InstanceNorm1d/2d (torch.nn): per-sample normalisation over groups of channels (one
// channel per group for instance norm), with a per-channel affine (weight 1, bias 0 at start).

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { ones, zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { groupNorm } from "../functional/normalization.js";
import { Module, keepsNoActivation } from "../module.js";
import type { Parameter } from "../parameter.js";
import { pyBool, pyFloat } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";

/** Options of nn.GroupNorm (torch's names and defaults). */
export interface GroupNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
}

/**
 * Group normalisation (torch.nn.GroupNorm): input [N, C, ...] with C divisible by numGroups.
 * @example new nn.GroupNorm(4, 32).forward(tg.randn([8, 32, 16, 16]))
 */
export class GroupNorm extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Whether the layer learns a per-channel scale and shift. */
  readonly affine: boolean;
  /** The per-channel scale, shape [C], initialised to ones (null without affine). */
  readonly weight: Parameter | null;
  /** The per-channel shift, shape [C], initialised to zeros (null without affine). */
  readonly bias: Parameter | null;

  constructor(
    /** Groups the channels are split into; must divide numChannels. */
    readonly numGroups: number,
    /** The channel count C of the inputs. */
    readonly numChannels: number,
    opts: GroupNormOptions = {},
  ) {
    checkOptions("GroupNorm", opts, ["eps", "affine"]);
    const { eps = 1e-5, affine = true } = opts;
    super();
    for (const [what, v] of [
      ["numGroups", numGroups],
      ["numChannels", numChannels],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ValueError(`GroupNorm: ${what} must be a positive integer, got ${v}`);
    }
    if (numChannels % numGroups !== 0)
      throw new ValueError(`GroupNorm: numChannels ${numChannels} must be divisible by numGroups ${numGroups}`);
    this.eps = eps;
    this.affine = affine;
    this.weight = this.registerParameter("weight", affine ? ones([numChannels]) : null);
    this.bias = this.registerParameter("bias", affine ? zeros([numChannels]) : null);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new ShapeError(
        `GroupNorm(${this.numGroups}, ${this.numChannels}): expected input [N, ${this.numChannels}, ...], got ${fmtShape(x.shape)}`,
      );
    }
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  /** The arguments torch's repr shows, e.g. in `toString()`. */
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}

/** Options of nn.InstanceNorm1d and nn.InstanceNorm2d (torch's names and defaults). */
export interface InstanceNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale and shift (default false, as torch). */
  affine?: boolean;
  /** Running statistics for eval mode: not supported yet (default false, as torch). */
  trackRunningStats?: boolean;
  /** Only meaningful with running statistics. */
  momentum?: number;
}

abstract class InstanceNormNd extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** Added to the variance before the square root. */
  readonly eps: number;
  /** The momentum given (only meaningful with running statistics, which are not supported yet). */
  readonly momentum: number;
  /** Whether the layer learns a per-channel scale and shift. */
  readonly affine: boolean;
  /** The per-channel scale, shape [C], initialised to ones (null without affine). */
  readonly weight: Parameter | null;
  /** The per-channel shift, shape [C], initialised to zeros (null without affine). */
  readonly bias: Parameter | null;

  constructor(
    private readonly spatialDims: 1 | 2,
    /** The channel count C of the inputs. */
    readonly numFeatures: number,
    opts: InstanceNormOptions,
  ) {
    const name = new.target.name;
    checkOptions(name, opts, ["eps", "affine", "trackRunningStats", "momentum"]);
    const { eps = 1e-5, affine = false, trackRunningStats = false, momentum = 0.1 } = opts;
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0)
      throw new ValueError(`${name}: numFeatures must be a positive integer, got ${numFeatures}`);
    // TODO(#16): running statistics (trackRunningStats) for eval mode.
    if (trackRunningStats)
      throw new ValueError(`${name}: trackRunningStats is not supported yet; instance statistics are used in train and eval mode`);
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.weight = this.registerParameter("weight", affine ? ones([numFeatures]) : null);
    this.bias = this.registerParameter("bias", affine ? zeros([numFeatures]) : null);
  }

  forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    const d = this.spatialDims;
    const batched = x.ndim === d + 2;
    if ((!batched && x.ndim !== d + 1) || x.shape[x.ndim - d - 1] !== this.numFeatures) {
      const spatial = d === 1 ? "L" : "H, W";
      throw new ShapeError(
        `${name}(${this.numFeatures}): expected input [N, ${this.numFeatures}, ${spatial}] or unbatched [${this.numFeatures}, ${spatial}], got ${fmtShape(x.shape)}`,
      );
    }
    const xb = batched ? x : x.unsqueeze(0);
    const out = groupNorm(xb, this.numFeatures, { weight: this.weight, bias: this.bias, eps: this.eps });
    return batched ? out : out.squeeze(0);
  }

  /** The arguments torch's repr shows, e.g. in `toString()`. */
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${pyBool(this.affine)}, track_running_stats=False`;
  }
}

/**
 * Instance normalisation of [N, C, L] (torch.nn.InstanceNorm1d), without running statistics.
 * @example new nn.InstanceNorm1d(16, { affine: true }).forward(tg.randn([4, 16, 100])).shape  // [4, 16, 100]
 */
export class InstanceNorm1d extends InstanceNormNd {
  constructor(numFeatures: number, opts: InstanceNormOptions = {}) {
    super(1, numFeatures, opts);
  }
}

/**
 * Instance normalisation of [N, C, H, W] (torch.nn.InstanceNorm2d), as in style transfer, without
 * running statistics.
 * @example new nn.InstanceNorm2d(64, { affine: true }).forward(tg.randn([2, 64, 32, 32]))
 */
export class InstanceNorm2d extends InstanceNormNd {
  constructor(numFeatures: number, opts: InstanceNormOptions = {}) {
    super(2, numFeatures, opts);
  }
}
