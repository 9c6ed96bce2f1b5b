// Primitives along one dim: a stable argsort (not differentiable; sort and topk gather by its
// indices, so their gradients scatter back) and cumsum, whose adjoint is the cumsum from the end.
// The core moves the dim last and copies to rows; kernels in backend/js/scan.ts.

import { definePrimitive, type Primitive } from "../../autograd/primitive.js";
import type { Tensor } from "../../tensor/tensor.js";
import { runKernel } from "../run-kernel.js";

/** `fn` applied to `x` with `dim` moved last (a contiguous copy), the result moved back. */
function alongLast(x: Tensor, dim: number, fn: (rows: Tensor) => Tensor): Tensor {
  const last = x.ndim - 1;
  if (x.ndim === 0) return fn(x.reshape([1])).reshape([]);
  if (dim === last) return fn(x.contiguous());
  return fn(x.transpose(dim, last).contiguous()).transpose(dim, last);
}

export const argsortPrim = definePrimitive<{ dim: number; descending: boolean }>({
  name: "argsort",
  forward: ([x], { dim, descending }) =>
    alongLast(x, dim, (r) => runKernel("argsort", r.shape, "int32", [r], { rowSize: r.shape[r.ndim - 1], descending })),
});

type CumsumParams = { dim: number; reverse: boolean };

export const cumsumPrim: Primitive<CumsumParams> = definePrimitive<CumsumParams>({
  name: "cumsum",
  saves: "none",
  forward: ([x], { dim, reverse }) =>
    alongLast(x, dim, (r) => runKernel("cumsum", r.shape, r.dtype, [r], { rowSize: r.shape[r.ndim - 1], reverse })),
  // Each input element feeds every output at or after it: the gradient is g summed from the end.
  vjp: (g, { params: { dim, reverse } }) => [cumsumPrim([g], { dim, reverse: !reverse })],
});
