// The fused recurrent cells (optional kernels; contracts in ops/primitives/recurrent-cell.ts): one
// thread per (row, hidden unit), computing the gates of one time step from the pre-activations, or
// their gradients from the activations the cell kept. sigmoid and tanh are the unary kernels'
// overflow-free forms.

import type { View } from "../../backend.js";
import type { KernelTable } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { grid } from "../runtime.js";
import { FLAT_ID, WG } from "./strided.js";
import { UNARY_LIB } from "./unary.js";
import { WGSL_MATH } from "./wgsl-math.js";

type CellKernels = Pick<KernelTable, "lstmCell" | "lstmCellGrad" | "gruCell" | "gruCellGrad">;

const LIB = `${WGSL_MATH}
${UNARY_LIB}
fn sg(x: f32) -> f32 { if (x >= 0.0) { return 1.0 / (1.0 + tg_exp(-x)); } let e = tg_exp(x); return e / (1.0 + e); }
fn th(x: f32) -> f32 { if (is_nan(x)) { return x; } let a = abs(x); if (a > 9.0) { return sign(x); } let e = tg_expm1(-2.0 * a); return with_sign(-e / (2.0 + e), x); }
`;

/**
 * Each body sees r (row), j (unit), H, NH = N·H and the meta table `info` (info[0] = NH, info[1] = H,
 * then each operand's offset and row stride in binding order, then the output's offset).
 */
const BODIES = {
  // in0 xp [N, 4H], in1 hh [N, 4H] (their sum: the gates' pre-activations), in2 c [N, H] -> out
  // [7, N, H] = [h', c', i, f, g, o, tanh c'].
  lstmCell: `
  let xi = info[2] + r * info[3] + j;
  let hi = info[4] + r * info[5] + j;
  let i = sg(in0[xi] + in1[hi]); let f = sg(in0[xi + H] + in1[hi + H]);
  let g = th(in0[xi + 2u * H] + in1[hi + 2u * H]); let o = sg(in0[xi + 3u * H] + in1[hi + 3u * H]);
  let cn = f * in2[info[6] + r * info[7] + j] + i * g;
  let tc = th(cn);
  let w = info[8] + flat;
  out[w] = o * tc; out[w + NH] = cn; out[w + 2u * NH] = i; out[w + 3u * NH] = f;
  out[w + 4u * NH] = g; out[w + 5u * NH] = o; out[w + 6u * NH] = tc;`,
  // in0 the cell's out [7, N, H], in1 c, in2 d [2, N, H], then (LSTM_NEXT) in3 dh and in4 dc [N, H]
  // to add to d -> out [N, 5H]: each row d gates (4H), then dc (H). OUT is the output's offset.
  lstmCellGrad: `
  let a = info[2] + flat;
  let i = in0[a + 2u * NH]; let f = in0[a + 3u * NH]; let g = in0[a + 4u * NH]; let o = in0[a + 5u * NH];
  let t = in0[a + 6u * NH];
  let dh = in2[info[6] + flat]LSTM_NEXT_H;
  let dc = in2[info[6] + NH + flat]LSTM_NEXT_C + dh * o * (1.0 - t * t);
  let w = OUT + r * 5u * H + j;
  out[w] = dc * g * i * (1.0 - i);
  out[w + H] = dc * in1[info[4] + r * info[5] + j] * f * (1.0 - f);
  out[w + 2u * H] = dc * i * (1.0 - g * g);
  out[w + 3u * H] = dh * t * o * (1.0 - o);
  out[w + 4u * H] = dc * f;`,
  // in0 xp [N, 3H], in1 hh [N, 3H], in2 h [N, H] -> out [4, N, H] = [h', r, z, n].
  gruCell: `
  let xi = info[2] + r * info[3] + j;
  let hi = info[4] + r * info[5] + j;
  let rg = sg(in0[xi] + in1[hi]);
  let z = sg(in0[xi + H] + in1[hi + H]);
  let n = th(in0[xi + 2u * H] + rg * in1[hi + 2u * H]);
  let w = info[8] + flat;
  out[w] = n + z * (in2[info[6] + r * info[7] + j] - n);
  out[w + NH] = rg; out[w + 2u * NH] = z; out[w + 3u * NH] = n;`,
  // in0 the cell's out [4, N, H], in1 hh (its n part), in2 h, in3 d [N, H], then (GRU_NEXT) in4 and
  // in5 [N, H] (the next step's direct and product parts, added as d + (in4 + in5)) -> out [N, 7H]:
  // each row d xp (3H), d hh (3H), dh (H).
  gruCellGrad: `
  let a = info[2] + flat;
  let rg = in0[a + NH]; let z = in0[a + 2u * NH]; let n = in0[a + 3u * NH];
  let hn = in1[info[4] + r * info[5] + 2u * H + j];
  let g = in3[info[8] + r * info[9] + j]GRU_NEXT;
  let dn = g * (1.0 - z) * (1.0 - n * n);
  let dr = dn * hn * rg * (1.0 - rg);
  let dz = g * (in2[info[6] + r * info[7] + j] - n) * z * (1.0 - z);
  let w = OUT + r * 7u * H + j;
  out[w] = dr; out[w + H] = dz; out[w + 2u * H] = dn;
  out[w + 3u * H] = dr; out[w + 4u * H] = dz; out[w + 5u * H] = dn * rg;
  out[w + 6u * H] = g * z;`,
} as const;

