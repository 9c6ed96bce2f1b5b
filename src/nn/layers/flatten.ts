// Flatten (torch.nn.Flatten): merges dims startDim..endDim, by default everything but the batch dim;
// Unflatten (torch.nn.Unflatten) splits one dim back.

import type { Tensor } from "../../tensor/tensor.js";
import { Module, keepsNoActivation } from "../module.js";
import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { normDim } from "../../tensor/shape.js";
import { pyTuple } from "../repr.js";

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

/**
 * Splits dim `dim` into `unflattenedSize` (torch.nn.Unflatten), the inverse of Flatten; one size
 * may be -1.
 * @example new nn.Unflatten(1, [1, 28, 28]).forward(tg.zeros([8, 784])).shape  // [8, 1, 28, 28]
 */
export class Unflatten extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** The sizes dim `dim` is split into (frozen; at most one -1, inferred from the input). */
  readonly unflattenedSize: readonly number[];

  constructor(
    /** The dim to split (negative counts from the end). */
    readonly dim: number,
    unflattenedSize: readonly number[],
  ) {
    super();
    if (!Number.isInteger(dim)) throw new ValueError(`Unflatten: dim must be an integer, got ${dim}`);
    if (
      !Array.isArray(unflattenedSize) ||
      unflattenedSize.length === 0 ||
      unflattenedSize.some((n) => !Number.isInteger(n) || (n < 0 && n !== -1))
    ) {
      throw new ValueError(
        `Unflatten: unflattenedSize must be a non-empty list of sizes (one may be -1), got ${JSON.stringify(unflattenedSize)}`,
      );
    }
    this.unflattenedSize = Object.freeze([...unflattenedSize]);
  }

  forward(x: Tensor): Tensor {
    const d = normDim("Unflatten", this.dim, x.ndim);
    const shape = [...x.shape.slice(0, d), ...this.unflattenedSize, ...x.shape.slice(d + 1)];
    const known = this.unflattenedSize.filter((n) => n !== -1).reduce((a, b) => a * b, 1);
    const free = this.unflattenedSize.filter((n) => n === -1).length;
    if (free > 1 || (free === 0 ? known !== x.shape[d] : known === 0 || x.shape[d] % known !== 0)) {
      throw new ShapeError(
        `Unflatten: dim ${this.dim} of ${fmtShape(x.shape)} (size ${x.shape[d]}) cannot be split into ${pyTuple(this.unflattenedSize)}`,
      );
    }
    return x.reshape(shape);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}
