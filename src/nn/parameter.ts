// Parameter: a leaf tensor that a Module registers as trainable (torch.nn.Parameter). It shares the
// storage of the tensor it wraps, is always contiguous, and requires grad unless told otherwise.

import { noGrad } from "../autograd/grad-mode.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * A trainable leaf tensor (torch.nn.Parameter). Wrapping shares storage with `data` (copied first
 * only when `data` is not contiguous), cut from any graph `data` belongs to.
 * @example const w = new nn.Parameter(tg.zeros([3, 4]));  // w.requiresGrad === true
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    // Optimizer update kernels take a parameter as one contiguous run from its offset.
    const base = data.isContiguous ? data : noGrad(() => data.contiguous());
    super(base.storage, base.shape, base.strides, base.offset);
    this.requiresGrad = requiresGrad;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
