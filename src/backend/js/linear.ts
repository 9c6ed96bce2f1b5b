// Reference linear (kernel "linear", contract in ops/primitives/linear.ts): the reference matmul on
// x and Wᵀ seen through strides, then the bias added to each row, rounding as the composite
// x.matmul(W.T).add(b) did (once for the product, once for the sum).

import { type Kernel, type View, hostData } from "../backend.js";
import { matmul } from "./matmul.js";

export const linear: Kernel = (out, [x, w, b]) => {
  const nd = out.shape.length;
  const N = out.shape[nd - 1],
    K = w.shape[1];
  // The matmul kernel takes [...batch, M, K] x [...batch, K, N]: x's last leading dim is M (a 1-D x
  // is one row), the dims before it are batch dims over which Wᵀ is broadcast (stride 0).
  const a: View = nd === 1 ? { storage: x.storage, offset: x.offset, shape: [1, K], strides: [0, x.strides[0]] } : x;
  const o: View = nd === 1 ? { storage: out.storage, offset: out.offset, shape: [1, N], strides: [N, 1] } : out;
  const batch = a.shape.length - 2;
  const wt: View = {
    storage: w.storage,
    offset: w.offset,
    shape: [...a.shape.slice(0, batch), K, N],
    strides: [...new Array<number>(batch).fill(0), w.strides[1], w.strides[0]],
  };
  matmul(o, [a, wt], undefined);
  if (!b) return;
  const od = hostData(out.storage),
    bd = hostData(b.storage),
    bs = b.strides[0];
  const rows = sizeOf(out.shape) / N; // N > 0: empty outputs never reach a kernel
  for (let r = 0, p = out.offset; r < rows; r++) {
    for (let n = 0, q = b.offset; n < N; n++, p++, q += bs) od[p] += bd[q];
  }
};

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
