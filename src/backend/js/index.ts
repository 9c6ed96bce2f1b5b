// The reference backend: plain TypeScript over typed arrays owned by the JS garbage collector.
// It is the executable specification every faster backend is tested against, and the fallback
// for any kernel a faster backend does not implement.

import { arrayFor, hostIO, registerKernels, lookupKernel, type Backend, type DType, type HostStorage } from "../backend.js";
import type { KernelTable } from "../kernel-table.js";
import { elementwiseKernels, fill } from "./elementwise.js";
import { reduceKernels } from "./reduce.js";
import { matmul } from "./matmul.js";
import { linear } from "./linear.js";
import { indexingKernels } from "./indexing.js";
import { convKernels } from "./conv.js";
import { softmax } from "./softmax.js";
import { crossEntropyRows, crossEntropyRowsGrad } from "./cross-entropy.js";
import { scanKernels } from "./scan.js";
import { optimKernels } from "./optim.js";

class JsStorage implements HostStorage {
  readonly data;
  constructor(
    readonly dtype: DType,
    readonly length: number,
    readonly backend: Backend,
  ) {
    this.data = arrayFor(dtype, length);
  }
}

export const jsBackend: Backend = {
  name: "js",
  host: true,
  ...hostIO,
  alloc(dtype, length) {
    return new JsStorage(dtype, length, jsBackend);
  },
  kernel(name) {
    return lookupKernel("js", name);
  },
};

/** Every kernel of the table: the compiler checks that none is missing or mistyped. */
const jsKernels: KernelTable = {
  ...elementwiseKernels(),
  ...reduceKernels(),
  ...indexingKernels(),
  ...convKernels(),
  ...scanKernels(),
  ...optimKernels(),
  fill,
  matmul,
  linear,
  softmax,
  crossEntropyRows,
  crossEntropyRowsGrad,
};

registerKernels("js", jsKernels);
