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
  /** Parameters per layer and direction, [weight_ih, weight_hh, bias_ih?, bias_hh?] (torch's all_weights). */
  readonly allWeights: Parameter[][] = [];
  private readonly cells: CellWeights[] = [];

  protected constructor(
    private readonly mode: RecurrentMode,
    /** Features of each time step of the input. */
    readonly inputSize: number,
    /** Features of the hidden state H. */
    readonly hiddenSize: number,
    opts: RecurrentOptions & { nonlinearity?: unknown },
  ) {
    super();
    const name = new.target.name;
    checkOptions(name, opts, ["numLayers", "bias", "batchFirst", "dropout", "bidirectional", ...(mode === "LSTM" || mode === "GRU" ? [] : ["nonlinearity"])]);
    const { numLayers = 1, bias = true, batchFirst = false, dropout = 0, bidirectional = false } = opts;
    for (const [what, v] of [["inputSize", inputSize], ["hiddenSize", hiddenSize], ["numLayers", numLayers]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ValueError(`${name}: ${what} must be a positive integer, got ${v}`);
    }
    if (!(dropout >= 0 && dropout <= 1)) throw new ValueError(`${name}: dropout must be between 0 and 1, got ${dropout}`);
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = dropout;
    this.bidirectional = bidirectional;
    const D = bidirectional ? 2 : 1;
    const G = GATE_COUNT[mode] * hiddenSize;
    for (let layer = 0; layer < numLayers; layer++) {
      const layerInput = layer === 0 ? inputSize : hiddenSize * D;
      for (let dir = 0; dir < D; dir++) {
        const suffix = `_l${layer}${dir === 1 ? "_reverse" : ""}`;
        const wIh = this.registerParameter(`weight_ih${suffix}`, zeros([G, layerInput]));
        const wHh = this.registerParameter(`weight_hh${suffix}`, zeros([G, hiddenSize]));
        const bIh = bias ? this.registerParameter(`bias_ih${suffix}`, zeros([G])) : null;
        const bHh = bias ? this.registerParameter(`bias_hh${suffix}`, zeros([G])) : null;
        this.cells.push({ wIh, wHh, bIh, bHh });
        this.allWeights.push(bIh && bHh ? [wIh, wHh, bIh, bHh] : [wIh, wHh]);
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
    const states = [h0 ?? null, c0 ?? null].map((s, k) => (s === null ? null : this.checkState(k === 0 ? "h0" : "c0", s, batched, N)));
    const cfg = { mode: this.mode, numLayers: this.numLayers, bidirectional: this.bidirectional, dropout: this.dropout, training: this.training };
    let { output, hN, cN } = recurrentForward(cfg, seq, states[0], states[1], this.cells);
    if (!batched) {
      output = output.squeeze(1);
      hN = hN.squeeze(1);
      cN = cN?.squeeze(1) ?? null;
    } else if (this.batchFirst) {
      output = output.transpose(0, 1);
    }
    return { output, hN, cN };
  }

  /** A state must be [layers·D, N, H] ([layers·D, H] for unbatched input); returns it batched. */
  private checkState(name: string, s: Tensor, batched: boolean, N: number): Tensor {
    const LD = this.numLayers * (this.bidirectional ? 2 : 1);
    const want = batched ? [LD, N, this.hiddenSize] : [LD, this.hiddenSize];
    if (!shapesEqual(s.shape, want)) {
      const why = batched ? "" : " for unbatched input";
      throw new ShapeError(`${this.label}: expected ${name} ${fmtShape(want)}${why} (numLayers·directions, ${batched ? "batch, " : ""}hiddenSize), got ${fmtShape(s.shape)}`);
    }
    return batched ? s : s.unsqueeze(1);
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
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

  forward(x: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const { output, hN } = this.run(x, h0, null);
    return [output, hN];
  }
}

/**
 * Long short-term memory (torch.nn.LSTM) with gates i, f, g, o stacked in that order in
 * weight_ih/weight_hh ([4H, ·]). `forward(x, [h0, c0]?)` returns `[output, [hN, cN]]`.
 * @example const [out, [hN, cN]] = new nn.LSTM(1, 32, { batchFirst: true }).forward(x)  // x: [N, T, 1]
 */
export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super("LSTM", inputSize, hiddenSize, opts);
  }

  forward(x: Tensor, state?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (state != null && (!Array.isArray(state) || state.length !== 2)) {
      throw new ValueError(`${this.label}: the initial state must be a pair [h0, c0], got ${describe(state)}`);
    }
    const { output, hN, cN } = this.run(x, state?.[0], state?.[1]);
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

  forward(x: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const { output, hN } = this.run(x, h0, null);
    return [output, hN];
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return v === null || typeof v !== "object" ? String(v) : (v as object).constructor?.name ?? "an object";
}
