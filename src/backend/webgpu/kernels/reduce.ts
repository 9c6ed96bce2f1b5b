// Reductions over the trailing reduceSize elements of each output's run (contract: js/reduce.ts):
// output o reduces the input's flat row-major positions [o·R, (o+1)·R), read through any strides.
// Short rows take one thread each; long rows one workgroup each (a strided pass, then a tree in
// workgroup memory); a few very long rows are split over many workgroups and their partials reduced. max/min/argmax/argmin keep the reference's order: the first NaN wins, otherwise
// the first extreme, so the parallel combine prefers the smaller index on ties.

import type { View } from "../../backend.js";
import type { KernelParams, KernelTable, ReduceKernel, TypedKernel } from "../../kernel-table.js";
import type { GpuRuntime, GpuStorage } from "../runtime.js";
import { grid } from "../runtime.js";
import { sizeOf, viewIndexWgsl, viewMeta } from "./view-index.js";
import { WGSL_MATH, wgslType, type GpuDType } from "./wgsl-math.js";

type Kernel = TypedKernel<KernelParams[ReduceKernel]>;

/** Rows at least this long get a workgroup each. */
const LONG_ROW = 64;
/** Fewer rows than this, each at least this long, are split over several workgroups. */
const SPLIT_ROWS = 128;
const SPLIT_LENGTH = 8192;
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
  const nan =
    t === "f32"
      ? `let nv = is_nan(v); let nw = is_nan(w);
  if (nv || nw) { return nw && (!nv || j < i); }`
      : "";
  return `fn take(v: ${t}, i: u32, w: ${t}, j: u32) -> bool {
  ${nan}
  return ${beats} || (w == v && j < i);
}`;
}

function reduceKernel(rt: GpuRuntime, kind: ReduceKernel): Kernel {
  return (out: View, [x]: readonly View[], { reduceSize: R }): void => {
    const O = sizeOf(out.shape);
    if (O === 0) return;
    const t = wgslType(x!.storage.dtype),
      to = wgslType(out.storage.dtype);
    const limit = rt.limits.maxComputeWorkgroupsPerDimension;
    if (R < LONG_ROW) {
      rt.dispatch({
        key: `reduce:${kind}:${t}:${to}:thread`,
        wgsl: () => threadWgsl(kind, t, to),
        writes: [out],
        reads: [x!],
        meta: [O, R, out.offset, ...viewMeta(x!)],
        workgroups: grid(Math.ceil(O / WG), limit),
      });
      return;
    }
    // Few long rows: split each into S chunks of C, reduce the chunks into partial results (value
    // and index in the row), then reduce the partials.
    const C = O < SPLIT_ROWS && R >= SPLIT_LENGTH ? Math.max(SPLIT_LENGTH / 4, Math.ceil(R / 1024)) : R;
    const S = Math.ceil(R / C);
    if (S === 1) {
      dispatchLong(rt, kind, t, to, { out }, { x: x! }, [O, R, out.offset, 1, R, ...viewMeta(x!)], O);
      return;
    }
    const pv = rt.alloc(x!.storage.dtype, O * S, false),
      pi = rt.alloc("int32", O * S, false);
    dispatchLong(rt, kind, t, t, { pv, pi }, { x: x! }, [O, R, 0, S, C, ...viewMeta(x!)], O * S);
    dispatchLong(rt, kind, t, to, { out }, { pv, pi }, [O, S, out.offset, 1, S], O);
    rt.release(pv);
    rt.release(pi);
  };
}

type Target = { out: View } | { pv: GpuStorage; pi: GpuStorage };
type Source = { x: View } | { pv: GpuStorage; pi: GpuStorage };

function dispatchLong(
  rt: GpuRuntime,
  kind: ReduceKernel,
  t: GpuDType,
  to: GpuDType,
  target: Target,
  source: Source,
  meta: number[],
  groups: number,
): void {
  const toPartials = "pv" in target,
    fromPartials = "pv" in source;
  rt.dispatch({
    key: `reduce:${kind}:${t}:${to}:wg:${fromPartials ? "p" : "x"}:${toPartials ? "p" : "o"}`,
    wgsl: () => longWgsl(kind, t, to, fromPartials, toPartials),
    writes: "pv" in target ? [target.pv, target.pi] : [target.out],
    reads: "pv" in source ? [source.pv, source.pi] : [source.x],
    meta,
    workgroups: grid(groups, rt.limits.maxComputeWorkgroupsPerDimension),
  });
}

