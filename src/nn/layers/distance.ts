// CosineSimilarity and PairwiseDistance (torch.nn): module forms of the functional distances.

import type { Tensor } from "../../tensor/tensor.js";
import {
  cosineSimilarity, pairwiseDistance, type CosineSimilarityOptions, type PairwiseDistanceOptions,
} from "../functional/distance.js";
import { Module } from "../module.js";
import { checkOptions } from "../../tensor/options.js";

/** Cosine similarity along `dim` (torch.nn.CosineSimilarity; dim 1, eps 1e-8 by default). */
export class CosineSimilarity extends Module {
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

/** The p-norm distance of each row pair (torch.nn.PairwiseDistance; p 2, eps 1e-6 by default). */
export class PairwiseDistance extends Module {
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
