// Inverted dropout: zero each element with probability p while training and scale the survivors by
// 1/(1-p), so evaluation needs no rescaling. Draws come from the seeded generator.

import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { rand } from "../../tensor/creation.js";

/**
 * Inverted dropout (torch's F.dropout): while `training`, zeroes each element with probability `p`
 * (default 0.5) from the seeded generator and scales the rest by 1 / (1 - p); the identity otherwise.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`dropout: probability p must be between 0 and 1, got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const keep = rand(x.shape).ge(p).mul(1 / (1 - p));
  return x.mul(keep);
}
