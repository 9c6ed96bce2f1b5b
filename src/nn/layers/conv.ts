// Convolution layers (torch.nn.Conv1d, Conv2d): a weight [outC, inC/groups, ...kernel] and an
// optional bias [outC] under torch's state-dict keys, with torch's default initialisation.

import { ValueError } from "../../errors.js";
import { zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { convolution, fmtSize, toInts, type ConvPadding, type Ints } from "../../ops/composite/conv.js";
import { defaultLayerInit } from "../init.js";
import { Module, keepsNoActivation } from "../module.js";
import type { Parameter } from "../parameter.js";
import { pyTuple } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";
import { pad } from "../functional/padding.js";

/** Options of nn.Conv1d and nn.Conv2d (torch's names and defaults). */
export interface ConvLayerOptions {
  /** Step of the kernel: one number for every spatial dim or one per dim (default 1). */
  stride?: Ints;
  /** Zero padding per side, or "same" (stride 1 only) or "valid". */
  padding?: ConvPadding;
  /** Spacing between kernel elements (default 1). */
  dilation?: Ints;
  /**
   * Split the channels into this many independent groups (default 1; inChannels for a depthwise
   * convolution).
   */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** What the padding holds: "zeros" (default), or the input "reflect"ed, "replicate"d or wrapped ("circular"). */
  paddingMode?: ConvPaddingMode;
}

/** torch's padding_mode values. */
export type ConvPaddingMode = "zeros" | "reflect" | "replicate" | "circular";

/** What Conv1d and Conv2d share; `dims` is the number of spatial dims. */
abstract class ConvNd extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** The filters, shape [outChannels, inChannels / groups, ...kernelSize]. */
  weight: Parameter;
  /** The bias, shape [outChannels], or null with `{ bias: false }`. */
  bias: Parameter | null;
  /** The kernel's size per spatial dim. */
  readonly kernelSize: readonly number[];
  /** The stride per spatial dim. */
  readonly stride: readonly number[];
  /** Zero padding per spatial dim, or "same" / "valid". */
  readonly padding: readonly number[] | "same" | "valid";
  /** The dilation per spatial dim. */
  readonly dilation: readonly number[];
  /** The number of channel groups. */
  readonly groups: number;
  /** What the padding holds ("zeros" unless given). */
  readonly paddingMode: ConvPaddingMode;
  /** How errors name this layer, e.g. "Conv2d(3 → 16, kernel 3×3)". */
  private readonly label: string;

  constructor(
    private readonly dims: 1 | 2,
    /** Channels of the input (C of [N, C, …]). */
    readonly inChannels: number,
    /** Channels of the output, the number of filters. */
    readonly outChannels: number,
    kernelSize: Ints,
    opts: ConvLayerOptions,
  ) {
    super();
    const name = `Conv${dims}d`;
    checkOptions(name, opts, ["stride", "padding", "dilation", "groups", "bias", "paddingMode"]);
    const { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, paddingMode = "zeros" } = opts;
    if (!["zeros", "reflect", "replicate", "circular"].includes(paddingMode)) {
      throw new ValueError(`${name}: paddingMode must be "zeros", "reflect", "replicate" or "circular", got "${paddingMode}"`);
    }
    this.paddingMode = paddingMode;
    for (const [what, v] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
      ["groups", groups],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`${name}: ${what} must be a positive integer, got ${v}`);
    }
    if (inChannels % groups !== 0) throw new ValueError(`${name}: inChannels ${inChannels} must be divisible by groups ${groups}`);
    if (outChannels % groups !== 0) throw new ValueError(`${name}: outChannels ${outChannels} must be divisible by groups ${groups}`);
    this.kernelSize = toInts(name, "kernelSize", kernelSize, dims, 1);
    this.stride = toInts(name, "stride", stride, dims, 1);
    this.dilation = toInts(name, "dilation", dilation, dims, 1);
    if (padding === "same" || padding === "valid") {
      if (padding === "same" && this.stride.some((s) => s !== 1)) {
        throw new ValueError(`${name}: padding "same" is not supported for strided convolutions (stride ${fmtSize(this.stride)})`);
      }
      this.padding = padding;
    } else if (typeof padding === "string") {
      throw new ValueError(`${name}: padding must be a number, a list of numbers, "same" or "valid", got "${padding}"`);
    } else {
      this.padding = toInts(name, "padding", padding, dims, 0);
    }
    this.groups = groups;
    this.label = `${name}(${inChannels} → ${outChannels}, kernel ${fmtSize(this.kernelSize)})`;
    this.weight = this.registerParameter("weight", zeros([outChannels, inChannels / groups, ...this.kernelSize]));
    this.bias = this.registerParameter("bias", bias ? zeros([outChannels]) : null);
    this.resetParameters();
  }

  /**
   * torch's default: weight ~ kaiming-uniform(a=√5), i.e. U(±1/√fanIn), and bias ~ U(±1/√fanIn)
   * with fanIn = inC/groups · prod(kernel).
   */
  resetParameters(): void {
    defaultLayerInit(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    let padding = this.padding;
    if (this.paddingMode !== "zeros" && padding !== "valid") {
      // As torch: the input is padded in that mode first (the last dim's pair first), then convolved
      // unpadded; "same" splits d·(k-1) with the smaller half before.
      const pairs = this.kernelSize.map((k, i) => {
        if (padding === "same") {
          const total = this.dilation[i] * (k - 1);
          return [Math.floor(total / 2), total - Math.floor(total / 2)];
        }
        return [(padding as readonly number[])[i], (padding as readonly number[])[i]];
      });
      x = pad(x, pairs.reverse().flat(), { mode: this.paddingMode });
      padding = "valid";
    }
    const opts = { stride: this.stride, padding, dilation: this.dilation, groups: this.groups };
    return convolution(`conv${this.dims}d`, this.dims, x, this.weight, this.bias, opts, this.label);
  }

  /** torch's repr: "3, 16, kernel_size=(3, 3), stride=(1, 1)", then only the non-default options. */
  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`];
    if (typeof this.padding === "string") parts.push(`padding=${this.padding}`);
    else if (this.padding.some((p) => p !== 0)) parts.push(`padding=${pyTuple(this.padding)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${pyTuple(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push("bias=False");
    if (this.paddingMode !== "zeros") parts.push(`padding_mode=${this.paddingMode}`);
    return parts.join(", ");
  }
}

/**
 * 2-D convolution layer (torch.nn.Conv2d): input [N, inC, H, W] or unbatched [inC, H, W], weight
 * [outC, inC/groups, kH, kW], bias [outC].
 * @example const conv = new nn.Conv2d(3, 16, 3, { padding: 1 }); conv.forward(tg.randn([8, 3, 32, 32]))  // [8, 16, 32, 32]
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, opts: ConvLayerOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, opts);
  }
}

/**
 * 1-D convolution layer (torch.nn.Conv1d): input [N, inC, L] or unbatched [inC, L], weight
 * [outC, inC/groups, k], bias [outC].
 * @example new nn.Conv1d(4, 8, 5, { padding: "same" }).forward(tg.randn([2, 4, 100]))  // [2, 8, 100]
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, opts: ConvLayerOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
}
