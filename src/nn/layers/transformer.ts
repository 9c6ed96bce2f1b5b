// TransformerEncoderLayer and TransformerEncoder (torch.nn), with torch's submodule names (self_attn,
// linear1, dropout, linear2, norm1, norm2, dropout1, dropout2; layers.0.…) so state dicts load
// across, and generateSquareSubsequentMask for causal masks.

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { causalMask } from "../functional/attention.js";
import { Module } from "../module.js";
import { MultiheadAttention } from "./attention.js";
import { Dropout } from "./dropout.js";
import { Linear } from "./linear.js";
import { ModuleList } from "./module-list.js";
import { LayerNorm } from "./normalization.js";
import { checkOptions } from "../../tensor/options.js";
import { isGradEnabled } from "../../autograd/grad-mode.js";
import { markIntermediate } from "../../autograd/engine.js";

/** The feed-forward activation of a TransformerEncoderLayer: "relu", "gelu" or any tensor function. */
export type TransformerActivation = "relu" | "gelu" | ((x: Tensor) => Tensor);

/** Options of nn.TransformerEncoderLayer (torch's names and defaults, camelCase). */
export interface TransformerEncoderLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** Feed-forward activation: "relu" (default), "gelu" or a function. */
  activation?: TransformerActivation;
  /** The eps of both LayerNorms (default 1e-5). */
  layerNormEps?: number;
  /** src is [N, S, E] instead of [S, N, E] (default false). */
  batchFirst?: boolean;
  /** Pre-norm (LayerNorm before attention and feed-forward) instead of post-norm (default false). */
  normFirst?: boolean;
}

/** Masks of TransformerEncoderLayer.forward (torch's src_mask, src_key_padding_mask, is_causal). */
export interface TransformerEncoderLayerForwardOptions {
  /** [S, S] or [N·nHead, S, S]; bool with true = masked, or additive float (as MultiheadAttention). */
  srcMask?: Tensor | null;
  /** [N, S] (or [S] unbatched), bool: true = padding, ignored as a key. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (builds the mask when srcMask is absent). */
  isCausal?: boolean;
}

/**
 * One transformer encoder block (torch.nn.TransformerEncoderLayer): self-attention and a
 * feed-forward network, each with dropout, a residual connection and LayerNorm (post-norm by
 * default, pre-norm with `normFirst`).
 * @example const layer = new nn.TransformerEncoderLayer(64, 4, { dimFeedforward: 128, batchFirst: true });
 *          layer.forward(x, { srcKeyPaddingMask: pad })  // x: [N, S, 64]
 */
export class TransformerEncoderLayer extends Module {
  /** The self-attention block (state-dict prefix "self_attn."). */
  readonly selfAttn: MultiheadAttention;
  /** The feed-forward block's first layer, dModel → dimFeedforward. */
  readonly linear1: Linear;
  /** Dropout inside the feed-forward block. */
  readonly dropout: Dropout;
  /** The feed-forward block's second layer, dimFeedforward → dModel. */
  readonly linear2: Linear;
  /** The LayerNorm around the attention block. */
  readonly norm1: LayerNorm;
  /** The LayerNorm around the feed-forward block. */
  readonly norm2: LayerNorm;
  /** Dropout on the attention block's output. */
  readonly dropout1: Dropout;
  /** Dropout on the feed-forward block's output. */
  readonly dropout2: Dropout;
  /** Whether the layer is pre-norm (LayerNorm before each block) rather than post-norm. */
  readonly normFirst: boolean;
  /** Whether inputs are [N, S, E] rather than [S, N, E]. */
  readonly batchFirst: boolean;
  /** The constructor options, kept so that TransformerEncoder can build identical copies. */
  readonly options: Readonly<Required<TransformerEncoderLayerOptions>>;
  private readonly activation: (x: Tensor) => Tensor;

