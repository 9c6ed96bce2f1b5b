// Pooling layers (torch.nn.MaxPool2d, AvgPool2d, AdaptiveAvgPool2d): no parameters, options kept
// as given and handed to the functional ops in forward.

import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { toInts, type Ints } from "../../ops/composite/conv.js";
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type AvgPool2dOptions, type MaxPool2dOptions } from "../../ops/composite/pool.js";
import { Module, keepsNoActivation } from "../module.js";
import { pyBool } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";

/** torch prints an int as itself and a pair as a tuple. */
const show = (v: Ints | null): string => (v === null ? "None" : typeof v === "number" ? String(v) : `(${v.join(", ")})`);

/**
 * 2-D max pooling (torch.nn.MaxPool2d); stride defaults to the kernel size. With
 * `returnIndices: true`, forward returns [values, indices] as torch's: each maximum's position
 * y·W + x in its input plane (int32).
 * @example new nn.MaxPool2d(2).forward(tg.randn([1, 6, 24, 24]))  // [1, 6, 12, 12]
 * @example const [values, indices] = new nn.MaxPool2d(2, { returnIndices: true }).forward(x);
 */
export class MaxPool2d<R extends boolean = false> extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** Step between windows (defaults to the kernel size). */
  readonly stride: Ints;
  /** Implicit -∞ padding on each side. */
  readonly padding: Ints;
  /** Spacing between the elements of a window (default 1). */
  readonly dilation: Ints;
  /** Whether output sizes round up, letting the last window overhang the edge. */
  readonly ceilMode: boolean;
  /** Whether forward returns [values, indices] (torch's return_indices). */
  readonly returnIndices: R;

  constructor(
    /** Window size: one number for a square window, or [kH, kW]. */
    readonly kernelSize: Ints,
    opts: MaxPool2dOptions & { returnIndices?: R } = {},
  ) {
    super();
    checkOptions("MaxPool2d", opts, ["stride", "padding", "dilation", "ceilMode", "returnIndices"]);
    const { stride = null, padding = 0, dilation = 1, ceilMode = false, returnIndices = false as R } = opts;
    toInts("MaxPool2d", "kernelSize", kernelSize, 2, 1);
    if (typeof returnIndices !== "boolean")
      throw new ValueError(`MaxPool2d: returnIndices must be true or false, got ${String(returnIndices)}`);
    this.stride = stride ?? kernelSize;
    this.padding = padding;
    this.dilation = dilation;
    this.ceilMode = ceilMode;
    this.returnIndices = returnIndices;
  }

  forward(x: Tensor): R extends true ? [Tensor, Tensor] : Tensor {
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    type Out = R extends true ? [Tensor, Tensor] : Tensor;
    return (
      this.returnIndices ? maxPool2d(x, this.kernelSize, { ...opts, returnIndices: true }) : maxPool2d(x, this.kernelSize, opts)
    ) as Out;
  }

  override extraRepr(): string {
    return (
      `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, ` +
      `dilation=${show(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`
    );
  }
}

/**
 * 2-D average pooling (torch.nn.AvgPool2d); stride defaults to the kernel size, padded zeros count
 * in the divisor unless `countIncludePad: false`.
 * @example new nn.AvgPool2d(3, { stride: 2, padding: 1 }).forward(tg.randn([1, 4, 9, 9]))  // [1, 4, 5, 5]
 */
export class AvgPool2d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** Step between windows (defaults to the kernel size). */
  readonly stride: Ints;
  /** Implicit zero padding on each side. */
  readonly padding: Ints;
  /** Whether output sizes round up, letting the last window overhang the edge. */
  readonly ceilMode: boolean;
  /** Whether padded zeros count in each window's divisor (default true, as torch). */
  readonly countIncludePad: boolean;
  /** A divisor used for every window instead of its size (null: none). */
  readonly divisorOverride: number | null;

  constructor(
    /** Window size: one number for a square window, or [kH, kW]. */
    readonly kernelSize: Ints,
    opts: AvgPool2dOptions = {},
  ) {
    super();
    checkOptions("AvgPool2d", opts, ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"]);
    const { stride = null, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride = null } = opts;
    toInts("AvgPool2d", "kernelSize", kernelSize, 2, 1);
    this.stride = stride ?? kernelSize;
    this.padding = padding;
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
    this.divisorOverride = divisorOverride;
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
}

/**
 * Adaptive average pooling to a fixed output size (torch.nn.AdaptiveAvgPool2d); null in
 * [h, w] keeps that input dim.
 * @example new nn.AdaptiveAvgPool2d([5, 7]).forward(tg.randn([1, 64, 8, 9]))  // [1, 64, 5, 7]
 */
export class AdaptiveAvgPool2d extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  constructor(
    /** The output's [H, W] (one number for a square; null keeps the input's size in that dim). */
    readonly outputSize: number | readonly (number | null)[],
  ) {
    super();
    // null (keep the input's size) is checked as 1; forward resolves it.
    const given = typeof outputSize === "number" ? outputSize : outputSize.map((v) => v ?? 1);
    toInts("AdaptiveAvgPool2d", "outputSize", given, 2, 1);
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === "number" ? o : `(${o.map((v) => (v === null ? "None" : v)).join(", ")})`}`;
  }
}
