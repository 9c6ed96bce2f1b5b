// unfold (im2col), fold (col2im) and maxPool2dIndices (contracts in ../../../ops/primitives/conv.ts,
// reference in ../../js/conv.ts). One thread per output element throughout: fold gathers, for each
// image pixel, the column entries that read it, in the reference's order, so it needs no atomics
// and sums bit for bit as the reference does. unfold copies bits, so one pipeline serves every dtype.

import type { View } from "../../backend.js";
import type { ConvGeometry, KernelTable, UnfoldParams } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { f32Bits, grid } from "../runtime.js";
import { FLAT_ID, WG } from "./strided.js";

type ConvKernels = Pick<KernelTable, "unfold" | "fold" | "maxPool2dIndices">;

// The geometry as the meta table carries it, from info[1] on (info[0] is the thread count):
// N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, batchColumns, then per kernel: in offset, out offset, extra.
function geometryMeta(n: number, N: number, C: number, g: ConvGeometry, inOffset: number, outOffset: number, extra = 0): number[] {
  return [
    n,
    N,
    C,
    g.inSize[0],
    g.inSize[1],
    g.kernel[0],
    g.kernel[1],
    g.stride[0],
    g.stride[1],
    g.padding[0],
    g.padding[1],
    g.dilation[0],
    g.dilation[1],
    g.outSize[0],
    g.outSize[1],
    g.batchColumns ? 1 : 0,
    inOffset,
    outOffset,
    extra,
  ];
}

const GEOMETRY = `
struct Geo { N: u32, C: u32, H: i32, W: i32, kh: u32, kw: u32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: u32, ow: u32, batch: bool }
fn geo() -> Geo {
  return Geo(info[1], info[2], i32(info[3]), i32(info[4]), info[5], info[6], i32(info[7]), i32(info[8]), i32(info[9]), i32(info[10]),
    i32(info[11]), i32(info[12]), info[13], info[14], info[15] != 0u);
}
// Where the column matrix holds patch row r (c·kh·kw + i·kw + j) of image n at grid position l.
fn colIndex(g: Geo, n: u32, r: u32, l: u32) -> u32 {
  let L = g.oh * g.ow;
  if (g.batch) { return r * g.N * L + n * L + l; }
  return (n * g.C * g.kh * g.kw + r) * L + l;
}`;

const HEAD = (outType: string, inType: string) => `
@group(0) @binding(0) var<storage, read_write> out: array<${outType}>;
@group(0) @binding(1) var<storage, read> src: array<${inType}>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
${GEOMETRY}`;

// Thread e writes column-matrix element e: the image element its patch entry reads, or the padding
// value's bits (info[18]).
const UNFOLD = `${HEAD("u32", "u32")}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${FLAT_ID}
  if (flat >= info[0]) { return; }
  let g = geo();
  let L = g.oh * g.ow;
  let rows = g.C * g.kh * g.kw;
  var n: u32;
  var r: u32;
  var l: u32;
  if (g.batch) {
    r = flat / (g.N * L);
    let col = flat - r * g.N * L;
    n = col / L;
    l = col - n * L;
  } else {
    n = flat / (rows * L);
    let rest = flat - n * rows * L;
    r = rest / L;
    l = rest - r * L;
  }
  let c = r / (g.kh * g.kw);
  let i = i32((r / g.kw) % g.kh);
  let j = i32(r % g.kw);
  let y = i32(l / g.ow) * g.sh - g.ph + i * g.dh;
  let x = i32(l % g.ow) * g.sw - g.pw + j * g.dw;
  var v = info[18];
  if (y >= 0 && y < g.H && x >= 0 && x < g.W) {
    v = src[info[16] + ((n * g.C + c) * u32(g.H) + u32(y)) * u32(g.W) + u32(x)];
  }
  out[info[17] + flat] = v;
}`;

// Thread p owns image pixel p and adds every column entry that unfold would read from it, kernel
// row by kernel row as the reference does (for one channel, each (i, j) reaches a pixel at most once).
const FOLD = (type: string) => `${HEAD(type, type)}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${FLAT_ID}
  if (flat >= info[0]) { return; }
  let g = geo();
  let HW = u32(g.H * g.W);
  let plane = flat / HW;
  let n = plane / g.C;
  let c = plane - n * g.C;
  let y = i32((flat - plane * HW) / u32(g.W));
  let x = i32(flat % u32(g.W));
  let o = info[17] + flat;
  var acc = out[o];
  for (var i = 0; i < i32(g.kh); i++) {
    // Grid row oy reads y when oy·sh = y + ph − i·dh.
    let ty = y + g.ph - i * g.dh;
    if (ty < 0 || ty % g.sh != 0 || u32(ty / g.sh) >= g.oh) { continue; }
    let oy = u32(ty / g.sh);
    for (var j = 0; j < i32(g.kw); j++) {
      let tx = x + g.pw - j * g.dw;
      if (tx < 0 || tx % g.sw != 0 || u32(tx / g.sw) >= g.ow) { continue; }
      let r = (c * g.kh + u32(i)) * g.kw + u32(j);
      acc += src[info[16] + colIndex(g, n, r, oy * g.ow + u32(tx / g.sw))];
    }
  }
  out[o] = acc;
}`;

