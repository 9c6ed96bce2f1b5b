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

export interface ConvTransposeLayerOptions {
  stride?: Ints;
  padding?: Ints;
  outputPadding?: Ints;
  groups?: number;
  bias?: boolean;
  dilation?: Ints;
}

abstract class ConvTransposeNd extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly outputPadding: readonly number[];
  readonly dilation: readonly number[];
  readonly groups: number;
  private readonly label: string;

  constructor(
    private readonly dims: 1 | 2, readonly inChannels: number, readonly outChannels: number, kernelSize: Ints,
    opts: ConvTransposeLayerOptions,
  ) {
    super();
    const name = `ConvTranspose${dims}d`;
    checkOptions(name, opts, ["stride", "padding", "outputPadding", "groups", "bias", "dilation"]);
    const { stride = 1, padding = 0, outputPadding = 0, groups = 1, bias = true, dilation = 1 } = opts;
    for (const [what, v] of [["inChannels", inChannels], ["outChannels", outChannels], ["groups", groups]] as const) {
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
    const opts = { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, groups: this.groups, dilation: this.dilation };
    return convTranspose(`convTranspose${this.dims}d`, this.dims, x, this.weight, this.bias, opts, this.label);
  }

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

/** 1-D transposed convolution layer (torch.nn.ConvTranspose1d): input [N, inC, L]. */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, opts: ConvTransposeLayerOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
}
