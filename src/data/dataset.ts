// Datasets (torch.utils.data): the Dataset interface, TensorDataset, Subset, and the row gathering
// and collation that turn a list of sample indices into batch tensors.

import { frozenShape1, frozenShape2 } from "../tensor/frozen-dims.js";
import { halfTagOf, tagHalf } from "../tensor/half.js";
import { isBoolStorage, tagBool } from "../tensor/bool.js";
import { getBackend, kernelFor } from "../backend/current.js";
import { noGrad } from "../autograd/grad-mode.js";
import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { stack } from "../ops/index.js";
import { tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";

/** One sample: its fields in order (features, target, …), each a tensor or a plain number. */
export type Sample = readonly (Tensor | number)[];

/**
 * A map-style dataset (torch.utils.data.Dataset): `length` samples, `get(i)` returning sample i's
 * fields. `getBatch`, when present, returns whole batches at once (one tensor per field with a
 * leading batch dimension) and lets DataLoader skip per-sample collation.
 */
export interface Dataset {
  /** The number of samples. */
  readonly length: number;
  /** Sample `index` (0-based; negative counts from the end), its fields in order. */
  get(index: number): Sample;
  /**
   * The samples at `indices` as one tensor per field with a leading batch dim (optional; DataLoader
   * uses it when present).
   */
  getBatch?(indices: ArrayLike<number>): Tensor[];
}

/** Checks `index` against `length` and turns a negative index into its positive form. */
export function checkIndex(op: string, index: number, length: number): number {
  if (!Number.isInteger(index) || index < -length || index >= length) {
    throw new ValueError(
      `${op}: index ${index} is out of range for a dataset of ${length} samples (expected an integer in [${-length}, ${length - 1}])`,
    );
  }
  return index < 0 ? index + length : index;
}

/** `t.contiguous()` unrecorded; a function of its own, so that gatherRows captures nothing (no scope per batch). */
function contiguousCopy(t: Tensor): Tensor {
  return noGrad(() => t.contiguous());
}

/**
 * Rows `indices` of `t` (along its first dimension) as a new contiguous tensor of shape
 * [indices.length, ...t.shape.slice(1)], copied straight from storage (no autograd graph).
 */
export function gatherRows(t: Tensor, indices: ArrayLike<number>): Tensor {
  const src = t.isContiguous ? t : contiguousCopy(t);
  const k = indices.length;
  const rowSize = src.size / src.shape[0];
  // Not zero-filled: the kernel writes every row.
  // Batches of rows and of labels (the usual data sets): the shared frozen shape, no arrays made.
  const shape = src.ndim === 2 ? frozenShape2(k, src.shape[1]!) : src.ndim === 1 ? frozenShape1(k) : [k, ...src.shape.slice(1)];
  const out = new Tensor(getBackend().alloc(src.storage.dtype, k * rowSize, false), shape);
  kernelFor("gatherRows")(out, [src], { indices });
  // Rows of a float16/bfloat16 tensor are still exact values of that dtype.
  if (isBoolStorage(src.storage)) tagBool(out.storage); // rows of a bool tensor stay bool
  const half = halfTagOf(src.storage);
  if (half) {
    tagHalf(out.storage, half);
    return new Tensor(out.storage, out.shape);
  }
  return out;
}

/**
 * Stacks sample fields into batch tensors (torch's default_collate): field f of every sample is
 * stacked along a new first dimension. Plain numbers become a float32 tensor [B]: JavaScript cannot
 * tell 1 from 1.0, and a dtype guessed per batch would change between batches, so return class
 * indices as int32 tensors (`tg.tensor(k, { dtype: "int32" })`) or pass your own `collateFn`.
 * @example data.collate([[tg.tensor([1, 2]), 0], [tg.tensor([3, 4]), 1]])  // [[[1, 2], [3, 4]], [0, 1]]
 */
export function collate(samples: readonly Sample[]): Tensor[] {
  if (samples.length === 0) throw new ValueError("collate: expected at least one sample");
  const nFields = samples[0].length;
  const out: Tensor[] = [];
  for (let f = 0; f < nFields; f++) {
    const column = samples.map((s, k) => {
      if (s.length !== nFields) throw new ShapeError(`collate: sample ${k} has ${s.length} fields but sample 0 has ${nFields}`);
      return s[f];
    });
    if (column.every((v) => typeof v === "number")) {
      out.push(tensor(column as number[]));
    } else if (column.every((v) => v instanceof Tensor)) {
      out.push(noGrad(() => stack(column as Tensor[]).contiguous()));
    } else {
      throw new ValueError(`collate: field ${f} mixes tensors and numbers across samples; expected one kind`);
    }
  }
  return out;
}

/**
 * Samples made of rows of tensors sharing their first dimension (torch.utils.data.TensorDataset).
 * `get(i)` returns row i of each tensor (a copy); batches are gathered straight from storage.
 * @example const ds = new data.TensorDataset(x, y); const [xi, yi] = ds.get(0);
 */
export class TensorDataset implements Dataset {
  /** The tensors, all with the same first dim (the samples). */
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ValueError("TensorDataset: expected at least one tensor");
    tensors.forEach((t, k) => {
      if (!(t instanceof Tensor)) throw new ValueError(`TensorDataset: argument ${k} is not a Tensor`);
      if (t.ndim === 0)
        throw new ShapeError(`TensorDataset: tensor ${k} is 0-d (shape []); expected at least one dimension to index samples by`);
    });
    const n = tensors[0].shape[0];
    tensors.forEach((t, k) => {
      if (t.shape[0] !== n) {
        throw new ShapeError(
          `TensorDataset: size mismatch between tensors: tensor 0 has shape ${fmtShape(tensors[0].shape)} and tensor ${k} has shape ${fmtShape(t.shape)}; expected the same first dimension`,
        );
      }
    });
    this.tensors = tensors;
  }

  /** The number of samples, the tensors' first dim. */
  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** Row `index` of each tensor (copies). */
  get(index: number): Tensor[] {
    const i = checkIndex("TensorDataset.get", index, this.length);
    return this.tensors.map((t) => {
      const row = gatherRows(t, [i]);
      return new Tensor(row.storage, t.shape.slice(1));
    });
  }

  /** Rows `indices` of each tensor, gathered straight from storage. */
  getBatch(indices: ArrayLike<number>): Tensor[] {
    // Plain loops: a closure created per batch is recompiled by V8 again and again.
    const rows = new Int32Array(indices.length);
    for (let k = 0; k < rows.length; k++) rows[k] = checkIndex("TensorDataset.getBatch", indices[k]!, this.length);
    const out: Tensor[] = [];
    for (const t of this.tensors) out.push(gatherRows(t, rows));
    return out;
  }
}

/**
 * The samples of `dataset` at `indices`, in that order (torch.utils.data.Subset).
 * @example const firstTen = new data.Subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 */
export class Subset implements Dataset {
  /** The indices into `dataset`, in the subset's order. */
  readonly indices: readonly number[];

  constructor(
    /** The dataset the samples come from. */
    readonly dataset: Dataset,
    indices: ArrayLike<number>,
  ) {
    this.indices = Array.from(indices, (i) => checkIndex("Subset", i, dataset.length));
  }

  /** The number of samples in the subset. */
  get length(): number {
    return this.indices.length;
  }

  /** Sample `index` of the subset (sample indices[index] of the dataset). */
  get(index: number): Sample {
    return this.dataset.get(this.indices[checkIndex("Subset.get", index, this.length)]);
  }

  /** The subset's samples at `indices`, batched. */
  getBatch(indices: ArrayLike<number>): Tensor[] {
    const mapped = Array.from(indices, (i) => this.indices[checkIndex("Subset.getBatch", i, this.length)]);
    return this.dataset.getBatch ? this.dataset.getBatch(mapped) : collate(mapped.map((i) => this.dataset.get(i)));
  }
}
