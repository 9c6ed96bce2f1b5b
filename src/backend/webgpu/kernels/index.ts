// Every WGSL kernel of the WebGPU backend, by kernel-table name: one line per kernel family.

import type { KernelTable } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { unaryKernels } from "./unary.js";
import { optimKernels } from "./optim.js";
import { crossEntropyKernels } from "./cross-entropy.js";
import { indexingKernels } from "./indexing.js";
import { convKernels } from "./conv.js";
import { binaryKernels } from "./binary.js";
import { reduceKernels } from "./reduce.js";
import { matmulKernels } from "./matmul.js";
import { softmaxKernel } from "./softmax.js";
import { scanKernels } from "./scan.js";
import { recurrentKernels } from "./recurrent.js";

export function gpuKernels(rt: GpuRuntime): Partial<KernelTable> {
  return {
    ...unaryKernels(rt),
    ...optimKernels(rt),
    ...crossEntropyKernels(rt),
    ...indexingKernels(rt),
    ...convKernels(rt),
    ...binaryKernels(rt),
    ...reduceKernels(rt),
    ...matmulKernels(rt),
    softmax: softmaxKernel(rt),
    ...scanKernels(rt),
    ...recurrentKernels(rt),
  };
}
