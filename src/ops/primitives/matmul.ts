// Matrix multiply on ≥2-D operands with broadcast batch dims ([..., M, K] @ [..., K, N]).
// d(A·B) = G·Bᵀ for A and Aᵀ·G for B; transposes are views, so kernels see strides, not copies.
// The engine sums the gradients back over broadcast batch dims.

import { definePrimitive } from "../../autograd/primitive.js";
import { DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { broadcastShapes } from "../../tensor/shape.js";
import { isFloat, promote } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { broadcastView, runKernel } from "../run-kernel.js";
import { frozenShape2 } from "../../tensor/frozen-dims.js";

export const matmulPrim = definePrimitive({
  name: "matmul",
  saves: "others",
  forward: (inputs) => {
    const a = inputs[0],
      b = inputs[1];
    const M = a.shape[a.ndim - 2],
      K = a.shape[a.ndim - 1];
    const K2 = b.shape[b.ndim - 2],
      N = b.shape[b.ndim - 1];
    if (K !== K2) {
      throw new ShapeError(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}: inner dimensions ${K} and ${K2} differ`);
    }
    if (!isFloat(a.dtype) || !isFloat(b.dtype)) {
      throw new DTypeError(`matmul: expected floating-point operands, got ${a.dtype} and ${b.dtype}`);
    }
    const dtype = promote(a.dtype, b.dtype);
    const ac = a.dtype === dtype ? a : a.to(dtype),
      bc = b.dtype === dtype ? b : b.to(dtype);
    // Two matrices (most products in training): no batch dims to broadcast.
    if (a.ndim === 2 && b.ndim === 2) return runKernel("matmul", frozenShape2(M, N), dtype, ac === a && bc === b ? inputs : [ac, bc]);
    let batch: number[];
    try {
      batch = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
    } catch {
      throw new ShapeError(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}: batch dimensions cannot be broadcast`);
    }
    const av = broadcastView(ac, [...batch, M, K]);
    const bv = broadcastView(bc, [...batch, K, N]);
    return runKernel("matmul", [...batch, M, N], dtype, [av, bv]);
  },
  vjp: (g, { inputs: [a, b] }) => [
    a.requiresGrad ? g.matmul(b.transpose(-1, -2)) : null,
    b.requiresGrad ? (isTransposed(b) ? g.transpose(-1, -2).matmul(a).transpose(-1, -2) : a.transpose(-1, -2).matmul(g)) : null,
  ],
});

/**
 * Whether `b` is a 2-D transposed view of a contiguous matrix (linear's `weight.T`). Its gradient is
 * then computed as (Gᵀ·A)ᵀ, the same numbers laid out so that after the transpose's own VJP the
 * weight's gradient is contiguous: the optimizer would otherwise copy it every step.
 */
function isTransposed(b: Tensor): boolean {
  return b.ndim === 2 && b.shape[0]! > 1 && b.shape[1]! > 1 && b.strides[0] === 1 && b.strides[1] === b.shape[0];
}
