// Reductions users call (dim: a number, a list, negative from the end, or absent for all) and the
// statistics built on them: mean, unbiased var/std, and a stable logsumexp.

import { DTypeError, ValueError } from "../../errors.js";
import { checkOptions } from "../../tensor/options.js";
import { isFloat } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { argmaxPrim, argminPrim, checkKeepdim, checkReducible, maxPrim, minPrim, reduceParams, sumPrim } from "../primitives/reduce.js";
import { floatMask, whereMask } from "../primitives/elementwise.js";
import { definePrimitive } from "../../autograd/primitive.js";
import { runKernel } from "../run-kernel.js";

type Dims = number | readonly number[] | undefined;

/**
 * Sum over `dim` (a number or a list, negative from the end; all elements when absent), the reduced dims
 * dropped unless `keepdim` (torch.sum). int32 sums stay int32; a bool sum counts the true elements, int32.
 * @example
 * ```ts
 * const x = tg.tensor([[1, 2, 3], [4, 5, 6]]);
 * tg.sum(x).item();       // 21
 * tg.sum(x, 0).toArray(); // [5, 7, 9]
 * ```
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return sumPrim([x], reduceParams("sum", x, dim, keepdim));
}

function requireFloat(op: string, x: Tensor): void {
  // torch: "mean(): input dtype must be floating point, got Bool" (for bool and integer tensors alike).
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor, got ${x.dtype} (convert with .float())`);
}

function countOf(x: Tensor, dims: readonly number[]): number {
  let n = 1;
  for (let j = 0; j < dims.length; j++) n *= x.shape[dims[j]!]!;
  return n;
}

/**
 * Mean over `dim` (all elements when absent), keepdim as in sum (torch.mean); floating-point tensors only
 * (DTypeError for int32).
 * @example tg.mean(tg.tensor([[1, 2], [3, 4]]), 0)  // [2, 3]
 */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  requireFloat("mean", x);
  const p = reduceParams("mean", x, dim, keepdim);
  return sumPrim([x], p).div(countOf(x, p.dims));
}

/**
 * Values of the maximum. Over all elements or a list of dims (torch.amax) the gradient is split among
 * ties; over one dim (torch.max(dim)) it goes to the first maximum, the index torch returns.
 * @example tg.max(tg.tensor([[1, 5], [3, 4]]), 1)  // [5, 4] (values only; argmax gives the indices)
 */
export function max(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return maxPrim([x], { ...reduceParams("max", x, dim, keepdim), firstOnly: typeof dim === "number" });
}

/**
 * Maximum over `dim` (a number or a list; all dims when absent), the gradient split among ties (torch.amax).
 * @example tg.amax(tg.tensor([[1, 5], [3, 4]]), [0, 1])  // 5
 */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const p = reduceParams("amax", x, dim, keepdim);
  checkReducible("amax", x, p.dims);
  return maxPrim([x], p);
}

/**
 * Minimum over `dim`, the gradient split among ties (torch.amin).
 * @example tg.amin(tg.tensor([[1, 5], [3, 4]]), 1, true)  // [[1], [3]]
 */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const p = reduceParams("amin", x, dim, keepdim);
  checkReducible("amin", x, p.dims);
  return minPrim([x], p);
}

/**
 * Minimum values over `dim` (all elements when absent). torch.min(x, dim) returns (values, indices); this
 * returns the values only (use argmin for the indices).
 * @example tg.min(tg.tensor([[1, 5], [3, 4]]), 0)  // [1, 4]
 */
export function min(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return minPrim([x], { ...reduceParams("min", x, dim, keepdim), firstOnly: typeof dim === "number" });
}

/**
 * Index of the first maximum along `dim`, or into the flattened tensor when `dim` is absent (with
 * keepdim, every dim kept as size 1 then, as torch: [[5]] for a [2, 3] input).
 * @example tg.argmax(tg.tensor([[1, 5], [4, 3]]), 1)  // [1, 0], int32
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argmaxPrim([x], reduceParams("argmax", x, dim, keepdim));
}

/**
 * Index (int32) of the first minimum along `dim`, or into the flattened tensor when `dim` is absent
 * (torch.argmin).
 * @example tg.argmin(tg.tensor([[1, 5], [4, 3]]), 1)  // [0, 1], int32
 */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argminPrim([x], reduceParams("argmin", x, dim, keepdim));
}

