// Movement primitives. reshape, permute, expand and slice are views: they share storage and only
// change shape/strides/offset. Their adjoints: reshape↔reshape, permute↔inverse permute,
// expand↔sum (done by the engine's unbroadcast), slice↔slicePad. cat copies into one new tensor.

import { definePrimitive } from "../../autograd/primitive.js";
import { ShapeError, fmtShape } from "../../errors.js";
import { contiguousStrides, isContiguous, sizeOf } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { frozenContiguousStrides, frozenShape2, frozenStrides2, zeroStrides } from "../../tensor/frozen-dims.js";
import { emptyTensor, runKernel } from "../run-kernel.js";
import { kernelFor } from "../../backend/current.js";
import type { View } from "../../backend/backend.js";

/** Strides for viewing `x` with `shape` without copying, or null when the memory layout forbids it. */
function viewStrides(x: Tensor, shape: readonly number[]): readonly number[] | null {
  if (isContiguous(x.shape, x.strides)) return frozenContiguousStrides(shape);
  // General case (torch's computeStride): split/merge runs of dims that are contiguous among themselves.
  const oldShape = x.shape,
    oldStrides = x.strides;
  const newStrides = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1,
    viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? newStrides : null;
}

export const reshapePrim = definePrimitive<readonly number[]>({
  name: "reshape",
  saves: "none",
  forward: ([x], shape) => {
    const strides = viewStrides(x, shape);
    if (strides) return new Tensor(x.storage, shape, strides, x.offset);
    const c = runKernel("copy", x.shape, x.dtype, [x]);
    return new Tensor(c.storage, shape, contiguousStrides(shape), 0);
  },
  vjp: (g, { inputs: [x] }) => [g.reshape(x.shape)],
});

/** Whether `x` can be viewed with `shape` without a copy (torch.view's condition). */
export function canView(x: Tensor, shape: readonly number[]): boolean {
  return viewStrides(x, shape) !== null;
}

export const permutePrim = definePrimitive<readonly number[]>({
  name: "permute",
  saves: "none",
  // Plain loops here and in expand: transposes and broadcasts run several times a step, and the
  // closures of map/forEach made per call are garbage (see bench/RESULTS.md, Bun's synchronous loop).
  forward: ([x], dims) => {
    // A matrix's transpose (linear's gradient, every step): the shared frozen arrays, none made.
    if (dims.length === 2) {
      const a = dims[0]!,
        b = dims[1]!;
      return new Tensor(x.storage, frozenShape2(x.shape[a]!, x.shape[b]!), frozenStrides2(x.strides[a]!, x.strides[b]!), x.offset);
    }
    const shape = new Array<number>(dims.length),
      strides = new Array<number>(dims.length);
    for (let i = 0; i < dims.length; i++) {
      shape[i] = x.shape[dims[i]!]!;
      strides[i] = x.strides[dims[i]!]!;
    }
    return new Tensor(x.storage, shape, strides, x.offset);
  },
  vjp: (g, { params: dims }) => {
    const inverse = new Array<number>(dims.length);
    for (let i = 0; i < dims.length; i++) inverse[dims[i]!] = i;
    return [g.permute(inverse)];
  },
});

export const expandPrim = definePrimitive<readonly number[]>({
  name: "expand",
  saves: "none",
  forward: ([x], shape) => {
    if (x.ndim === 0) return new Tensor(x.storage, shape, zeroStrides(shape.length), x.offset);
    const lead = shape.length - x.ndim;
    const strides = new Array<number>(shape.length);
    for (let i = 0; i < shape.length; i++) strides[i] = i < lead ? 0 : x.shape[i - lead] === shape[i] ? x.strides[i - lead]! : 0;
    return new Tensor(x.storage, shape, strides, x.offset);
  },
  // The engine sums the gradient back to x's shape.
  vjp: (g) => [g],
});

export interface SliceParams {
  readonly dim: number;
  readonly start: number; // normalised into [0, size]
  readonly end: number;
  readonly step: number; // > 0
}

function sliceLength({ start, end, step }: SliceParams): number {
  return Math.max(0, Math.ceil((end - start) / step));
}

function sliceView(x: View, p: SliceParams): View {
  const shape = [...x.shape];
  shape[p.dim] = sliceLength(p);
  const strides = [...x.strides];
  strides[p.dim] = x.strides[p.dim] * p.step;
  return { storage: x.storage, offset: x.offset + p.start * x.strides[p.dim], shape, strides };
}

export const slicePrim = definePrimitive<SliceParams>({
  name: "slice",
  saves: "none",
  forward: ([x], p) => {
    const v = sliceView(x, p);
    return new Tensor(x.storage, v.shape, v.strides, v.offset);
  },
  vjp: (g, { inputs: [x], params }) => [slicePad(g, x.shape, params)],
});

/** Zeros of `shape` with `g` written where slice(params) would read: the adjoint of slice. */
export function slicePad(g: Tensor, shape: readonly number[], params: SliceParams): Tensor {
  return slicePadPrim([g], { ...params, shape });
}

const slicePadPrim = definePrimitive<SliceParams & { shape: readonly number[] }>({
  name: "slicePad",
  saves: "none",
  forward: ([g], p) => {
    const out = emptyTensor(p.shape, g.dtype);
    if (g.size > 0) kernelFor("copy")(sliceView(out, p), [g], undefined);
    return out;
  },
  vjp: (g, { params }) => [slicePrim([g], params)],
});

export const catPrim = definePrimitive<number>({
  name: "cat",
  saves: "none",
  forward: (xs, dim) => {
    const first = xs[0];
    const shape = [...first.shape];
    shape[dim] = xs.reduce((n, t) => n + t.shape[dim], 0);
    const out = emptyTensor(shape, first.dtype);
    let at = 0;
    const copy = kernelFor("copy");
    for (const t of xs) {
      const len = t.shape[dim];
      if (sizeOf(t.shape) > 0) copy(sliceView(out, { dim, start: at, end: at + len, step: 1 }), [t], undefined);
      at += len;
    }
    return out;
  },
  vjp: (g, { inputs, params: dim }) => {
    let at = 0;
    return inputs.map((t) => {
      const len = t.shape[dim];
      const part = t.requiresGrad ? g.slice(dim, at, at + len) : null;
      at += len;
      return part;
    });
  },
});

export function checkCat(op: string, xs: readonly Tensor[], dim: number): void {
  if (xs.length === 0) throw new ShapeError(`${op}: expected a non-empty list of tensors`);
  const ref = xs[0];
  xs.forEach((t, k) => {
    const same = t.ndim === ref.ndim && t.shape.every((d, i) => i === dim || d === ref.shape[i]);
    if (!same) {
      throw new ShapeError(
        `${op}: tensor ${k} has shape ${fmtShape(t.shape)} but tensor 0 has shape ${fmtShape(ref.shape)}; ` +
          `all sizes must match except in dimension ${dim}`,
      );
    }
  });
}
