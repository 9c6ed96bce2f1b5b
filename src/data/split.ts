// randomSplit (torch.utils.data.random_split): disjoint random Subsets of given lengths or fractions.

import { ValueError } from "../errors.js";
import { checkOptions } from "../tensor/options.js";
import { Subset, type Dataset } from "./dataset.js";
import { randperm, withSeed } from "./random-stream.js";

/** Options of randomSplit. */
export interface RandomSplitOptions {
  /** Seeds a private generator for this split; without it the global generator is used. */
  seed?: number;
}

/**
 * The sizes randomSplit gives each part, exactly as torch.utils.data.random_split computes them:
 * fractions summing to 1 become floor(n · fraction) each, then the leftover samples are handed out
 * one at a time round-robin from the first part; otherwise the values are taken as lengths, which
 * must sum to n.
 * @example data.splitLengths(10, [0.5, 0.3, 0.2])  // [5, 3, 2]; data.splitLengths(11, [0.5, 0.5]) is [6, 5]
 */
export function splitLengths(n: number, fractionsOrLengths: readonly number[]): number[] {
  const values = [...fractionsOrLengths];
  if (values.length === 0) throw new ValueError("randomSplit: expected at least one length or fraction");
  const total = values.reduce((a, b) => a + b, 0);
  // math.isclose(total, 1) with its default rel_tol=1e-9, and total <= 1, as torch checks.
  if (Math.abs(total - 1) <= 1e-9 * Math.max(1, Math.abs(total)) && total <= 1) {
    const lengths = values.map((f, i) => {
      if (!(f >= 0 && f <= 1)) throw new ValueError(`randomSplit: fraction at index ${i} is ${f}, expected a value in [0, 1]`);
      return Math.floor(n * f);
    });
    const remainder = n - lengths.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) lengths[i % lengths.length] += 1;
    return lengths;
  }
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0) {
      throw new ValueError(
        `randomSplit: length at index ${i} is ${v}; expected non-negative integer lengths summing to ${n}, or fractions summing to 1`,
      );
    }
  });
  if (total !== n) {
    throw new ValueError(
      `randomSplit: lengths [${values.join(", ")}] sum to ${total}, but the dataset has ${n} samples; expected them to sum to ${n} (or fractions summing to 1)`,
    );
  }
  return values;
}

/**
 * Splits `dataset` into non-overlapping random Subsets (torch.utils.data.random_split) of the given
 * lengths, or of the given fractions (see splitLengths for the rounding). One random permutation of
 * all indices is drawn and cut in order.
 * @example const [train, val] = data.randomSplit(ds, [0.8, 0.2], { seed: 42 });
 */
export function randomSplit(dataset: Dataset, fractionsOrLengths: readonly number[], options: RandomSplitOptions = {}): Subset[] {
  checkOptions("randomSplit", options, ["seed"]);
  const { seed } = options;
  const lengths = splitLengths(dataset.length, fractionsOrLengths);
  const perm = withSeed(seed, () => randperm(dataset.length));
  const out: Subset[] = [];
  let at = 0;
  for (const len of lengths) {
    out.push(new Subset(dataset, perm.subarray(at, at + len)));
    at += len;
  }
  return out;
}
