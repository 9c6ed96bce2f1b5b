// How the core calls a kernel: it decides the output's shape and dtype, allocates it on the current
// backend, and hands the kernel views whose strides already express broadcasting.

import type { View } from "../backend/backend.js";
import type { KernelName, KernelParams } from "../backend/kernel-table.js";
import { kernelFor } from "../backend/current.js";
import { allocate } from "../tensor/allocate.js";
import type { DType } from "../tensor/dtype.js";
import { frozenContiguousStrides, zeroStrides } from "../tensor/frozen-dims.js";
import { shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

// Kernels whose contract has them ADD into a zero-filled output. Every other kernel run through
// runKernel writes each element of its output, so that output is allocated without clearing it
// (clearing costs as much as a cheap element-wise op).
const ACCUMULATING = new Set<KernelName>(["fold"]);

/** Allocates a contiguous output of `shape`/`dtype` and runs kernel `name` into it. */
export function runKernel<K extends KernelName>(
  name: K,
  shape: readonly number[],
  dtype: DType,
  inputs: readonly View[],
  ...params: KernelParams[K] extends undefined ? [] : [KernelParams[K]]
): Tensor;
// The implementation takes the parameters as a plain argument: no rest array on every kernel call.
export function runKernel(name: KernelName, shape: readonly number[], dtype: DType, inputs: readonly View[], params?: unknown): Tensor {
  const out = emptyTensor(shape, dtype, ACCUMULATING.has(name), name);
  if (out.size > 0) kernelFor(name)(out, inputs, params as never);
  return out;
}

/** A new contiguous tensor on the current backend: zero-filled, or with `zero` false uninitialised (write it all). */
export function emptyTensor(shape: readonly number[], dtype: DType, zero = true, op = "empty"): Tensor {
  return new Tensor(allocate(op, dtype, shape, zero), shape, frozenContiguousStrides(shape), 0);
}

/** `t` seen with `shape` (a broadcast of its own shape): new leading dims and size-1 dims get stride 0. */
export function broadcastView(t: View, shape: readonly number[]): View {
  // Most operands already have the output's shape: they are their own view (no object or strides per call).
  if (shapesEqual(t.shape, shape)) return t;
  // A 0-d operand (a scalar) is every element: zero strides, shared.
  if (t.shape.length === 0) return { storage: t.storage, offset: t.offset, shape, strides: zeroStrides(shape.length) };
  // A loop, not shape.map: a closure capturing t would make JavaScriptCore allocate this function's
  // scope on every call, the early returns above included.
  const lead = shape.length - t.shape.length;
  const strides = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const own = i < lead ? 1 : t.shape[i - lead]!;
    strides[i] = i < lead || (own === 1 && shape[i] !== 1) ? 0 : t.strides[i - lead]!;
  }
  return { storage: t.storage, offset: t.offset, shape, strides };
}
