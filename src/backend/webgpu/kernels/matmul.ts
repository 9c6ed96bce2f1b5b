// Batched matrix multiply and linear (contracts: js/matmul.ts, ops/primitives/linear.ts). One
// workgroup of 16×16 threads computes a 64×64 tile of C, each thread a 4×4 block held in registers,
// stepping K by 16 through workgroup memory. Operands are read through their strides (a transposed
// operand costs no copy); the tile loads pick the coalesced order for whichever of an operand's two
// strides is 1. Batch dims broadcast through stride 0; a batch dim that only walks A's rows (B
// broadcast over it) is folded into M, so [B, T, K]·[K, N] runs as one tall product.

import type { View } from "../../backend.js";
import type { KernelTable } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { sizeOf } from "./view-index.js";

const TILE = 64;
const TK = 16;

interface Operands {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly out: View;
  readonly a: View;
  readonly b: View;
  readonly aRow: number;
  readonly aK: number;
  readonly bK: number;
  readonly bCol: number;
  readonly batchShape: number[];
  readonly aBatch: number[];
  readonly bBatch: number[];
  readonly bias?: View;
}

export function matmulKernels(rt: GpuRuntime): Pick<KernelTable, "matmul" | "linear"> {
  return {
    matmul: (out, [a, b]) => {
      const nd = out.shape.length;
      const M = out.shape[nd - 2]!,
        N = out.shape[nd - 1]!,
        K = a!.shape[nd - 1]!;
      run(
        rt,
        fold({
          M,
          N,
          K,
          out,
          a: a!,
          b: b!,
          aRow: a!.strides[nd - 2]!,
          aK: a!.strides[nd - 1]!,
          bK: b!.strides[nd - 2]!,
          bCol: b!.strides[nd - 1]!,
          batchShape: out.shape.slice(0, nd - 2),
          aBatch: a!.strides.slice(0, nd - 2),
          bBatch: b!.strides.slice(0, nd - 2),
        }),
      );
    },
    linear: (out, [x, w, bias]) => {
      // out[..., n] = Σ_k x[..., k]·W[n, k] (+ b[n]): x's leading dims are batch dims of a product with Wᵀ.
      const nd = x!.shape.length;
      const N = w!.shape[0]!,
        K = w!.shape[1]!;
      const lead = x!.shape.slice(0, nd - 1);
      run(
        rt,
        fold({
          M: 1,
          N,
          K,
          out,
          a: x!,
          b: w!,
          aRow: 0,
          aK: x!.strides[nd - 1]!,
          bK: w!.strides[1]!,
          bCol: w!.strides[0]!,
          batchShape: lead,
          aBatch: x!.strides.slice(0, nd - 1),
          bBatch: lead.map(() => 0),
          bias,
        }),
      );
    },
  };
}

/** Folds trailing batch dims over which B is broadcast and A steps by whole row blocks into M; drops size-1 batch dims. */
function fold(p: Operands): Operands {
  const shape: number[] = [],
    aB: number[] = [],
    bB: number[] = [];
  for (let d = 0; d < p.batchShape.length; d++) {
    if (p.batchShape[d] === 1) continue;
    shape.push(p.batchShape[d]!);
    aB.push(p.aBatch[d]!);
    bB.push(p.bBatch[d]!);
  }
  let { M, aRow } = p;
  while (shape.length > 0 && bB[bB.length - 1] === 0 && (M === 1 || aB[aB.length - 1] === M * aRow)) {
    if (M === 1) aRow = aB[aB.length - 1]!;
    M *= shape.pop()!;
    aB.pop();
    bB.pop();
  }
  return { ...p, M, aRow, batchShape: shape, aBatch: aB, bBatch: bB };
}

