// Fused cross-entropy of logit rows (contracts in ../../../ops/primitives/cross-entropy.ts, reference in
// ../../js/cross-entropy.ts): each row's maximum and Σ exp(x − max) in float32, by one thread for a
// short row or by a workgroup's tree reduction for a long one, then the loss or the row's gradient.

import type { View } from "../../backend.js";
import type { KernelTable } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { grid } from "../runtime.js";

/** Threads per row of a wide row. */
const ROW_WG = 64;

// Meta table: [R, C, x offset, x row stride, x column stride, t offset, out offset, g offset, g stride,
// −∞, NaN] (the last two as bits: WGSL has no constant for either).
const HEADER = (grad: boolean) => `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> ts: array<i32>;
${grad ? "@group(0) @binding(3) var<storage, read> gs: array<f32>;" : ""}
@group(0) @binding(${grad ? 4 : 3}) var<storage, read> info: array<u32>;

// NaN and infinity tested on the bits: WGSL lets compilers assume floats are finite.
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isFinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }
// The reference's max: a NaN anywhere makes the row's maximum NaN.
fn maxNan(a: f32, b: f32) -> f32 { if (isNan(a)) { return a; } if (isNan(b)) { return b; } return max(a, b); }
fn xAt(r: u32, c: u32) -> f32 { return xs[info[2] + r * info[3] + c * info[4]]; }
`;

// Rows of up to NARROW columns take one thread each: no workgroup barriers, which cost more than the
// arithmetic of a short row (and much more on CPU implementations such as SwiftShader).
const NARROW = 256;
const THREAD_WG = 64;

const NARROW_MAIN = `
@compute @workgroup_size(${THREAD_WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * ${THREAD_WG}u;
  if (r >= info[0]) { return; }
  let C = info[1];
  var m = bitcast<f32>(info[9]);
  for (var c = 0u; c < C; c++) { m = maxNan(m, xAt(r, c)); }
  var s = 0.0;
  for (var c = 0u; c < C; c++) { s += exp(xAt(r, c) - m); }
  let first = 0u;
  let step = 1u;`;

// Wider rows take a workgroup each, reducing the maximum and the sum in workgroup memory.
const WIDE_MAIN = `
var<workgroup> part: array<f32, ${ROW_WG}>;

@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  // The whole workgroup leaves together, so the barriers below stay uniform.
  let r = wid.x + wid.y * nwg.x;
  if (r >= info[0]) { return; }
  let C = info[1];
  var best = bitcast<f32>(info[9]);
  for (var c = lid; c < C; c += ${ROW_WG}u) { best = maxNan(best, xAt(r, c)); }
  part[lid] = best;
  workgroupBarrier();
  for (var w = ${ROW_WG / 2}u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] = maxNan(part[lid], part[lid + w]); }
    workgroupBarrier();
  }
  let m = part[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var c = lid; c < C; c += ${ROW_WG}u) { sum += exp(xAt(r, c) - m); }
  part[lid] = sum;
  workgroupBarrier();
  for (var w = ${ROW_WG / 2}u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  let s = part[0];
  let first = lid;
  let step = ${ROW_WG}u;`;

// With m and s known, the columns first, first + step, ... of row r. A row whose maximum is NaN or
// infinite is all NaN, as in the reference (x − m is NaN somewhere in it).
const LOSS_TAIL = `
  if (first == 0u) {
    let cls = u32(ts[info[5] + r]);
    out[info[6] + r] = select(bitcast<f32>(info[10]), -((xAt(r, cls) - m) - log(s)), isFinite(m));
  }
}`;

const GRAD_TAIL = `
  let cls = u32(ts[info[5] + r]);
  let gr = gs[info[7] + r * info[8]];
  for (var c = first; c < C; c += step) {
    let v = (exp(xAt(r, c) - m) / s - select(0.0, 1.0, c == cls)) * gr;
    out[info[6] + r * C + c] = select(bitcast<f32>(info[10]), v, isFinite(m));
  }
}`;

function dispatch(rt: GpuRuntime, grad: boolean, out: View, [x, t, g]: readonly View[]): void {
  const [R, C] = x.shape as [number, number];
  if (R === 0) return;
  const wide = C > NARROW;
  rt.dispatch({
    key: `${grad ? "crossEntropyRowsGrad" : "crossEntropyRows"}:${wide ? "wide" : "narrow"}`,
    wgsl: () => HEADER(grad) + (wide ? WIDE_MAIN : NARROW_MAIN) + (grad ? GRAD_TAIL : LOSS_TAIL),
    writes: [out],
    reads: grad ? [x, t!, g!] : [x, t!],
    meta: [R, C, x.offset, x.strides[0]!, x.strides[1]!, t!.offset, out.offset, g?.offset ?? 0, g?.strides[0] ?? 0, 0xff800000, 0x7fc00000],
    workgroups: grid(wide ? R : Math.ceil(R / THREAD_WG), rt.limits.maxComputeWorkgroupsPerDimension),
  });
}

export function crossEntropyKernels(rt: GpuRuntime): Pick<KernelTable, "crossEntropyRows" | "crossEntropyRowsGrad"> {
  return {
    crossEntropyRows: (out, inputs) => dispatch(rt, false, out, inputs),
    crossEntropyRowsGrad: (out, inputs) => dispatch(rt, true, out, inputs),
  };
}
