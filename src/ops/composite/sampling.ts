// Random sampling from given probabilities (torch.bernoulli, torch.multinomial), drawn from the
// seeded generator and written with tensor ops (a cumulative sum and comparisons; Gumbel keys and a
// sort without replacement), so no backend needs a kernel of its own. Neither is differentiable.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../../errors.js";
import { isFloat } from "../../tensor/dtype.js";
import { rand } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { checkOptions } from "../../tensor/options.js";
import { argsort, cumsum } from "./sort.js";
import { slice } from "./shape.js";

/**
 * 1 with probability p, else 0, for each element p of `probs` (torch.bernoulli), in its dtype.
 * @example tg.bernoulli(tg.full([4], 0.3))
 */
export function bernoulli(probs: Tensor): Tensor {
  if (!isFloat(probs.dtype)) throw new DTypeError(`bernoulli: probabilities must be floating point, got ${probs.dtype}`);
  return noGrad(() => {
    if (probs.size > 0 && (probs.lt(0).any().item() || probs.gt(1).any().item() || probs.isnan().any().item())) {
      throw new ValueError("bernoulli: every probability must be in [0, 1]");
    }
    return rand(probs.shape, { dtype: probs.dtype }).lt(probs).to(probs.dtype);
  });
}

/** Options of tg.multinomial (torch.multinomial's keyword arguments). */
export interface MultinomialOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
}

/**
 * `numSamples` category indices per row of `input` (1-D or 2-D non-negative weights, not necessarily
 * summing to 1), drawn in proportion to the weights (torch.multinomial); int32.
 * @example tg.multinomial(tg.tensor([0.1, 0.6, 0.3]), 5, { replacement: true })
 */
export function multinomial(input: Tensor, numSamples: number, opts: MultinomialOptions = {}): Tensor {
  checkOptions("multinomial", opts, ["replacement"]);
  const { replacement = false } = opts;
  if (!isFloat(input.dtype)) throw new DTypeError(`multinomial: weights must be floating point, got ${input.dtype}`);
  if (input.ndim !== 1 && input.ndim !== 2) throw new ShapeError(`multinomial: weights must be 1-D or 2-D, got ${fmtShape(input.shape)}`);
  const n = input.shape[input.ndim - 1];
  if (!Number.isInteger(numSamples) || numSamples <= 0)
    throw new ValueError(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  if (n === 0) throw new ValueError("multinomial: the weights have no categories");
  if (!replacement && numSamples > n) {
    throw new ValueError(`multinomial: cannot draw ${numSamples} samples from ${n} categories without replacement`);
  }
  return noGrad(() => {
    const w = input.ndim === 1 ? input.unsqueeze(0) : input;
    if (w.lt(0).any().item() || w.isinf().any().item() || w.isnan().any().item()) {
      throw new ValueError("multinomial: weights must be finite and non-negative");
    }
    const total = w.sum(1, true);
    if (total.eq(0).any().item()) throw new ValueError("multinomial: a row of weights sums to 0");
    let out: Tensor;
    if (replacement) {
      // Inverse CDF: the sample is the number of cumulative weights at or below u·total, so category
      // i is drawn when cdf[i-1] <= u·total < cdf[i] (never one of zero weight).
      const cdf = cumsum(w.to("float64"), 1).unsqueeze(1); // [R, 1, n]
      const u = rand([w.shape[0], numSamples, 1], { dtype: "float64" }).mul(total.to("float64").unsqueeze(2));
      out = cdf
        .le(u)
        .sum(2)
        .minimum(n - 1)
        .to("int32");
    } else {
      // Gumbel top-k: the k largest of log w - log(-log u) are a draw without replacement.
      if (w.gt(0).sum(1).lt(numSamples).any().item()) {
        throw new ValueError(`multinomial: a row has fewer than ${numSamples} categories of non-zero weight to draw without replacement`);
      }
      const u = rand(w.shape, { dtype: "float64" });
      const keys = w.to("float64").log().sub(u.log().neg().log());
      out = slice(argsort(keys, 1, true), 1, 0, numSamples);
    }
    return input.ndim === 1 ? out.squeeze(0) : out;
  });
}
