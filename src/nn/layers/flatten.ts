// Flatten (torch.nn.Flatten): merges dims startDim..endDim, by default everything but the batch dim.

import type { Tensor } from "../../tensor/tensor.js";
import { Module, keepsNoActivation } from "../module.js";

/**
 * Flattens dims startDim..endDim into one (torch.nn.Flatten; defaults 1 and -1, so [N, C, H, W] → [N, C·H·W]).
 * @example new nn.Flatten().forward(tg.zeros([8, 1, 28, 28])).shape  // [8, 784]
 */
export class Flatten extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  constructor(
    /** First dim merged (default 1, keeping the batch dim). */
    readonly startDim = 1,
    /** Last dim merged (default -1). */
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
