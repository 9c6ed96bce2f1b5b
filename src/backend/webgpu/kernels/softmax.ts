// softmax / logSoftmax along one dim (contract: ops/primitives/softmax.ts): for each row, its
// maximum m (NaN if it holds one), then Σ exp(x - m), then every output. Short rows take a thread
// each; long rows a workgroup each, reducing m and the sum as trees in workgroup memory. A row
// holding +∞, or only -∞, gives NaN throughout, as in torch and the reference.

import type { View } from "../../backend.js";
import type { KernelTable } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { grid } from "../runtime.js";
import { UNARY_LIB } from "./unary.js";
import { sizeOf, viewIndexWgsl, viewMeta } from "./view-index.js";
import { WGSL_MATH } from "./wgsl-math.js";

const WG = 256;
const LONG_ROW = 64;

export function softmaxKernel(rt: GpuRuntime): KernelTable["softmax"] {
  return (out: View, [x], { dim, log }) => {
    const n = x!.shape[dim]!;
    const total = sizeOf(x!.shape);
    if (total === 0) return;
    let inner = 1;
    for (let d = dim + 1; d < x!.shape.length; d++) inner *= x!.shape[d]!;
    const rows = total / n;
    const long = n >= LONG_ROW;
    // [rows, n, inner, log, out offset, x's view...]
    const meta = [rows, n, inner, log ? 1 : 0, out.offset, ...viewMeta(x!)];
    const head = `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
${WGSL_MATH}
${UNARY_LIB}
${viewIndexWgsl("at", "5u")}
// The flat position of element k of row r: rows are (outer, inner) pairs, elements step by inner.
fn pos(r: u32, k: u32) -> u32 {
  let inner = info[2];
  return (r / inner) * info[1] * inner + k * inner + r % inner;
}
fn bigger(m: f32, v: f32) -> f32 { return select(m, v, v > m || is_nan(v)); }
// A NaN or infinite maximum makes the row NaN (x - m is NaN somewhere in IEEE arithmetic), decided
// on the bits rather than left to a compiler that may assume finite floats.
fn write(r: u32, k: u32, m: f32, s: f32, ls: f32) {
  let p = pos(r, k);
  let d = xs[at(p)] - m;
  var v = select(tg_exp(d) / s, d - ls, info[3] == 1u);
  if (is_nan(m) || is_inf(m)) { v = nan_f32(); }
  out[info[4] + p] = v;
}`;
    const wgsl = long
      ? () => `${head}
var<workgroup> red: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * nwg.x;
  let live = r < info[0];
  let n = info[1];
  var m = -inf_f32();
  if (live) { for (var k = lid; k < n; k += ${WG}u) { m = bigger(m, xs[at(pos(r, k))]); } }
  red[lid] = m;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = bigger(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  m = red[0];
  workgroupBarrier();
  var t = 0.0;
  if (live) { for (var k = lid; k < n; k += ${WG}u) { t += tg_exp(xs[at(pos(r, k))] - m); } }
  red[lid] = t;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let total = red[0];
  if (live) {
    let ls = tg_log(total);
    for (var k = lid; k < n; k += ${WG}u) { write(r, k, m, total, ls); }
  }
}`
      : () => `${head}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * ${WG}u;
  if (r >= info[0]) { return; }
  let n = info[1];
  var m = -inf_f32();
  for (var k = 0u; k < n; k++) { m = bigger(m, xs[at(pos(r, k))]); }
  var t = 0.0;
  for (var k = 0u; k < n; k++) { t += tg_exp(xs[at(pos(r, k))] - m); }
  let ls = tg_log(t);
  for (var k = 0u; k < n; k++) { write(r, k, m, t, ls); }
}`;
    rt.dispatch({
      key: `softmax:${long ? "wg" : "thread"}`,
      wgsl,
      writes: [out],
      reads: [x!],
      meta,
      workgroups: grid(long ? rows : Math.ceil(rows / WG), rt.limits.maxComputeWorkgroupsPerDimension),
    });
  };
}
