// The element-wise launch shared by unary, binary and ternary kernels: one thread per output
// element, each operand read through its own strides (0 for broadcast) and element type.

import type { View } from "../../backend.js";
import type { GpuRuntime } from "../runtime.js";
import { grid } from "../runtime.js";
import { FLAT_ID, WG, stridedIndexWgsl, stridedMeta } from "./strided.js";
import { WGSL_MATH, wgslType } from "./wgsl-math.js";

/**
 * out[i] = `expr` over inputs bound as x0, x1, ... (in their own WGSL types) for every element of
 * out's view. `helpers` is WGSL placed before main; `key` must identify expr and helpers.
 */
export function mapDispatch(rt: GpuRuntime, key: string, out: View, inputs: readonly View[], expr: string, helpers = ""): void {
  const { meta, n, rank } = stridedMeta(out, inputs);
  if (n === 0) return;
  // Views that collapse to one dim (contiguous ones, a broadcast scalar) index without the
  // per-dim division loop: integer division is slow on GPUs.
  const flat = rank <= 1;
  const to = wgslType(out.storage.dtype);
  const types = inputs.map((v) => wgslType(v.storage.dtype));
  rt.dispatch({
    // Rank 0 and rank 1 compile different index functions (no stride read at rank 0): both in the key.
    key: `map:${key}:${to}:${types.join(",")}:${flat ? `flat${rank}` : "strided"}`,
    wgsl: () => `
@group(0) @binding(0) var<storage, read_write> out: array<${to}>;
${types.map((t, k) => `@group(0) @binding(${k + 1}) var<storage, read> in${k}: array<${t}>;`).join("\n")}
@group(0) @binding(${inputs.length + 1}) var<storage, read> info: array<u32>;
${flat ? flatIndexWgsl(inputs.length + 1, rank) : stridedIndexWgsl(inputs.length + 1)}
${WGSL_MATH}
${helpers}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${FLAT_ID}
  if (flat >= info[0]) { return; }
  ${inputs.map((_, k) => `let x${k} = in${k}[index_${k + 1}(flat)];`).join("\n  ")}
  out[index_0(flat)] = ${expr};
}`,
    writes: [out],
    reads: inputs,
    meta,
    workgroups: grid(Math.ceil(n / WG), rt.limits.maxComputeWorkgroupsPerDimension),
  });
}

/** `index_k(i)` of stridedIndexWgsl for a meta table of rank 0 or 1: offset + i·stride. */
function flatIndexWgsl(operands: number, rank: number): string {
  const fns: string[] = [];
  for (let k = 0; k < operands; k++) {
    const step = rank === 0 ? "0u" : `info[${2 + operands + 1 + k}]`;
    fns.push(`fn index_${k}(flat: u32) -> u32 { return info[${2 + k}] + flat * ${step}; }`);
  }
  return fns.join("\n");
}
