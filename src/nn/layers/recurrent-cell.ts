// RNNCell, LSTMCell and GRUCell (torch.nn): one time step of the recurrences in recurrent-forward.ts,
// for loops written by hand (decoders, attention over time), with torch's parameter names
// (weight_ih, weight_hh, bias_ih, bias_hh), gate order and U(-1/√H, 1/√H) init.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../../errors.js";
import { zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { isFloat } from "../../tensor/dtype.js";
import { linear } from "../functional/linear.js";
import { uniform } from "../init.js";
import { Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { checkOptions } from "../../tensor/options.js";
import { gruStep, lstmStep } from "./recurrent-forward.js";

/** Options of nn.RNNCell, nn.LSTMCell and nn.GRUCell (torch's names and defaults). */
export interface RNNCellOptions {
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** "tanh" (default) or "relu"; RNNCell only. */
  nonlinearity?: "tanh" | "relu";
}

abstract class CellBase extends Module {
  /** Input-to-hidden weights, shape [gates·H, inputSize] (state-dict key "weight_ih"). */
  readonly weightIh: Parameter;
  /** Hidden-to-hidden weights, shape [gates·H, H] ("weight_hh"). */
  readonly weightHh: Parameter;
  /** Input-to-hidden bias [gates·H] ("bias_ih"), null without bias. */
  readonly biasIh: Parameter | null;
  /** Hidden-to-hidden bias [gates·H] ("bias_hh"), null without bias. */
  readonly biasHh: Parameter | null;

  protected constructor(
    gates: number,
    /** Features of the input x. */
    readonly inputSize: number,
    /** Features of the hidden state H. */
    readonly hiddenSize: number,
    /** Whether the cell has biases b_ih and b_hh. */
    readonly bias: boolean,
  ) {
    super();
    const name = new.target.name;
    for (const [what, v] of [
      ["inputSize", inputSize],
      ["hiddenSize", hiddenSize],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ValueError(`${name}: ${what} must be a positive integer, got ${v}`);
    }
    this.weightIh = this.registerParameter("weight_ih", zeros([gates * hiddenSize, inputSize]));
    this.weightHh = this.registerParameter("weight_hh", zeros([gates * hiddenSize, hiddenSize]));
    this.biasIh = this.registerParameter("bias_ih", bias ? zeros([gates * hiddenSize]) : null);
    this.biasHh = this.registerParameter("bias_hh", bias ? zeros([gates * hiddenSize]) : null);
    this.resetParameters();
  }

  /** Every parameter ~ U(-1/√hiddenSize, 1/√hiddenSize), as torch. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform(p, -bound, bound);
  }

  /** `x` as [N, inputSize] (an unbatched [inputSize] gains N = 1) and whether it was unbatched. */
  protected batchOf(x: Tensor): [Tensor, boolean] {
    const name = this.constructor.name;
    if (!isFloat(x.dtype)) throw new DTypeError(`${name}: expected a floating-point input, got ${x.dtype}`);
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new ShapeError(
        `${name}(${this.inputSize}, ${this.hiddenSize}): expected input [N, ${this.inputSize}] or [${this.inputSize}], got ${fmtShape(x.shape)}`,
      );
    }
    return x.ndim === 1 ? [x.unsqueeze(0), true] : [x, false];
  }

  /** A state for batch `xb` ([N, H]): the given one (checked, batched like the input) or zeros. */
  protected stateOf(what: string, s: Tensor | null | undefined, xb: Tensor, unbatched: boolean): Tensor {
    const N = xb.shape[0],
      H = this.hiddenSize;
    if (s == null) return zeros([N, H], { dtype: xb.dtype });
    const want = unbatched ? [H] : [N, H];
    if (s.ndim !== want.length || s.shape.some((n, i) => n !== want[i])) {
      throw new ShapeError(`${this.constructor.name}: expected ${what} ${fmtShape(want)}, got ${fmtShape(s.shape)}`);
    }
    return unbatched ? s.unsqueeze(0) : s;
  }

  /** torch's repr of the cell's arguments, e.g. "10, 20" (RNNCell adds its non-linearity). */
  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? "" : ", bias=False"}`;
  }
}

/**
 * An Elman RNN cell (torch.nn.RNNCell): h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu).
 * @example const cell = new nn.RNNCell(10, 20); let h = null; for (const x of steps) h = cell.forward(x, h);
 */
export class RNNCell extends CellBase {
  /** The cell's non-linearity, "tanh" or "relu". */
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    checkOptions("RNNCell", opts, ["bias", "nonlinearity"]);
    const { bias = true, nonlinearity = "tanh" } = opts;
    super(1, inputSize, hiddenSize, bias);
    if (nonlinearity !== "tanh" && nonlinearity !== "relu") {
      throw new ValueError(`RNNCell: nonlinearity must be "tanh" or "relu", got "${String(nonlinearity)}"`);
    }
    this.nonlinearity = nonlinearity;
  }

  forward(x: Tensor, hx: Tensor | null = null): Tensor {
    const [xb, unbatched] = this.batchOf(x);
    const h = this.stateOf("hx", hx, xb, unbatched);
    const pre = linear(xb, this.weightIh, this.biasIh).add(linear(h, this.weightHh, this.biasHh));
    const out = this.nonlinearity === "tanh" ? pre.tanh() : pre.relu();
    return unbatched ? out.squeeze(0) : out;
  }

  /** The arguments torch's repr shows, e.g. in `toString()`. */
  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === "relu" ? ", nonlinearity=relu" : "");
  }
}

/**
 * An LSTM cell (torch.nn.LSTMCell): gates i, f, g, o; returns [h', c'].
 * @example const [h, c] = new nn.LSTMCell(10, 20).forward(x, [h0, c0]);
 */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    checkOptions("LSTMCell", opts, ["bias"]);
    super(4, inputSize, hiddenSize, opts.bias ?? true);
  }

  forward(x: Tensor, hx: readonly [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const [xb, unbatched] = this.batchOf(x);
    if (hx !== null && (!Array.isArray(hx) || hx.length !== 2)) throw new ValueError("LSTMCell: hx must be [h, c] or null");
    const h = this.stateOf("h", hx?.[0], xb, unbatched);
    const c = this.stateOf("c", hx?.[1], xb, unbatched);
    let xp = linear(xb, this.weightIh, this.biasIh);
    if (this.biasHh) xp = xp.add(this.biasHh);
    const [h1, c1] = lstmStep(xp, h, c, this.weightHh.T);
    return unbatched ? [h1.squeeze(0), c1.squeeze(0)] : [h1, c1];
  }
}

/**
 * A GRU cell (torch.nn.GRUCell): gates r, z, n with n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)).
 * @example h = new nn.GRUCell(10, 20).forward(x, h);
 */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    checkOptions("GRUCell", opts, ["bias"]);
    super(3, inputSize, hiddenSize, opts.bias ?? true);
  }

  forward(x: Tensor, hx: Tensor | null = null): Tensor {
    const [xb, unbatched] = this.batchOf(x);
    const h = this.stateOf("hx", hx, xb, unbatched);
    const out = gruStep(linear(xb, this.weightIh, this.biasIh), h, this.weightHh.T, this.biasHh);
    return unbatched ? out.squeeze(0) : out;
  }
}
