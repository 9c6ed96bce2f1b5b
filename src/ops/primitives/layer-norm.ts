// Layer normalization fused, where the current backend provides its kernels (optional kernels of
// backend/kernel-table.ts; the wasm backend has them): the rows' statistics and the normalized rows
// forward, one kernel for the input's gradient and one for the scale's and shift's, in place of some
// twenty element-wise and reduction kernels through the composed maths (nn/functional/normalization.ts,
// what every other backend runs and what ONNX export records).
//
// Kernel contracts — float32; every tensor contiguous; x [R, C] rows; outputs written whole:
//   "layerNormStats": inputs [x]; out [R, 2]: (mean, 1/sqrt(var + eps)) of each row, the variance
//     biased (over C), the sums taken in at least float64-grade precision.
//   "layerNorm": inputs [x, stats, then w [C] if params.weight, then b [C] if params.bias]; out [R, C]:
//     (x - mean)·rstd, times w, plus b.
//   "layerNormGrad": inputs [g [R, C], x, stats, then w if params.weight]; out [R, C]:
//     rstd·(gw - mean(gw) - x̂·mean(gw·x̂)) per row, with x̂ = (x - mean)·rstd and gw = g·w (g without w).
//   "layerNormParamGrad": inputs [g, x, stats]; out [2, C]: (Σ_r g·x̂, Σ_r g), the scale's and the
//     shift's gradients.

import { definePrimitive, isObserved, type Primitive } from "../../autograd/primitive.js";
import { isGradEnabled } from "../../autograd/grad-mode.js";
import { getBackend } from "../../backend/current.js";
import type { LayerNormAffine } from "../../backend/kernel-table.js";
import type { Tensor } from "../../tensor/tensor.js";
import { runKernel } from "../run-kernel.js";

/** The primitive's parameters: which of w and b follow x and the stats, and the epsilon. */
export interface LayerNormParams extends LayerNormAffine {
  readonly eps: number;
}

/**
 * Whether layer norm runs fused here: float32 x with at least one element, and the current backend
 * has the kernels. Never while a trace records the primitives (ONNX export records the composed ops).
 */
export function fusedLayerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null): boolean {
  return (
    !isObserved() &&
    x.dtype === "float32" &&
    x.size > 0 &&
    (weight === null || weight.dtype === "float32") &&
    (bias === null || bias.dtype === "float32") &&
    getBackend().kernel("layerNorm") !== undefined
  );
}

const contiguous = (t: Tensor): Tensor => (t.isContiguous ? t : runKernel("copy", t.shape, t.dtype, [t]));

/**
 * Layer norm of the rows of x [R, C] (contiguous float32), with scale w and shift b [C] where given:
 * the statistics first (no gradient of their own: the primitive's accounts for them), then the rows.
 */
export function layerNormRows(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const stats = runKernel("layerNormStats", [x.shape[0]!, 2], "float32", [x], { eps });
  const inputs = [x, stats];
  // Recorded copies (Tensor.contiguous): a strided scale or shift still receives its gradient.
  if (weight !== null) inputs.push(weight.contiguous());
  if (bias !== null) inputs.push(bias.contiguous());
  return layerNormPrim(inputs, { eps, weight: weight !== null, bias: bias !== null });
}

const layerNormPrim: Primitive<LayerNormParams> = definePrimitive<LayerNormParams>({
  name: "layerNorm",
  saves: "inputs",
  forward: (inputs, p) => runKernel("layerNorm", inputs[0]!.shape, "float32", inputs, p),
  vjp: (g, { inputs, params }) => {
    const x = inputs[0]!,
      stats = inputs[1]!;
    const w = params.weight ? inputs[2]! : null,
      b = params.bias ? inputs[params.weight ? 3 : 2]! : null;
    // Recorded (createGraph): the same gradients from differentiable ops, so they differentiate again.
    if (isGradEnabled()) return composedGrads(g, x, w, b, params.eps);
    const gc = contiguous(g);
    const dx = x.requiresGrad
      ? runKernel("layerNormGrad", x.shape, "float32", w === null ? [gc, x, stats] : [gc, x, stats, w], params)
      : null;
    let dw: Tensor | null = null,
      db: Tensor | null = null;
    if (w?.requiresGrad || b?.requiresGrad) {
      const both = runKernel("layerNormParamGrad", [2, x.shape[1]!], "float32", [gc, x, stats]);
      if (w?.requiresGrad) dw = both.slice(0, 0, 1).squeeze(0);
      if (b?.requiresGrad) db = both.slice(0, 1, 2).squeeze(0);
    }
    const grads: (Tensor | null)[] = [dx, null];
    if (w !== null) grads.push(dw);
    if (b !== null) grads.push(db);
    return grads;
  },
});

/** The vjp as differentiable ops of x, w and b: the kernels' maths, recomputing the statistics from x. */
function composedGrads(g: Tensor, x: Tensor, w: Tensor | null, b: Tensor | null, eps: number): (Tensor | null)[] {
  const centred = x.sub(x.mean(1, true));
  const std = centred.mul(centred).mean(1, true).add(eps).sqrt();
  const xhat = centred.div(std);
  const gw = w === null ? g : g.mul(w);
  const dx = x.requiresGrad
    ? gw
        .sub(gw.mean(1, true))
        .sub(xhat.mul(gw.mul(xhat).mean(1, true)))
        .div(std)
    : null;
  const grads: (Tensor | null)[] = [dx, null];
  if (w !== null) grads.push(w.requiresGrad ? g.mul(xhat).sum(0) : null);
  if (b !== null) grads.push(b.requiresGrad ? g.sum(0) : null);
  return grads;
}