/**
 * log Σ exp(x) along `dim`, stable for large inputs: the (detached) maximum is taken out first.
 * Rows that are all -inf give -inf, as torch.
 * @example tg.logsumexp(tg.tensor([0, 0]), 0)  // 0.6931 (log 2), without overflow for large inputs
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  // Integers are promoted to float32, as torch.logsumexp promotes them to its default float dtype.
  if (x.dtype === "int32" || x.dtype === "bool") x = x.to("float32");
  requireFloat("logsumexp", x);
  checkKeepdim("logsumexp", keepdim);
  const p = reduceParams("logsumexp", x, dim, true);
  // Over an empty dim the sum of exponentials is 0: -inf, as torch (there is no maximum to take out).
  if (x.size === 0) {
    const out = sumPrim([x.exp()], p).log();
    return keepdim ? out : out.squeeze(p.dims as number[]);
  }
  const m0 = maxPrim([x.detach()], p);
  const m = whereMask(floatMask.lt(m0.abs(), Infinity), m0, 0);
  const out = sumPrim([x.sub(m).exp()], p)
    .log()
    .add(m);
  return keepdim ? out : out.squeeze(p.dims as number[]);
}

export interface VarianceOptions {
  /** Divide by n - correction (torch's correction; default 1, Bessel's correction). */
  correction?: number;
  /** torch's older spelling: true is correction 1, false correction 0. */
  unbiased?: boolean;
  keepdim?: boolean;
}

/**
 * Variance over `dim` dividing by n - correction (unbiased, n - 1, by default, as torch.var).
 * The second argument is keepdim or an options object: `x.var(1, { correction: 0, keepdim: true })`.
 * @example tg.var(tg.tensor([1, 2, 3, 4]))  // 1.6667 (unbiased); { correction: 0 } gives 1.25
 */
export function variance(x: Tensor, dim?: Dims, keepdimOrOpts: boolean | VarianceOptions = false, op = "var"): Tensor {
  requireFloat(op, x);
  const { keepdim, correction } = varianceOptions(op, keepdimOrOpts);
  const p = reduceParams(op, x, dim, keepdim);
  const centred = x.sub(x.mean(p.dims as number[], true));
  // torch divides by max(0, n - correction): a negative count gives inf, a zero one inf or NaN.
  return sumPrim([centred.mul(centred)], p).div(Math.max(0, countOf(x, p.dims) - correction));
}

function varianceOptions(op: string, arg: boolean | VarianceOptions): { keepdim: boolean; correction: number } {
  if (typeof arg === "boolean") return { keepdim: arg, correction: 1 };
  checkOptions(op, arg, ["correction", "unbiased", "keepdim"]);
  const { keepdim = false, unbiased, correction } = arg ?? {};
  if (unbiased !== undefined && correction !== undefined) throw new ValueError(`${op}: give either unbiased or correction, not both`);
  const c = correction ?? (unbiased === false ? 0 : 1);
  if (typeof c !== "number" || !Number.isFinite(c)) throw new ValueError(`${op}: correction must be a finite number, got ${String(c)}`);
  return { keepdim, correction: c };
}

/**
 * Standard deviation: √var with the same options (torch.std).
 * @example tg.std(tg.tensor([1, 2, 3, 4]), undefined, { correction: 0 })  // 1.118
 */
export function std(x: Tensor, dim?: Dims, keepdimOrOpts: boolean | VarianceOptions = false): Tensor {
  return sqrtZeroGrad(variance(x, dim, keepdimOrOpts, "std"));
}

/** √x whose gradient is 0 where x is 0 (torch's std and norm backward), not g/0. */
export function sqrtZeroGrad(x: Tensor): Tensor {
  return stdFromVar([x], undefined);
}

// √var with torch's std gradient: g / (2·std), and 0 where std is 0 (a constant slice), not NaN.
const stdFromVar = definePrimitive({
  name: "sqrt",
  saves: "output",
  forward: ([v]) => runKernel("sqrt", v.shape, v.dtype, [v]),
  vjp: (g, { output }) => [whereMask(floatMask.eq(output, 0), 0, g.div(output.mul(2)))],
});
