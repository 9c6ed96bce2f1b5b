// GroupNorm (torch.nn.GroupNorm): per-sample normalisation over groups of channels, with a
// per-channel affine (weight 1, bias 0 at start).

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { ones, zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { groupNorm } from "../functional/normalization.js";
import { Module, keepsNoActivation } from "../module.js";
import type { Parameter } from "../parameter.js";
import { pyBool, pyFloat } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";

export interface GroupNormOptions {
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

  readonly eps: number;
  readonly affine: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(readonly numGroups: number, readonly numChannels: number, opts: GroupNormOptions = {}) {
    checkOptions("GroupNorm", opts, ["eps", "affine"]);
    const { eps = 1e-5, affine = true } = opts;
    super();
    for (const [what, v] of [["numGroups", numGroups], ["numChannels", numChannels]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ValueError(`GroupNorm: ${what} must be a positive integer, got ${v}`);
    }
    if (numChannels % numGroups !== 0) throw new ValueError(`GroupNorm: numChannels ${numChannels} must be divisible by numGroups ${numGroups}`);
    this.eps = eps;
    this.affine = affine;
    this.weight = this.registerParameter("weight", affine ? ones([numChannels]) : null);
    this.bias = this.registerParameter("bias", affine ? zeros([numChannels]) : null);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new ShapeError(`GroupNorm(${this.numGroups}, ${this.numChannels}): expected input [N, ${this.numChannels}, ...], got ${fmtShape(x.shape)}`);
    }
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}
