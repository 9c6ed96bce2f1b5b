// Runs one kernel on the WebGPU backend and on the reference backend with the same inputs and views,
// and returns both outputs' whole storages, so tests can assert them equal (exactly or within a
// tolerance) including elements a strided output must leave alone.

import assert from "node:assert/strict";
import type { DType, Storage, TypedArray, View } from "../../src/backend/backend.js";
import type { KernelName, KernelParams } from "../../src/backend/kernel-table.js";
import { jsBackend } from "../../src/backend/js/index.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/index.js";

export interface Layout {
  readonly offset: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

/** An operand: the whole storage's elements and the view the kernel sees (contiguous over all of it by default). */
export interface Operand {
  readonly dtype: DType;
  readonly data: ArrayLike<number>;
  readonly view?: Layout;
}

export function contiguous(shape: readonly number[], offset = 0): Layout {
  const strides: number[] = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return { offset, shape, strides };
}

function typed(dtype: DType, data: ArrayLike<number>): TypedArray {
  return dtype === "int32" ? Int32Array.from(data) : Float32Array.from(data);
}

function view(storage: Storage, o: Operand): View {
  return { storage, ...(o.view ?? contiguous([o.data.length])) };
}

/**
 * Both backends' outputs of kernel `name`; `out.data` is the output storage's initial contents (its
 * view defaults to the first input's shape, contiguous).
 */
export async function runBoth<K extends KernelName>(
  be: WebGpuBackend, name: K, out: Operand, inputs: readonly Operand[], params: KernelParams[K],
): Promise<{ gpu: TypedArray; ref: TypedArray }> {
  const rt = be.runtime;
  const jsStore = (o: Operand) => {
    const s = jsBackend.alloc(o.dtype === "int32" ? "int32" : "float32", o.data.length);
    s.data.set(typed(o.dtype, o.data));
    return s;
  };
  const gpuStore = (o: Operand) => {
    const s = be.alloc(o.dtype, o.data.length, false) as ReturnType<typeof rt.alloc>;
    rt.write(s, 0, typed(o.dtype, o.data));
    return s;
  };
  // Without a layout of its own, the output is contiguous in the first input's shape.
  const outOp: Operand = out.view || !inputs[0]?.view ? out : { ...out, view: contiguous(inputs[0].view.shape) };
  const jsOut = jsStore(out), gpuOut = gpuStore(out);
  jsBackend.kernel(name)!(view(jsOut, outOp), inputs.map((o) => view(jsStore(o), o)), params);
  be.kernel(name)!(view(gpuOut, outOp), inputs.map((o) => view(gpuStore(o), o)), params);
  return { gpu: await rt.read(gpuOut, 0, out.data.length), ref: jsOut.data };
}

/**
 * Asserts |gpu - ref| <= atol + rtol·|ref| elementwise (NaN matches NaN; equal infinities match);
 * rtol = atol = 0 asks for identical values.
 */
export function assertMatches(gpu: ArrayLike<number>, ref: ArrayLike<number>, what: string, { rtol = 0, atol = 0 } = {}): void {
  assert.equal(gpu.length, ref.length, `${what}: length`);
  for (let i = 0; i < ref.length; i++) {
    const a = gpu[i]!, e = ref[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: element ${i} is ${a}, reference ${e} (|diff| ${Math.abs(a - e)}, rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** The largest |gpu - ref| / (atol + |ref|) (for choosing tolerances while writing tests). */
export function worstError(gpu: ArrayLike<number>, ref: ArrayLike<number>, atol: number): number {
  let w = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = gpu[i]!, e = ref[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    w = Math.max(w, Number.isNaN(a) || Number.isNaN(e) ? Infinity : Math.abs(a - e) / (atol + Math.abs(e)));
  }
  return w;
}

/** A seeded generator of floats in [lo, hi) (mulberry32), so failures reproduce. */
export function seeded(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = 0, hi = 1) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + u * (hi - lo);
  };
}
