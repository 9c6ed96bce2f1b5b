// CosineSimilarity and PairwiseDistance (torch.nn): module forms of the functional distances.

import type { Tensor } from "../../tensor/tensor.js";
import { cosineSimilarity, pairwiseDistance, type CosineSimilarityOptions, type PairwiseDistanceOptions } from "../functional/distance.js";
import { Module } from "../module.js";
import { checkOptions } from "../../tensor/options.js";

/**
 * Cosine similarity of two tensors along `dim`, broadcasting (torch.nn.CosineSimilarity; dim 1,
 * eps 1e-8 by default); the output drops `dim`.
 * @example new nn.CosineSimilarity({ dim: 1 }).forward(tg.randn([8, 128]), tg.randn([8, 128])).shape  // [8]
 */
export class CosineSimilarity extends Module {
  /** The F.cosineSimilarity options given, frozen. */
  readonly options: Readonly<CosineSimilarityOptions>;
  constructor(opts: CosineSimilarityOptions = {}) {
    super();
    checkOptions("CosineSimilarity", opts, ["dim", "eps"]);
    this.options = Object.freeze({ ...opts });
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return cosineSimilarity(x1, x2, this.options);
  }
}

/**
 * The p-norm distance ‖x1 − x2 + eps‖_p of each row pair, over the last dim (torch.nn.PairwiseDistance;
 * p 2, eps 1e-6 by default).
 * @example new nn.PairwiseDistance().forward(tg.randn([8, 128]), tg.randn([8, 128])).shape  // [8]
 */
export class PairwiseDistance extends Module {
  /** The F.pairwiseDistance options given, frozen. */
  readonly options: Readonly<PairwiseDistanceOptions>;
  constructor(opts: PairwiseDistanceOptions = {}) {
    super();
    checkOptions("PairwiseDistance", opts, ["p", "eps", "keepdim"]);
    this.options = Object.freeze({ ...opts });
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return pairwiseDistance(x1, x2, this.options);
  }
}