  constructor(
    /** Embedding size E of the tokens. */
    readonly dModel: number,
    /** Attention heads; must divide dModel. */
    readonly nHead: number,
    opts: TransformerEncoderLayerOptions = {},
  ) {
    super();
    checkOptions("TransformerEncoderLayer", opts, ["dimFeedforward", "dropout", "activation", "layerNormEps", "batchFirst", "normFirst"]);
    const { dimFeedforward = 2048, dropout = 0.1, activation = "relu", layerNormEps = 1e-5, batchFirst = false, normFirst = false } = opts;
    if (!Number.isInteger(dimFeedforward) || dimFeedforward <= 0) {
      throw new ValueError(`TransformerEncoderLayer: dimFeedforward must be a positive integer, got ${dimFeedforward}`);
    }
    this.options = Object.freeze({ dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst });
    this.activation = resolveActivation(activation);
    this.normFirst = normFirst;
    this.batchFirst = batchFirst;
    // Registration order is torch's, which fixes the state-dict order.
    this.selfAttn = this.registerModule("self_attn", new MultiheadAttention(dModel, nHead, { dropout, batchFirst }));
    this.linear1 = this.registerModule("linear1", new Linear(dModel, dimFeedforward));
    this.dropout = this.registerModule("dropout", new Dropout(dropout));
    this.linear2 = this.registerModule("linear2", new Linear(dimFeedforward, dModel));
    this.norm1 = this.registerModule("norm1", new LayerNorm(dModel, { eps: layerNormEps }));
    this.norm2 = this.registerModule("norm2", new LayerNorm(dModel, { eps: layerNormEps }));
    this.dropout1 = this.registerModule("dropout1", new Dropout(dropout));
    this.dropout2 = this.registerModule("dropout2", new Dropout(dropout));
  }

  forward(src: Tensor, opts: TransformerEncoderLayerForwardOptions = {}): Tensor {
    checkOptions("TransformerEncoderLayer.forward", opts, ["srcMask", "srcKeyPaddingMask", "isCausal"]);
    const { srcMask = null, srcKeyPaddingMask = null, isCausal = false } = opts;
    if ((src.ndim !== 2 && src.ndim !== 3) || src.shape[src.ndim - 1] !== this.dModel) {
      const E = this.dModel;
      const batched = this.batchFirst ? `[N, S, ${E}]` : `[S, N, ${E}]`;
      throw new ShapeError(
        `TransformerEncoderLayer(dModel=${E}, nHead=${this.nHead}): expected src ${batched} (or [S, ${E}] unbatched), got ${fmtShape(src.shape)}`,
      );
    }
    const attnOpts = { attnMask: srcMask, keyPaddingMask: srcKeyPaddingMask, isCausal };
    // With built-in parts throughout, nothing outside this forward can hold what lies between its
    // input and its output: backward frees those tensors with the graph.
    const internal: Tensor[] | null = isGradEnabled() && plainLayer(this) ? [] : null;
    const keep = (t: Tensor): Tensor => (internal?.push(t), t);
    let x = src;
    if (this.normFirst) {
      x = keep(x.add(this.selfAttentionBlock(keep(this.norm1.forward(x)), attnOpts, keep)));
      x = x.add(this.feedForwardBlock(keep(this.norm2.forward(x)), keep));
    } else {
      x = keep(this.norm1.forward(keep(x.add(this.selfAttentionBlock(x, attnOpts, keep)))));
      x = this.norm2.forward(keep(x.add(this.feedForwardBlock(x, keep))));
    }
    if (internal !== null) markInternal(internal, src, x);
    return x;
  }

  private selfAttentionBlock(
    x: Tensor,
    opts: { attnMask: Tensor | null; keyPaddingMask: Tensor | null; isCausal: boolean },
    keep: (t: Tensor) => Tensor,
  ): Tensor {
    const [out] = this.selfAttn.forward(x, x, x, { ...opts, needWeights: false });
    return keep(this.dropout1.forward(keep(out)));
  }

  private feedForwardBlock(x: Tensor, keep: (t: Tensor) => Tensor): Tensor {
    const hidden = keep(this.dropout.forward(keep(this.activation(keep(this.linear1.forward(x))))));
    return keep(this.dropout2.forward(keep(this.linear2.forward(hidden))));
  }
}

/**
 * Whether `layer` runs the built-in forwards of its own and of every part (no hooks, which wrap an
 * instance's forward, and no subclass overrides) with a named activation.
 */
function plainLayer(layer: TransformerEncoderLayer): boolean {
  return (
    typeof layer.options.activation === "string" &&
    layer.forward === TransformerEncoderLayer.prototype.forward &&
    layer.selfAttn.forward === MultiheadAttention.prototype.forward &&
    layer.linear1.forward === Linear.prototype.forward &&
    layer.linear2.forward === Linear.prototype.forward &&
    [layer.dropout, layer.dropout1, layer.dropout2].every((m) => m.forward === Dropout.prototype.forward) &&
    layer.norm1.forward === LayerNorm.prototype.forward &&
    layer.norm2.forward === LayerNorm.prototype.forward
  );
}

/** Marks `ts` as graph-only intermediates, except any sharing storage with the input or the output. */
function markInternal(ts: readonly Tensor[], input: Tensor, output: Tensor): void {
  for (const t of ts) if (t.storage !== input.storage && t.storage !== output.storage) markIntermediate(t);
}

