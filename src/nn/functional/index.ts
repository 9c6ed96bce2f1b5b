// nn.functional (torch.nn.functional): stateless versions of the layers and the losses, each taking
// its tensors explicitly. Modules in nn/layers call these, so module and function share one maths.

export * from "./activation.js";
export { linear, dropout, type DropoutOptions } from "./linear.js";
export {
  batchNorm,
  layerNorm,
  groupNorm,
  instanceNorm,
  type BatchNormOptions,
  type LayerNormOptions,
  type GroupNormOptions,
} from "./normalization.js";
export { embedding, oneHot } from "./sparse.js";
export {
  mseLoss,
  l1Loss,
  huberLoss,
  smoothL1Loss,
  gaussianNllLoss,
  type Reduction,
  type ReductionOptions,
  type GaussianNllOptions,
} from "./loss.js";
export {
  crossEntropy,
  nllLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  klDiv,
  type NllOptions,
  type CrossEntropyOptions,
  type BinaryCrossEntropyOptions,
  type BCEWithLogitsOptions,
  type KLDivOptions,
} from "./classification-loss.js";
export * from "./conv.js";
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from "./attention.js";
export { multiHeadAttentionForward, type MultiHeadAttentionOptions, type MultiHeadAttentionWeights } from "./multi-head-attention.js";
export {
  normalize,
  cosineSimilarity,
  pairwiseDistance,
  type NormalizeOptions,
  type CosineSimilarityOptions,
  type PairwiseDistanceOptions,
} from "./distance.js";
export { pad, type PadMode, type PadOptions } from "./padding.js";
export { interpolate, pixelShuffle, pixelUnshuffle, type InterpolateMode, type InterpolateOptions } from "./resample.js";
export { convTranspose1d, convTranspose2d, type ConvTransposeOptions } from "./conv-transpose.js";
export {
  maxPool1d,
  avgPool1d,
  adaptiveAvgPool1d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  type MaxPool1dOptions,
  type AvgPool1dOptions,
} from "./pool1d.js";
export {
  marginRankingLoss,
  cosineEmbeddingLoss,
  tripletMarginLoss,
  hingeEmbeddingLoss,
  poissonNllLoss,
  softMarginLoss,
  multiMarginLoss,
  multilabelSoftMarginLoss,
  type MarginOptions,
  type TripletMarginOptions,
  type PoissonNllOptions,
  type MultiMarginOptions,
} from "./margin-loss.js";
export { sinusoidalPositionalEncoding, type PositionalEncodingTableOptions } from "./positional.js";
