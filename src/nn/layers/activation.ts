// Activation functions as modules (torch.nn.ReLU, …), each delegating to the tensor op of the same
// maths; options follow torch's names and defaults.

import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { Module, keepsNoActivation } from "../module.js";
import { pyFloat } from "../repr.js";
import { checkOptions } from "../../tensor/options.js";

/**
 * max(x, 0) (torch.nn.ReLU).
 * @example new nn.ReLU().forward(tg.tensor([-1, 2]))  // [0, 2]
 */
export class ReLU extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/**
 * 1/(1 + e^{-x}) (torch.nn.Sigmoid).
 * @example new nn.Sigmoid().forward(tg.tensor([0]))  // [0.5]
 */
export class Sigmoid extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/**
 * tanh(x) (torch.nn.Tanh).
 * @example new nn.Tanh().forward(tg.tensor([0, 1]))  // [0, 0.7616]
 */
export class Tanh extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/**
 * x·σ(x) (torch.nn.SiLU, also called swish).
 * @example new nn.SiLU().forward(tg.tensor([0, 1]))  // [0, 0.7311]
 */
export class SiLU extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  forward(x: Tensor): Tensor {
    return x.silu();
  }
}

/**
 * x for x > 0, negativeSlope·x otherwise (torch.nn.LeakyReLU, default slope 0.01).
 * @example new nn.LeakyReLU(0.2).forward(tg.tensor([-1, 2]))  // [-0.2, 2]
 */
export class LeakyReLU extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  constructor(
    /** The slope for x < 0 (default 0.01). */
    readonly negativeSlope = 0.01,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}`;
  }
}

/**
 * x·Φ(x), exact or with torch's tanh approximation (torch.nn.GELU).
 * @example new nn.GELU({ approximate: "tanh" }).forward(tg.tensor([1]))  // [0.8412]
 */
export class GELU extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** "none" for the exact erf form, "tanh" for the tanh approximation. */
  readonly approximate: "none" | "tanh";
  constructor(opts: { approximate?: "none" | "tanh" } = {}) {
    checkOptions("GELU", opts, ["approximate"]);
    const { approximate = "none" } = opts;
    super();
    if (approximate !== "none" && approximate !== "tanh")
      throw new ValueError(`GELU: approximate must be "none" or "tanh", got "${approximate}"`);
    this.approximate = approximate;
  }
  forward(x: Tensor): Tensor {
    return x.gelu({ approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * x for x > 0, alpha·(eˣ - 1) otherwise (torch.nn.ELU, default alpha 1).
 * @example new nn.ELU().forward(tg.tensor([-1, 2]))  // [-0.6321, 2]
 */
export class ELU extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  constructor(
    /** The α of α·(e^x - 1) for x ≤ 0 (default 1). */
    readonly alpha = 1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.elu(this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/**
 * log(1 + e^{βx})/β, linear above threshold (torch.nn.Softplus, defaults beta 1, threshold 20).
 * @example new nn.Softplus({ beta: 2 }).forward(tg.tensor([0]))  // [0.3466]
 */
export class Softplus extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  /** The β of log(1 + e^(βx))/β. */
  readonly beta: number;
  /** Above β·x > threshold the output is x itself. */
  readonly threshold: number;
  constructor(opts: { beta?: number; threshold?: number } = {}) {
    checkOptions("Softplus", opts, ["beta", "threshold"]);
    const { beta = 1, threshold = 20 } = opts;
    super();
    this.beta = beta;
    this.threshold = threshold;
  }
  forward(x: Tensor): Tensor {
    return x.softplus({ beta: this.beta, threshold: this.threshold });
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** torch's legacy choice of dim when none is given: 0 for 0-, 1- and 3-d inputs, else 1. */
function implicitDim(x: Tensor): number {
  return x.ndim === 0 || x.ndim === 1 || x.ndim === 3 ? 0 : 1;
}

/**
 * Softmax along `dim` (torch.nn.Softmax). Pass dim explicitly; torch's implicit choice is kept for parity.
 * @example new nn.Softmax(-1).forward(tg.tensor([[0, Math.log(3)]]))  // [[0.25, 0.75]]
 */
export class Softmax extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  constructor(
    /** The dim along which the outputs sum to 1 (pass it: torch's implicit choice when omitted is legacy). */
    readonly dim?: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.softmax(this.dim ?? implicitDim(x));
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}

/**
 * log(softmax(x)) along `dim`, computed stably (torch.nn.LogSoftmax).
 * @example new nn.LogSoftmax(1).forward(tg.tensor([[0, 0]]))  // [[-0.6931, -0.6931]]
 */
export class LogSoftmax extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }

  constructor(
    /** The dim of the softmax (pass it: torch's implicit choice when omitted is legacy). */
    readonly dim?: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.logSoftmax(this.dim ?? implicitDim(x));
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}