/** The body of `name` for `inputs` operands (the gradients' two optional ones add to d). */
function body(name: keyof typeof BODIES, inputs: number): string {
  if (name === "gruCellGrad") {
    const next = inputs === 6;
    return BODIES[name]
      .replace("GRU_NEXT", next ? " + (in4[info[10] + r * info[11] + j] + in5[info[12] + r * info[13] + j])" : "")
      .replace("OUT", next ? "info[14]" : "info[10]");
  }
  if (name !== "lstmCellGrad") return BODIES[name];
  const next = inputs === 5;
  return BODIES[name]
    .replace("LSTM_NEXT_H", next ? " + in3[info[8] + r * info[9] + j]" : "")
    .replace("LSTM_NEXT_C", next ? " + in4[info[10] + r * info[11] + j]" : "")
    .replace("OUT", next ? "info[12]" : "info[8]");
}

function cell(rt: GpuRuntime, name: keyof typeof BODIES, out: View, inputs: readonly View[], hidden: View): void {
  const [N, H] = hidden.shape as [number, number];
  const NH = N * H;
  if (NH === 0) return;
  const meta = [NH, H];
  for (const v of inputs) meta.push(v.offset, v.strides[0]!);
  meta.push(out.offset);
  rt.dispatch({
    key: `recurrent:${name}:${inputs.length}`,
    wgsl: () => `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
${inputs.map((_, k) => `@group(0) @binding(${k + 1}) var<storage, read> in${k}: array<f32>;`).join("\n")}
@group(0) @binding(${inputs.length + 1}) var<storage, read> info: array<u32>;
${LIB}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${FLAT_ID}
  let NH = info[0];
  if (flat >= NH) { return; }
  let H = info[1];
  let r = flat / H;
  let j = flat % H;
  ${body(name, inputs.length)}
}`,
    writes: [out],
    reads: inputs,
    meta,
    workgroups: grid(Math.ceil(NH / WG), rt.limits.maxComputeWorkgroupsPerDimension),
  });
}

export function recurrentKernels(rt: GpuRuntime): CellKernels {
  return {
    lstmCell: (out, inputs) => cell(rt, "lstmCell", out, inputs, inputs[2]!),
    lstmCellGrad: (out, inputs) => cell(rt, "lstmCellGrad", out, inputs, inputs[1]!),
    gruCell: (out, inputs) => cell(rt, "gruCell", out, inputs, inputs[2]!),
    gruCellGrad: (out, inputs) => cell(rt, "gruCellGrad", out, inputs, inputs[2]!),
  };
}
