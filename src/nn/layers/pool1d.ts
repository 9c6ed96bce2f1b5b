// 1-D and adaptive-max pooling layers (torch.nn.MaxPool1d, AvgPool1d, AdaptiveAvgPool1d,
// AdaptiveMaxPool1d, AdaptiveMaxPool2d): no parameters, options handed to the functional forms.

import type { Tensor } from "../../tensor/tensor.js";
import {
  adaptiveAvgPool1d, adaptiveMaxPool1d, adaptiveMaxPool2d, avgPool1d, maxPool1d, type AvgPool1dOptions, type MaxPool1dOptions,
} from "../functional/pool1d.js";
import { Module, keepsNoActivation } from "../module.js";
import { pyBool } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";

/** 1-D max pooling (torch.nn.MaxPool1d); stride defaults to the kernel size. */
export class MaxPool1d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  readonly options: Required<MaxPool1dOptions>;
  constructor(readonly kernelSize: number, opts: MaxPool1dOptions = {}) {
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

/** 1-D average pooling (torch.nn.AvgPool1d). */
export class AvgPool1d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  readonly options: Required<AvgPool1dOptions>;
  constructor(readonly kernelSize: number, opts: AvgPool1dOptions = {}) {
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

/** Adaptive average pooling of [N, C, L] (torch.nn.AdaptiveAvgPool1d). */
export class AdaptiveAvgPool1d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  constructor(readonly outputSize: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

/** Adaptive max pooling of [N, C, L] (torch.nn.AdaptiveMaxPool1d, values only). */
export class AdaptiveMaxPool1d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  constructor(readonly outputSize: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool1d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

/** Adaptive max pooling of [N, C, H, W] (torch.nn.AdaptiveMaxPool2d, values only); null keeps a dim. */
export class AdaptiveMaxPool2d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  constructor(readonly outputSize: number | readonly (number | null)[]) {
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
