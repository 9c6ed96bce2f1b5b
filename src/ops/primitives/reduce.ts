// Reduction primitives over one or several dims: sum (adjoint of expand) and max/min, plus the
// non-differentiable argmax/argmin. The core moves reduced dims last; kernels reduce runs.

import { definePrimitive } from "../../autograd/primitive.js";
import { DTypeError, ValueError, fmtShape } from "../../errors.js";
import { normDims, sizeOf } from "../../tensor/shape.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { ReduceKernel } from "../../backend/kernel-table.js";
import { runKernel } from "../run-kernel.js";
import { frozenShape1, frozenShape2, frozenStrides2 } from "../../tensor/frozen-dims.js";
import { arange } from "../../tensor/creation.js";
import { floatMask } from "./elementwise.js";

export interface ReduceParams {
  readonly dims: readonly number[]; // normalised, sorted
  readonly keepdim: boolean;
}

/** Output shape of reducing `dims` (with size-1 dims kept when `keepdim`). */
export function reducedShape(shape: readonly number[], { dims, keepdim }: ReduceParams): readonly number[] {
  if (shape.length === 1 && dims.length === 1) return keepdim ? frozenShape1(1) : SCALAR;
  // A matrix reduced over one dim (bias gradients, row losses): the shared frozen shape, none made.
  if (shape.length === 2 && dims.length === 1) {
    const kept = shape[1 - dims[0]!]!;
    if (!keepdim) return frozenShape1(kept);
    return dims[0] === 0 ? frozenShape2(1, kept) : frozenShape2(kept, 1);
  }
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (!dims.includes(i)) out.push(shape[i]!);
    else if (keepdim) out.push(1);
  }
  return out;
}

function runReduce(name: ReduceKernel, x: Tensor, p: ReduceParams, dtype: DType): Tensor {
  const nd = x.shape.length,
    nr = p.dims.length;
  let reduceSize = 1,
    trailing = true;
  for (let j = 0; j < nr; j++) {
    reduceSize *= x.shape[p.dims[j]!]!;
    if (p.dims[j] !== nd - nr + j) trailing = false;
  }
  const params = reduceParamsOf(reduceSize);
  // Reduced dims already last (a row sum): x is its own view.
  if (trailing) return runKernel(name, reducedShape(x.shape, p), dtype, [x], params);
  // A matrix reduced over its first dim (a bias gradient): its transpose, from the shared frozen arrays.
  if (nd === 2 && nr === 1) {
    const view = {
      storage: x.storage,
      offset: x.offset,
      shape: frozenShape2(x.shape[1]!, x.shape[0]!),
      strides: frozenStrides2(x.strides[1]!, x.strides[0]!),
    };
    return runKernel(name, reducedShape(x.shape, p), dtype, [view], params);
  }
  // x seen with the kept dims first and the reduced ones last (plain loops: this runs several times a step).
  const shape = new Array<number>(nd),
    strides = new Array<number>(nd);
  let k = 0;
  for (let i = 0; i < nd; i++) {
    if (p.dims.includes(i)) continue;
    shape[k] = x.shape[i]!;
    strides[k++] = x.strides[i]!;
  }
  for (let j = 0; j < nr; j++) {
    const i = p.dims[j]!;
    shape[k] = x.shape[i]!;
    strides[k++] = x.strides[i]!;
  }
  const view = { storage: x.storage, offset: x.offset, shape, strides };
  return runKernel(name, reducedShape(x.shape, p), dtype, [view], params);
}

// The kernels' { reduceSize } for the sizes a program reduces over, shared (frozen): one per call was garbage.
const kernelParams = new Map<number, { readonly reduceSize: number }>();
function reduceParamsOf(reduceSize: number): { readonly reduceSize: number } {
  let p = kernelParams.get(reduceSize);
  if (p === undefined) {
    p = Object.freeze({ reduceSize });
    if (kernelParams.size < 1024) kernelParams.set(reduceSize, p);
  }
  return p;
}

/** `g` of the reduced shape seen again with size-1 dims where the reduced dims were. */
function keptShape(g: Tensor, x: Tensor, p: ReduceParams): Tensor {
  return p.keepdim ? g : g.reshape(reducedShape(x.shape, { dims: p.dims, keepdim: true }));
}

export const sumPrim = definePrimitive<ReduceParams>({
  name: "sum",
  saves: "none",
  // A bool sum counts the true elements: int32, as torch's int64.
  forward: ([x], p) => runReduce("sum", x, p, x.dtype === "bool" ? "int32" : x.dtype),
  // Every input element contributes once: broadcast the gradient back.
  vjp: (g, { inputs: [x], params }) => [keptShape(g, x, params).expand(x.shape)],
});

