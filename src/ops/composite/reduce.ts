// Reductions users call (dim: a number, a list, negative from the end, or absent for all) and the
// statistics built on them: mean, unbiased var/std, and a stable logsumexp.

import { DTypeError } from "../../errors.js";
import { isFloat } from "../../tensor/dtype.js";
import { sizeOf } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { argmaxPrim, argminPrim, maxPrim, minPrim, reduceParams, sumPrim } from "../primitives/reduce.js";
import { where } from "../primitives/elementwise.js";
import { definePrimitive } from "../../autograd/primitive.js";
import { runKernel } from "../run-kernel.js";

type Dims = number | readonly number[] | undefined;

export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return sumPrim([x], reduceParams("sum", x, dim, keepdim));
}

function requireFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor, got ${x.dtype} (convert with .float())`);
}

function countOf(x: Tensor, dims: readonly number[]): number {
  return sizeOf(dims.map((d) => x.shape[d]));
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  requireFloat("mean", x);
  const p = reduceParams("mean", x, dim, keepdim);
  return sumPrim([x], p).div(countOf(x, p.dims));
}

/**
 * Values of the maximum. Over all elements or a list of dims (torch.amax) the gradient is split among
 * ties; over one dim (torch.max(dim)) it goes to the first maximum, the index torch returns.
 */
export function max(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return maxPrim([x], { ...reduceParams("max", x, dim, keepdim), firstOnly: typeof dim === "number" });
}

export function min(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return minPrim([x], { ...reduceParams("min", x, dim, keepdim), firstOnly: typeof dim === "number" });
}

/** Index of the first maximum along `dim`, or into the flattened tensor when `dim` is absent. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argmaxPrim([x], reduceParams("argmax", x, dim, dim === undefined ? false : keepdim));
}

export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argminPrim([x], reduceParams("argmin", x, dim, dim === undefined ? false : keepdim));
}

/**
 * log Σ exp(x) along `dim`, stable for large inputs: the (detached) maximum is taken out first.
 * Rows that are all -inf give -inf, as torch.
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  requireFloat("logsumexp", x);
  const p = reduceParams("logsumexp", x, dim, true);
  const m0 = maxPrim([x.detach()], p);
  const m = where(m0.abs().lt(Infinity), m0, 0);
  const out = sumPrim([x.sub(m).exp()], p).log().add(m);
  return keepdim ? out : out.squeeze(p.dims as number[]);
}

/** Unbiased variance (divides by n - 1, as torch.var's default). */
export function variance(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  requireFloat("var", x);
  const p = reduceParams("var", x, dim, keepdim);
  const centred = x.sub(x.mean(p.dims as number[], true));
  return sumPrim([centred.mul(centred)], p).div(countOf(x, p.dims) - 1);
}

export function std(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return stdFromVar([variance(x, dim, keepdim)], undefined);
}

// √var with torch's std gradient: g / (2·std), and 0 where std is 0 (a constant slice), not NaN.
const stdFromVar = definePrimitive({
  name: "sqrt",
  saves: "output",
  forward: ([v]) => runKernel("sqrt", v.shape, v.dtype, [v]),
  vjp: (g, { output }) => [where(output.eq(0), 0, g.div(output.mul(2)))],
});
