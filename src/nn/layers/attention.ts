// MultiheadAttention (torch.nn.MultiheadAttention): the projection weights under torch's keys
// (in_proj_weight or q/k/v_proj_weight, in_proj_bias, out_proj.*) and torch's initialisation; the
// maths is nn.functional.multiHeadAttentionForward.

import { ValueError } from "../../errors.js";
import { zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { mhaForward, type MultiHeadAttentionOptions } from "../functional/multi-head-attention.js";
import { constant, xavierUniform } from "../init.js";
import { Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { Linear } from "./linear.js";
import { checkOptions } from "../../tensor/options.js";

/** Options of nn.MultiheadAttention (torch's names and defaults, camelCase). */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in train mode (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Inputs and output are [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  /** Feature size of the keys (default embedDim). */
  kdim?: number | null;
  /** Feature size of the values (default embedDim). */
  vdim?: number | null;
}

/**
 * torch names the output projection's class this way (a Linear that quantisation leaves alone);
 * the subclass exists so that toString() prints what torch's repr prints.
 */
class NonDynamicallyQuantizableLinear extends Linear {}

/**
 * Attention with numHeads heads over embedDim features (torch.nn.MultiheadAttention).
 * `forward(query, key, value, opts)` returns `[output, weights | null]`; the weights are averaged
 * over heads unless `averageAttnWeights: false`. Masks, as torch's: bool with true = masked, or
 * float masks added to the scores (0 / -inf); another dtype is a DTypeError.
 * @example
 * const mha = new nn.MultiheadAttention(64, 8, { batchFirst: true });
 * const [out, w] = mha.forward(x, x, x, { keyPaddingMask: pad });  // x: [N, T, 64] → out [N, T, 64], w [N, T, T]
 */
export class MultiheadAttention extends Module {
  /** Dropout probability on the attention weights in train mode. */
  readonly dropout: number;
  /** Whether inputs and output are [N, L, E] rather than [L, N, E]. */
  readonly batchFirst: boolean;
  /** Feature size of the keys. */
  readonly kdim: number;
  /** Feature size of the values. */
  readonly vdim: number;
  /** Features per head, embedDim / numHeads. */
  readonly headDim: number;
  /** Whether q, k and v share one packed [3E, E] projection (kdim = vdim = embedDim). */
  readonly qkvSameEmbedDim: boolean;
  /**
   * The packed q, k, v projection [3E, E] (state-dict key "in_proj_weight"); null when kdim or vdim differ
   * from embedDim.
   */
  readonly inProjWeight: Parameter | null;
  /** The query projection [E, E] when the projections are separate ("q_proj_weight"), else null. */
  readonly qProjWeight: Parameter | null;
  /** The key projection [E, kdim] when the projections are separate ("k_proj_weight"), else null. */
  readonly kProjWeight: Parameter | null;
  /** The value projection [E, vdim] when the projections are separate ("v_proj_weight"), else null. */
  readonly vProjWeight: Parameter | null;
  /** The packed q, k, v biases [3E] ("in_proj_bias"), null with `{ bias: false }`. */
  readonly inProjBias: Parameter | null;
  /** The output projection E → E (state-dict prefix "out_proj."). */
  readonly outProj: Linear;

  constructor(
    /** Model size E of queries and outputs. */
    readonly embedDim: number,
    /** Parallel attention heads; must divide embedDim (each head has embedDim / numHeads features). */
    readonly numHeads: number,
    opts: MultiheadAttentionOptions = {},
  ) {
    checkOptions("MultiheadAttention", opts, ["dropout", "bias", "batchFirst", "kdim", "vdim"]);
    const { dropout = 0, bias = true, batchFirst = false, kdim = null, vdim = null } = opts;
    super();
    for (const [name, v] of [
      ["embedDim", embedDim],
      ["numHeads", numHeads],
      ["kdim", kdim ?? 1],
      ["vdim", vdim ?? 1],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ValueError(`MultiheadAttention: ${name} must be a positive integer, got ${v}`);
    }
    if (embedDim % numHeads !== 0)
      throw new ValueError(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    if (!(dropout >= 0 && dropout <= 1)) throw new ValueError(`MultiheadAttention: dropout must be between 0 and 1, got ${dropout}`);
    this.dropout = dropout;
    this.batchFirst = batchFirst;
    this.kdim = kdim ?? embedDim;
    this.vdim = vdim ?? embedDim;
    this.headDim = embedDim / numHeads;
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    // Registration order fixes the state-dict order, which follows torch's.
    const E = embedDim;
    if (this.qkvSameEmbedDim) {
      this.inProjWeight = this.registerParameter("in_proj_weight", zeros([3 * E, E]));
      this.qProjWeight = this.kProjWeight = this.vProjWeight = null;
    } else {
      this.qProjWeight = this.registerParameter("q_proj_weight", zeros([E, E]));
      this.kProjWeight = this.registerParameter("k_proj_weight", zeros([E, this.kdim]));
      this.vProjWeight = this.registerParameter("v_proj_weight", zeros([E, this.vdim]));
      this.inProjWeight = null;
    }
    this.inProjBias = this.registerParameter("in_proj_bias", bias ? zeros([3 * E]) : null);
    this.outProj = this.registerModule("out_proj", new NonDynamicallyQuantizableLinear(E, E, { bias }));
    this.resetParameters();
  }

  /**
   * torch's _reset_parameters: xavier-uniform input projections (the packed [3E, E] weight as one
   * matrix), zero biases; the output projection keeps Linear's default weight with a zero bias.
   */
  resetParameters(): void {
    if (this.inProjWeight) xavierUniform(this.inProjWeight);
    for (const w of [this.qProjWeight, this.kProjWeight, this.vProjWeight]) if (w) xavierUniform(w);
    if (this.inProjBias) constant(this.inProjBias, 0);
    if (this.outProj.bias) constant(this.outProj.bias, 0);
  }

  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiHeadAttentionOptions = {}): [Tensor, Tensor | null] {
    const label = `MultiheadAttention(${this.embedDim}, ${this.numHeads})`;
    return mhaForward({ label, batchFirst: this.batchFirst }, query, key, value, {
      ...opts,
      numHeads: this.numHeads,
      inProjWeight: this.inProjWeight,
      inProjBias: this.inProjBias,
      qProjWeight: this.qProjWeight,
      kProjWeight: this.kProjWeight,
      vProjWeight: this.vProjWeight,
      outProjWeight: this.outProj.weight,
      outProjBias: this.outProj.bias,
      dropoutP: this.dropout,
      training: this.training,
    });
  }
}
