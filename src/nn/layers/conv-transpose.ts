// Transposed convolution layers (torch.nn.ConvTranspose1d, ConvTranspose2d): weight
// [inC, outC/groups, ...kernel] and bias [outC] under torch's keys, with torch's default init.

import { ValueError } from "../../errors.js";
import { zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { fmtSize, toInts, type Ints } from "../../ops/composite/conv.js";
import { convTranspose } from "../functional/conv-transpose.js";
import { defaultLayerInit } from "../init.js";
import { Module, keepsNoActivation } from "../module.js";
import type { Parameter } from "../parameter.js";
import { pyTuple } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";

/** Options of nn.ConvTranspose1d and nn.ConvTranspose2d (torch's names and defaults). */
export interface ConvTransposeLayerOptions {
  /** Step of the kernel over the output, one number or one per spatial dim (default 1). */
  stride?: Ints;
  /** Zero padding removed from each side of the output (default 0). */
  padding?: Ints;
  /** Extra size added to one side of the output (default 0). */
  outputPadding?: Ints;
  /** Independent channel groups (default 1). */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** Spacing between kernel elements (default 1). */
  dilation?: Ints;
}

abstract class ConvTransposeNd extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** The filters, shape [inChannels, outChannels / groups, ...kernelSize] (torch's transposed layout). */
  weight: Parameter;
  /** The bias, shape [outChannels], or null with `{ bias: false }`. */
  bias: Parameter | null;
  /** The kernel's size per spatial dim. */
  readonly kernelSize: readonly number[];
  /** The stride per spatial dim. */
  readonly stride: readonly number[];
  /** The padding removed per spatial dim. */
  readonly padding: readonly number[];
  /** The extra output size per spatial dim. */
  readonly outputPadding: readonly number[];
  /** The dilation per spatial dim. */
  readonly dilation: readonly number[];
  /** The number of channel groups. */
  readonly groups: number;
  private readonly label: string;

  constructor(
    private readonly dims: 1 | 2,
    /** Channels of the input. */
    readonly inChannels: number,
    /** Channels of the output. */
    readonly outChannels: number,
    kernelSize: Ints,
    opts: ConvTransposeLayerOptions,
  ) {
    super();
    const name = `ConvTranspose${dims}d`;
    checkOptions(name, opts, ["stride", "padding", "outputPadding", "groups", "bias", "dilation"]);
    const { stride = 1, padding = 0, outputPadding = 0, groups = 1, bias = true, dilation = 1 } = opts;
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
    this.padding = toInts(name, "padding", padding, dims, 0);
    this.outputPadding = toInts(name, "outputPadding", outputPadding, dims, 0);
    this.dilation = toInts(name, "dilation", dilation, dims, 1);
    this.groups = groups;
    this.label = `${name}(${inChannels} → ${outChannels}, kernel ${fmtSize(this.kernelSize)})`;
    this.weight = this.registerParameter("weight", zeros([inChannels, outChannels / groups, ...this.kernelSize]));
    this.bias = this.registerParameter("bias", bias ? zeros([outChannels]) : null);
    this.resetParameters();
  }

  /** torch's default: kaiming-uniform(a=√5) with fanIn = weight.shape[1]·prod(kernel) = outC/groups·prod(kernel). */
  resetParameters(): void {
    defaultLayerInit(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    const opts = {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    };
    return convTranspose(`convTranspose${this.dims}d`, this.dims, x, this.weight, this.bias, opts, this.label);
  }

  /** The arguments torch's repr shows, e.g. in `toString()`. */
  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`];
    if (this.padding.some((p) => p !== 0)) parts.push(`padding=${pyTuple(this.padding)}`);
    if (this.outputPadding.some((p) => p !== 0)) parts.push(`output_padding=${pyTuple(this.outputPadding)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${pyTuple(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push("bias=False");
    return parts.join(", ");
  }
}

/**
 * 2-D transposed convolution layer (torch.nn.ConvTranspose2d), e.g. the upsampling half of a U-Net
 * or a DCGAN generator.
 * @example new nn.ConvTranspose2d(16, 8, 2, { stride: 2 }).forward(tg.randn([1, 16, 7, 7]))  // [1, 8, 14, 14]
 */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, opts: ConvTransposeLayerOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, opts);
  }
}

/**
 * 1-D transposed convolution layer (torch.nn.ConvTranspose1d): input [N, inC, L].
 * @example new nn.ConvTranspose1d(8, 4, 3, { stride: 2 }).forward(tg.randn([1, 8, 10])).shape  // [1, 4, 21]
 */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, opts: ConvTransposeLayerOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
}
