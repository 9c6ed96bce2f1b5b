// Scaled dot-product attention (torch.nn.functional.scaled_dot_product_attention) and the mask
// conventions shared with multi-head attention, composed of matmul, softmax and where so the
// gradients come from autograd.

import { markIntermediate } from "../../autograd/engine.js";
import { isObserved } from "../../autograd/primitive.js";
import { DTypeError, ShapeError, ValueError, fmtShape } from "../../errors.js";
import { dropout as dropoutOp, triu, where } from "../../ops/index.js";
import { full, tensor } from "../../tensor/creation.js";
import { isFloat } from "../../tensor/dtype.js";
import { broadcastShapes } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";

/**
 * A mask in additive form (0 where attention is allowed, -inf where it is not), as torch reads
 * masks: by dtype alone. A bool mask's `true` means what `trueMeans` says: "masked"
 * (nn.MultiheadAttention's convention) or "attend" (scaled_dot_product_attention's). A float mask is
 * added to the scores unchanged, even one holding only 0s and 1s. Any other dtype is a DTypeError
 * naming `op` and the mask `name`.
 */
export function toAdditiveMask(op: string, name: string, mask: Tensor, trueMeans: "masked" | "attend"): Tensor {
  if (mask.dtype === "bool") return trueMeans === "masked" ? where(mask, -Infinity, 0) : where(mask, 0, -Infinity);
  if (!isFloat(mask.dtype)) {
    const meaning = trueMeans === "masked" ? "true = not allowed to attend" : "true = may attend";
    throw new DTypeError(
      `${op}: ${name} must be bool (${meaning}) or floating point (added to the scores), got ${mask.dtype}; pass a bool tensor (e.g. ${name}.bool())`,
    );
  }
  return mask;
}

/** [L, S] additive causal mask: position i may attend to j ≤ i (torch's tril of ones). */
export function causalMask(L: number, S: number): Tensor {
  // While ONNX export traces, from tensor ops, so the graph computes the mask for any length.
  if (isObserved()) return triu(full([L, S], -Infinity), 1);
  const data = new Float32Array(L * S);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < S; j++) data[i * S + j] = -Infinity;
  return tensor(data, { shape: [L, S] });
}

/**
 * softmax(q·kᵀ·scale + mask)·v over the last two dims, batch dims broadcasting. Returns the output
 * and the attention weights (after dropout, as torch's multi-head attention returns them).
 * @internal shared by scaledDotProductAttention and multi-head attention.
 */
export function attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, scale: number, dropoutP: number): [Tensor, Tensor] {
  // Scaling q before the product (rather than the scores) is what torch's multi-head attention does.
  // Everything before the returned weights is read by backward alone, which frees it with the graph.
  const scaled = q.mul(scale);
  let scores = scaled.matmul(k.transpose(-2, -1));
  markIntermediate(scaled, scores);
  if (mask !== null) {
    scores = scores.add(mask);
    markIntermediate(scores);
  }
  let weights = scores.softmax(-1);
  if (dropoutP > 0) {
    markIntermediate(weights);
    weights = dropoutOp(weights, dropoutP, true);
  }
  return [weights.matmul(v), weights];
}

/** Options of scaledDotProductAttention (torch's names, camelCase). */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to [..., L, S]. bool: true = may attend, as torch's bool mask here (note: the
   * opposite of MultiheadAttention's masks); a float mask is added to the scores (0 / -inf).
   */
  attnMask?: Tensor | null;
  /** Dropout on the attention weights; applied whenever > 0, as torch (pass 0 in eval mode). */
  dropoutP?: number;
  /** Apply a causal mask (query i attends to keys j ≤ i); not together with attnMask. */
  isCausal?: boolean;
  /** Scale of the scores; default 1/√E. */
  scale?: number | null;
}

/**
 * Attention of queries [..., L, E] over keys [..., S, E] and values [..., S, Ev], giving
 * [..., L, Ev] (torch.nn.functional.scaled_dot_product_attention, PyTorch ≥ 2.0).
 * @example F.scaledDotProductAttention(q, k, v, { isCausal: true })  // q, k, v: [N, H, T, 64]
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts: ScaledDotProductAttentionOptions = {}): Tensor {
  checkOptions("scaledDotProductAttention", opts, ["attnMask", "dropoutP", "isCausal", "scale"]);
  const { attnMask = null, dropoutP = 0, isCausal = false, scale = null } = opts;
  const op = "scaledDotProductAttention";
  for (const [name, t] of [
    ["query", query],
    ["key", key],
    ["value", value],
  ] as const) {
    if (t.ndim < 2) throw new ShapeError(`${op}: ${name} must have at least 2 dims [..., seq, features], got ${fmtShape(t.shape)}`);
    if (!isFloat(t.dtype)) throw new DTypeError(`${op}: ${name} must be floating point, got ${t.dtype}`);
  }
  const E = query.shape[query.ndim - 1],
    L = query.shape[query.ndim - 2];
  const S = key.shape[key.ndim - 2];
  if (key.shape[key.ndim - 1] !== E) {
    throw new ShapeError(`${op}: key ${fmtShape(key.shape)} does not fit query ${fmtShape(query.shape)} (expected key [..., S, ${E}])`);
  }
  if (value.shape[value.ndim - 2] !== S) {
    throw new ShapeError(`${op}: value ${fmtShape(value.shape)} does not fit key ${fmtShape(key.shape)} (expected value [..., ${S}, Ev])`);
  }
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new ValueError(`${op}: dropoutP must be between 0 and 1, got ${dropoutP}`);
  if (isCausal && attnMask !== null) throw new ValueError(`${op}: pass either attnMask or isCausal, not both`);
  let mask: Tensor | null = null;
  if (attnMask !== null) {
    try {
      broadcastShapes(op, attnMask.shape, [L, S]);
    } catch {
      throw new ShapeError(`${op}: attnMask ${fmtShape(attnMask.shape)} cannot be broadcast to the scores [..., ${L}, ${S}]`);
    }
    mask = toAdditiveMask(op, "attnMask", attnMask, "attend");
  } else if (isCausal) {
    mask = causalMask(L, S);
  }
  return attend(query, key, value, mask, scale ?? 1 / Math.sqrt(E), dropoutP)[0];
}
