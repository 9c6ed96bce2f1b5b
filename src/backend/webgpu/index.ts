// The WebGPU backend: storage in GPU buffers, kernels in WGSL. Made from a GPUDevice the caller
// obtained (navigator.gpu in browsers, the `webgpu` package in Node).

import type { Backend, DType } from "../backend.js";
import type { KernelName, KernelParams, TypedKernel } from "../kernel-table.js";
import { GpuRuntime, GpuStorage } from "./runtime.js";
import { gpuKernels } from "./kernels/index.js";

export { GpuRuntime, GpuStorage } from "./runtime.js";

export interface WebGpuBackend extends Backend {
  readonly runtime: GpuRuntime;
}

export function createWebGpuBackend(device: GPUDevice): WebGpuBackend {
  const backend: WebGpuBackend = {
    name: "webgpu",
    get runtime() {
      return runtime;
    },
    alloc(dtype: DType, length: number, zero = true): GpuStorage {
      return runtime.alloc(dtype, length, zero);
    },
    kernel<K extends KernelName>(name: K): TypedKernel<KernelParams[K]> | undefined {
      return kernels[name] as TypedKernel<KernelParams[K]> | undefined;
    },
    release(storage) {
      if (storage instanceof GpuStorage) runtime.release(storage);
    },
  };
  const runtime = new GpuRuntime(device, backend);
  const kernels = gpuKernels(runtime);
  return backend;
}
