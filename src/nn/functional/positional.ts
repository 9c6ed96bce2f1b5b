// The sinusoidal positional encoding of "Attention Is All You Need", as PyTorch's transformer
// tutorial builds it: PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)).

import { ValueError } from "../../errors.js";
import { tensor } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";

/** Options of {@link sinusoidalPositionalEncoding}. */
export interface PositionalEncodingTableOptions {
  /** The table's dtype (default float32, computed step by step in float32 as PyTorch's tutorial is). */
  dtype?: "float32" | "float64";
}

/**
 * The [length, dModel] table of sinusoidal position encodings (the PyTorch transformer tutorial's
 * `pe`): even columns sin(pos·wᵢ), odd columns cos(pos·wᵢ), wᵢ = exp(2i·(−ln 10000/dModel)). An odd
 * dModel is allowed: its last column is a sine.
 * @example const pe = nn.functional.sinusoidalPositionalEncoding(50, 16); // [50, 16]
 */
export function sinusoidalPositionalEncoding(length: number, dModel: number, opts: PositionalEncodingTableOptions = {}): Tensor {
  checkOptions("sinusoidalPositionalEncoding", opts, ["dtype"]);
  const { dtype = "float32" } = opts;
  if (!Number.isInteger(length) || length < 0)
    throw new ValueError(`sinusoidalPositionalEncoding: length must be an integer >= 0, got ${length}`);
  if (!Number.isInteger(dModel) || dModel <= 0)
    throw new ValueError(`sinusoidalPositionalEncoding: dModel must be a positive integer, got ${dModel}`);
  if (dtype !== "float32" && dtype !== "float64")
    throw new ValueError(`sinusoidalPositionalEncoding: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
  // Each step rounded to the table's precision, as torch computes the tutorial's float32 tensors.
  const r = dtype === "float32" ? Math.fround : (v: number) => v;
  const scale = r(-Math.log(10000) / dModel);
  const freq = Array.from({ length: Math.ceil(dModel / 2) }, (_, i) => r(Math.exp(r(2 * i * scale))));
  const out = dtype === "float32" ? new Float32Array(length * dModel) : new Float64Array(length * dModel);
  for (let pos = 0; pos < length; pos++) {
    for (let j = 0; j < dModel; j++) {
      const angle = r(pos * freq[j >> 1]);
      out[pos * dModel + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return tensor(out, { shape: [length, dModel], dtype });
}