export function resolveActivation(activation: TransformerActivation): (x: Tensor) => Tensor {
  if (typeof activation === "function") return activation;
  if (activation === "relu") return (x) => x.relu();
  if (activation === "gelu") return (x) => x.gelu();
  throw new ValueError(`TransformerEncoderLayer: activation must be "relu", "gelu" or a function, got "${String(activation)}"`);
}

/** Options of nn.TransformerEncoder. */
export interface TransformerEncoderOptions {
  /** A final normalisation after the last layer (e.g. a LayerNorm for pre-norm stacks). */
  norm?: Module | null;
}

/** Masks of TransformerEncoder.forward, passed to every layer. */
export interface TransformerEncoderForwardOptions {
  /** Passed to every layer as srcMask. */
  mask?: Tensor | null;
  /** [N, S] (or [S] unbatched): 1 = padding, ignored as a key. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention: each position attends only to itself and earlier ones. */
  isCausal?: boolean;
}

/**
 * A stack of numLayers copies of `encoderLayer` (torch.nn.TransformerEncoder). As torch's deep
 * copies, every layer starts with the given layer's weights and then trains on its own; keys read
 * "layers.0.self_attn.in_proj_weight", …, and "norm.weight" when a final norm is given.
 * @example const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(64, 4), 6);
 */
export class TransformerEncoder extends Module {
  /** The stacked layers, independent copies of the given one (state-dict prefix "layers.0.", …). */
  readonly layers: ModuleList<TransformerEncoderLayer>;
  /** The final normalisation after the last layer (null: none). */
  readonly norm: Module | null;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    /** How many copies of the layer are stacked. */
    readonly numLayers: number,
    opts: TransformerEncoderOptions = {},
  ) {
    checkOptions("TransformerEncoder", opts, ["norm"]);
    const { norm = null } = opts;
    super();
    if (!(encoderLayer instanceof TransformerEncoderLayer)) {
      throw new ValueError("TransformerEncoder: encoderLayer must be an nn.TransformerEncoderLayer");
    }
    if (!Number.isInteger(numLayers) || numLayers <= 0)
      throw new ValueError(`TransformerEncoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = this.registerModule("layers", new ModuleList(Array.from({ length: numLayers }, () => copyLayer(encoderLayer))));
    this.norm = this.registerModule("norm", norm);
  }

  forward(src: Tensor, opts: TransformerEncoderForwardOptions = {}): Tensor {
    checkOptions("TransformerEncoder.forward", opts, ["mask", "srcKeyPaddingMask", "isCausal"]);
    const { mask = null, srcKeyPaddingMask = null, isCausal = false } = opts;
    let x = src;
    // Between plain layers (and a plain final norm) the activations reach nothing but the graph.
    const internal: Tensor[] | null =
      isGradEnabled() &&
      [...this.layers].every((l) => l instanceof TransformerEncoderLayer && plainLayer(l)) &&
      (this.norm === null || this.norm.forward === LayerNorm.prototype.forward)
        ? []
        : null;
    for (const layer of this.layers) {
      if (x !== src) internal?.push(x);
      x = layer.forward(x, { srcMask: mask, srcKeyPaddingMask, isCausal });
    }
    if (this.norm) {
      if (x !== src) internal?.push(x);
      x = this.norm.forward(x);
    }
    if (internal !== null) markInternal(internal, src, x);
    return x;
  }
}

/** An independent copy of `layer` with the same options, weights, modes and trainable flags (torch's deepcopy). */
function copyLayer(layer: TransformerEncoderLayer): TransformerEncoderLayer {
  const copy = new TransformerEncoderLayer(layer.dModel, layer.nHead, layer.options);
  copy.loadStateDict(layer.stateDict());
  const modules = layer.modules();
  copy.modules().forEach((m, i) => (m.training = modules[i].training));
  const params = layer.parameters();
  copy.parameters().forEach((p, i) => (p.requiresGrad = params[i].requiresGrad));
  return copy;
}

/**
 * A float [sz, sz] mask with -inf above the diagonal and 0 elsewhere: position i attends to
 * positions ≤ i (torch.nn.Transformer.generate_square_subsequent_mask).
 * @example layer.forward(x, { srcMask: nn.generateSquareSubsequentMask(x.shape[0]) })
 */
export function generateSquareSubsequentMask(sz: number): Tensor {
  if (!Number.isInteger(sz) || sz < 0) throw new ValueError(`generateSquareSubsequentMask: sz must be a non-negative integer, got ${sz}`);
  return causalMask(sz, sz);
}
