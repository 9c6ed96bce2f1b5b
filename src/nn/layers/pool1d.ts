// 1-D and adaptive-max pooling layers (torch.nn.MaxPool1d, AvgPool1d, AdaptiveAvgPool1d,
// AdaptiveMaxPool1d, AdaptiveMaxPool2d): no parameters, options handed to the functional forms.

import type { Tensor } from "../../tensor/tensor.js";
import {
  adaptiveAvgPool1d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  avgPool1d,
  maxPool1d,
  type AvgPool1dOptions,
  type MaxPool1dOptions,
} from "../functional/pool1d.js";
import { Module, keepsNoActivation } from "../module.js";
import { pyBool } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";

/**
 * 1-D max pooling of [N, C, L] or [C, L] (torch.nn.MaxPool1d); stride defaults to the kernel size.
 * @example new nn.MaxPool1d(2).forward(tg.randn([4, 16, 100])).shape  // [4, 16, 50]
 */
export class MaxPool1d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  /** The options resolved at construction (stride filled in from the kernel size). */
  readonly options: Required<MaxPool1dOptions>;
  constructor(
    /** Window length. */
    readonly kernelSize: number,
    opts: MaxPool1dOptions = {},
  ) {
    super();
    checkOptions("MaxPool1d", opts, ["stride", "padding", "dilation", "ceilMode"]);
    const { stride = null, padding = 0, dilation = 1, ceilMode = false } = opts;
    this.options = { stride: stride ?? kernelSize, padding, dilation, ceilMode };
  }
  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${this.kernelSize}, stride=${o.stride}, padding=${o.padding}, dilation=${o.dilation}, ceil_mode=${pyBool(o.ceilMode)}`;
  }
}

/**
 * 1-D average pooling of [N, C, L] or [C, L] (torch.nn.AvgPool1d); stride defaults to the kernel
 * size, padded zeros count in the divisor unless `countIncludePad: false`.
 * @example new nn.AvgPool1d(3, { stride: 2, padding: 1 }).forward(tg.randn([4, 16, 100])).shape  // [4, 16, 50]
 */
export class AvgPool1d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  /** The options resolved at construction (stride filled in from the kernel size). */
  readonly options: Required<AvgPool1dOptions>;
  constructor(
    /** Window length. */
    readonly kernelSize: number,
    opts: AvgPool1dOptions = {},
  ) {
    super();
    checkOptions("AvgPool1d", opts, ["stride", "padding", "ceilMode", "countIncludePad"]);
    const { stride = null, padding = 0, ceilMode = false, countIncludePad = true } = opts;
    this.options = { stride: stride ?? kernelSize, padding, ceilMode, countIncludePad };
  }
  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    // torch keeps AvgPool1d's sizes as 1-tuples.
    return `kernel_size=(${this.kernelSize},), stride=(${this.options.stride},), padding=(${this.options.padding},)`;
  }
}

/**
 * Adaptive average pooling of [N, C, L] or [C, L] to a fixed length, whatever L (torch.nn.AdaptiveAvgPool1d).
 * @example new nn.AdaptiveAvgPool1d(1).forward(tg.randn([4, 16, 37])).shape  // [4, 16, 1]
 */
export class AdaptiveAvgPool1d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  constructor(
    /** The output length. */
    readonly outputSize: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

/**
 * Adaptive max pooling of [N, C, L] or [C, L] to a fixed length (torch.nn.AdaptiveMaxPool1d, values
 * only: no returnIndices).
 * @example new nn.AdaptiveMaxPool1d(4).forward(tg.randn([4, 16, 37])).shape  // [4, 16, 4]
 */
export class AdaptiveMaxPool1d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  constructor(
    /** The output length. */
    readonly outputSize: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool1d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

/**
 * Adaptive max pooling of [N, C, H, W] or [C, H, W] to a fixed size (torch.nn.AdaptiveMaxPool2d,
 * values only: no returnIndices).
 * @example new nn.AdaptiveMaxPool2d([7, 7]).forward(tg.randn([1, 64, 20, 30])).shape  // [1, 64, 7, 7]
 */
export class AdaptiveMaxPool2d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  constructor(
    /** The output size: one number for a square, or [h, w] where null keeps that input dim. */
    readonly outputSize: number | readonly (number | null)[],
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === "number" ? o : `(${o.map((v) => (v === null ? "None" : v)).join(", ")})`}`;
  }
}
