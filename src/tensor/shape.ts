// Shape arithmetic shared by the core: sizes, contiguous strides, broadcasting and dim checks.
// Pure functions of number arrays; errors name the calling operation.

import { ShapeError, ValueError, fmtShape } from "../errors.js";

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  // Indexed, not for...of: called for every op with arrays of several element kinds, which keeps V8
  // from inlining the iterator, and an iterator result object per dim was measurable garbage.
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Row-major strides, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of two shapes; `op` names the operation in the error. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast: ` +
          `size ${da} and size ${db} differ at dimension ${i - n} (expected equal sizes or 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises a possibly negative dim into [0, ndim); `ndim` 0 accepts -1 and 0 as PyTorch does. */
export function normDim(op: string, dim: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new ValueError(`${op}: dimension ${dim} is out of range for a tensor of ${ndim} dimensions (expected ${-n} to ${n - 1})`);
  }
  return dim < 0 ? dim + n : dim;
}

/**
 * Normalised, sorted, de-duplicated dims; undefined means all dims. Frozen and shared for one dim
 * and for all dims (what reductions ask for every step: no array per call); a list gives a new array.
 */
export function normDims(op: string, dim: number | readonly number[] | undefined, ndim: number): readonly number[] {
  if (dim === undefined) return allDims(ndim);
  if (typeof dim === "number") return oneDim(normDim(op, dim, ndim));
  const out: number[] = [];
  for (let i = 0; i < dim.length; i++) {
    const d = normDim(op, dim[i]!, ndim);
    if (out.includes(d)) throw new ValueError(`${op}: dimension list [${dim.join(", ")}] repeats a dimension`);
    out.push(d);
  }
  return out.sort((x, y) => x - y);
}

const ALL_DIMS: (readonly number[])[] = [];
const ONE_DIM: (readonly number[])[] = [];

/** [0, 1, …, ndim - 1], frozen and shared. */
function allDims(ndim: number): readonly number[] {
  let dims = ALL_DIMS[ndim];
  if (dims === undefined) {
    const d: number[] = [];
    for (let i = 0; i < ndim; i++) d.push(i);
    dims = Object.freeze(d);
    if (ndim < 64) ALL_DIMS[ndim] = dims;
  }
  return dims;
}

/** [d], frozen and shared. */
function oneDim(d: number): readonly number[] {
  let dims = ONE_DIM[d];
  if (dims === undefined) {
    dims = Object.freeze([d]);
    if (d < 64) ONE_DIM[d] = dims;
  }
  return dims;
}

/** Checks a user-supplied shape: integers >= 0. */
export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape)) throw new ValueError(`${op}: shape must be an array of sizes, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ValueError(`${op}: invalid shape ${fmtShape(shape)}: sizes must be integers >= 0`);
  }
}
