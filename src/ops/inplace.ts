// In-place ops (torch's add_, sub_, mul_, div_, copy_, fill_, zero_, clamp_): the new values are
// computed out of place, then written into the target's view by the backend's copy kernel (which
// writes through strides and converts dtypes; fill_ and zero_ run the fill kernel on the view), and the target's version is bumped so that autograd
// can refuse a gradient that would read the old values (see tensor/version.ts).

import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { kernelFor } from "../backend/current.js";
import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import { isFloat, isHalf } from "../tensor/dtype.js";
import { halfBits, halfValue } from "../tensor/half.js";
import { checkOptions } from "../tensor/options.js";
import { shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { bumpVersion } from "../tensor/version.js";
import * as ops from "./index.js";

type Operand = Tensor | number;

/**
 * Writes `compute()` (run without recording) into `target` and returns `target`. Outside noGrad,
 * tensors that require grad may be neither written nor used: autograd does not record in-place ops.
 */
function writeInPlace(op: string, target: Tensor, operands: readonly Operand[], compute: () => Tensor): Tensor {
  checkWritable(op, target, operands);
  let result = noGrad(compute);
  if (!shapesEqual(result.shape, target.shape)) {
    throw new ShapeError(
      `${op}: the result's shape ${fmtShape(result.shape)} does not match the shape ${fmtShape(target.shape)} of the tensor changed in place`,
    );
  }
  // As torch: a result of a higher category (float into int, int into bool) cannot be written back.
  if ((isFloat(result.dtype) && !isFloat(target.dtype)) || (target.dtype === "bool" && result.dtype !== "bool")) {
    throw new DTypeError(
      `${op}: a ${result.dtype} result cannot be written into ${target.dtype === "int32" ? "an" : "a"} ${target.dtype} tensor in place`,
    );
  }
  // A float16/bfloat16 target keeps only values of its dtype: the result is rounded as torch's.
  if (isHalf(target.dtype) && result.dtype !== target.dtype) result = noGrad(() => result.to(target.dtype));
  if (target.size > 0) kernelFor("copy")(target, [result], undefined);
  bumpVersion(target);
  return target;
}

/** Writes `value` into every element of `target`'s view with the backend's fill kernel. */
function fillInPlace(op: string, target: Tensor, value: number): Tensor {
  checkWritable(op, target, []);
  const d = target.dtype;
  if (isHalf(d)) value = halfValue(d, halfBits(d, value));
  if (d === "bool") value = value !== 0 ? 1 : 0; // as a cast to bool: non-zero and NaN are true
  if (target.size > 0) kernelFor("fill")(target, [], { value });
  bumpVersion(target);
  return target;
}

/** Outside noGrad, tensors that require grad may be neither written nor used in place. */
function checkWritable(op: string, target: Tensor, operands: readonly Operand[]): void {
  if (isGradEnabled()) {
    if (target.requiresGrad) {
      throw new ValueError(
        target.isLeaf
          ? `${op}: a leaf tensor that requires grad cannot be changed in place while gradients are recorded; wrap the update in tg.noGrad(() => …)`
          : `${op}: in-place changes of a tensor in the autograd graph are not supported; use the out-of-place op, or tg.noGrad(() => …)`,
      );
    }
    if (operands.some((o) => o instanceof Tensor && o.requiresGrad)) {
      throw new ValueError(
        `${op}: an operand requires grad, and in-place ops are not recorded by autograd; use the out-of-place op, or tg.noGrad(() => …)`,
      );
    }
  }
}

/** target += alpha · other (torch's add_). */
export function add_(target: Tensor, other: Operand, opts: { alpha?: number } = {}): Tensor {
  checkOptions("add_", opts, ["alpha"]);
  return writeInPlace("add_", target, [other], () => ops.add(target, other, opts));
}

/** target -= alpha · other (torch's sub_). */
export function sub_(target: Tensor, other: Operand, opts: { alpha?: number } = {}): Tensor {
  checkOptions("sub_", opts, ["alpha"]);
  return writeInPlace("sub_", target, [other], () => ops.sub(target, other, opts));
}

export function mul_(target: Tensor, other: Operand): Tensor {
  return writeInPlace("mul_", target, [other], () => ops.mul(target, other));
}

export function div_(target: Tensor, other: Operand): Tensor {
  return writeInPlace("div_", target, [other], () => ops.div(target, other));
}

/** Copies `src` (broadcast to target's shape, converted to its dtype) into target (torch's copy_). */
export function copy_(target: Tensor, src: Tensor): Tensor {
  if (!(src instanceof Tensor)) throw new ValueError(`copy_: expected a Tensor to copy from, got ${typeof src}`);
  return writeInPlace("copy_", target, [src], () => {
    // Float to int32 truncates, as torch's copy_.
    return ops.cast(shapesEqual(src.shape, target.shape) ? src : ops.expand(src, target.shape), target.dtype);
  });
}

export function fill_(target: Tensor, value: number): Tensor {
  if (typeof value !== "number") throw new ValueError(`fill_: expected a number, got ${typeof value}`);
  if (target.dtype === "int32" && !Number.isInteger(value)) {
    throw new DTypeError(`fill_: ${value} cannot be written into an ${target.dtype} tensor`);
  }
  return fillInPlace("fill_", target, value);
}

export function zero_(target: Tensor): Tensor {
  return fillInPlace("zero_", target, 0);
}

export function clamp_(target: Tensor, min?: number | null, max?: number | null): Tensor {
  return writeInPlace("clamp_", target, [], () => ops.clamp(target, min, max));
}
