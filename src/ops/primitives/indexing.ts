// gather and scatterAdd along one dim: an adjoint pair (the gradient of a gather scatters back,
// adding where indices repeat; the gradient of a scatter gathers).

import { definePrimitive } from "../../autograd/primitive.js";
import { DTypeError, ShapeError, ValueError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { emptyTensor, runKernel } from "../run-kernel.js";
import { kernelFor } from "../../backend/current.js";

function checkIndex(op: string, x: Tensor, dim: number, index: Tensor, sizeAlong: number): void {
  if (index.dtype !== "int32") throw new DTypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
  if (index.ndim !== x.ndim) {
    throw new ShapeError(`${op}: index ${fmtShape(index.shape)} must have as many dims as the input ${fmtShape(x.shape)}`);
  }
  for (let d = 0; d < x.ndim; d++) {
    if (d !== dim && index.shape[d] > x.shape[d]) {
      throw new ShapeError(
        `${op}: index ${fmtShape(index.shape)} is larger than the input ${fmtShape(x.shape)} in dimension ${d} (expected at most ${x.shape[d]})`,
      );
    }
  }
  // Indices on a device (WebGPU) cannot be read synchronously: not checked there (see README).
  const data = index._hostDataOrNull();
  if (data === null) return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < 0 || v >= sizeAlong) {
      throw new ValueError(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${sizeAlong}`);
    }
  }
}

/**
 * `dim`, and whether the index still needs checking: false only for indices the library made itself
 * in range (max pooling's), which skips a pass over them in JavaScript.
 */
export interface IndexParams {
  readonly dim: number;
  readonly checked: boolean;
}

export const gatherPrim = definePrimitive<IndexParams>({
  name: "gather",
  forward: ([x, index], { dim, checked }) => {
    if (checked) checkIndex("gather", x, dim, index, x.shape[dim]);
    return runKernel("gather", index.shape, x.dtype, [x, index], { dim });
  },
  vjp: (g, { inputs: [x, index], params: { dim, checked } }) => [scatterAdd(g, dim, index, x.shape, checked)],
});

/** Zeros of `shape`, then out[…, index[i], …] += src[i] along `dim` (torch's scatter_add on zeros). */
export function scatterAdd(src: Tensor, dim: number, index: Tensor, shape: readonly number[], checked = true): Tensor {
  return scatterAddPrim([src, index], { dim, shape, checked });
}

const scatterAddPrim = definePrimitive<IndexParams & { shape: readonly number[] }>({
  name: "scatterAdd",
  forward: ([src, index], { dim, shape, checked }) => {
    const out = emptyTensor(shape, src.dtype);
    if (checked) checkIndex("scatterAdd", out, dim, index, shape[dim]);
    if (index.size > 0) kernelFor("scatterAdd")(out, [src, index], { dim });
    return out;
  },
  vjp: (g, { inputs: [src, index], params: { dim, checked } }) => [
    src.requiresGrad ? gatherPrim([g, index], { dim, checked }) : null,
    null,
  ],
});
