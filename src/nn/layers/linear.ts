// Linear (a fully connected layer) and Identity, as torch.nn.Linear / torch.nn.Identity.

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { linear } from "../functional/linear.js";
import { defaultLayerInit } from "../init.js";
import { Module, keepsNoActivation } from "../module.js";
import type { Parameter } from "../parameter.js";
import { pyBool } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";

/** Options of nn.Linear. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * y = x·Wᵀ + b (torch.nn.Linear): weight [out, in], bias [out]. Default init as torch:
 * kaiming-uniform(a=√5) weight, i.e. U(-1/√in, 1/√in), and bias U(-1/√in, 1/√in).
 * @example const fc = new nn.Linear(784, 128); fc.forward(x)  // [N, 784] → [N, 128]
 */
export class Linear extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** The weight, shape [outFeatures, inFeatures] (state-dict key "weight"). */
  weight: Parameter;
  /** The bias, shape [outFeatures], or null when constructed with `{ bias: false }`. */
  bias: Parameter | null;

  constructor(
    /** Size of each input's last dim. */
    readonly inFeatures: number,
    /** Size of each output's last dim. */
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    checkOptions("Linear", opts, ["bias"]);
    const { bias = true } = opts;
    super();
    for (const [name, v] of [
      ["inFeatures", inFeatures],
      ["outFeatures", outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ValueError(`Linear: ${name} must be a non-negative integer, got ${v}`);
    }
    this.weight = this.registerParameter("weight", zeros([outFeatures, inFeatures]));
    this.bias = this.registerParameter("bias", bias ? zeros([outFeatures]) : null);
    this.resetParameters();
  }

  /**
   * Redraws weight and bias from torch's defaults, U(±1/√inFeatures) (torch's reset_parameters).
   * @example model.apply((m) => { if (m instanceof nn.Linear) m.resetParameters(); });  // a fresh start, same shapes
   */
  resetParameters(): void {
    defaultLayerInit(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(
        `Linear(${this.inFeatures} → ${this.outFeatures}): expected input [..., ${this.inFeatures}], got ${fmtShape(x.shape)}`,
      );
    }
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * Returns its input unchanged (torch.nn.Identity), e.g. to replace a head while keeping indices.
 * @example new nn.Identity().forward(tg.tensor([1, 2]))  // [1, 2], the same tensor
 */
export class Identity extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  forward(x: Tensor): Tensor {
    return x;
  }
}
