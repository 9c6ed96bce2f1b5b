// Padding layers (torch.nn.ZeroPad2d, ConstantPad1d/2d, ReflectionPad1d/2d, ReplicationPad1d/2d):
// module forms of F.pad with the padding fixed at construction.

import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { pad, type PadMode } from "../functional/padding.js";
import { Module, keepsNoActivation } from "../module.js";
import { pyFloat, pyTuple } from "../repr.js";

abstract class PadNd extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** (left, right[, top, bottom]), as F.pad takes it. */
  readonly padding: readonly number[];

  constructor(
    dims: 1 | 2,
    padding: number | readonly number[],
    private readonly mode: PadMode,
    /** The fill value of constant padding (0 for the reflection and replication layers, which ignore it). */
    readonly value = 0,
  ) {
    super();
    const n = 2 * dims;
    const list = typeof padding === "number" ? new Array<number>(n).fill(padding) : [...padding];
    if (list.length !== n || list.some((p) => !Number.isInteger(p))) {
      throw new ValueError(`${new.target.name}: padding must be an integer or ${n} integers, got ${JSON.stringify(padding)}`);
    }
    this.padding = Object.freeze(list);
  }

  forward(x: Tensor): Tensor {
    return pad(x, this.padding, this.mode === "constant" ? { value: this.value } : { mode: this.mode });
  }

  /** torch's repr: the padding tuple, and the fill value of constant padding. */
  override extraRepr(): string {
    return this.mode === "constant" ? `padding=${pyTuple(this.padding)}, value=${pyFloat(this.value)}` : pyTuple(this.padding);
  }
}

/**
 * Pads the last two dims with zeros (torch.nn.ZeroPad2d); padding is one integer or (left, right, top, bottom).
 * @example new nn.ZeroPad2d([1, 1, 2, 0]).forward(tg.ones([1, 3, 4, 4])).shape  // [1, 3, 6, 6]
 */
export class ZeroPad2d extends PadNd {
  constructor(padding: number | readonly number[]) {
    super(2, padding, "constant", 0);
  }
  /** torch's repr: the padding tuple alone. */
  override extraRepr(): string {
    return pyTuple(this.padding);
  }
}

/**
 * Pads the last dim with `value` (torch.nn.ConstantPad1d).
 * @example new nn.ConstantPad1d([2, 1], -1).forward(tg.tensor([[1, 2]]))  // [[-1, -1, 1, 2, -1]]
 */
export class ConstantPad1d extends PadNd {
  constructor(padding: number | readonly number[], value: number) {
    super(1, padding, "constant", value);
  }
}

/**
 * Pads the last two dims with `value` (torch.nn.ConstantPad2d).
 * @example new nn.ConstantPad2d(1, 0.5).forward(tg.ones([1, 2, 2])).shape  // [1, 4, 4]
 */
export class ConstantPad2d extends PadNd {
  constructor(padding: number | readonly number[], value: number) {
    super(2, padding, "constant", value);
  }
}

/**
 * Mirrors the last dim at its edges, without repeating them (torch.nn.ReflectionPad1d).
 * @example new nn.ReflectionPad1d(2).forward(tg.tensor([[[1, 2, 3]]]))  // [[[3, 2, 1, 2, 3, 2, 1]]]
 */
export class ReflectionPad1d extends PadNd {
  constructor(padding: number | readonly number[]) {
    super(1, padding, "reflect");
  }
}

/**
 * Mirrors the last two dims at their edges (torch.nn.ReflectionPad2d).
 * @example new nn.ReflectionPad2d(1).forward(tg.randn([1, 3, 8, 8])).shape  // [1, 3, 10, 10]
 */
export class ReflectionPad2d extends PadNd {
  constructor(padding: number | readonly number[]) {
    super(2, padding, "reflect");
  }
}

/**
 * Repeats the edge values of the last dim (torch.nn.ReplicationPad1d).
 * @example new nn.ReplicationPad1d([2, 1]).forward(tg.tensor([[[1, 2, 3]]]))  // [[[1, 1, 1, 2, 3, 3]]]
 */
export class ReplicationPad1d extends PadNd {
  constructor(padding: number | readonly number[]) {
    super(1, padding, "replicate");
  }
}

/**
 * Repeats the edge values of the last two dims (torch.nn.ReplicationPad2d).
 * @example new nn.ReplicationPad2d(1).forward(tg.randn([1, 3, 8, 8])).shape  // [1, 3, 10, 10]
 */
export class ReplicationPad2d extends PadNd {
  constructor(padding: number | readonly number[]) {
    super(2, padding, "replicate");
  }
}
