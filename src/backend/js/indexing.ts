// Reference gather / scatterAdd along one dim (an adjoint pair), and the DataLoader's gatherRows. The
// caller has already checked that every index is in range, so these only walk the indices.

import { type View, hostData } from "../backend.js";
import type { KernelTable } from "../kernel-table.js";

/** Calls visit(indexOffset, otherOffset, outPos) for every element of `idx`, in row-major order. */
function walk(idx: View, other: View, dim: number, visit: (ip: number, op: number, pos: number) => void): void {
  const shape = idx.shape,
    nd = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  const pos = new Array<number>(nd).fill(0);
  for (let t = 0; t < n; t++) {
    let ip = idx.offset,
      op = other.offset;
    for (let d = 0; d < nd; d++) {
      ip += pos[d] * idx.strides[d];
      if (d !== dim) op += pos[d] * other.strides[d];
    }
    visit(ip, op, t);
    for (let d = nd - 1; d >= 0; d--) {
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
    }
  }
}

/** out[..., i, ...] = x[..., index[..., i, ...], ...] along `dim`; out has the index's shape. */
const gather: KernelTable["gather"] = (out, [x, index], { dim }) => {
  const xd = hostData(x.storage),
    id = hostData(index.storage),
    od = hostData(out.storage);
  const s = x.strides[dim];
  walk(index, x, dim, (ip, xp, t) => {
    od[out.offset + t] = xd[xp + id[ip] * s];
  });
};

/** out (zero-filled, contiguous) [..., index[..., i, ...], ...] += src[..., i, ...] along `dim`. */
const scatterAdd: KernelTable["scatterAdd"] = (out, [src, index], { dim }) => {
  const sd = hostData(src.storage),
    id = hostData(index.storage),
    od = hostData(out.storage);
  const s = out.strides[dim];
  const srcView: View = src;
  // Walk index positions; the matching src element shares the position, the out element shares it
  // except along `dim`, where the index value says where to add.
  const shape = index.shape,
    nd = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  const pos = new Array<number>(nd).fill(0);
  for (let t = 0; t < n; t++) {
    let ip = index.offset,
      sp = srcView.offset,
      op = out.offset;
    for (let d = 0; d < nd; d++) {
      ip += pos[d] * index.strides[d];
      sp += pos[d] * srcView.strides[d];
      if (d !== dim) op += pos[d] * out.strides[d];
    }
    od[op + id[ip] * s] += sd[sp];
    for (let d = nd - 1; d >= 0; d--) {
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
    }
  }
};

/**
 * The DataLoader's batch gather (not a primitive: src/data calls it directly): out row j = x row
 * indices[j] along the first dim, x and out contiguous, `indices` in range (the caller checked).
 */
const gatherRows: KernelTable["gatherRows"] = (out, [x], { indices }) => {
  let rowSize = 1;
  for (let d = 1; d < x.shape.length; d++) rowSize *= x.shape[d];
  const from = hostData(x.storage),
    to = hostData(out.storage),
    base = x.offset,
    k = indices.length;
  if (rowSize === 1) {
    for (let j = 0; j < k; j++) to[out.offset + j] = from[base + indices[j]];
  } else {
    for (let j = 0; j < k; j++) {
      const start = base + indices[j] * rowSize;
      to.set(from.subarray(start, start + rowSize), out.offset + j * rowSize);
    }
  }
};

export function indexingKernels(): Pick<KernelTable, "gather" | "scatterAdd" | "gatherRows"> {
  return { gather, scatterAdd, gatherRows };
}
