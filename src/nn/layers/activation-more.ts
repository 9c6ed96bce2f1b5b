// The module form of the further activations (torch.nn.Hardtanh, ReLU6, LogSigmoid, Softsign, Mish,
// Hardswish, Hardsigmoid, SELU, CELU, Softmin, GLU, PReLU), each delegating to its functional op.

import { full } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import * as ops from "../../ops/index.js";
import { Module, keepsNoActivation } from "../module.js";
import type { Parameter } from "../parameter.js";
import { pyFloat } from "../repr.js";

/**
 * min(max(x, 0), 6) (torch.nn.ReLU6).
 * @example new nn.ReLU6().forward(tg.tensor([-1, 3, 8]))  // [0, 3, 6]
 */
export class ReLU6 extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  forward(x: Tensor): Tensor {
    return ops.relu6(x);
  }
}

/**
 * log σ(x) (torch.nn.LogSigmoid).
 * @example new nn.LogSigmoid().forward(tg.tensor([0]))  // [-0.6931]
 */
export class LogSigmoid extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  forward(x: Tensor): Tensor {
    return ops.logSigmoid(x);
  }
}

/**
 * x / (1 + |x|) (torch.nn.Softsign).
 * @example new nn.Softsign().forward(tg.tensor([1, -3]))  // [0.5, -0.75]
 */
export class Softsign extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  forward(x: Tensor): Tensor {
    return ops.softsign(x);
  }
}

/**
 * x·tanh(softplus(x)) (torch.nn.Mish).
 * @example new nn.Mish().forward(tg.tensor([0, 1]))  // [0, 0.8651]
 */
export class Mish extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  forward(x: Tensor): Tensor {
    return ops.mish(x);
  }
}

/**
 * x·relu6(x + 3)/6 (torch.nn.Hardswish).
 * @example new nn.Hardswish().forward(tg.tensor([-4, 1, 4]))  // [0, 0.6667, 4]
 */
export class Hardswish extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  forward(x: Tensor): Tensor {
    return ops.hardswish(x);
  }
}

/**
 * relu6(x + 3)/6 (torch.nn.Hardsigmoid).
 * @example new nn.Hardsigmoid().forward(tg.tensor([-4, 0, 4]))  // [0, 0.5, 1]
 */
export class Hardsigmoid extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  forward(x: Tensor): Tensor {
    return ops.hardsigmoid(x);
  }
}

/**
 * Self-normalising ELU (torch.nn.SELU).
 * @example new nn.SELU().forward(tg.tensor([-1, 1]))  // [-1.1113, 1.0507]
 */
export class SELU extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  forward(x: Tensor): Tensor {
    return ops.selu(x);
  }
}

/**
 * x clamped to [minVal, maxVal] (torch.nn.Hardtanh, default [-1, 1]).
 * @example new nn.Hardtanh(-2, 2).forward(tg.tensor([-3, 1, 3]))  // [-2, 1, 2]
 */
export class Hardtanh extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  constructor(
    /** Lower bound of the linear region (default -1). */
    readonly minVal = -1,
    /** Upper bound of the linear region (default 1). */
    readonly maxVal = 1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.hardtanh(x, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`;
  }
}

/**
 * x for x > 0, α(e^{x/α} - 1) otherwise (torch.nn.CELU).
 * @example new nn.CELU(2).forward(tg.tensor([-2, 1]))  // [-1.2642, 1]
 */
export class CELU extends Module {
  static {
    keepsNoActivation(this.prototype.forward);
  }
  constructor(
    /** The α of max(0, x) + min(0, α·(e^(x/α) - 1)) (default 1). */
    readonly alpha = 1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.celu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/**
 * softmax(-x) along `dim` (torch.nn.Softmin).
 * @example new nn.Softmin(-1).forward(tg.tensor([0, Math.log(3)]))  // [0.75, 0.25]
 */
export class Softmin extends Module {
  constructor(
    /** The dim along which the outputs sum to 1. */
    readonly dim: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.softmin(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * a·σ(b) over the halves of `dim` (torch.nn.GLU, default dim -1).
 * @example new nn.GLU().forward(tg.tensor([[1, 2, 0, 0]]))  // [[0.5, 1]]: [1, 2]·σ([0, 0])
 */
export class GLU extends Module {
  constructor(
    /** The dim split in two halves a and b (default -1). */
    readonly dim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.glu(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Leaky ReLU with learned slopes, one shared or one per channel (torch.nn.PReLU, init 0.25).
 * @example new nn.PReLU().forward(tg.tensor([-2, 2]))  // [-0.5, 2], slope 0.25 learned
 */
export class PReLU extends Module {
  /** The learned negative slopes, shape [numParameters], initialised to `init` (0.25). */
  weight: Parameter;
  // torch's num_parameters; not a field here, where numParameters() counts a module's parameters.
  constructor(numParameters = 1, init = 0.25) {
    super();
    this.weight = this.registerParameter("weight", full([numParameters], init));
  }
  forward(x: Tensor): Tensor {
    return ops.prelu(x, this.weight);
  }
  override extraRepr(): string {
    return `num_parameters=${this.weight.size}`;
  }
}