// Thread o scans window o as the reference does. Comparisons are made on the float's bits mapped to
// an ordered integer (with -0 taken as 0): WGSL lets compilers assume floats are finite, and the
// contract's rules are about NaN and -∞.
const MAX_POOL_INDICES = `${HEAD("i32", "u32")}
fn orderKey(b: u32) -> u32 {
  let v = select(b, 0u, b == 0x80000000u);
  return select(v ^ 0x80000000u, ~v, (v & 0x80000000u) != 0u);
}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${FLAT_ID}
  if (flat >= info[0]) { return; }
  let g = geo();
  let L = g.oh * g.ow;
  let plane = flat / L;
  let oy = i32((flat - plane * L) / g.ow);
  let ox = i32(flat % g.ow);
  let base = info[16] + plane * u32(g.H * g.W);
  // The first kernel row and column inside the image, on the dilation grid.
  var y0 = oy * g.sh - g.ph;
  if (y0 < 0) { y0 += ((g.dh - 1 - y0) / g.dh) * g.dh; }
  let y1 = min(oy * g.sh - g.ph + (i32(g.kh) - 1) * g.dh + 1, g.H);
  var x0 = ox * g.sw - g.pw;
  if (x0 < 0) { x0 += ((g.dw - 1 - x0) / g.dw) * g.dw; }
  let x1 = min(ox * g.sw - g.pw + (i32(g.kw) - 1) * g.dw + 1, g.W);
  // −∞'s key: nothing is below it, so a window of −∞ keeps its first position.
  var best = orderKey(0xff800000u);
  var nan = false;
  var at = y0 * g.W + x0;
  for (var y = y0; y < y1; y += g.dh) {
    for (var x = x0; x < x1; x += g.dw) {
      let b = src[base + u32(y * g.W + x)];
      let isNan = (b & 0x7fffffffu) > 0x7f800000u;
      // A NaN wins over anything and a later NaN over an earlier one; otherwise the first maximum wins.
      if (isNan || (!nan && orderKey(b) > best)) {
        nan = nan || isNan;
        best = orderKey(b);
        at = y * g.W + x;
      }
    }
  }
  out[info[17] + flat] = at;
}`;

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The bits of a padding value in the column matrix's dtype. */
function padBits(dtype: string, value: number): number {
  return dtype === "int32" ? value | 0 : f32Bits(value);
}

export function convKernels(rt: GpuRuntime): ConvKernels {
  const workgroups = (n: number) => grid(Math.ceil(n / WG), rt.limits.maxComputeWorkgroupsPerDimension);
  return {
    unfold(out: View, [x]: readonly View[], g: UnfoldParams): void {
      const n = sizeOf(out.shape);
      if (n === 0) return;
      const [N, C] = x!.shape as [number, number];
      rt.dispatch({
        key: "unfold",
        wgsl: () => UNFOLD,
        writes: [out],
        reads: [x!],
        meta: geometryMeta(n, N, C, g, x!.offset, out.offset, padBits(out.storage.dtype, g.padValue ?? 0)),
        workgroups: workgroups(n),
      });
    },
    fold(out: View, [cols]: readonly View[], g: ConvGeometry): void {
      const n = sizeOf(out.shape);
      if (n === 0) return;
      const [N, C] = out.shape as [number, number];
      const type = out.storage.dtype === "int32" ? "i32" : "f32";
      rt.dispatch({
        key: `fold:${type}`,
        wgsl: () => FOLD(type),
        writes: [out],
        reads: [cols!],
        meta: geometryMeta(n, N, C, g, cols!.offset, out.offset),
        workgroups: workgroups(n),
      });
    },
    maxPool2dIndices(out: View, [x]: readonly View[], g: ConvGeometry): void {
      const n = sizeOf(out.shape);
      if (n === 0) return;
      const [N, C] = x!.shape as [number, number];
      rt.dispatch({
        key: "maxPool2dIndices",
        wgsl: () => MAX_POOL_INDICES,
        writes: [out],
        reads: [x!],
        meta: geometryMeta(n, N, C, { ...g, batchColumns: false }, x!.offset, out.offset),
        workgroups: workgroups(n),
      });
    },
  };
}
