// PositionalEncoding: adds the sinusoidal position table to a sequence of embeddings, then dropout,
// as the module of PyTorch's transformer tutorial (which torch.nn itself does not ship).

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";
import { sinusoidalPositionalEncoding } from "../functional/positional.js";
import { Module } from "../module.js";
import { Dropout } from "./dropout.js";

/** Options of {@link PositionalEncoding}. */
export interface PositionalEncodingOptions {
  /** Dropout probability applied after the addition (default 0.1, as the tutorial). */
  dropout?: number;
  /** The longest sequence the table covers (default 5000). */
  maxLen?: number;
  /** Inputs are [batch, seq, dModel] instead of the default [seq, batch, dModel]. */
  batchFirst?: boolean;
}

/**
 * Sinusoidal positional encoding (the `PositionalEncoding` module of PyTorch's transformer
 * tutorial): `dropout(x + pe[:seq])`, with `pe` the {@link functional.sinusoidalPositionalEncoding}
 * table held as the buffer "pe" of shape [maxLen, 1, dModel], so state dicts match the tutorial's.
 * Inputs are [seq, batch, dModel] (or [batch, seq, dModel] with `batchFirst`).
 * @example
 *   const pos = new nn.PositionalEncoding(64, { dropout: 0.1 });
 *   const h = pos.forward(embedding.forward(tokens).mul(Math.sqrt(64))); // tokens [seq, batch]
 */
export class PositionalEncoding extends Module {
  /** The dropout after the addition (the tutorial's `dropout` submodule). */
  readonly dropout: Dropout;
  /** The encoding table, [maxLen, 1, dModel]. */
  readonly pe: Tensor;
  /** Whether inputs are [batch, seq, dModel]. */
  readonly batchFirst: boolean;

  constructor(
    /** The embedding size. */
    readonly dModel: number,
    opts: PositionalEncodingOptions = {},
  ) {
    super();
    checkOptions("PositionalEncoding", opts, ["dropout", "maxLen", "batchFirst"]);
    const { dropout = 0.1, maxLen = 5000, batchFirst = false } = opts;
    if (!Number.isInteger(maxLen) || maxLen <= 0)
      throw new ValueError(`PositionalEncoding: maxLen must be a positive integer, got ${maxLen}`);
    this.dropout = new Dropout(dropout);
    this.batchFirst = batchFirst;
    this.pe = this.registerBuffer("pe", sinusoidalPositionalEncoding(maxLen, dModel).unsqueeze(1));
  }

  forward(x: Tensor): Tensor {
    const [seqDim, D] = [this.batchFirst ? 1 : 0, this.dModel];
    if (x.ndim !== 3 || x.shape[2] !== D) {
      throw new ShapeError(
        `PositionalEncoding: expected input [${this.batchFirst ? "batch, seq" : "seq, batch"}, ${D}], got ${fmtShape(x.shape)}`,
      );
    }
    const L = x.shape[seqDim];
    const maxLen = this.pe.shape[0];
    if (L > maxLen) throw new ShapeError(`PositionalEncoding: a sequence of ${L} is longer than maxLen ${maxLen}`);
    const table = this.pe.slice(0, 0, L); // [L, 1, D]
    return this.dropout.forward(x.add(this.batchFirst ? table.transpose(0, 1) : table));
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, maxLen=${this.pe.shape[0]}, batchFirst=${this.batchFirst}`;
  }
}
