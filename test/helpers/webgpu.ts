// A WebGPU device for tests in Node, through the `webgpu` package (Dawn). On a machine without a GPU
// the test runner points Vulkan at SwiftShader (scripts/run-tests.mjs); where chromium's SwiftShader
// is installed (as .ci/run installs it) a missing adapter is a failure, not a skip.

import { existsSync } from "node:fs";

export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

let device: Promise<GPUDevice | null> | undefined;
let gpu: GPU | undefined;

/** The shared test device, or null (with the reason logged) where no WebGPU can run here. */
export function gpuDevice(): Promise<GPUDevice | null> {
  return (device ??= open());
}

async function open(): Promise<GPUDevice | null> {
  const { create, globals } = await import("webgpu");
  Object.assign(globalThis, globals);
  // The GPU object must outlive the device: Dawn tears its instance down when the collector takes it,
  // and a device still in use then crashes the process.
  gpu = create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    if (existsSync(SWIFTSHADER_ICD))
      throw new Error(
        `no WebGPU adapter although ${SWIFTSHADER_ICD} exists (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}, LD_LIBRARY_PATH=${process.env.LD_LIBRARY_PATH})`,
      );
    console.log("# no WebGPU adapter on this machine: WebGPU tests skipped");
    return null;
  }
  return adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    },
  });
}

/**
 * Why the public WebGPU backend cannot open here (a skip reason, printed once per file), or null when
 * it can. The current backend is left as it was. Where SwiftShader is installed a failure to open is
 * an error, not a skip.
 */
export async function webgpuSkipReason(what: string): Promise<string | null> {
  const tg = await import("tensorgrad");
  const initial = tg.getBackend().name;
  try {
    await tg.setBackend("webgpu");
    return null;
  } catch (e) {
    if (existsSync(SWIFTSHADER_ICD)) throw e;
    const reason = (e as Error).message;
    console.log(`# ${what} skipped: ${reason}`);
    return reason;
  } finally {
    await tg.setBackend(initial);
  }
}