function run(rt: GpuRuntime, p: Operands): void {
  const { M, N, K } = p;
  const batches = sizeOf(p.batchShape);
  if (M === 0 || N === 0 || batches === 0) return;
  const aKFast = Math.abs(p.aK) === 1;
  const bNFast = Math.abs(p.bCol) === 1;
  const bias = p.bias !== undefined;
  const u = (s: number) => s >>> 0;
  const nb = p.batchShape.length;
  const head = [
    M,
    N,
    K,
    nb,
    p.out.offset,
    p.a.offset,
    p.b.offset,
    u(p.aRow),
    u(p.aK),
    u(p.bK),
    u(p.bCol),
    bias ? p.bias!.offset : 0,
    bias ? u(p.bias!.strides[0]!) : 0,
  ];
  const tail = [...p.batchShape, ...p.aBatch.map(u), ...p.bBatch.map(u)];
  const limit = rt.limits.maxComputeWorkgroupsPerDimension;
  const tilesM = Math.ceil(M / TILE),
    tilesN = Math.ceil(N / TILE);
  // Launches wider than a grid dimension allows are split into several, each told where it starts.
  for (let z0 = 0; z0 < batches; z0 += limit) {
    for (let y0 = 0; y0 < tilesM; y0 += limit) {
      rt.dispatch({
        key: `matmul:${aKFast ? "ak" : "am"}:${bNFast ? "bn" : "bk"}:${bias ? "bias" : ""}`,
        wgsl: () => matmulWgsl(aKFast, bNFast, bias),
        writes: [p.out],
        reads: bias ? [p.a, p.b, p.bias!] : [p.a, p.b],
        meta: [...head, z0, y0, ...tail],
        workgroups: [tilesN, Math.min(limit, tilesM - y0), Math.min(limit, batches - z0)],
      });
    }
  }
}

function matmulWgsl(aKFast: boolean, bNFast: boolean, bias: boolean): string {
  // Which (row/col, k) of a tile element e each thread loads: consecutive threads walk the operand's unit stride.
  const aLoad = aKFast ? "let kk = e % 16u; let mm = e / 16u;" : "let mm = e % 64u; let kk = e / 64u;";
  const bLoad = bNFast ? "let nn = e % 64u; let kk = e / 64u;" : "let kk = e % 16u; let nn = e / 16u;";
  return `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
${bias ? "@group(0) @binding(3) var<storage, read> bias: array<f32>;" : ""}
@group(0) @binding(${bias ? 4 : 3}) var<storage, read> info: array<u32>;

// As[k·16 + r] holds rows 4r..4r+3 of the A tile at k; Bs[k·16 + c] columns 4c..4c+3 of the B tile.
var<workgroup> As: array<vec4<f32>, ${(TK * TILE) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(TK * TILE) / 4}>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let M = info[0]; let N = info[1]; let K = info[2]; let nb = info[3];
  let sam = info[7]; let sak = info[8]; let sbk = info[9]; let sbn = info[10];
  let batch = wid.z + info[13];
  var ao = info[5];
  var bo = info[6];
  var rest = batch;
  for (var d = i32(nb) - 1; d >= 0; d--) {
    let size = info[15u + u32(d)];
    let i = rest % size;
    rest /= size;
    ao += i * info[15u + nb + u32(d)];
    bo += i * info[15u + 2u * nb + u32(d)];
  }
  let row0 = (wid.y + info[14]) * 64u;
  let col0 = wid.x * 64u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < K; k0 += 16u) {
    for (var r = 0u; r < 4u; r++) {
      let e = lid + 256u * r;
      {
        ${aLoad}
        let m = row0 + mm;
        let k = k0 + kk;
        var v = 0.0;
        if (m < M && k < K) { v = A[ao + m * sam + k * sak]; }
        As[kk * 16u + mm / 4u][mm % 4u] = v;
      }
      {
        ${bLoad}
        let n = col0 + nn;
        let k = k0 + kk;
        var v = 0.0;
        if (n < N && k < K) { v = B[bo + k * sbk + n * sbn]; }
        Bs[kk * 16u + nn / 4u][nn % 4u] = v;
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      let a = As[kk * 16u + ty];
      let b = Bs[kk * 16u + tx];
      acc0 = fma(vec4<f32>(a.x), b, acc0);
      acc1 = fma(vec4<f32>(a.y), b, acc1);
      acc2 = fma(vec4<f32>(a.z), b, acc2);
      acc3 = fma(vec4<f32>(a.w), b, acc3);
    }
    workgroupBarrier();
  }
  let co = info[4] + batch * M * N;
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    let m = row0 + ty * 4u + i;
    if (m >= M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + tx * 4u + j;
      if (n < N) {
        out[co + m * N + n] = accs[i][j]${bias ? " + bias[info[11] + n * info[12]]" : ""};
      }
    }
  }
}`;
}
