// Kernels along the last dim of rows (contracts: js/scan.ts): cumsum and a stable argsort.
// cumsum: a thread per short row; a workgroup per long row, each thread summing a contiguous chunk,
// a scan of the chunk sums in workgroup memory, then each chunk rewritten from its prefix.
// argsort: a bitonic sort of (key, index) pairs per row padded to a power of two. Keys map float32
// to u32 in numeric order with NaN largest (-0 and 0 equal); ties fall back to the index, which makes
// the order total and equal to the reference's stable sort in both directions.

import type { View } from "../../backend.js";
import type { KernelTable } from "../../kernel-table.js";
import type { GpuRuntime, GpuStorage } from "../runtime.js";
import { grid } from "../runtime.js";
import { sizeOf, viewIndexWgsl, viewMeta } from "./view-index.js";
import { WGSL_MATH, wgslType } from "./wgsl-math.js";

const WG = 256;
const LONG_ROW = 64;

export function scanKernels(rt: GpuRuntime): Pick<KernelTable, "cumsum" | "argsort"> {
  return { cumsum: cumsum(rt), argsort: argsort(rt) };
}

function cumsum(rt: GpuRuntime): KernelTable["cumsum"] {
  return (out: View, [x], { rowSize: R, reverse }) => {
    const total = sizeOf(out.shape);
    if (total === 0 || R === 0) return;
    const rows = total / R;
    const t = wgslType(x!.storage.dtype),
      to = wgslType(out.storage.dtype);
    const long = R >= LONG_ROW;
    const meta = [rows, R, reverse ? 1 : 0, out.offset, ...viewMeta(x!)];
    const store = to === t ? "v" : to === "f32" ? "i2f(v)" : "f2i(v)";
    const head = `
@group(0) @binding(0) var<storage, read_write> out: array<${to}>;
@group(0) @binding(1) var<storage, read> xs: array<${t}>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
${WGSL_MATH}
${viewIndexWgsl("at", "4u")}
// Position of the q-th element of row r in summing order.
fn pos(r: u32, q: u32) -> u32 {
  let R = info[1];
  return r * R + select(q, R - 1u - q, info[2] == 1u);
}
fn put(p: u32, v: ${t}) { out[info[3] + p] = ${store}; }`;
    const wgsl = long
      ? () => `${head}
var<workgroup> part: array<${t}, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * nwg.x;
  let live = r < info[0];
  let R = info[1];
  let chunk = (R + ${WG - 1}u) / ${WG}u;
  let q0 = min(lid * chunk, R);
  let q1 = min(q0 + chunk, R);
  var s = ${t}(0);
  if (live) { for (var q = q0; q < q1; q++) { s += xs[at(pos(r, q))]; } }
  part[lid] = s;
  workgroupBarrier();
  // Inclusive Hillis–Steele scan of the chunk sums.
  for (var d = 1u; d < ${WG}u; d <<= 1u) {
    var add = ${t}(0);
    if (lid >= d) { add = part[lid - d]; }
    workgroupBarrier();
    part[lid] += add;
    workgroupBarrier();
  }
  if (live) {
    var v = ${t}(0);
    if (lid > 0u) { v = part[lid - 1u]; }
    for (var q = q0; q < q1; q++) {
      let p = pos(r, q);
      v += xs[at(p)];
      put(p, v);
    }
  }
}`
      : () => `${head}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * ${WG}u;
  if (r >= info[0]) { return; }
  var v = ${t}(0);
  for (var q = 0u; q < info[1]; q++) {
    let p = pos(r, q);
    v += xs[at(p)];
    put(p, v);
  }
}`;
    rt.dispatch({
      key: `cumsum:${t}:${to}:${long ? "wg" : "thread"}`,
      wgsl,
      writes: [out],
      reads: [x!],
      meta,
      workgroups: grid(long ? rows : Math.ceil(rows / WG), rt.limits.maxComputeWorkgroupsPerDimension),
    });
  };
}

