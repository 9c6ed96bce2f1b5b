// embedding and oneHot for nn.functional (torch.nn.functional.embedding / one_hot).

import { ShapeError, UnsupportedOpError, ValueError, fmtShape } from "../../errors.js";
import { where } from "../../ops/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";
import { arange, tensor } from "../../tensor/creation.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { asIndexTensor, checkRange, type IndexInput } from "./indices.js";

export interface EmbeddingFunctionalOptions {
  /** The row at this index is returned as stored but receives no gradient. */
  paddingIdx?: number | null;
  /** Looked-up rows whose normType-norm exceeds this are scaled down to it in `weight`, in place (torch's max_norm). */
  maxNorm?: number | null;
  /** The p of maxNorm's norm (default 2). */
  normType?: number;
}

/**
 * Rows of `weight` ([numEmbeddings, dim]) picked by `indices` (any shape), giving [...indices.shape, dim]
 * (torch.nn.functional.embedding). The row at `paddingIdx` is returned as stored but receives no
 * gradient; with `maxNorm`, looked-up rows longer than it are first renormalised in place, as torch's.
 * @example F.embedding(tg.tensor([[0, 2]], { dtype: "int32" }), table)  // [1, 2, dim]
 */
export function embedding(indices: IndexInput, weight: Tensor, opts: EmbeddingFunctionalOptions = {}): Tensor {
  checkOptions("embedding", opts, ["paddingIdx", "maxNorm", "normType"]);
  const { paddingIdx = null, maxNorm = null, normType = 2 } = opts;
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D [numEmbeddings, dim], got ${fmtShape(weight.shape)}`);
  const [n, dim] = weight.shape;
  const idx = asIndexTensor("embedding", indices);
  checkRange(idx, n, (v) => `embedding: index ${v} is out of range for ${n} embeddings (expected 0 to ${n - 1})`);
  if (maxNorm !== null) renormRows(weight, idx, maxNorm, normType);
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

/** torch's embedding_renorm_: each distinct looked-up row with norm > maxNorm is scaled by maxNorm / (norm + 1e-7). */
function renormRows(weight: Tensor, idx: Tensor, maxNorm: number, normType: number): void {
  if (!(typeof maxNorm === "number" && maxNorm >= 0))
    throw new ValueError(`embedding: maxNorm must be a number >= 0, got ${String(maxNorm)}`);
  if (!weight.storage.backend.host || !idx.storage.backend.host) {
    throw new UnsupportedOpError(
      `embedding: maxNorm renormalises rows chosen by reading the indices, which a "${weight.storage.backend.name}" tensor cannot do synchronously; leave maxNorm out on this backend`,
      "embedding",
      weight.storage.backend.name,
    );
  }
  noGrad(() => {
    for (const i of new Set(idx.contiguousData())) {
      const row = weight.slice(0, i, i + 1);
      const norm = row.norm(normType).item();
      if (norm > maxNorm) row.mul_(maxNorm / (norm + 1e-7));
    }
  });
}

/**
 * One-hot encoding: [...indices.shape, numClasses] of 0/1 (torch.nn.functional.one_hot).
 * Gives int32 where torch gives int64; numClasses = -1 means max(indices) + 1.
 * @example F.oneHot(tg.tensor([0, 2], { dtype: "int32" }), 3)  // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(indices: IndexInput, numClasses = -1): Tensor {
  const idx = asIndexTensor("oneHot", indices);
  if (!idx.storage.backend.host) {
    // On a device: compared with every class on the device; the class count must be given.
    if (numClasses === -1)
      throw new ValueError(
        `oneHot: numClasses is needed for indices on the "${idx.storage.backend.name}" backend (inferring it reads them synchronously)`,
      );
    if (!Number.isInteger(numClasses) || numClasses < 0)
      throw new ValueError(`oneHot: numClasses must be a non-negative integer or -1, got ${numClasses}`);
    return idx
      .unsqueeze(-1)
      .eq(arange(numClasses, { dtype: "int32" }))
      .to("int32");
  }
  const data = idx.contiguousData();
  let classes = numClasses;
  if (classes === -1) {
    if (data.length === 0) throw new ValueError("oneHot: cannot infer the number of classes from an empty tensor; pass numClasses");
    let max = 0;
    for (let i = 0; i < data.length; i++) max = Math.max(max, data[i]);
    classes = max + 1;
  }
  if (!Number.isInteger(classes) || classes < 0)
    throw new ValueError(`oneHot: numClasses must be a non-negative integer or -1, got ${numClasses}`);
  checkRange(idx, classes, (v) => `oneHot: class ${v} is out of range for ${classes} classes (expected 0 to ${classes - 1})`);
  const o = new Int32Array(data.length * classes);
  for (let i = 0; i < data.length; i++) o[i * classes + data[i]] = 1;
  return tensor(o, { shape: [...idx.shape, classes] });
}
