// RNN, LSTM and GRU (torch.nn): parameters under torch's keys and layouts (weight_ih_l0,
// weight_hh_l0_reverse, …), torch's U(-1/√H, 1/√H) init, input/state checks and the batch-first and
// unbatched layouts. The recurrence itself is in recurrent-forward.ts.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../../errors.js";
import { zeros } from "../../tensor/creation.js";
import { shapesEqual } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { uniform } from "../init.js";
import { Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { pyBool } from "../repr.js";
import { GATE_COUNT, recurrentForward, type CellWeights, type RecurrentMode } from "./recurrent-forward.js";
import { packedRecurrentForward } from "./recurrent-packed.js";
import { PackedSequence } from "../packed-sequence.js";
import { indexSelect } from "../../ops/index.js";
import { checkOptions } from "../../tensor/options.js";

/** Options of nn.RNN, nn.LSTM and nn.GRU (torch's names and defaults, camelCase). */
export interface RecurrentOptions {
  /** Stacked recurrent layers, each reading the previous one's output (default 1). */
  numLayers?: number;
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [N, T, features] instead of [T, N, features]; states keep [layers·D, N, H] (default false). */
  batchFirst?: boolean;
  /** Dropout on each layer's output except the last, in train mode (default 0). */
  dropout?: number;
  /** Also run each layer from the last step to the first and concatenate both outputs (default false). */
  bidirectional?: boolean;
}

/** Options of nn.LSTM: the recurrent options and the projection. */
export interface LSTMOptions extends RecurrentOptions {
  /**
   * When > 0, project each step's hidden state to this size with weight_hr_l{k} [projSize, H]
   * (torch's proj_size): h and the output have projSize features, c keeps hiddenSize (default 0).
   */
  projSize?: number;
}

/** Options of nn.RNN: the recurrent options and the non-linearity. */
export interface RNNOptions extends RecurrentOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

type HiddenState = Tensor | null | undefined;

/** What RNN, LSTM and GRU share: parameters, checks and layouts (torch's RNNBase). */
abstract class RecurrentBase extends Module {
  /** Stacked recurrent layers. */
  readonly numLayers: number;
  /** Whether the layers have biases b_ih and b_hh. */
  readonly bias: boolean;
  /** Whether input and output are [N, T, features] rather than [T, N, features]. */
  readonly batchFirst: boolean;
  /** Dropout on each layer's output except the last, in train mode. */
  readonly dropout: number;
  /** Whether each layer also runs backwards in time (D = 2 directions). */
  readonly bidirectional: boolean;
  /** LSTM only: the size h is projected to (0: no projection). */
  readonly projSize: number;
  /** Parameters per layer and direction, [weight_ih, weight_hh, bias_ih?, bias_hh?, weight_hr?] (torch's all_weights). */
  readonly allWeights: Parameter[][] = [];
  private readonly cells: CellWeights[] = [];

  protected constructor(
    private readonly mode: RecurrentMode,
    /** Features of each time step of the input. */
    readonly inputSize: number,
    /** Features of the hidden state H. */
    readonly hiddenSize: number,
    opts: RecurrentOptions & { nonlinearity?: unknown; projSize?: number },
  ) {
    super();
    const name = new.target.name;
    const own = mode === "LSTM" ? ["projSize"] : mode === "GRU" ? [] : ["nonlinearity"];
    checkOptions(name, opts, ["numLayers", "bias", "batchFirst", "dropout", "bidirectional", ...own]);
    const { numLayers = 1, bias = true, batchFirst = false, dropout = 0, bidirectional = false, projSize = 0 } = opts;
    for (const [what, v] of [
      ["inputSize", inputSize],
      ["hiddenSize", hiddenSize],
      ["numLayers", numLayers],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ValueError(`${name}: ${what} must be a positive integer, got ${v}`);
    }
    if (!Number.isInteger(projSize) || projSize < 0)
      throw new ValueError(`${name}: projSize must be a positive integer or 0 (no projection), got ${projSize}`);
    if (projSize > 0 && projSize >= hiddenSize)
      throw new ValueError(`${name}: projSize must be smaller than hiddenSize, got projSize ${projSize} and hiddenSize ${hiddenSize}`);
    if (!(dropout >= 0 && dropout <= 1)) throw new ValueError(`${name}: dropout must be between 0 and 1, got ${dropout}`);
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = dropout;
    this.bidirectional = bidirectional;
    this.projSize = projSize;
    const D = bidirectional ? 2 : 1;
    const G = GATE_COUNT[mode] * hiddenSize;
    const realH = projSize > 0 ? projSize : hiddenSize;
    for (let layer = 0; layer < numLayers; layer++) {
      const layerInput = layer === 0 ? inputSize : realH * D;
      for (let dir = 0; dir < D; dir++) {
        const suffix = `_l${layer}${dir === 1 ? "_reverse" : ""}`;
        const wIh = this.registerParameter(`weight_ih${suffix}`, zeros([G, layerInput]));
        const wHh = this.registerParameter(`weight_hh${suffix}`, zeros([G, realH]));
        const bIh = bias ? this.registerParameter(`bias_ih${suffix}`, zeros([G])) : null;
        const bHh = bias ? this.registerParameter(`bias_hh${suffix}`, zeros([G])) : null;
        const wHr = projSize > 0 ? this.registerParameter(`weight_hr${suffix}`, zeros([projSize, hiddenSize])) : null;
        this.cells.push({ wIh, wHh, bIh, bHh, wHr });
        this.allWeights.push([wIh, wHh, ...(bIh && bHh ? [bIh, bHh] : []), ...(wHr ? [wHr] : [])]);
      }
    }
    this.resetParameters();
  }

  /** torch's reset_parameters: every weight and bias from U(-1/√H, 1/√H). */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform(p, -bound, bound);
  }

  /** `LSTM(10, 20)`: how errors name the layer. */
  protected get label(): string {
    return `${this.constructor.name}(${this.inputSize}, ${this.hiddenSize})`;
  }

  /** Checks, brings x and the states to time-major batched form, runs, and restores the caller's layout. */
  protected run(
    x: Tensor,
    h0: HiddenState,
    c0: HiddenState,
  ): {
    /** The last layer's hidden state at every step. */
    output: Tensor;
    /** Every layer's final hidden state. */
    hN: Tensor;
    /** Every layer's final cell state (LSTM only, else null). */
    cN: Tensor | null;
  } {
    const I = this.inputSize;
    if (!(x.ndim === 2 || x.ndim === 3) || x.shape[x.ndim - 1] !== I) {
      const batched = this.batchFirst ? `[N, T, ${I}]` : `[T, N, ${I}]`;
      throw new ShapeError(`${this.label}: expected input ${batched} (or [T, ${I}] unbatched), got ${fmtShape(x.shape)}`);
    }
    if (x.dtype === "int32") throw new DTypeError(`${this.label}: expected a floating-point input, got int32`);
    const batched = x.ndim === 3;
    const seq = batched ? (this.batchFirst ? x.transpose(0, 1) : x) : x.unsqueeze(1);
    const [T, N] = seq.shape;
    if (T === 0) throw new ShapeError(`${this.label}: expected a sequence of at least one time step, got input ${fmtShape(x.shape)}`);
    const [h, c] = this.checkStates(h0, c0, batched, N);
    let { output, hN, cN } = recurrentForward(this.config(), seq, h, c, this.cells);
    if (!batched) {
      output = output.squeeze(1);
      hN = hN.squeeze(1);
      cN = cN?.squeeze(1) ?? null;
    } else if (this.batchFirst) {
      output = output.transpose(0, 1);
    }
    return { output, hN, cN };
  }

  /**
   * The recurrence over a PackedSequence (batchFirst does not apply): the states are given and
   * returned in the caller's batch order, as torch permutes them by sortedIndices/unsortedIndices.
   */
  protected runPacked(
    x: PackedSequence,
    h0: HiddenState,
    c0: HiddenState,
  ): {
    /** The last layer's hidden state at every real step, packed as x. */
    output: PackedSequence;
    /** Every layer's hidden state after each sequence's own last step. */
    hN: Tensor;
    /** Every layer's final cell state (LSTM only, else null). */
    cN: Tensor | null;
  } {
    const { data } = x;
    if (data.ndim !== 2 || data.shape[1] !== this.inputSize) {
      throw new ShapeError(`${this.label}: expected packed data [Σ lengths, ${this.inputSize}], got ${fmtShape(data.shape)}`);
    }
    if (data.dtype === "int32") throw new DTypeError(`${this.label}: expected a floating-point input, got int32`);
    const sizes = x._sizes;
    const sorted = x.sortedIndices;
    const toSorted = (s: Tensor | null): Tensor | null => (s && sorted ? indexSelect(s, 1, sorted) : s);
    const [h, c] = this.checkStates(h0, c0, true, sizes[0]!);
    const r = packedRecurrentForward(this.config(), data, sizes, toSorted(h), toSorted(c), this.cells);
    const unsorted = x.unsortedIndices;
    const back = (s: Tensor): Tensor => (unsorted ? indexSelect(s, 1, unsorted) : s);
    return { output: x.withData(r.output), hN: back(r.hN), cN: r.cN ? back(r.cN) : null };
  }

  private config() {
    return {
      mode: this.mode,
      numLayers: this.numLayers,
      bidirectional: this.bidirectional,
      dropout: this.dropout,
      training: this.training,
    };
  }

  /** h0 and c0 checked and made batched ([layers·D, N, ·]), null where not given. */
  private checkStates(h0: HiddenState, c0: HiddenState, batched: boolean, N: number): [Tensor | null, Tensor | null] {
    const hSize = this.projSize > 0 ? this.projSize : this.hiddenSize;
    return [
      h0 == null ? null : this.checkState("h0", h0, batched, N, hSize),
      c0 == null ? null : this.checkState("c0", c0, batched, N, this.hiddenSize),
    ];
  }

  /** A state must be [layers·D, N, size] ([layers·D, size] for unbatched input); returns it batched. */
  private checkState(name: string, s: Tensor, batched: boolean, N: number, size: number): Tensor {
    const LD = this.numLayers * (this.bidirectional ? 2 : 1);
    const want = batched ? [LD, N, size] : [LD, size];
    if (!shapesEqual(s.shape, want)) {
      const why = batched ? "" : " for unbatched input";
      const what = size === this.hiddenSize ? "hiddenSize" : "projSize";
      throw new ShapeError(
        `${this.label}: expected ${name} ${fmtShape(want)}${why} (numLayers·directions, ${batched ? "batch, " : ""}${what}), got ${fmtShape(s.shape)}`,
      );
    }
    return batched ? s : s.unsqueeze(1);
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}

/**
 * Elman RNN, h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh) (or relu), stacked and optionally
 * bidirectional (torch.nn.RNN). `forward(x, h0?)` returns `[output, hN]`: output [T, N, D·H]
 * (batch-first: [N, T, D·H]), hN [numLayers·D, N, H]; unbatched x [T, inputSize] works too.
 * @example const [out, hN] = new nn.RNN(8, 16, { numLayers: 2 }).forward(x)  // x: [T, N, 8]
 */
export class RNN extends RecurrentBase {
  /** The cell's non-linearity, "tanh" or "relu". */
  readonly nonlinearity: "tanh" | "relu";
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    const nonlinearity = opts.nonlinearity ?? "tanh";
    if (nonlinearity !== "tanh" && nonlinearity !== "relu") {
      throw new ValueError(`RNN: nonlinearity must be "tanh" or "relu", got "${String(nonlinearity)}"`);
    }
    super(nonlinearity === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, opts);
    this.nonlinearity = nonlinearity;
  }

  /** Runs the layer; a PackedSequence input gives a PackedSequence output (torch's variable-length batches). */
  forward(x: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  forward(x: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  forward(x: Tensor | PackedSequence, h0?: Tensor | null): [Tensor | PackedSequence, Tensor];
  forward(x: Tensor | PackedSequence, h0?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    const { output, hN } = x instanceof PackedSequence ? this.runPacked(x, h0, null) : this.run(x, h0, null);
    return [output, hN];
  }
}

/**
 * Long short-term memory (torch.nn.LSTM) with gates i, f, g, o stacked in that order in
 * weight_ih/weight_hh ([4H, ·]). `forward(x, [h0, c0]?)` returns `[output, [hN, cN]]`.
 * @example const [out, [hN, cN]] = new nn.LSTM(1, 32, { batchFirst: true }).forward(x)  // x: [N, T, 1]
 */
export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, opts: LSTMOptions = {}) {
    super("LSTM", inputSize, hiddenSize, opts);
  }

  /** Runs the layer; a PackedSequence input gives a PackedSequence output (torch's variable-length batches). */
  forward(x: Tensor, state?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  forward(x: PackedSequence, state?: readonly [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  forward(x: Tensor | PackedSequence, state?: readonly [Tensor, Tensor] | null): [Tensor | PackedSequence, [Tensor, Tensor]];
  forward(x: Tensor | PackedSequence, state?: readonly [Tensor, Tensor] | null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    if (state != null && (!Array.isArray(state) || state.length !== 2)) {
      throw new ValueError(`${this.label}: the initial state must be a pair [h0, c0], got ${describe(state)}`);
    }
    const { output, hN, cN } =
      x instanceof PackedSequence ? this.runPacked(x, state?.[0], state?.[1]) : this.run(x, state?.[0], state?.[1]);
    return [output, [hN, cN!]];
  }
}

/**
 * Gated recurrent unit (torch.nn.GRU) with gates r, z, n stacked in that order; as torch, the
 * hidden bias of n sits inside the reset gate: n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)).
 * `forward(x, h0?)` returns `[output, hN]`.
 * @example const [out, hN] = new nn.GRU(8, 16, { bidirectional: true }).forward(x)  // out: [T, N, 32]
 */
export class GRU extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super("GRU", inputSize, hiddenSize, opts);
  }

  /** Runs the layer; a PackedSequence input gives a PackedSequence output (torch's variable-length batches). */
  forward(x: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  forward(x: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  forward(x: Tensor | PackedSequence, h0?: Tensor | null): [Tensor | PackedSequence, Tensor];
  forward(x: Tensor | PackedSequence, h0?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    const { output, hN } = x instanceof PackedSequence ? this.runPacked(x, h0, null) : this.run(x, h0, null);
    return [output, hN];
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return v === null || typeof v !== "object" ? String(v) : ((v as object).constructor?.name ?? "an object");
}
