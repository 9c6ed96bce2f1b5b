// Cross-entropy of logit rows against class indices, fused: one kernel for the per-row losses and one
// for their gradient. F.crossEntropy's common case (2-D logits, index targets, no class weights,
// nothing ignored, no label smoothing) runs on these: 5 kernels a training step instead of 10 through
// logSoftmax, gather and their gradients.
//
// Kernel contracts — float32 and float64; every output element is written (outputs are not
// zero-filled beforehand):
//   "crossEntropyRows": inputs [x [R, C] any strides, t [R] int32 contiguous, each in [0, C)].
//     out [R] contiguous, x's dtype: out[r] = -logSoftmax(x)[r, t[r]], the log-softmax exactly as
//     kernel "softmax" computes it (row max subtracted, raw) and rounded to the dtype before negation,
//     so the loss equals the unfused logSoftmax → gather → negate bit for bit.
//   "crossEntropyRowsGrad": inputs [x [R, C] any strides, t [R] int32 contiguous, g [R] any stride].
//     out [R, C] contiguous: (softmax(x)[r, c] - (c == t[r] ? 1 : 0)) · g[r].

import { definePrimitive, type Primitive } from "../../autograd/primitive.js";
import type { Tensor } from "../../tensor/tensor.js";
import { runKernel } from "../run-kernel.js";
import { frozenShape1 } from "../../tensor/frozen-dims.js";
import { softmaxPrim } from "./softmax.js";
import { arange } from "../../tensor/creation.js";
import { floatMask } from "./elementwise.js";

const contiguous = (t: Tensor): Tensor => (t.isContiguous ? t : runKernel("copy", t.shape, t.dtype, [t]));

/** Per-row losses -log softmax(x)[r, t[r]] of logits x [R, C] and int32 classes t [R]. */
export const crossEntropyRowsPrim: Primitive<undefined> = definePrimitive<undefined>({
  name: "crossEntropyRows",
  forward: (inputs) => {
    const x = inputs[0]!,
      t = inputs[1]!;
    return runKernel("crossEntropyRows", frozenShape1(x.shape[0]!), x.dtype, t.isContiguous ? inputs : [x, contiguous(t)]);
  },
  // d(-logSoftmax(x)[t])/dx = softmax(x) - onehot(t), per row, times the row's upstream gradient.
  vjp: (g, { inputs: [x, t] }) => [crossEntropyRowsGradPrim([x, t, g], undefined), null],
});

/**
 * (softmax(x) - onehot(t)) · g per row: the gradient above, as a primitive of its own. Its own vjp
 * (for second derivatives, under createGraph) is written with differentiable ops: with p = softmax(x)
 * and upstream G, h = G·g per row gives dx = p·(h - Σ h·p) (softmax's vjp) and dg = Σ_c G·(p - onehot).
 */
export const crossEntropyRowsGradPrim: Primitive<undefined> = definePrimitive<undefined>({
  name: "crossEntropyRowsGrad",
  saves: "inputs",
  forward: ([x, t, g]) => runKernel("crossEntropyRowsGrad", x.shape, x.dtype, [x, contiguous(t), g]),
  vjp: (G, { inputs: [x, t, g] }) => {
    const p = softmaxPrim([x], 1);
    const h = G.mul(g.unsqueeze(1));
    const dx = x.requiresGrad ? p.mul(h.sub(h.mul(p).sum(1, true))) : null;
    const onehot = floatMask.eq(arange(x.shape[1], { dtype: "int32" }).unsqueeze(0), t.unsqueeze(1));
    const dg = g.requiresGrad ? G.mul(p.sub(onehot)).sum(1) : null;
    return [dx, null, dg];
  },
});
