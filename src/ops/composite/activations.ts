// Activation functions as compositions of primitives, each matching torch.nn.functional's
// definition (and its gradient at the kinks).

import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { floatMask, whereMask } from "../primitives/elementwise.js";
import { checkOptions } from "../../tensor/options.js";

/**
 * x for x > 0, slope·x otherwise (torch leaky_relu; gradient slope at 0).
 * @example tg.leakyRelu(tg.tensor([-2, 3]), 0.1)  // [-0.2, 3]
 */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  requireNumber("leakyRelu", "negative slope", slope);
  return whereMask(floatMask.gt(x, 0), x, x.mul(slope));
}

const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * x·Φ(x) with the exact erf form, or torch's tanh approximation when approximate = "tanh".
 * @example tg.gelu(tg.tensor([-1, 0, 1]))  // [-0.1587, 0, 0.8413]
 */
export function gelu(x: Tensor, opts: { approximate?: "none" | "tanh" } = {}): Tensor {
  checkOptions("gelu", opts, ["approximate"]);
  const { approximate = "none" } = opts;
  if (approximate === "tanh") {
    const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI);
    return x.mul(0.5).mul(inner.tanh().add(1));
  }
  if (approximate !== "none") throw new ValueError(`gelu: approximate must be "none" or "tanh", got "${approximate}"`);
  return x.mul(0.5).mul(x.mul(SQRT_HALF).erf().add(1));
}

/**
 * x for x > 0, alpha·(eˣ - 1) otherwise. The exponential only sees min(x, 0), so large positive
 * inputs cannot overflow into the discarded branch (whose zero gradient would turn Inf into NaN);
 * the min is a where, not minimum(), so x = 0 gets torch's gradient α rather than a tie's α/2.
 * @example tg.elu(tg.tensor([-1, 2]))  // [-0.6321, 2]
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  requireNumber("elu", "alpha", alpha);
  const positive = floatMask.gt(x, 0);
  return whereMask(positive, x, whereMask(positive, 0, x).expm1().mul(alpha));
}

/**
 * log(1 + e^{βx})/β, and x itself where βx > threshold (torch's default beta 1, threshold 20).
 * @example tg.softplus(tg.tensor([0, 30]))  // [0.6931, 30] (linear above the threshold)
 */
export function softplus(x: Tensor, opts: { beta?: number; threshold?: number } = {}): Tensor {
  checkOptions("softplus", opts, ["beta", "threshold"]);
  const { beta = 1, threshold = 20 } = opts;
  const bx = beta === 1 ? x : x.mul(beta);
  const above = floatMask.gt(bx, threshold);
  // where, not minimum(): at βx = threshold torch takes the smooth branch's full gradient.
  const smooth = whereMask(above, threshold, bx).exp().log1p();
  return whereMask(above, x, beta === 1 ? smooth : smooth.div(beta));
}

/**
 * x·σ(x) (also called swish).
 * @example tg.silu(tg.tensor([0, 1]))  // [0, 0.7311]
 */
export function silu(x: Tensor): Tensor {
  return x.mul(x.sigmoid());
}

/**
 * Limits x to [min, max]; the gradient passes where min ≤ x ≤ max (torch.clamp).
 * @example tg.clamp(tg.tensor([-2, 0.5, 3]), 0, 1)  // [0, 0.5, 1]
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if (min == null && max == null) throw new ValueError("clamp: at least one of min and max must be given");
  let out = x;
  if (min != null) out = whereMask(floatMask.lt(out, min), min, out);
  if (max != null) out = whereMask(floatMask.gt(out, max), max, out);
  return out;
}

/** A ValueError for an options object (or anything else) where torch takes a number positionally. */
export function requireNumber(op: string, what: string, v: unknown): void {
  if (typeof v !== "number") {
    throw new ValueError(`${op}: ${what} must be a number (passed positionally, as torch's), got ${v === null ? "null" : typeof v}`);
  }
}