function storeExpr(kind: ReduceKernel, t: GpuDType, to: GpuDType): string {
  if (kind === "argmax" || kind === "argmin") return `${to}(bi)`;
  return to === t ? "bv" : to === "f32" ? "i2f(bv)" : "f2i(bv)";
}

// meta: [O, R, out offset, x's view...]
function threadWgsl(kind: ReduceKernel, t: GpuDType, to: GpuDType): string {
  const sum = kind === "sum";
  return `
@group(0) @binding(0) var<storage, read_write> out: array<${to}>;
@group(0) @binding(1) var<storage, read> xs: array<${t}>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
${WGSL_MATH}
${viewIndexWgsl("at", "3u")}
${combineWgsl(kind, t)}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * nwg.x * ${WG}u;
  if (o >= info[0]) { return; }
  let R = info[1];
  let base = o * R;
  // The accumulator starts from the row's first element (or 0 for sums).
  ${sum ? `var bv = ${t}(0);` : "var bv = xs[at(base)];"}
  var bi = 0u;
  for (var j = ${sum ? "0u" : "1u"}; j < R; j++) {
    let w = xs[at(base + j)];
    ${sum ? "bv += w;" : "if (take(bv, bi, w, j)) { bv = w; bi = j; }"}
  }
  out[info[2] + o] = ${storeExpr(kind, t, to)};
}`;
}

// One workgroup per chunk [c·C, min((c+1)·C, R)) of row o (workgroup o·S + c); the chunk is read
// from x (through its view) or from partials, and reduced into out or into partials.
// meta: [O, R, out offset, S, C, x's view...]
function longWgsl(kind: ReduceKernel, t: GpuDType, to: GpuDType, fromPartials: boolean, toPartials: boolean): string {
  const sum = kind === "sum";
  const value = (j: string) => (fromPartials ? `pv[o * R + ${j}]` : `xs[at(o * R + ${j})]`);
  const index = (j: string) => (fromPartials ? `pi[o * R + ${j}]` : j);
  const outputs = toPartials
    ? `@group(0) @binding(0) var<storage, read_write> qv: array<${t}>;
@group(0) @binding(1) var<storage, read_write> qi: array<u32>;`
    : `@group(0) @binding(0) var<storage, read_write> out: array<${to}>;`;
  const w = toPartials ? 2 : 1;
  const inputs = fromPartials
    ? `@group(0) @binding(${w}) var<storage, read> pv: array<${t}>;
@group(0) @binding(${w + 1}) var<storage, read> pi: array<u32>;`
    : `@group(0) @binding(${w}) var<storage, read> xs: array<${t}>;`;
  return `
${outputs}
${inputs}
@group(0) @binding(${w + (fromPartials ? 2 : 1)}) var<storage, read> info: array<u32>;
${WGSL_MATH}
${viewIndexWgsl("at", "5u")}
${combineWgsl(kind, t)}
var<workgroup> sv: array<${t}, ${WG}>;
var<workgroup> si: array<u32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x + wid.y * nwg.x;
  let S = info[3];
  let o = g / S;
  let live = o < info[0];
  let R = info[1];
  let lo = (g % S) * info[4];
  let hi = min(lo + info[4], R);
  // Threads past the chunk's end start from its last element, which changes no maximum.
  let first = min(lo + lid, hi - 1u);
  var bv = ${sum ? `${t}(0)` : t + "()"};
  var bi = 0u;
  if (live) {
    ${sum ? "" : `bv = ${value("first")}; bi = ${index("first")};`}
    for (var j = ${sum ? "lo + lid" : "first + " + WG + "u"}; j < hi; j += ${WG}u) {
      let w = ${value("j")};
      // (Sums carry an index too: the pipeline layout is derived from the bindings the shader uses.)
      ${sum ? `bv += w; bi = ${index("j")};` : `let wi = ${index("j")}; if (take(bv, bi, w, wi)) { bv = w; bi = wi; }`}
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
  if (lid == 0u && live) {
    let bv = sv[0];
    let bi = si[0];
    ${toPartials ? "qv[g] = bv; qi[g] = bi;" : `out[info[2] + o] = ${storeExpr(kind, t, to)};`}
  }
}`;
}
