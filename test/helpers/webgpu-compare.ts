// Element-wise style kernel comparisons on top of gpu-twin.ts: an operand is its buffer's elements
// plus the view the kernel sees, one call runs a kernel on both backends and returns both outputs'
// whole buffers, and results are compared within rtol/atol (float kernels evaluated in float32
// against the float64 reference).

import assert from "node:assert/strict";
import type { DType, TypedArray } from "../../src/backend/backend.js";
import type { KernelName, KernelParams } from "../../src/backend/kernel-table.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/index.js";
import { both, rng, rowMajor, runBoth, twin, view } from "./gpu-twin.js";

export interface ViewLayout {
  readonly offset: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

/** An operand: the whole buffer's elements and the view the kernel sees (contiguous over all of it by default). */
export interface Operand {
  readonly dtype: DType;
  readonly data: ArrayLike<number>;
  readonly view?: ViewLayout;
}

export function contiguous(shape: readonly number[], offset = 0): ViewLayout {
  return { offset, shape, strides: rowMajor(shape) };
}

/**
 * Both backends' outputs of kernel `name` as [gpu, reference] whole buffers; `out.data` is the
 * output buffer's initial contents, its view by default the first input's shape, contiguous.
 */
export async function runOnBoth<K extends KernelName>(
  be: WebGpuBackend,
  name: K,
  out: Operand,
  inputs: readonly Operand[],
  params: KernelParams[K],
): Promise<{ gpu: TypedArray; ref: TypedArray }> {
  const laid = (o: Operand, fallback: ViewLayout) => {
    const l = o.view ?? fallback;
    return view(twin(be, o.dtype, o.data), l.shape, { offset: l.offset, strides: l.strides });
  };
  const outView = laid(out, inputs[0]?.view ? contiguous(inputs[0].view.shape) : contiguous([out.data.length]));
  runBoth(
    be,
    name,
    outView,
    inputs.map((o) => laid(o, contiguous([o.data.length]))),
    params,
  );
  const [gpu, ref] = await both(be, outView.twin);
  return { gpu, ref };
}

/**
 * Asserts |gpu - ref| <= atol + rtol·|ref| elementwise (NaN matches NaN; equal infinities match);
 * rtol = atol = 0 asks for equal values (-0 equal to 0).
 */
export function assertMatches(gpu: ArrayLike<number>, ref: ArrayLike<number>, what: string, { rtol = 0, atol = 0 } = {}): void {
  assert.equal(gpu.length, ref.length, `${what}: length`);
  for (let i = 0; i < ref.length; i++) {
    const a = gpu[i]!,
      e = ref[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: element ${i} is ${a}, reference ${e} (|diff| ${Math.abs(a - e)}, rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Seeded test data: a generator of floats in [lo, hi). */
export function seeded(seed: number): (lo?: number, hi?: number) => number {
  const next = rng(seed);
  return (lo = 0, hi = 1) => lo + (hi - lo) * next();
}
