// Reductions over the trailing reduceSize elements of each output's run (contract: js/reduce.ts):
// output o reduces the input's flat row-major positions [o·R, (o+1)·R), read through any strides.
// Short rows take one thread each; long rows one workgroup each (a strided pass, then a tree in
// workgroup memory). max/min/argmax/argmin keep the reference's order: the first NaN wins, otherwise
// the first extreme, so the parallel combine prefers the smaller index on ties.

import type { View } from "../../backend.js";
import type { KernelParams, KernelTable, ReduceKernel, TypedKernel } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { grid } from "../runtime.js";
import { sizeOf, viewIndexWgsl, viewMeta } from "./view-index.js";
import { WGSL_MATH, wgslType, type GpuDType } from "./wgsl-math.js";

type Kernel = TypedKernel<KernelParams[ReduceKernel]>;

/** Rows at least this long get a workgroup each. */
const LONG_ROW = 64;
const WG = 256;

export function reduceKernels(rt: GpuRuntime): Pick<KernelTable, ReduceKernel> {
  return {
    sum: reduceKernel(rt, "sum"),
    max: reduceKernel(rt, "max"),
    min: reduceKernel(rt, "min"),
    argmax: reduceKernel(rt, "argmax"),
    argmin: reduceKernel(rt, "argmin"),
  };
}

// WGSL combining an accumulator (v, i) with a candidate (w, j): `take` says whether the candidate
// replaces it. Sums ignore indices.
function combineWgsl(kind: ReduceKernel, t: GpuDType): string {
  if (kind === "sum") return `fn take(v: ${t}, i: u32, w: ${t}, j: u32) -> bool { return false; }`;
  const beats = kind === "max" || kind === "argmax" ? "w > v" : "w < v";
  const nan = t === "f32" ? `let nv = is_nan(v); let nw = is_nan(w);
  if (nv || nw) { return nw && (!nv || j < i); }` : "";
  return `fn take(v: ${t}, i: u32, w: ${t}, j: u32) -> bool {
  ${nan}
  return ${beats} || (w == v && j < i);
}`;
}

function reduceKernel(rt: GpuRuntime, kind: ReduceKernel): Kernel {
  return (out: View, [x]: readonly View[], { reduceSize: R }): void => {
    const O = sizeOf(out.shape);
    if (O === 0) return;
    const t = wgslType(x!.storage.dtype), to = wgslType(out.storage.dtype);
    const long = R >= LONG_ROW;
    const sum = kind === "sum";
    const store = kind === "argmax" || kind === "argmin" ? `${to}(bi)` : to === t ? "bv" : to === "f32" ? "i2f(bv)" : "f2i(bv)";
    const step = sum ? "bv += w;" : "if (take(bv, bi, w, j)) { bv = w; bi = j; }";
    const meta = [O, R, out.offset, ...viewMeta(x!)];
    const head = `
@group(0) @binding(0) var<storage, read_write> out: array<${to}>;
@group(0) @binding(1) var<storage, read> xs: array<${t}>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
${WGSL_MATH}
${viewIndexWgsl("at", "3u")}
${combineWgsl(kind, t)}`;
    // The accumulator starts from the row's first element (or 0 for sums).
    const init = sum ? `var bv = ${t}(0); var bi = 0u;` : `var bv = xs[at(base)]; var bi = 0u;`;
    const wgsl = long
      ? () => `${head}
var<workgroup> sv: array<${t}, ${WG}>;
var<workgroup> si: array<u32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.x + wid.y * nwg.x;
  let R = info[1];
  let base = o * R;
  ${sum ? `var bv = ${t}(0); var bi = 0u;` : `var bv = xs[at(base + min(lid, R - 1u))]; var bi = min(lid, R - 1u);`}
  if (o < info[0]) {
    for (var j = lid; j < R; j += ${WG}u) {
      let w = xs[at(base + j)];
      ${step}
    }
  }
  sv[lid] = bv;
  si[lid] = bi;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) {
      let w = sv[lid + s];
      let j = si[lid + s];
      ${sum ? "sv[lid] += w;" : "if (take(sv[lid], si[lid], w, j)) { sv[lid] = w; si[lid] = j; }"}
    }
    workgroupBarrier();
  }
  if (lid == 0u && o < info[0]) {
    let bv = sv[0];
    let bi = si[0];
    out[info[2] + o] = ${store};
  }
}`
      : () => `${head}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * nwg.x * ${WG}u;
  if (o >= info[0]) { return; }
  let R = info[1];
  let base = o * R;
  ${init}
  for (var j = ${sum ? "0u" : "1u"}; j < R; j++) {
    let w = xs[at(base + j)];
    ${step}
  }
  out[info[2] + o] = ${store};
}`;
    rt.dispatch({
      key: `reduce:${kind}:${t}:${to}:${long ? "wg" : "thread"}`,
      wgsl,
      writes: [out],
      reads: [x!],
      meta,
      workgroups: grid(long ? O : Math.ceil(O / WG), rt.limits.maxComputeWorkgroupsPerDimension),
    });
  };
}