export interface ExtremeParams extends ReduceParams {
  /** max(dim)/min(dim) over one dim: the gradient goes to the first extreme only, as torch's indices. */
  readonly firstOnly?: boolean;
}

/** Whether any of `dims` has size 0 (a loop: a closure over the shape would give the caller a scope per call). */
function hasEmptyDim(shape: readonly number[], dims: readonly number[]): boolean {
  for (let j = 0; j < dims.length; j++) if (shape[dims[j]!] === 0) return true;
  return false;
}

/** Throws, naming `op`, when a max/min-like reduction of `x` over `dims` would have no element to take. */
export function checkReducible(op: string, x: Tensor, dims: readonly number[]): void {
  if (hasEmptyDim(x.shape, dims))
    throw new ValueError(`${op}: cannot reduce over an empty dimension of a tensor of shape ${fmtShape(x.shape)}`);
}

function extreme(name: "max" | "min") {
  return definePrimitive<ExtremeParams>({
    name,
    forward: ([x], p) => {
      checkReducible(name, x, p.dims);
      return runReduce(name, x, p, x.dtype);
    },
    // Over all elements (torch.max() and amax) the gradient is split evenly among ties; over one dim
    // (torch.max(dim), which returns indices) it goes to the first extreme of each slice.
    vjp: (g, { inputs: [x], output, params }) => {
      const gk = keptShape(g, x, params);
      if (params.firstOnly) {
        const dim = params.dims[0];
        const idx = runReduce(name === "max" ? "argmax" : "argmin", x, { dims: [dim], keepdim: true }, "int32");
        const iotaShape = x.shape.map((n, d) => (d === dim ? n : 1));
        const iota = arange(x.shape[dim], { dtype: "int32" }).reshape(iotaShape);
        return [floatMask.eq(iota, idx).mul(gk)];
      }
      const mask = floatMask.eq(x, keptShape(output, x, params));
      const count = mask.sum(params.dims as number[], true);
      return [mask.div(count).mul(gk)];
    },
  });
}
export const maxPrim = extreme("max");
export const minPrim = extreme("min");

function argExtreme(name: "argmax" | "argmin") {
  return definePrimitive<ReduceParams>({
    name,
    forward: ([x], p) => {
      // Over a non-empty dim of an empty tensor the result is empty too, as torch (zeros([0, 3]).argmax(1)).
      if (hasEmptyDim(x.shape, p.dims)) {
        throw new ValueError(`${name}: cannot take the ${name} over an empty dimension of a tensor of shape ${fmtShape(x.shape)}`);
      }
      if (x.dtype === "bool") throw new DTypeError(`${name}: not supported for bool tensors (as in torch); convert with .int() first`);
      return runReduce(name, x, p, "int32");
    },
  });
}
export const argmaxPrim = argExtreme("argmax");
export const argminPrim = argExtreme("argmin");

export function reduceParams(op: string, x: Tensor, dim: number | readonly number[] | undefined, keepdim: boolean): ReduceParams {
  checkKeepdim(op, keepdim);
  // An empty list reduces over every dim, as torch's sum/mean/amax/var(dim=[]) do (not the identity).
  const dims = normDims(op, typeof dim === "object" && dim.length === 0 ? undefined : dim, x.ndim);
  // A 0-d tensor accepts dim 0 or -1, as torch, and reducing over it is the identity: no dim to reduce.
  if (x.ndim === 0) return { dims: [], keepdim };
  // The shared frozen lists of normDims get shared params too: a reduction per step makes no object.
  if (!Object.isFrozen(dims)) return { dims, keepdim };
  let pair = sharedParams.get(dims);
  if (pair === undefined)
    sharedParams.set(dims, (pair = [Object.freeze({ dims, keepdim: false }), Object.freeze({ dims, keepdim: true })]));
  return pair[keepdim ? 1 : 0];
}

/**
 * keepdim is positional, as PyTorch's: `x.sum(0, { keepdim: false })` (Python's keyword spelled as an
 * options object) would otherwise count as true, silently.
 */
export function checkKeepdim(op: string, keepdim: unknown): void {
  if (keepdim !== true && keepdim !== false)
    throw new ValueError(
      `${op}: keepdim must be true or false, given after dim (x.${op}(dim, true)), got ${typeof keepdim === "object" && keepdim !== null ? "an object" : String(keepdim)}`,
    );
}

const SCALAR: readonly number[] = Object.freeze([]);

const sharedParams = new WeakMap<readonly number[], readonly [ReduceParams, ReduceParams]>();
