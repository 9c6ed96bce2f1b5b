// embedding and oneHot for nn.functional (torch.nn.functional.embedding / one_hot).

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { where } from "../../ops/index.js";
import { emptyTensor } from "../../ops/run-kernel.js";
import type { Tensor } from "../../tensor/tensor.js";
import { asIndexTensor, checkRange, type IndexInput } from "./indices.js";

/**
 * Rows of `weight` ([numEmbeddings, dim]) picked by `indices` (any shape), giving [...indices.shape, dim]
 * (torch.nn.functional.embedding). The row at `paddingIdx` is returned as stored but receives no gradient.
 * @example F.embedding(tg.tensor([[0, 2]], { dtype: "int32" }), table)  // [1, 2, dim]
 */
export function embedding(indices: IndexInput, weight: Tensor, { paddingIdx = null }: { paddingIdx?: number | null } = {}): Tensor {
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D [numEmbeddings, dim], got ${fmtShape(weight.shape)}`);
  const [n, dim] = weight.shape;
  const idx = asIndexTensor("embedding", indices);
  checkRange(idx, n, (v) => `embedding: index ${v} is out of range for ${n} embeddings (expected 0 to ${n - 1})`);
  const pad = paddingIdx === null ? null : paddingIdx < 0 ? paddingIdx + n : paddingIdx;
  // gather along dim 0 with the index repeated across the embedding dim; its gradient scatters back,
  // adding rows that were looked up more than once.
  const flatIdx = idx.reshape([idx.size, 1]).expand([idx.size, dim]);
  let rows = weight.gather(0, flatIdx);
  if (pad !== null && weight.requiresGrad) {
    // Same values, but the padding row's lookups go through a detached copy: no gradient reaches it.
    rows = where(flatIdx.ne(pad), rows, rows.detach());
  }
  return rows.reshape([...idx.shape, dim]);
}

/**
 * One-hot encoding: [...indices.shape, numClasses] of 0/1 (torch.nn.functional.one_hot).
 * Gives int32 where torch gives int64; numClasses = -1 means max(indices) + 1.
 * @example F.oneHot(tg.tensor([0, 2], { dtype: "int32" }), 3)  // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(indices: IndexInput, numClasses = -1): Tensor {
  const idx = asIndexTensor("oneHot", indices);
  const data = idx.contiguousData();
  let classes = numClasses;
  if (classes === -1) {
    if (data.length === 0) throw new ValueError("oneHot: cannot infer the number of classes from an empty tensor; pass numClasses");
    let max = 0;
    for (let i = 0; i < data.length; i++) max = Math.max(max, data[i]);
    classes = max + 1;
  }
  if (!Number.isInteger(classes) || classes < 0) throw new ValueError(`oneHot: numClasses must be a non-negative integer or -1, got ${numClasses}`);
  checkRange(idx, classes, (v) => `oneHot: class ${v} is out of range for ${classes} classes (expected 0 to ${classes - 1})`);
  const out = emptyTensor([...idx.shape, classes], "int32");
  const o = out.storage.data;
  for (let i = 0; i < data.length; i++) o[i * classes + data[i]] = 1;
  return out;
}