function argsort(rt: GpuRuntime): KernelTable["argsort"] {
  return (out: View, [x], { rowSize: R, descending }) => {
    const total = sizeOf(out.shape);
    if (total === 0 || R === 0) return;
    const rows = total / R;
    const P = 2 ** Math.ceil(Math.log2(R));
    const n = rows * P;
    const t = wgslType(x!.storage.dtype);
    const limit = rt.limits.maxComputeWorkgroupsPerDimension;
    const groups = grid(Math.ceil(n / WG), limit);
    const keys = rt.alloc("int32", n, false),
      idx = rt.alloc("int32", n, false);
    const key =
      t === "f32"
        ? `let v = select(x, 0.0, x == 0.0);
  let b = bitcast<u32>(v);
  var k = select(b | 0x80000000u, ~b, (b >> 31u) == 1u);
  if (is_nan(x)) { k = 0xffffffffu; }`
        : "var k = bitcast<u32>(x) ^ 0x80000000u;";
    rt.dispatch({
      key: `argsort:init:${t}`,
      wgsl: () => `
@group(0) @binding(0) var<storage, read_write> keys: array<u32>;
@group(0) @binding(1) var<storage, read_write> idx: array<u32>;
@group(0) @binding(2) var<storage, read> xs: array<${t}>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
${WGSL_MATH}
${viewIndexWgsl("at", "4u")}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= info[0]) { return; }
  let P = info[1];
  let R = info[2];
  let p = i % P;
  idx[i] = p;
  // Padding sorts after everything (its index exceeds every real one).
  if (p >= R) { keys[i] = 0xffffffffu; return; }
  let x = xs[at((i / P) * R + p)];
  ${key}
  // Descending: reverse the key order; the index order stays ascending (stable).
  keys[i] = select(k, ~k, info[3] == 1u);
}`,
      writes: [keys, idx],
      reads: [x!],
      meta: [n, P, R, descending ? 1 : 0, ...viewMeta(x!)],
      workgroups: groups,
    });
    // Blocks of L elements sort in workgroup memory (every stage whose compare distance j < L, in
    // one launch); only distances of L and more take a launch each.
    const L = Math.min(P, localBlock(rt));
    const local = (k0: number) =>
      rt.dispatch({
        key: `argsort:local:${L}`,
        wgsl: () => localSortWgsl(L),
        writes: [keys, idx],
        reads: [],
        meta: [n, P, k0],
        workgroups: grid(n / L, limit),
      });
    if (P > 1) local(0);
    for (let k = 2 * L; k <= P; k *= 2) {
      for (let j = k / 2; j >= L; j /= 2) {
        rt.dispatch({
          key: "argsort:step",
          wgsl: () => `
@group(0) @binding(0) var<storage, read_write> keys: array<u32>;
@group(0) @binding(1) var<storage, read_write> idx: array<u32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= info[0]) { return; }
  let j = info[2];
  let k = info[3];
  let l = i ^ j;
  if (l <= i) { return; }
  let ki = keys[i]; let kl = keys[l];
  let ii = idx[i]; let il = idx[l];
  let greater = ki > kl || (ki == kl && ii > il);
  // Within a row (P divides i), blocks of k alternate direction so that they merge into a sorted row.
  let up = ((i % info[1]) & k) == 0u;
  if (greater == up) {
    keys[i] = kl; keys[l] = ki;
    idx[i] = il; idx[l] = ii;
  }
}`,
          writes: [keys, idx],
          reads: [],
          meta: [n, P, j, k],
          workgroups: groups,
        });
      }
      local(k);
    }
    rt.dispatch({
      key: "argsort:out",
      wgsl: () => `
@group(0) @binding(0) var<storage, read_write> out: array<i32>;
@group(0) @binding(1) var<storage, read> idx: array<u32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= info[0]) { return; }
  let R = info[1];
  out[info[3] + i] = i32(idx[(i / R) * info[2] + i % R]);
}`,
      writes: [out],
      reads: [idx],
      meta: [total, R, P, out.offset],
      workgroups: grid(Math.ceil(total / WG), limit),
    });
    release(rt, keys, idx);
  };
}

/** The largest power-of-two block (at most 2048) whose keys and indices fit in workgroup memory. */
function localBlock(rt: GpuRuntime): number {
  let L = 2048;
  while (L > 2 && L * 8 > rt.limits.maxComputeWorkgroupStorageSize) L /= 2;
  return L;
}

/**
 * One workgroup per block of L elements, loaded into workgroup memory: with info[2] = 0 the whole
 * bitonic sort up to blocks of L; with info[2] = k, the stages j < L of merge stage k.
 */
function localSortWgsl(L: number): string {
  return `
@group(0) @binding(0) var<storage, read_write> keys: array<u32>;
@group(0) @binding(1) var<storage, read_write> idx: array<u32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
var<workgroup> sk: array<u32, ${L}>;
var<workgroup> si: array<u32, ${L}>;
fn stage(base: u32, lid: u32, k: u32, j: u32) {
  for (var q = lid; q < ${L / 2}u; q += ${WG}u) {
    let i = 2u * j * (q / j) + q % j;
    let l = i + j;
    let ki = sk[i]; let kl = sk[l];
    let ii = si[i]; let il = si[l];
    let greater = ki > kl || (ki == kl && ii > il);
    let up = (((base + i) % info[1]) & k) == 0u;
    if (greater == up) {
      sk[i] = kl; sk[l] = ki;
      si[i] = il; si[l] = ii;
    }
  }
  workgroupBarrier();
}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let base = (wid.x + wid.y * nwg.x) * ${L}u;
  let live = base < info[0];
  for (var e = lid; e < ${L}u; e += ${WG}u) {
    if (live) { sk[e] = keys[base + e]; si[e] = idx[base + e]; }
  }
  workgroupBarrier();
  let k0 = info[2];
  if (k0 == 0u) {
    for (var k = 2u; k <= ${L}u; k <<= 1u) {
      for (var j = k >> 1u; j > 0u; j >>= 1u) { stage(base, lid, k, j); }
    }
  } else {
    for (var j = ${L / 2}u; j > 0u; j >>= 1u) { stage(base, lid, k0, j); }
  }
  for (var e = lid; e < ${L}u; e += ${WG}u) {
    if (live) { keys[base + e] = sk[e]; idx[base + e] = si[e]; }
  }
}`;
}

function release(rt: GpuRuntime, ...storages: GpuStorage[]): void {
  for (const s of storages) rt.release(s);
}
