// The nn namespace (torch.nn): Module, Parameter, layers, init, functional, losses, utils.

export { Module, keepsNoActivation, type LoadStateDictOptions, type LoadStateDictResult } from "./module.js";
export type { ForwardHook, ForwardPreHook, FullBackwardHook } from "./module-hooks.js";
export { Parameter } from "./parameter.js";
export { Linear, Identity, type LinearOptions } from "./layers/linear.js";
export { Sequential } from "./layers/container.js";
export { ReLU, Sigmoid, Tanh, SiLU, LeakyReLU, GELU, ELU, Softplus, Softmax, LogSoftmax } from "./layers/activation.js";
export {
  ReLU6,
  LogSigmoid,
  Softsign,
  Mish,
  Hardswish,
  Hardsigmoid,
  SELU,
  Hardtanh,
  CELU,
  Softmin,
  GLU,
  PReLU,
} from "./layers/activation-more.js";
export { Dropout } from "./layers/dropout.js";
export { Flatten, Unflatten } from "./layers/flatten.js";
export { BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormOptions, type LayerNormOptions } from "./layers/normalization.js";
export { Embedding, type EmbeddingOptions } from "./layers/embedding.js";
export {
  MSELoss,
  L1Loss,
  HuberLoss,
  SmoothL1Loss,
  GaussianNLLLoss,
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  NLLLoss,
  KLDivLoss,
} from "./losses.js";
export {
  MarginRankingLoss,
  CosineEmbeddingLoss,
  TripletMarginLoss,
  HingeEmbeddingLoss,
  PoissonNLLLoss,
  SoftMarginLoss,
  MultiMarginLoss,
  MultiLabelSoftMarginLoss,
} from "./losses-margin.js";
export * from "./layers/conv.js";
export * from "./layers/pool.js";
export { MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, AdaptiveMaxPool1d, AdaptiveMaxPool2d } from "./layers/pool1d.js";
export { ModuleList } from "./layers/module-list.js";
export { RNN, LSTM, GRU, type RecurrentOptions, type RNNOptions, type LSTMOptions } from "./layers/recurrent.js";
export { PackedSequence } from "./packed-sequence.js";
export { MultiheadAttention, type MultiheadAttentionOptions } from "./layers/attention.js";
export {
  TransformerEncoderLayer,
  TransformerEncoder,
  generateSquareSubsequentMask,
  type TransformerActivation,
  type TransformerEncoderLayerOptions,
  type TransformerEncoderLayerForwardOptions,
  type TransformerEncoderOptions,
  type TransformerEncoderForwardOptions,
} from "./layers/transformer.js";
export { GroupNorm, InstanceNorm1d, InstanceNorm2d, type GroupNormOptions, type InstanceNormOptions } from "./layers/group-norm.js";
export { ConvTranspose1d, ConvTranspose2d, type ConvTransposeLayerOptions } from "./layers/conv-transpose.js";
export { RNNCell, LSTMCell, GRUCell, type RNNCellOptions } from "./layers/recurrent-cell.js";
export {
  TransformerDecoderLayer,
  TransformerDecoder,
  Transformer,
  type TransformerOptions,
  type TransformerForwardOptions,
  type TransformerDecoderLayerOptions,
  type TransformerDecoderLayerForwardOptions,
  type TransformerDecoderOptions,
} from "./layers/transformer-decoder.js";
export { Upsample, PixelShuffle, PixelUnshuffle } from "./layers/resample.js";
export {
  ZeroPad2d,
  ConstantPad1d,
  ConstantPad2d,
  ReflectionPad1d,
  ReflectionPad2d,
  ReplicationPad1d,
  ReplicationPad2d,
} from "./layers/padding.js";
export { CosineSimilarity, PairwiseDistance } from "./layers/distance.js";
export { PositionalEncoding, type PositionalEncodingOptions } from "./layers/positional-encoding.js";
export * as init from "./init.js";
export * as functional from "./functional/index.js";
export * as utils from "./utils.js";
