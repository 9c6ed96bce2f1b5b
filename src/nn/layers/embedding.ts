// Embedding (torch.nn.Embedding): a lookup table of numEmbeddings vectors, N(0, 1) initialised.

import { ValueError } from "../../errors.js";
import { zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { embedding } from "../functional/sparse.js";
import { asIndexTensor, checkRange, type IndexInput } from "../functional/indices.js";
import { normal } from "../init.js";
import { Module } from "../module.js";
import { pyFloat } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";
import { noGrad } from "../../autograd/grad-mode.js";
import type { Parameter } from "../parameter.js";

/** Options of nn.Embedding (torch's names, camelCase). */
export interface EmbeddingOptions {
  /** This row starts at zero and never receives a gradient (e.g. for padding tokens). */
  paddingIdx?: number | null;
  /** Rows looked up with a norm above this are renormalised to it in place (torch's max_norm). */
  maxNorm?: number | null;
  /** The p of maxNorm's norm (default 2). */
  normType?: number;
}

/**
 * Maps int32 indices of any shape to rows of a learned [numEmbeddings, embeddingDim] table
 * (torch.nn.Embedding), giving [...indices.shape, embeddingDim].
 * @example new nn.Embedding(1000, 64).forward(tokens)  // tokens: int32 [N, T] → [N, T, 64]
 */
export class Embedding extends Module {
  /** The table, shape [numEmbeddings, embeddingDim], initialised N(0, 1) (the paddingIdx row zero). */
  weight: Parameter;
  /** The row that stays zero and gets no gradient (null: none). */
  readonly paddingIdx: number | null;
  /** Looked-up rows with a larger norm are renormalised to it in place (null: none). */
  readonly maxNorm: number | null;
  /** The p of maxNorm's p-norm. */
  readonly normType: number;

  constructor(
    /** Rows of the table (the vocabulary size); indices must be in [0, numEmbeddings). */
    readonly numEmbeddings: number,
    /** Length of each row vector. */
    readonly embeddingDim: number,
    opts: EmbeddingOptions = {},
  ) {
    super();
    checkOptions("Embedding", opts, ["paddingIdx", "maxNorm", "normType"]);
    const { paddingIdx = null, maxNorm = null, normType = 2 } = opts;
    this.maxNorm = maxNorm;
    this.normType = normType;
    for (const [name, v] of [
      ["numEmbeddings", numEmbeddings],
      ["embeddingDim", embeddingDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ValueError(`Embedding: ${name} must be a non-negative integer, got ${v}`);
    }
    if (paddingIdx !== null && !(Number.isInteger(paddingIdx) && paddingIdx >= -numEmbeddings && paddingIdx < numEmbeddings)) {
      throw new ValueError(
        `Embedding: paddingIdx ${paddingIdx} must be within the ${numEmbeddings} embeddings (expected ${-numEmbeddings} to ${numEmbeddings - 1})`,
      );
    }
    this.paddingIdx = paddingIdx === null ? null : paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
    this.weight = this.registerParameter("weight", zeros([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  /** Redraws the table from N(0, 1) and zeroes the padding row (torch's reset_parameters). */
  resetParameters(): void {
    normal(this.weight);
    const pad = this.paddingIdx;
    if (pad !== null) noGrad(() => this.weight.slice(0, pad, pad + 1).zero_());
  }

  forward(indices: IndexInput): Tensor {
    const name = `Embedding(${this.numEmbeddings}, ${this.embeddingDim})`;
    const idx = asIndexTensor(name, indices);
    const n = this.numEmbeddings;
    checkRange(idx, n, (v) => `${name}: index ${v} is out of range (expected 0 to ${n - 1})`);
    return embedding(idx, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType });
  }

  override extraRepr(): string {
    return (
      `${this.numEmbeddings}, ${this.embeddingDim}` +
      (this.paddingIdx === null ? "" : `, padding_idx=${this.paddingIdx}`) +
      (this.maxNorm === null ? "" : `, max_norm=${pyFloat(this.maxNorm)}`) +
      (this.normType === 2 ? "" : `, norm_type=${pyFloat(this.normType)}`)
    );
  }
}
