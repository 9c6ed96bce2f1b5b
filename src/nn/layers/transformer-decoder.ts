// TransformerDecoderLayer, TransformerDecoder and the encoder-decoder Transformer (torch.nn), with
// torch's submodule names (self_attn, multihead_attn, linear1, dropout, linear2, norm1-3, dropout1-3;
// layers.0.…; encoder., decoder.) so state dicts load across.

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { Module } from "../module.js";
import { MultiheadAttention } from "./attention.js";
import { Dropout } from "./dropout.js";
import { Linear } from "./linear.js";
import { ModuleList } from "./module-list.js";
import { LayerNorm } from "./normalization.js";
import { TransformerEncoder, TransformerEncoderLayer, resolveActivation, type TransformerEncoderLayerOptions } from "./transformer.js";
import { xavierUniform } from "../init.js";
import { checkOptions } from "../../tensor/options.js";

/** The same options as TransformerEncoderLayer's. */
export type TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

/** Masks of TransformerDecoderLayer.forward and TransformerDecoder.forward (torch's names, camelCase). */
export interface TransformerDecoderLayerForwardOptions {
  /** Mask of the self-attention over tgt ([T, T] or [N·nHead, T, T]), as MultiheadAttention's attnMask. */
  tgtMask?: Tensor | null;
  /** Mask of the attention from tgt to memory ([T, S] or [N·nHead, T, S]). */
  memoryMask?: Tensor | null;
  /** Padding of tgt, `[N, T]`, bool: true marks a padded position. */
  tgtKeyPaddingMask?: Tensor | null;
  /** Padding of memory, `[N, S]`, bool: true marks a padded position. */
  memoryKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (builds the mask when tgtMask is absent). */
  tgtIsCausal?: boolean;
}

const FORWARD_OPTIONS = ["tgtMask", "memoryMask", "tgtKeyPaddingMask", "memoryKeyPaddingMask", "tgtIsCausal"];

/**
 * One transformer decoder block (torch.nn.TransformerDecoderLayer): self-attention over the target,
 * attention to the encoder's output (memory), and a feed-forward network, each with dropout, a
 * residual connection and LayerNorm (post-norm by default, pre-norm with `normFirst`).
 * @example const layer = new nn.TransformerDecoderLayer(64, 4, { batchFirst: true });
 *          layer.forward(tgt, memory, { tgtIsCausal: true })
 */
export class TransformerDecoderLayer extends Module {
  /** The self-attention over the target (state-dict prefix "self_attn."). */
  readonly selfAttn: MultiheadAttention;
  /** The attention from the target to the memory (state-dict prefix "multihead_attn."). */
  readonly multiheadAttn: MultiheadAttention;
  /** The feed-forward block's first layer, dModel → dimFeedforward. */
  readonly linear1: Linear;
  /** Dropout inside the feed-forward block. */
  readonly dropout: Dropout;
  /** The feed-forward block's second layer, dimFeedforward → dModel. */
  readonly linear2: Linear;
  /** The LayerNorm around the self-attention block. */
  readonly norm1: LayerNorm;
  /** The LayerNorm around the attention to the memory. */
  readonly norm2: LayerNorm;
  /** The LayerNorm around the feed-forward block. */
  readonly norm3: LayerNorm;
  /** Dropout on the self-attention block's output. */
  readonly dropout1: Dropout;
  /** Dropout on the memory-attention block's output. */
  readonly dropout2: Dropout;
  /** Dropout on the feed-forward block's output. */
  readonly dropout3: Dropout;
  /** Whether the layer is pre-norm (LayerNorm before each block) rather than post-norm. */
  readonly normFirst: boolean;
  /** Whether inputs are [N, T, E] rather than [T, N, E]. */
  readonly batchFirst: boolean;
  /** The constructor options, kept so that TransformerDecoder can build identical copies. */
  readonly options: Readonly<Required<TransformerDecoderLayerOptions>>;
  private readonly activation: (x: Tensor) => Tensor;

