// Inverted dropout: zero each element with probability p while training and scale the survivors by
// 1/(1-p), so evaluation needs no rescaling. Draws come from the seeded generator.

import { releaseIntermediates } from "../../autograd/engine.js";
import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { tensor } from "../../tensor/creation.js";
import { drawWithState, fillDropoutMask } from "../../tensor/random.js";
import { getBackend } from "../../backend/current.js";
import { runKernel } from "../run-kernel.js";

/**
 * Inverted dropout (torch's F.dropout): while `training`, zeroes each element with probability `p`
 * (default 0.5) from the seeded generator and scales the rest by 1 / (1 - p); the identity otherwise.
 * @example tg.dropout(tg.ones([8]), 0.5)  // each element 0 or 2 (kept ones scaled by 1/(1 − p)); training = false returns x
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`dropout: probability p must be between 0 and 1, got ${p}`);
  // { training: false } here would be truthy and drop in eval.
  if (typeof training !== "boolean")
    throw new ValueError(`dropout: training must be true or false, got ${training === null ? "null" : typeof training}`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const mask = dropoutMask(x, p, 1 / (1 - p));
  // Only the product (and its backward) reads the mask.
  const out = x.mul(mask);
  releaseIntermediates(out, mask);
  return out;
}

/**
 * Kernel contract of dropoutMask (optional; the wasm backend has it): writes a contiguous float32
 * output of one draw per element of xoshiro128** from `state`, 0 where the draw (as a signed integer
 * shifted by 2^31) is below p·2^32 − 2^31, else `scale` rounded to float32, and leaves `state`
 * advanced past those draws: the values and the generator's state after are fillDropoutMask's.
 */
function dropoutMask(x: Tensor, p: number, scale: number): Tensor {
  if (x.dtype !== "float64" && getBackend().kernel("dropoutMask") !== undefined) {
    let mask: Tensor | undefined;
    drawWithState((state) => (mask = runKernel("dropoutMask", x.shape, "float32", [], { p, scale, state })));
    return mask!;
  }
  // Elsewhere the mask is made whole on the host (one draw per element) and multiplied in once.
  const values = x.dtype === "float64" ? new Float64Array(x.size) : new Float32Array(x.size);
  fillDropoutMask(values, p, scale);
  return tensor(values, { shape: x.shape, dtype: x.dtype === "float64" ? "float64" : "float32" });
}
