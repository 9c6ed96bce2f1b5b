// Twin buffers for WebGPU kernel tests: the same elements on the GPU and in the reference (js)
// backend, views on both, one call that runs a kernel on each side, and comparisons of the results.

import assert from "node:assert/strict";
import type { DType, HostStorage, TypedArray, View } from "../../src/backend/backend.js";
import type { KernelName, KernelParams } from "../../src/backend/kernel-table.js";
import { jsBackend } from "../../src/backend/js/index.js";
import { createWebGpuBackend, type WebGpuBackend } from "../../src/backend/webgpu/index.js";
import type { GpuStorage } from "../../src/backend/webgpu/runtime.js";

/** One buffer held twice: on the GPU and in the reference backend, with the same elements. */
export interface Twin {
  readonly gpu: GpuStorage;
  readonly js: HostStorage;
}

/** A view of a twin (the same offset, shape and strides on both sides). */
export interface TwinView {
  readonly twin: Twin;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

/** A twin holding `values` (float32 values are rounded to float32 on both sides). */
export function twin(be: WebGpuBackend, dtype: DType, values: ArrayLike<number>): Twin {
  const js = jsBackend.alloc(dtype, values.length) as HostStorage;
  js.data.set(Array.from(values));
  const gpu = be.runtime.alloc(dtype, values.length, false);
  be.runtime.write(gpu, 0, js.data);
  return { gpu, js };
}

/** Row-major strides of `shape`. */
export function rowMajor(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let d = shape.length - 1, k = 1; d >= 0; k *= shape[d]!, d--) s[d] = k;
  return s;
}

export function view(
  t: Twin,
  shape: readonly number[],
  { offset = 0, strides = rowMajor(shape) }: { offset?: number; strides?: readonly number[] } = {},
): TwinView {
  return { twin: t, offset, shape, strides };
}

function side(v: TwinView, which: "gpu" | "js"): View {
  return { storage: v.twin[which], offset: v.offset, shape: v.shape, strides: v.strides };
}

/** Runs kernel `name` on the GPU and on the reference backend with the same views and params. */
export function runBoth<K extends KernelName>(
  be: WebGpuBackend,
  name: K,
  out: TwinView,
  inputs: readonly TwinView[],
  params: KernelParams[K],
): void {
  const gpuKernel = be.kernel(name);
  assert.ok(gpuKernel, `the WebGPU backend has no "${name}" kernel`);
  gpuKernel(
    side(out, "gpu"),
    inputs.map((v) => side(v, "gpu")),
    params,
  );
  jsBackend.kernel(name)!(
    side(out, "js"),
    inputs.map((v) => side(v, "js")),
    params,
  );
}

/** Both sides' whole buffers: [gpu, reference]. */
export async function both(be: WebGpuBackend, t: Twin): Promise<[TypedArray, TypedArray]> {
  return [await be.runtime.read(t.gpu, 0, t.js.length), t.js.data];
}

/** Equal element for element (NaN equals NaN; -0 and 0 differ). */
export function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

const F = new Float32Array(1),
  U = new Int32Array(F.buffer);
/** The float32 bit pattern as an integer ordered like the values (-0 and 0 one apart). */
function ordered(x: number): number {
  F[0] = x;
  return U[0]! < 0 ? -(U[0]! & 0x7fffffff) - 1 : U[0]!;
}

/** How many float32 values lie between a and b (0: equal; Infinity if exactly one is NaN). */
export function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  return Math.abs(ordered(a) - ordered(b));
}

/**
 * Within `maxUlps` float32 steps of the reference, element for element, the step taken at the
 * reference's magnitude or at `scale` if larger (for results that cancel down from operands of that
 * magnitude, whose absolute error is that of the operands).
 */
export function assertUlps(actual: ArrayLike<number>, expected: ArrayLike<number>, maxUlps: number, what: string, scale = 0): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const floor = scale > 0 ? 2 ** (Math.floor(Math.log2(scale)) - 23) : 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    const d = ulps(a, e);
    if (d <= maxUlps || Math.abs(a - e) <= maxUlps * floor) continue;
    assert.fail(
      `${what}: element ${i} is ${a}, expected ${e} (${d} float32 steps apart, at most ${maxUlps}${scale > 0 ? ` at magnitude ${scale}` : ""})`,
    );
  }
}

/** mulberry32: seeded test data. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values uniform in [lo, hi). */
export function uniform(random: () => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => lo + (hi - lo) * random());
}

/** How a test view lies in its buffer. */
export type Layout = "contiguous" | "offset" | "transposed" | "padded" | "flipped";
export const LAYOUTS: readonly Layout[] = ["contiguous", "offset", "transposed", "padded", "flipped"];

/**
 * A fresh twin of `dtype` holding a view of `shape` laid out as `layout` says (`value(i)` gives the
 * buffer's i-th element): row-major; row-major from offset 3; dims reversed in memory; each
 * innermost row followed by two unused elements; or the first dim walked backwards.
 */
export function laidOut(be: WebGpuBackend, dtype: DType, shape: readonly number[], layout: Layout, value: (i: number) => number): TwinView {
  const size = shape.reduce((a, b) => a * b, 1);
  const fill = (n: number) =>
    twin(
      be,
      dtype,
      Array.from({ length: n }, (_, i) => value(i)),
    );
  switch (layout) {
    case "contiguous":
      return view(fill(size), shape);
    case "offset":
      return view(fill(size + 5), shape, { offset: 3 });
    case "transposed": {
      const back = rowMajor([...shape].reverse()).reverse();
      return view(fill(size), shape, { strides: back });
    }
    case "padded": {
      const wide = [...shape];
      if (wide.length > 0) wide[wide.length - 1]! += 2;
      return view(fill(wide.reduce((a, b) => a * b, 1) + 1), shape, { offset: 1, strides: rowMajor(wide) });
    }
    case "flipped": {
      const strides = rowMajor(shape);
      if (shape.length === 0 || shape[0] === 0) return view(fill(size), shape);
      const offset = (shape[0]! - 1) * strides[0]!;
      strides[0] = -strides[0]!;
      return view(fill(size), shape, { offset, strides });
    }
  }
}

/**
 * A second backend on `device` that plans launches as if a grid dimension held at most `limit`
 * workgroups, so that small tests cover launches spread over x and y.
 */
export function smallGridBackend(device: GPUDevice, limit = 2): WebGpuBackend {
  const be = createWebGpuBackend(device);
  Object.assign(be.runtime, {
    limits: { maxComputeWorkgroupsPerDimension: limit, maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize },
  });
  return be;
}
