// Vector normalisation and similarity (torch.nn.functional.normalize, cosine_similarity,
// pairwise_distance), as compositions of norms and arithmetic.

import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";
import { broadcastShapes } from "../../tensor/shape.js";

/** Options of F.normalize (torch's p, dim and eps). */
export interface NormalizeOptions {
  /** The norm's exponent (default 2). */
  p?: number;
  /** The dim to normalise along (default 1). */
  dim?: number;
  /** Smallest divisor, so a zero vector stays zero (default 1e-12). */
  eps?: number;
}

/**
 * `x / max(‖x‖_p, eps)` along `dim` (torch.nn.functional.normalize).
 * @example F.normalize(embeddings, { dim: -1 })
 */
export function normalize(x: Tensor, opts: NormalizeOptions = {}): Tensor {
  checkOptions("normalize", opts, ["p", "dim", "eps"]);
  const { p = 2, dim = 1, eps = 1e-12 } = opts;
  if (typeof p !== "number" || !(p > 0)) throw new ValueError(`normalize: p must be a positive number, got ${p}`);
  return x.div(x.norm(p, dim, true).clamp(eps, null));
}

/** Options of F.cosineSimilarity and nn.CosineSimilarity (torch's dim and eps). */
export interface CosineSimilarityOptions {
  /** The dim holding the vectors (default 1). */
  dim?: number;
  /** Smallest norm each vector is divided by (default 1e-8). */
  eps?: number;
}

/**
 * Cosine of the angle between `x1` and `x2` along `dim` (broadcasting):
 * x1·x2 / (max(‖x1‖, eps) · max(‖x2‖, eps)) (torch.nn.functional.cosine_similarity); the
 * result drops `dim`.
 * @example F.cosineSimilarity(tg.tensor([[1, 0]]), tg.tensor([[1, 1]]))  // [0.7071]
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, opts: CosineSimilarityOptions = {}): Tensor {
  checkOptions("cosineSimilarity", opts, ["dim", "eps"]);
  const { dim = 1, eps = 1e-8 } = opts;
  broadcastShapes("cosineSimilarity", x1.shape, x2.shape);
  return x1
    .div(clampedNorm(x1, dim, eps))
    .mul(x2.div(clampedNorm(x2, dim, eps)))
    .sum(dim);
}

/** Options of F.pairwiseDistance and nn.PairwiseDistance (torch's p, eps and keepdim). */
export interface PairwiseDistanceOptions {
  /** The norm's exponent (default 2). */
  p?: number;
  /** Added to the difference, avoiding a zero norm's undefined gradient (default 1e-6). */
  eps?: number;
  /** Keep the last dim as size 1 (default false). */
  keepdim?: boolean;
}

/**
 * ‖x1 - x2 + eps‖_p over the last dim, row by row (torch.nn.functional.pairwise_distance).
 * @example F.pairwiseDistance(tg.tensor([[0, 0]]), tg.tensor([[3, 4]]))  // [4.999999]: eps = 1e-6 is added to each difference
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, opts: PairwiseDistanceOptions = {}): Tensor {
  checkOptions("pairwiseDistance", opts, ["p", "eps", "keepdim"]);
  const { p = 2, eps = 1e-6, keepdim = false } = opts;
  const diff = x1.sub(x2).add(eps);
  // torch reduces over the last dim of the broadcast result (a 0-d or 1-d result keeps its one dim).
  return diff.norm(p, diff.ndim === 0 ? undefined : -1, keepdim);
}

/**
 * ‖x‖ along `dim`, raised to `eps` where smaller; torch clamps under no_grad, so the gradient is the
 * unclamped norm's even where the clamp acts.
 */
function clampedNorm(x: Tensor, dim: number, eps: number): Tensor {
  const n = x.norm(2, dim, true);
  return n.add(n.detach().clamp(eps, null).sub(n.detach()));
}
