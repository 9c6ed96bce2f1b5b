// More activations as compositions (torch.nn.functional's hardtanh relu6 logsigmoid softsign mish
// hardswish hardsigmoid selu celu softmin glu prelu), with torch's gradients away from their kinks
// and at hardtanh's bounds (zero there, as torch's hardtanh_backward).

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { normDim } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { floatMask, whereMask } from "../primitives/elementwise.js";
import { elu, requireNumber } from "./activations.js";
import { softmax } from "./softmax.js";
import { split } from "./rearrange.js";

/**
 * x clamped to [minVal, maxVal]; the gradient passes strictly inside only (torch.nn.functional.hardtanh).
 * @example F.hardtanh(tg.tensor([-3, 0.5, 3]))  // [-1, 0.5, 1]
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  if (!(minVal < maxVal)) throw new ValueError(`hardtanh: minVal ${minVal} must be below maxVal ${maxVal}`);
  return whereMask(floatMask.le(x, minVal), minVal, whereMask(floatMask.ge(x, maxVal), maxVal, x));
}

/**
 * min(max(x, 0), 6) (torch's relu6, a hardtanh).
 * @example F.relu6(tg.tensor([-1, 3, 8]))  // [0, 3, 6]
 */
export function relu6(x: Tensor): Tensor {
  return hardtanh(x, 0, 6);
}

/**
 * log σ(x) = min(x, 0) - log(1 + e^{-|x|}), stable for large |x| (torch's logsigmoid).
 * @example F.logSigmoid(tg.tensor([0, -100]))  // [-0.6931, -100], stable for large negative x
 */
export function logSigmoid(x: Tensor): Tensor {
  // -|x| as a where, so that x = 0 takes the x ≥ 0 branch's slope as torch's backward does (gradient
  // 0.5 there, σ(-0)); abs's zero gradient at 0 gave 0.
  const negative = floatMask.lt(x, 0);
  return whereMask(negative, x, 0).sub(whereMask(negative, x, x.neg()).exp().log1p());
}

/**
 * x / (1 + |x|) (torch's softsign).
 * @example F.softsign(tg.tensor([1, -3]))  // [0.5, -0.75]
 */
export function softsign(x: Tensor): Tensor {
  return x.div(x.abs().add(1));
}

/**
 * x·tanh(softplus(x)) (torch's mish).
 * @example F.mish(tg.tensor([0, 1]))  // [0, 0.8651]
 */
export function mish(x: Tensor): Tensor {
  return x.mul(x.softplus().tanh());
}

/**
 * x·relu6(x + 3)/6 (torch's hardswish).
 * @example F.hardswish(tg.tensor([-4, 1, 4]))  // [0, 0.6667, 4]
 */
export function hardswish(x: Tensor): Tensor {
  // x·(x + 3)/6 on the closed [-3, 3], as torch's backward takes it: slope x/3 + 1/2 at both ends
  // (-0.5 at -3, 1.5 at 3), where relu6's kinks gave 0 and 1.
  const inside = whereMask(floatMask.le(x, 3), x.mul(x.add(3)).div(6), x);
  return whereMask(floatMask.lt(x, -3), 0, inside);
}

/**
 * relu6(x + 3)/6 (torch's hardsigmoid).
 * @example F.hardsigmoid(tg.tensor([-4, 0, 4]))  // [0, 0.5, 1]
 */
export function hardsigmoid(x: Tensor): Tensor {
  return relu6(x.add(3)).div(6);
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/**
 * scale·elu(x, α) with the self-normalising constants (torch's selu).
 * @example F.selu(tg.tensor([-1, 1]))  // [-1.1113, 1.0507]
 */
export function selu(x: Tensor): Tensor {
  return elu(x, SELU_ALPHA).mul(SELU_SCALE);
}

/**
 * x for x > 0, α(e^{x/α} - 1) otherwise (torch's celu).
 * @example F.celu(tg.tensor([-2, 1]), 2)  // [-1.2642, 1]
 */
export function celu(x: Tensor, alpha = 1): Tensor {
  requireNumber("celu", "alpha", alpha);
  if (alpha === 0) throw new ValueError("celu: alpha must not be 0");
  const positive = floatMask.gt(x, 0);
  return whereMask(positive, x, whereMask(positive, 0, x).div(alpha).expm1().mul(alpha));
}

/**
 * softmax(-x) along `dim` (torch's softmin).
 * @example F.softmin(tg.tensor([0, Math.log(3)]), 0)  // [0.75, 0.25]
 */
export function softmin(x: Tensor, dim: number): Tensor {
  return softmax(x.neg(), dim);
}

/**
 * a·σ(b) for the two halves a, b of `dim` (torch's glu).
 * @example F.glu(tg.tensor([[1, 2, 0, 0]]))  // [[0.5, 1]]
 */
export function glu(x: Tensor, dim = -1): Tensor {
  const d = normDim("glu", dim, x.ndim);
  if (x.shape[d] % 2 !== 0) throw new ShapeError(`glu: dim ${dim} of shape ${fmtShape(x.shape)} must have an even size`);
  const [a, b] = split(x, x.shape[d] / 2, d);
  return a.mul(b.sigmoid());
}

/**
 * x for x > 0, weight·x otherwise, one learned slope per channel (dim 1) or one shared slope
 * (torch's prelu).
 * @example F.prelu(tg.tensor([[-2, 2]]), tg.tensor([0.1]))  // [[-0.2, 2]]
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  if (weight.ndim !== 1) throw new ShapeError(`prelu: weight must be 1-D, got shape ${fmtShape(weight.shape)}`);
  const channels = x.ndim >= 2 ? x.shape[1] : 1;
  if (weight.size !== 1 && weight.size !== channels) {
    throw new ShapeError(
      `prelu: weight has ${weight.size} slopes for input ${fmtShape(x.shape)} with ${channels} channels (expected 1 or ${channels})`,
    );
  }
  const w = weight.size === 1 || x.ndim < 2 ? weight.reshape([]) : weight.reshape([channels, ...new Array(x.ndim - 2).fill(1)]);
  return whereMask(floatMask.gt(x, 0), x, x.mul(w));
}
