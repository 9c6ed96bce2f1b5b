// linear and dropout for nn.functional (torch.nn.functional.linear / dropout).

import { ShapeError, fmtShape } from "../../errors.js";
import { dropout as dropoutOp } from "../../ops/index.js";
import { linearPrim } from "../../ops/primitives/linear.js";
import type { Tensor } from "../../tensor/tensor.js";

/**
 * y = x·Wᵀ + b for x of shape [..., in], weight [out, in] and bias [out] (torch.nn.functional.linear).
 * @example F.linear(x, layer.weight, layer.bias)
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D [out, in], got ${fmtShape(weight.shape)}`);
  const outFeatures = weight.shape[0],
    inFeatures = weight.shape[1];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(
      `linear: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(weight.shape)} (expected input [..., ${inFeatures}])`,
    );
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outFeatures)) {
    throw new ShapeError(`linear: bias ${fmtShape(bias.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [${outFeatures}])`);
  }
  return linearPrim(bias === null ? [x, weight] : [x, weight, bias], undefined);
}

/** Options of F.dropout in object form. */
export interface DropoutOptions {
  /** Probability of zeroing each element (default 0.5). */
  p?: number;
  /** Apply dropout (default true, as torch's F.dropout); pass the module's `training` flag. */
  training?: boolean;
}

/**
 * Inverted dropout (torch.nn.functional.dropout; note torch's default training=True): zeroes each
 * element with probability p and scales the rest by 1/(1-p). Masks come from the seeded generator.
 * @example F.dropout(x, 0.2, model.training)  // or F.dropout(x, { p: 0.2, training: false })
 */
export function dropout(x: Tensor, p: number | DropoutOptions = 0.5, training = true): Tensor {
  if (typeof p === "object") return dropoutOp(x, p.p ?? 0.5, p.training ?? true);
  return dropoutOp(x, p, training);
}