  constructor(
    /** Embedding size E of the tokens. */
    readonly dModel: number,
    /** Attention heads; must divide dModel. */
    readonly nHead: number,
    opts: TransformerDecoderLayerOptions = {},
  ) {
    super();
    checkOptions("TransformerDecoderLayer", opts, ["dimFeedforward", "dropout", "activation", "layerNormEps", "batchFirst", "normFirst"]);
    const { dimFeedforward = 2048, dropout = 0.1, activation = "relu", layerNormEps = 1e-5, batchFirst = false, normFirst = false } = opts;
    if (!Number.isInteger(dimFeedforward) || dimFeedforward <= 0) {
      throw new ValueError(`TransformerDecoderLayer: dimFeedforward must be a positive integer, got ${dimFeedforward}`);
    }
    this.options = Object.freeze({ dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst });
    this.activation = resolveActivation(activation);
    this.normFirst = normFirst;
    this.batchFirst = batchFirst;
    // Registration order is torch's, which fixes the state-dict order.
    this.selfAttn = this.registerModule("self_attn", new MultiheadAttention(dModel, nHead, { dropout, batchFirst }));
    this.multiheadAttn = this.registerModule("multihead_attn", new MultiheadAttention(dModel, nHead, { dropout, batchFirst }));
    this.linear1 = this.registerModule("linear1", new Linear(dModel, dimFeedforward));
    this.dropout = this.registerModule("dropout", new Dropout(dropout));
    this.linear2 = this.registerModule("linear2", new Linear(dimFeedforward, dModel));
    this.norm1 = this.registerModule("norm1", new LayerNorm(dModel, { eps: layerNormEps }));
    this.norm2 = this.registerModule("norm2", new LayerNorm(dModel, { eps: layerNormEps }));
    this.norm3 = this.registerModule("norm3", new LayerNorm(dModel, { eps: layerNormEps }));
    this.dropout1 = this.registerModule("dropout1", new Dropout(dropout));
    this.dropout2 = this.registerModule("dropout2", new Dropout(dropout));
    this.dropout3 = this.registerModule("dropout3", new Dropout(dropout));
  }

  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderLayerForwardOptions = {}): Tensor {
    checkOptions("TransformerDecoderLayer.forward", opts, FORWARD_OPTIONS);
    const { tgtMask = null, memoryMask = null, tgtKeyPaddingMask = null, memoryKeyPaddingMask = null, tgtIsCausal = false } = opts;
    const E = this.dModel;
    for (const [what, t] of [
      ["tgt", tgt],
      ["memory", memory],
    ] as const) {
      if ((t.ndim !== 2 && t.ndim !== 3) || t.shape[t.ndim - 1] !== E) {
        const batched = this.batchFirst ? `[N, L, ${E}]` : `[L, N, ${E}]`;
        throw new ShapeError(
          `TransformerDecoderLayer(dModel=${E}, nHead=${this.nHead}): expected ${what} ${batched} (or [L, ${E}] unbatched), got ${fmtShape(t.shape)}`,
        );
      }
    }
    const self = { attnMask: tgtMask, keyPaddingMask: tgtKeyPaddingMask, isCausal: tgtIsCausal };
    const cross = { attnMask: memoryMask, keyPaddingMask: memoryKeyPaddingMask };
    let x = tgt;
    if (this.normFirst) {
      x = x.add(this.selfAttentionBlock(this.norm1.forward(x), self));
      x = x.add(this.crossAttentionBlock(this.norm2.forward(x), memory, cross));
      x = x.add(this.feedForwardBlock(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(x.add(this.selfAttentionBlock(x, self)));
      x = this.norm2.forward(x.add(this.crossAttentionBlock(x, memory, cross)));
      x = this.norm3.forward(x.add(this.feedForwardBlock(x)));
    }
    return x;
  }

  private selfAttentionBlock(x: Tensor, opts: { attnMask: Tensor | null; keyPaddingMask: Tensor | null; isCausal: boolean }): Tensor {
    const [out] = this.selfAttn.forward(x, x, x, { ...opts, needWeights: false });
    return this.dropout1.forward(out);
  }

  private crossAttentionBlock(x: Tensor, memory: Tensor, opts: { attnMask: Tensor | null; keyPaddingMask: Tensor | null }): Tensor {
    const [out] = this.multiheadAttn.forward(x, memory, memory, { ...opts, needWeights: false });
    return this.dropout2.forward(out);
  }

  private feedForwardBlock(x: Tensor): Tensor {
    const hidden = this.dropout.forward(this.activation(this.linear1.forward(x)));
    return this.dropout3.forward(this.linear2.forward(hidden));
  }
}

/** Options of nn.TransformerDecoder. */
export interface TransformerDecoderOptions {
  /** A final normalisation after the last layer. */
  norm?: Module | null;
}

/**
 * A stack of numLayers copies of `decoderLayer` (torch.nn.TransformerDecoder); each starts with the
 * given layer's weights (torch's deep copies). Keys read "layers.0.multihead_attn.in_proj_weight", ….
 * @example const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(64, 4), 6);
 *          dec.forward(tgt, memory, { tgtMask: nn.generateSquareSubsequentMask(tgt.shape[0]) })
 */
export class TransformerDecoder extends Module {
  /** The stacked layers, independent copies of the given one (state-dict prefix "layers.0.", …). */
  readonly layers: ModuleList<TransformerDecoderLayer>;
  /** The final normalisation after the last layer (null: none). */
  readonly norm: Module | null;

  constructor(
    decoderLayer: TransformerDecoderLayer,
    /** How many copies of the layer are stacked. */
    readonly numLayers: number,
    opts: TransformerDecoderOptions = {},
  ) {
    checkOptions("TransformerDecoder", opts, ["norm"]);
    const { norm = null } = opts;
    super();
    if (!(decoderLayer instanceof TransformerDecoderLayer)) {
      throw new ValueError("TransformerDecoder: decoderLayer must be an nn.TransformerDecoderLayer");
    }
    if (!Number.isInteger(numLayers) || numLayers <= 0)
      throw new ValueError(`TransformerDecoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = this.registerModule("layers", new ModuleList(Array.from({ length: numLayers }, () => copyLayer(decoderLayer))));
    this.norm = this.registerModule("norm", norm);
  }

  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderLayerForwardOptions = {}): Tensor {
    checkOptions("TransformerDecoder.forward", opts, FORWARD_OPTIONS);
    let x = tgt;
    for (const layer of this.layers) x = layer.forward(x, memory, opts);
    return this.norm ? this.norm.forward(x) : x;
  }
}

function copyLayer(layer: TransformerDecoderLayer): TransformerDecoderLayer {
  const copy = new TransformerDecoderLayer(layer.dModel, layer.nHead, layer.options);
  copy.loadStateDict(layer.stateDict());
  const modules = layer.modules();
  copy.modules().forEach((m, i) => (m.training = modules[i].training));
  const params = layer.parameters();
  copy.parameters().forEach((p, i) => (p.requiresGrad = params[i].requiresGrad));
  return copy;
}

/** Options of nn.Transformer: the layers' options and the depth of each stack (torch's names, camelCase). */
export interface TransformerOptions extends TransformerEncoderLayerOptions {
  /** Layers in the encoder stack (default 6). */
  numEncoderLayers?: number;
  /** Layers in the decoder stack (default 6). */
  numDecoderLayers?: number;
}

/** Masks of Transformer.forward (torch's names, camelCase). */
export interface TransformerForwardOptions {
  /** Mask of the encoder's self-attention over src ([S, S] or [N·nHead, S, S]). */
  srcMask?: Tensor | null;
  /** Mask of the decoder's self-attention over tgt ([T, T]), e.g. generateSquareSubsequentMask(T). */
  tgtMask?: Tensor | null;
  /** Mask of the decoder's attention to the encoder output ([T, S]). */
  memoryMask?: Tensor | null;
  /** Padding of src, `[N, S]`: 1 marks a padded position. */
  srcKeyPaddingMask?: Tensor | null;
  /** Padding of tgt, `[N, T]`: 1 marks a padded position. */
  tgtKeyPaddingMask?: Tensor | null;
  /** Padding of memory, `[N, S]`: 1 marks a padded position (usually src's padding mask). */
  memoryKeyPaddingMask?: Tensor | null;
}

/**
 * The encoder-decoder transformer of "Attention Is All You Need" (torch.nn.Transformer): an encoder
 * stack and a decoder stack, each ending in a LayerNorm, every weight matrix Xavier-uniform
 * initialised as torch's _reset_parameters does. Keys read "encoder.layers.0.…", "decoder.norm.weight".
 * @example const model = new nn.Transformer(64, 4, { numEncoderLayers: 2, numDecoderLayers: 2, batchFirst: true });
 *          model.forward(src, tgt, { tgtMask: nn.generateSquareSubsequentMask(tgt.shape[1]) })
 */
export class Transformer extends Module {
  /** The encoder stack, ending in a LayerNorm (state-dict prefix "encoder."). */
  readonly encoder: TransformerEncoder;
  /** The decoder stack, ending in a LayerNorm (state-dict prefix "decoder."). */
  readonly decoder: TransformerDecoder;
  /** Whether src and tgt are [N, S, E] and [N, T, E] rather than [S, N, E] and [T, N, E]. */
  readonly batchFirst: boolean;

  constructor(
    /** Embedding size E of the tokens (default 512). */
    readonly dModel = 512,
    /** Attention heads; must divide dModel (default 8). */
    readonly nHead = 8,
    opts: TransformerOptions = {},
  ) {
    super();
    const { numEncoderLayers = 6, numDecoderLayers = 6, ...layerOpts } = opts;
    checkOptions("Transformer", opts, [
      "numEncoderLayers",
      "numDecoderLayers",
      "dimFeedforward",
      "dropout",
      "activation",
      "layerNormEps",
      "batchFirst",
      "normFirst",
    ]);
    const eps = layerOpts.layerNormEps ?? 1e-5;
    this.batchFirst = layerOpts.batchFirst ?? false;
    this.encoder = this.registerModule(
      "encoder",
      new TransformerEncoder(new TransformerEncoderLayer(dModel, nHead, layerOpts), numEncoderLayers, {
        norm: new LayerNorm(dModel, { eps }),
      }),
    );
    this.decoder = this.registerModule(
      "decoder",
      new TransformerDecoder(new TransformerDecoderLayer(dModel, nHead, layerOpts), numDecoderLayers, {
        norm: new LayerNorm(dModel, { eps }),
      }),
    );
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform(p);
  }

  forward(src: Tensor, tgt: Tensor, opts: TransformerForwardOptions = {}): Tensor {
    checkOptions("Transformer.forward", opts, [
      "srcMask",
      "tgtMask",
      "memoryMask",
      "srcKeyPaddingMask",
      "tgtKeyPaddingMask",
      "memoryKeyPaddingMask",
    ]);
    const {
      srcMask = null,
      tgtMask = null,
      memoryMask = null,
      srcKeyPaddingMask = null,
      tgtKeyPaddingMask = null,
      memoryKeyPaddingMask = null,
    } = opts;
    const batchDim = this.batchFirst ? 0 : 1;
    if (src.ndim === 3 && tgt.ndim === 3 && src.shape[batchDim] !== tgt.shape[batchDim]) {
      throw new ShapeError(`Transformer: the batch size of src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must be equal`);
    }
    const memory = this.encoder.forward(src, { mask: srcMask, srcKeyPaddingMask });
    return this.decoder.forward(tgt, memory, { tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask });
  }
}
