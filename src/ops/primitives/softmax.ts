// softmax and logSoftmax along one dim as primitives: one fused kernel forward (a classifier's loss
// ran about ten kernels for its logSoftmax as a composite), each VJP beside its forward.
//
// Kernel contract — kernel "softmax", shared by both primitives; float32 and float64:
//   params { dim, log }: dim normalised (0 <= dim < ndim); log false for softmax, true for logSoftmax.
//   inputs [x], any strides. out: contiguous, x's shape and dtype; every element is written (outputs
//   are not zero-filled beforehand).
//   For each row along `dim` (the elements whose indices differ only in `dim`), with m its maximum
//   (NaN when the row holds a NaN):
//     softmax:    out = exp(x - m) / Σ exp(x - m)
//     logSoftmax: out = (x - m) - log Σ exp(x - m)
//   with the raw maximum, as torch: a row holding +inf, or only -inf, is NaN throughout for both
//   (so logSoftmax is not x - logsumexp(x) there: logsumexp takes an infinite maximum as 0).
//   The reference computes each row in float64 and rounds once on store.

import { definePrimitive, type Primitive } from "../../autograd/primitive.js";
import { runKernel } from "../run-kernel.js";

// y = softmax(x): dy_i/dx_j = y_i (δ_ij - y_j), so dx = y · (g - Σ g·y) along the row.
export const softmaxPrim: Primitive<number> = definePrimitive<number>({
  name: "softmax",
  saves: "output",
  forward: ([x], dim) => runKernel("softmax", x.shape, x.dtype, [x], { dim, log: false }),
  vjp: (g, { output: y, params: dim }) => [y.mul(g.sub(g.mul(y).sum(dim, true)))],
});

// y = x - logsumexp(x): dy_i/dx_j = δ_ij - softmax_j, so dx = g - exp(y) · Σ g along the row.
export const logSoftmaxPrim: Primitive<number> = definePrimitive<number>({
  name: "logSoftmax",
  saves: "output",
  forward: ([x], dim) => runKernel("softmax", x.shape, x.dtype, [x], { dim, log: true }),
  vjp: (g, { output: y, params: dim }) => [g.sub(y.exp().mul(g.sum(dim, true)))],
});
