// Element-wise kernels of one input: out[i] = f(x[i]) through any strides, float32 or int32.

import type { View } from "../../backend.js";
import type { KernelTable, TypedKernel, UnaryKernel } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { grid } from "../runtime.js";
import { FLAT_ID, WG, stridedIndexWgsl, stridedMeta } from "./strided.js";

const WGSL_TYPE = { float32: "f32", int32: "i32", float64: "f32" } as const;

// Each body maps `x` (of the output's element type) to the result.
const BODIES: Partial<Record<UnaryKernel, string>> = {
  neg: "-x",
  abs: "abs(x)",
  exp: "exp(x)",
  sqrt: "sqrt(x)",
  copy: "x",
};

/** The unary kernels this backend has. */
export function unaryKernels(rt: GpuRuntime): Partial<KernelTable> {
  const table: Partial<Record<UnaryKernel, TypedKernel<undefined>>> = {};
  for (const name of Object.keys(BODIES) as UnaryKernel[]) table[name] = unaryKernel(rt, name, BODIES[name]!);
  return table;
}

function unaryKernel(rt: GpuRuntime, name: UnaryKernel, body: string): TypedKernel<undefined> {
  return (out: View, [x]: readonly View[]): void => {
    const { meta, n } = stridedMeta(out, [x]);
    const to = WGSL_TYPE[out.storage.dtype], from = WGSL_TYPE[x.storage.dtype];
    rt.dispatch({
      key: `unary:${name}:${from}:${to}`,
      wgsl: () => `
@group(0) @binding(0) var<storage, read_write> out: array<${to}>;
@group(0) @binding(1) var<storage, read> xs: array<${from}>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
${stridedIndexWgsl(2)}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${FLAT_ID}
  if (flat >= info[0]) { return; }
  let x = ${to}(xs[index_1(flat)]);
  out[index_0(flat)] = ${body};
}`,
      writes: [out],
      reads: [x],
      meta,
      workgroups: grid(Math.ceil(n / WG), rt.limits.maxComputeWorkgroupsPerDimension),
    });
  };
}
