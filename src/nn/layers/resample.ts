// Upsample, PixelShuffle and PixelUnshuffle (torch.nn): module forms of F.interpolate and
// F.pixelShuffle / F.pixelUnshuffle, with no parameters.

import type { Tensor } from "../../tensor/tensor.js";
import { interpolate, pixelShuffle, pixelUnshuffle, type InterpolateOptions } from "../functional/resample.js";
import { Module, keepsNoActivation } from "../module.js";
import { pyFloat, pyTuple } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";

/**
 * Resizes feature maps (torch.nn.Upsample): the options of F.interpolate, fixed at construction.
 * @example new nn.Upsample({ scaleFactor: 2, mode: "bilinear" }).forward(tg.randn([1, 3, 8, 8]))  // [1, 3, 16, 16]
 */
export class Upsample extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** The F.interpolate options, frozen (exactly one of size and scaleFactor). */
  readonly options: Readonly<InterpolateOptions>;

  constructor(opts: InterpolateOptions = {}) {
    super();
    checkOptions("Upsample", opts, ["size", "scaleFactor", "mode", "alignCorners"]);
    this.options = Object.freeze({ ...opts });
  }

  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }

  override extraRepr(): string {
    const { size, scaleFactor, mode = "nearest" } = this.options;
    const show = (v: number | readonly number[], f: (n: number) => string) => (typeof v === "number" ? f(v) : pyTuple(v.map(f)));
    const what = scaleFactor !== undefined ? `scale_factor=${show(scaleFactor, pyFloat)}` : `size=${show(size!, String)}`;
    return `${what}, mode=${mode}`;
  }
}

/**
 * Rearranges [*, C·r², H, W] into [*, C, H·r, W·r] (torch.nn.PixelShuffle), the sub-pixel
 * convolution's upsampling step.
 * @example new nn.PixelShuffle(2).forward(tg.randn([1, 12, 8, 8])).shape  // [1, 3, 16, 16]
 */
export class PixelShuffle extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  constructor(
    /** r: the factor each spatial dim grows by. */
    readonly upscaleFactor: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return pixelShuffle(x, this.upscaleFactor);
  }
  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/**
 * Rearranges [*, C, H·r, W·r] into [*, C·r², H, W] (torch.nn.PixelUnshuffle), the inverse of PixelShuffle.
 * @example new nn.PixelUnshuffle(2).forward(tg.randn([1, 3, 16, 16])).shape  // [1, 12, 8, 8]
 */
export class PixelUnshuffle extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  constructor(
    /** r: the factor each spatial dim shrinks by. */
    readonly downscaleFactor: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return pixelUnshuffle(x, this.downscaleFactor);
  }
  override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}
