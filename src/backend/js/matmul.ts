// Reference matrix multiply: for each (broadcast) batch, pack B into 4-wide column panels and A
// into 4-tall row panels, then a 4×4 register tile accumulates 16 dot products per pass. Packing
// reads through the views' strides, so transposed operands cost nothing extra. About 5× a naive
// loop; the WebAssembly backend is the fast path.

import { type Kernel, type TypedArray, type View, hostData } from "../backend.js";

const MR = 4;
const NR = 4;

export const matmul: Kernel = (out, [a, b]) => {
  const nd = out.shape.length;
  const M = out.shape[nd - 2];
  const N = out.shape[nd - 1];
  const K = a.shape[nd - 1];
  const od = hostData(out.storage);
  const Wide = od instanceof Float32Array ? Float32Array : Float64Array;
  const bPack = new Wide(K * Math.ceil(N / NR) * NR);
  const aPack = new Wide(K * MR);
  const batchShape = out.shape.slice(0, nd - 2);
  let batches = 1;
  for (const d of batchShape) batches *= d;
  const idx = new Array<number>(batchShape.length).fill(0);
  for (let t = 0; t < batches; t++) {
    let ao = a.offset,
      bo = b.offset;
    for (let d = 0; d < batchShape.length; d++) {
      ao += idx[d] * a.strides[d];
      bo += idx[d] * b.strides[d];
    }
    gemm(M, N, K, a, ao, b, bo, od, out.offset + t * M * N, aPack, bPack);
    for (let d = batchShape.length - 1; d >= 0; d--) {
      if (++idx[d] < batchShape[d]) break;
      idx[d] = 0;
    }
  }
};

function gemm(
  M: number,
  N: number,
  K: number,
  a: View,
  ao: number,
  b: View,
  bo: number,
  c: TypedArray,
  co: number,
  aPack: Float32Array | Float64Array,
  bPack: Float32Array | Float64Array,
): void {
  const nd = a.shape.length;
  const ad = hostData(a.storage),
    bd = hostData(b.storage);
  const sam = a.strides[nd - 2],
    sak = a.strides[nd - 1];
  const sbk = b.strides[nd - 2],
    sbn = b.strides[nd - 1];
  // Pack B: panel p holds columns [4p, 4p+4) as K rows of 4 (zero-padded past N).
  const panels = Math.ceil(N / NR);
  for (let p = 0; p < panels; p++) {
    const base = p * K * NR;
    for (let jj = 0; jj < NR; jj++) {
      const j = p * NR + jj;
      if (j >= N) {
        for (let k = 0; k < K; k++) bPack[base + k * NR + jj] = 0;
      } else {
        let src = bo + j * sbn;
        for (let k = 0; k < K; k++, src += sbk) bPack[base + k * NR + jj] = bd[src];
      }
    }
  }
  for (let i0 = 0; i0 < M; i0 += MR) {
    const rows = Math.min(MR, M - i0);
    for (let ii = 0; ii < MR; ii++) {
      if (ii >= rows) {
        for (let k = 0; k < K; k++) aPack[k * MR + ii] = 0;
      } else {
        let src = ao + (i0 + ii) * sam;
        for (let k = 0; k < K; k++, src += sak) aPack[k * MR + ii] = ad[src];
      }
    }
    for (let p = 0; p < panels; p++) {
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0,
        c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0,
        c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      let bi = p * K * NR;
      for (let k = 0, ai = 0; k < K; k++, ai += MR, bi += NR) {
        const a0 = aPack[ai],
          a1 = aPack[ai + 1],
          a2 = aPack[ai + 2],
          a3 = aPack[ai + 3];
        const b0 = bPack[bi],
          b1 = bPack[bi + 1],
          b2 = bPack[bi + 2],
          b3 = bPack[bi + 3];
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }
      const j0 = p * NR;
      const cols = Math.min(NR, N - j0);
      const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
      for (let ii = 0; ii < rows; ii++) {
        const row = co + (i0 + ii) * N + j0;
        for (let jj = 0; jj < cols; jj++) c[row + jj] = tile[ii * NR + jj];
      }
    }
  }
}
