// gather, scatterAdd and the DataLoader's gatherRows (contracts in ../../../ops/primitives/indexing.ts
// and ../../js/indexing.ts). Gathers copy elements as bits, so one pipeline serves every dtype.
// scatterAdd takes a thread per index line (the positions that differ only along dim): lines write
// disjoint outputs, so no atomics are needed, and each adds in index order, so results are
// deterministic and equal to the reference's sequential sums.

import type { View } from "../../backend.js";
import type { KernelTable } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { grid } from "../runtime.js";
import { FLAT_ID, WG } from "./strided.js";

type IndexingKernels = Pick<KernelTable, "gather" | "scatterAdd" | "gatherRows">;

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

const HEAD = (outType: string, srcType: string) => `
@group(0) @binding(0) var<storage, read_write> out: array<${outType}>;
@group(0) @binding(1) var<storage, read> src: array<${srcType}>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;`;

// gather's meta table: [n, rank, dim, out offset, index offset, x offset, index shape..., index strides..., x strides...].
const GATHER = `${HEAD("u32", "u32")}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${FLAT_ID}
  if (flat >= info[0]) { return; }
  let rank = info[1];
  let dim = info[2];
  var rest = flat;
  var ip = info[4];
  var xp = info[5];
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let k = u32(d);
    let pos = rest % info[6u + k];
    rest /= info[6u + k];
    ip += pos * info[6u + rank + k];
    if (k != dim) { xp += pos * info[6u + 2u * rank + k]; }
  }
  xp += u32(idx[ip]) * info[6u + 2u * rank + dim];
  out[info[3] + flat] = src[xp];
}`;

// scatterAdd's meta table: [lines, rank, dim, out offset, index offset, src offset, index shape...,
// index strides..., src strides..., out strides...]. A line is the index positions that differ only
// along dim; thread t walks line t in order, adding each source where its index says.
const SCATTER_ADD = (type: string) => `${HEAD(type, type)}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${FLAT_ID}
  if (flat >= info[0]) { return; }
  let rank = info[1];
  let dim = info[2];
  var rest = flat;
  var ip = info[4];
  var sp = info[5];
  var op = info[3];
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let k = u32(d);
    if (k == dim) { continue; }
    let pos = rest % info[6u + k];
    rest /= info[6u + k];
    ip += pos * info[6u + rank + k];
    sp += pos * info[6u + 2u * rank + k];
    op += pos * info[6u + 3u * rank + k];
  }
  let istep = info[6u + rank + dim];
  let sstep = info[6u + 2u * rank + dim];
  let ostep = info[6u + 3u * rank + dim];
  for (var i = 0u; i < info[6u + dim]; i++) {
    let o = op + u32(idx[ip + i * istep]) * ostep;
    out[o] += src[sp + i * sstep];
  }
}`;

// gatherRows' meta table: [n, row size, out offset, x offset].
const GATHER_ROWS = `${HEAD("u32", "u32")}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${FLAT_ID}
  if (flat >= info[0]) { return; }
  let row = flat / info[1];
  out[info[2] + flat] = src[info[3] + u32(idx[row]) * info[1] + flat - row * info[1]];
}`;

export function indexingKernels(rt: GpuRuntime): IndexingKernels {
  const workgroups = (n: number) => grid(Math.ceil(n / WG), rt.limits.maxComputeWorkgroupsPerDimension);
  return {
    gather(out: View, [x, index]: readonly View[], { dim }): void {
      const n = sizeOf(index!.shape);
      if (n === 0) return;
      rt.dispatch({
        key: "gather",
        wgsl: () => GATHER,
        writes: [out],
        reads: [x!, index!],
        meta: [n, index!.shape.length, dim, out.offset, index!.offset, x!.offset, ...index!.shape, ...index!.strides, ...x!.strides],
        workgroups: workgroups(n),
      });
    },
    scatterAdd(out: View, [src, index]: readonly View[], { dim }): void {
      const size = sizeOf(index!.shape);
      if (size === 0) return;
      const lines = size / index!.shape[dim]!;
      const type = out.storage.dtype === "int32" ? "i32" : "f32";
      rt.dispatch({
        key: `scatterAdd:${type}`,
        wgsl: () => SCATTER_ADD(type),
        writes: [out],
        reads: [src!, index!],
        meta: [
          lines,
          index!.shape.length,
          dim,
          out.offset,
          index!.offset,
          src!.offset,
          ...index!.shape,
          ...index!.strides,
          ...src!.strides,
          ...out.strides,
        ],
        workgroups: workgroups(lines),
      });
    },
    gatherRows(out: View, [x]: readonly View[], { indices }): void {
      const rows = x!.shape[0]!,
        n = indices.length * (rows === 0 ? 0 : sizeOf(x!.shape) / rows);
      if (n === 0) return;
      // The host indices go up in a buffer of their own, released once this dispatch is submitted.
      const idx = rt.alloc("int32", indices.length, false);
      rt.write(idx, 0, Int32Array.from(indices));
      rt.dispatch({
        key: "gatherRows",
        wgsl: () => GATHER_ROWS,
        writes: [out],
        reads: [x!, idx],
        meta: [n, n / indices.length, out.offset, x!.offset],
        workgroups: workgroups(n),
      });
      rt.release(idx);
    },
  };
}
