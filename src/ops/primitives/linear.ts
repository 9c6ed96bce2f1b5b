// y = x·Wᵀ + b as one primitive, so that a Linear layer's forward is one kernel: as a composite it
// was a matmul, a bias add and the product kept between them. Its VJP is three existing ops.
//
// Kernel contract — kernel "linear"; float32 and float64:
//   inputs [x, W] or [x, W, b], all of the output's dtype: x [..., K], W [N, K], b [N], each with any
//   strides (a transposed weight, a sliced input). Shapes fit (F.linear checks them).
//   out: contiguous [..., N] (x's leading dims; [N] for a 1-D x); every element is written (outputs
//   are not zero-filled beforehand):  out[..., n] = Σ_k x[..., k]·W[n, k]  (+ b[n]).
//   K may be 0: out is then b, or zeros.

import { definePrimitive } from "../../autograd/primitive.js";
import { DTypeError } from "../../errors.js";
import { isFloat, promote, type DType } from "../../tensor/dtype.js";
import { sizeOf } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { runKernel } from "../run-kernel.js";
import { frozenShape2 } from "../../tensor/frozen-dims.js";

// y = x·Wᵀ + b: dx = g·W, dW = gᵀ·x summed over every leading dim (one product with them flattened
// into rows, which lays dW out contiguous [N, K], so the optimizer reads it without a copy),
// db = g summed over every leading dim.
export const linearPrim = definePrimitive({
  name: "linear",
  saves: "others",
  forward: (inputs) => {
    // Indexed, not destructured: V8's unoptimized code makes an iterator and its results for that.
    const x = inputs[0]!,
      w = inputs[1]!,
      b = inputs[2] as Tensor | undefined;
    if (!isFloat(x.dtype) || !isFloat(w.dtype)) {
      throw new DTypeError(`linear: expected floating-point input and weight, got ${x.dtype} and ${w.dtype}`);
    }
    // As x.matmul(W.T).add(b) promotes: an int32 bias joins the product's float dtype.
    const dtype = b ? promote(promote(x.dtype, w.dtype), b.dtype) : promote(x.dtype, w.dtype);
    // Plain loops: a Linear layer runs this every step, and arrays or closures made per call are garbage.
    const operands = castAll(inputs, dtype);
    let shape: readonly number[];
    if (x.ndim === 2) shape = frozenShape2(x.shape[0]!, w.shape[0]!);
    else {
      const s = x.shape.slice();
      s[s.length - 1] = w.shape[0]!;
      shape = s;
    }
    return runKernel("linear", shape, dtype, operands);
  },
  vjp: (g, { inputs }) => {
    const x = inputs[0]!,
      w = inputs[1]!,
      b = inputs[2];
    return [
      x.requiresGrad ? g.matmul(w) : null,
      w.requiresGrad ? flatRows(g).T.matmul(flatRows(x)) : null,
      b?.requiresGrad ? (x.ndim === 1 ? g : g.sum(x.ndim === 2 ? 0 : leadingDims(x.ndim - 1))) : null,
    ];
  },
});

/**
 * `inputs` with each converted to `dtype`, or `inputs` itself when all have it. A function of its own:
 * a closure over `dtype` in the forward would make JavaScriptCore allocate the forward's scope per call.
 */
function castAll(inputs: readonly Tensor[], dtype: DType): readonly Tensor[] {
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i]!.dtype === dtype) continue;
    const out = new Array<Tensor>(inputs.length);
    for (let k = 0; k < inputs.length; k++) out[k] = inputs[k]!.dtype === dtype ? inputs[k]! : inputs[k]!.to(dtype);
    return out;
  }
  return inputs;
}

/** [0, 1, …, n - 1]: the leading dims a bias gradient sums over. */
function leadingDims(n: number): number[] {
  const dims = new Array<number>(n);
  for (let d = 0; d < n; d++) dims[d] = d;
  return dims;
}

/** `t` [..., n] as a matrix [rows, n] (a 1-D `t` as one row); a view when its strides allow. */
function flatRows(t: Tensor): Tensor {
  if (t.ndim === 2) return t;
  const n = t.shape[t.ndim - 1]!;
  return t.reshape([sizeOf(t.shape.slice(0, -1)), n]);
}
