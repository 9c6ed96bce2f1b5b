// Opening the WebGPU backend: the platform's GPU entry point (navigator.gpu, or Dawn in Node), an
// adapter, a device with the adapter's buffer limits. Every failure is a ValueError saying why.

import { platform } from "#platform";
import { ValueError } from "../../errors.js";
import { createWebGpuBackend, type WebGpuBackend } from "./index.js";

const SWIFTSHADER_HINT =
  "on Linux without a GPU driver, Dawn runs on SwiftShader, the Vulkan CPU driver Debian's chromium package ships: " +
  "VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium (a correctness device, not a fast one)";

/** A WebGPU backend on a new device of the best adapter here. */
export async function openWebGpuBackend(): Promise<WebGpuBackend> {
  const gpu = await platform.gpu();
  if (typeof gpu === "string") throw new ValueError(`setBackend("webgpu"): ${gpu}`);
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (adapter === null) {
    const why =
      platform.name === "node"
        ? `Dawn found no adapter: no Vulkan, Metal or D3D12 driver it can use; ${SWIFTSHADER_HINT}`
        : "the browser offers no adapter (WebGPU disabled, or the GPU or its driver is blocklisted; chrome://gpu says which)";
    throw new ValueError(`setBackend("webgpu"): no WebGPU adapter: ${why}`);
  }
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeY,
    },
  });
  const backend = createWebGpuBackend(device);
  // `info` is newer than some type packages: read it where the implementation has it.
  backend.adapterInfo = (adapter as { info?: GPUAdapterInfo }).info;
  return backend;
}
