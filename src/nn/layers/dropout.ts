// Dropout (torch.nn.Dropout): random zeroing in train mode only, the identity in eval mode.

import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { dropout } from "../functional/linear.js";
import { Module, keepsNoActivation } from "../module.js";

/**
 * Zeroes each element with probability p in train mode and scales the rest by 1/(1-p); the identity
 * in eval mode (torch.nn.Dropout, default p 0.5). Masks come from the seeded generator.
 * @example const drop = new nn.Dropout(0.2); model.eval(); drop.forward(x) === x
 */
export class Dropout extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  constructor(
    /** Probability of zeroing each element in train mode (default 0.5). */
    readonly p = 0.5,
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ValueError(`Dropout: probability p must be between 0 and 1, got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
  override extraRepr(): string {
    // torch prints inplace too; there is no in-place variant here, so it is always False.
    return `p=${this.p}, inplace=False`;
  }
}
