// The fused optimizer updates (contracts in ../../optim-params.ts, reference loops in ../../js/optim.ts):
// one thread per element updates the parameter and its state buffers in place, in float32, with
// the reference's operations in the reference's order.

import type { View } from "../../backend.js";
import type { AdagradStepParams, AdamStepParams, KernelTable, RmspropStepParams, SgdStepParams } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { f32Bits, grid } from "../runtime.js";
import { WG } from "./strided.js";

type OptimKernels = Pick<KernelTable, "adamStep" | "sgdStep" | "rmspropStep" | "adagradStep">;

function sizeOf(v: View): number {
  let n = 1;
  for (const d of v.shape) n *= d;
  return n;
}

/**
 * One in-place update: `writes` (the parameter first, then state buffers) and `reads` (the
 * gradient) are contiguous views of n elements. The meta table is [n, offset of each operand...,
 * float scalars...]; `body` sees operand k's element as `at_k` (its index) and scalar j as `s_j`.
 */
function update(
  rt: GpuRuntime,
  key: string,
  writes: readonly View[],
  reads: readonly View[],
  scalars: readonly number[],
  body: string,
): void {
  const n = sizeOf(writes[0]!);
  const ops = [...writes, ...reads];
  const names = ["p", "st1", "st2", "st3"].slice(0, writes.length).concat(["g"]);
  const first = 1 + ops.length;
  rt.dispatch({
    key: `optim:${key}`,
    wgsl: () => `
${writes.map((_, k) => `@group(0) @binding(${k}) var<storage, read_write> ${names[k]}: array<f32>;`).join("\n")}
@group(0) @binding(${writes.length}) var<storage, read> g: array<f32>;
@group(0) @binding(${ops.length}) var<storage, read> info: array<u32>;
${MAX_NAN}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= info[0]) { return; }
${ops.map((_, k) => `  let at_${k} = info[${1 + k}] + i;`).join("\n")}
${scalars.map((_, j) => `  let s_${j} = bitcast<f32>(info[${first + j}]);`).join("\n")}
${body}
}`,
    writes,
    reads,
    meta: [n, ...ops.map((v) => v.offset), ...scalars.map(f32Bits)],
    workgroups: grid(Math.ceil(n / WG), rt.limits.maxComputeWorkgroupsPerDimension),
  });
}

// Math.max's NaN rule (a NaN wins) written out on the bits: WGSL leaves max() of a NaN unspecified and
// lets compilers assume floats are never NaN.
const MAX_NAN = `
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn maxNan(a: f32, b: f32) -> f32 { if (isNan(a)) { return a; } if (isNan(b)) { return b; } return max(a, b); }`;

export function optimKernels(rt: GpuRuntime): OptimKernels {
  return {
    // Inputs [grad, exp_avg, exp_avg_sq, max_exp_avg_sq?]; each result rounded as adamLoopFloat32 rounds it.
    adamStep(p: View, [g, m, v, vMax]: readonly View[], s: AdamStepParams): void {
      const ams = vMax !== undefined;
      const { shrink, l2, sign, beta1, c1, beta2, c2, stepSize, bc2Sqrt, eps } = s;
      update(
        rt,
        `adam:${ams}`,
        ams ? [p, m!, v!, vMax] : [p, m!, v!],
        [g!],
        [shrink, l2, sign, beta1, c1, beta2, c2, stepSize, bc2Sqrt, eps],
        `
  let pi = p[at_0] * s_0;
  let gi = s_2 * g[at_${ams ? 4 : 3}] + s_1 * pi;
  let mi = s_3 * st1[at_1] + s_4 * gi;
  var vi = s_5 * st2[at_2] + (s_6 * gi) * gi;
  st1[at_1] = mi;
  st2[at_2] = vi;${
    ams
      ? `
  vi = maxNan(st3[at_3], vi);
  st3[at_3] = vi;`
      : ""
  }
  p[at_0] = pi - s_7 * (mi / (sqrt(vi) / s_8 + s_9));`,
      );
    },
    sgdStep(p: View, [g, buf]: readonly View[], s: SgdStepParams): void {
      const { first, nesterov, lr, momentum, keep, wd, sign } = s;
      const scalars = [lr, momentum, keep, wd, sign];
      if (buf === undefined) {
        update(
          rt,
          "sgd",
          [p],
          [g!],
          scalars,
          `
  p[at_0] = p[at_0] - s_0 * (s_4 * g[at_1] + s_3 * p[at_0]);`,
        );
        return;
      }
      update(
        rt,
        `sgd:${first}:${nesterov}`,
        [p, buf],
        [g!],
        scalars,
        `
  let d = s_4 * g[at_2] + s_3 * p[at_0];
  let b = ${first ? "d" : "s_1 * st1[at_1] + s_2 * d"};
  st1[at_1] = b;
  p[at_0] = p[at_0] - s_0 * (${nesterov ? "d + s_1 * b" : "b"});`,
      );
    },
    // Inputs [grad, square_avg, grad_avg if centered, momentum_buffer if momentum > 0].
    rmspropStep(p: View, inputs: readonly View[], s: RmspropStepParams): void {
      const { lr, alpha, eps, wd, momentum, sign, centered } = s;
      const withBuf = momentum > 0;
      const state = inputs.slice(1);
      // Operands: p, square_avg (st1), grad_avg (st2) if centered, momentum_buffer next, then g.
      const gAt = 1 + state.length,
        bufAt = centered ? 3 : 2;
      update(
        rt,
        `rmsprop:${centered}:${withBuf}`,
        [p, ...state],
        [inputs[0]!],
        [lr, alpha, eps, wd, momentum, sign, 1 - alpha],
        `
  let gi = s_5 * g[at_${gAt}] + s_3 * p[at_0];
  let si = s_1 * st1[at_1] + s_6 * gi * gi;
  st1[at_1] = si;
${
  centered
    ? `  let ai = s_1 * st2[at_2] + s_6 * gi;
  st2[at_2] = ai;
  let avg = sqrt(si - ai * ai) + s_2;`
    : `  let avg = sqrt(si) + s_2;`
}
${
  withBuf
    ? `  let b = s_4 * st${bufAt}[at_${bufAt}] + gi / avg;
  st${bufAt}[at_${bufAt}] = b;
  p[at_0] = p[at_0] - s_0 * b;`
    : `  p[at_0] = p[at_0] - s_0 * (gi / avg);`
}`,
      );
    },
    adagradStep(p: View, [g, sum]: readonly View[], s: AdagradStepParams): void {
      const { clr, eps, wd, sign } = s;
      update(
        rt,
        "adagrad",
        [p, sum!],
        [g!],
        [clr, eps, wd, sign],
        `
  let gi = s_3 * g[at_2] + s_2 * p[at_0];
  let si = st1[at_1] + gi * gi;
  st1[at_1] = si;
  p[at_0] = p[at_0] - s_0 * (gi / (sqrt(si) + s_1));`,
      );
    },
  };
}
