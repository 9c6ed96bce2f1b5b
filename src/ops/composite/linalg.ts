// Products and diagonals users reach for by name (torch's outer, dot, mm, bmm, mT, diag, trace),
// checked for the ranks PyTorch requires and built on matmul, broadcasting and gather.

import { ShapeError, fmtShape } from "../../errors.js";
import { arange, tensor, zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { cat, matmul, transpose } from "./shape.js";

function rank(op: string, x: Tensor, n: number, what: string): void {
  if (x.ndim !== n) throw new ShapeError(`${op}: expected ${what} (${n}-D), got shape ${fmtShape(x.shape)}`);
}

/**
 * a ⊗ b: [n] and [m] give [n, m] (torch.outer).
 * @example tg.outer(tg.tensor([1, 2]), tg.tensor([1, 10, 100]))  // [[1, 10, 100], [2, 20, 200]]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  rank("outer", a, 1, "a vector");
  rank("outer", b, 1, "a vector");
  return a.unsqueeze(1).mul(b.unsqueeze(0));
}

/**
 * Σ a·b of two vectors of one length (torch.dot).
 * @example tg.dot(tg.tensor([1, 2, 3]), tg.tensor([4, 5, 6]))  // 32 (a 0-d tensor)
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  rank("dot", a, 1, "a vector");
  rank("dot", b, 1, "a vector");
  if (a.shape[0] !== b.shape[0]) throw new ShapeError(`dot: vectors of lengths ${a.shape[0]} and ${b.shape[0]} differ`);
  return matmul(a, b);
}

/**
 * Matrix product of two matrices, no broadcasting (torch.mm).
 * @example tg.mm(tg.randn([2, 3]), tg.randn([3, 4])).shape  // [2, 4]
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  rank("mm", a, 2, "a matrix");
  rank("mm", b, 2, "a matrix");
  return matmul(a, b);
}

/**
 * Batched matrix product [B, n, k] × [B, k, m] (torch.bmm), no broadcasting of the batch.
 * @example tg.bmm(tg.randn([8, 2, 3]), tg.randn([8, 3, 4])).shape  // [8, 2, 4]
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  rank("bmm", a, 3, "a batch of matrices");
  rank("bmm", b, 3, "a batch of matrices");
  if (a.shape[0] !== b.shape[0]) throw new ShapeError(`bmm: batch sizes ${a.shape[0]} and ${b.shape[0]} differ`);
  return matmul(a, b);
}

/** The last two dims swapped (torch's .mT). */
export function mT(x: Tensor): Tensor {
  if (x.ndim < 2) throw new ShapeError(`mT: expected at least 2 dims, got shape ${fmtShape(x.shape)}`);
  return transpose(x, -2, -1);
}

/**
 * torch.diag: a vector gives a square matrix with it on diagonal `k`; a matrix gives its diagonal
 * `k` (above the main one for k > 0) as a vector.
 * @example tg.diag(tg.tensor([[1, 2], [3, 4]]))  // [1, 4]; tg.diag(tg.tensor([1, 2])) is [[1, 0], [0, 2]]
 */
export function diag(x: Tensor, k = 0): Tensor {
  if (!Number.isInteger(k)) throw new ShapeError(`diag: diagonal offset must be an integer, got ${k}`);
  if (x.ndim === 1) {
    // A gather from x with one zero appended: index m (the zero) off the diagonal.
    const m = x.shape[0];
    const n = m + Math.abs(k);
    const idx = new Int32Array(n * n).fill(m);
    for (let i = 0; i < m; i++) idx[k >= 0 ? i * n + i + k : (i - k) * n + i] = i;
    const padded = cat([x, zeros([1], { dtype: x.dtype })], 0);
    return padded.gather(0, tensor(idx, { shape: [n * n] })).reshape([n, n]);
  }
  if (x.ndim !== 2) throw new ShapeError(`diag: expected a vector or a matrix, got shape ${fmtShape(x.shape)}`);
  const [r, c] = x.shape;
  const len = Math.max(0, k >= 0 ? Math.min(r, c - k) : Math.min(r + k, c));
  const i = arange(len, { dtype: "int32" });
  const row = k >= 0 ? i : i.sub(k);
  const col = k >= 0 ? i.add(k) : i;
  return x.reshape([r * c]).gather(0, row.mul(c).add(col));
}

/**
 * Sum of the main diagonal of a matrix (torch.trace).
 * @example tg.trace(tg.tensor([[1, 2], [3, 4]]))  // 5
 */
export function trace(x: Tensor): Tensor {
  rank("trace", x, 2, "a matrix");
  return diag(x).sum();
}
