// The WebGPU backend: storage in GPU buffers, kernels in WGSL. Made from a GPUDevice the caller
// obtained (navigator.gpu in browsers, the `webgpu` package in Node; see open.ts).

import type { Backend, DType, Storage, TransientRegion, TypedArray } from "../backend.js";
import type { KernelName, KernelParams, TypedKernel } from "../kernel-table.js";
import { AsyncReadError, DTypeError } from "../../errors.js";
import { GpuRuntime, GpuStorage } from "./runtime.js";
import { gpuKernels } from "./kernels/index.js";

export { GpuRuntime, GpuStorage } from "./runtime.js";

export interface WebGpuBackend extends Backend {
  readonly runtime: GpuRuntime;
  /** The adapter's vendor, architecture and description, when opened through setBackend. */
  adapterInfo?: GPUAdapterInfo;
}

function gpuStorage(s: Storage, op: string): GpuStorage {
  if (!(s instanceof GpuStorage)) throw new Error(`internal: webgpu ${op} of a ${s.backend.name} storage`);
  return s;
}

export function createWebGpuBackend(device: GPUDevice): WebGpuBackend {
  const backend: WebGpuBackend = {
    name: "webgpu",
    host: false,
    get runtime() {
      return runtime;
    },
    alloc(dtype: DType, length: number, zero = true): GpuStorage {
      if (dtype === "float64") {
        throw new DTypeError(
          "float64 tensors cannot live on the WebGPU backend: WGSL has no 64-bit floats; use float32 (t.float()), or a CPU backend for float64 work",
        );
      }
      return runtime.alloc(dtype, length, zero);
    },
    kernel<K extends KernelName>(name: K): TypedKernel<KernelParams[K]> | undefined {
      return kernels[name] as TypedKernel<KernelParams[K]> | undefined;
    },
    write(storage: Storage, offset: number, values: ArrayLike<number>): void {
      runtime.write(gpuStorage(storage, "write"), offset, values);
    },
    read(storage: Storage, offset: number, length: number): Promise<TypedArray> {
      return runtime.read(gpuStorage(storage, "read"), offset, length);
    },
    readSync(): TypedArray {
      throw new AsyncReadError("the WebGPU backend cannot read tensor values synchronously: use `await t.data()` (or `await t.cpu()`)");
    },
    transient(): TransientRegion {
      return runtime.transient();
    },
    release(storage) {
      if (storage instanceof GpuStorage) runtime.release(storage);
    },
  };
  const runtime = new GpuRuntime(device, backend);
  const kernels = gpuKernels(runtime);
  return backend;
}
