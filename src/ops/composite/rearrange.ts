// Rearranging elements (torch's repeat, tile, split, chunk, unbind, narrow, flip, roll, tril, triu,
// indexSelect, maskedFill, maskedSelect): views, slices, expands and gathers, so gradients come for free.

import { ShapeError, UnsupportedOpError, ValueError, fmtShape } from "../../errors.js";
import { arange, tensor } from "../../tensor/creation.js";
import { broadcastShapes, normDim } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { floatMask, requireBoolMask, whereMask } from "../primitives/elementwise.js";
import { cat, expand, reshape, slice } from "./shape.js";

/**
 * The tensor repeated `reps[d]` times along each dim; extra leading reps add dims (torch's repeat).
 * @example tg.repeat(tg.tensor([1, 2]), [2, 2])  // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  if (reps.length < x.ndim)
    throw new ShapeError(`repeat: ${reps.length} repeats for a tensor of ${x.ndim} dims (expected at least ${x.ndim})`);
  if (reps.some((r) => !Number.isInteger(r) || r < 0)) throw new ValueError(`repeat: repeats must be integers >= 0, got ${fmtShape(reps)}`);
  const shape = [...new Array(reps.length - x.ndim).fill(1), ...x.shape];
  // View each dim d as [1, n_d], expand to [r_d, n_d], and merge: the copies of a dim come one after another.
  const interleaved = shape.flatMap((n) => [1, n]);
  const expanded = shape.flatMap((n, d) => [reps[d], n]);
  return reshape(
    expand(reshape(x, interleaved), expanded),
    shape.map((n, d) => n * reps[d]),
  );
}

/**
 * torch.tile: repeat with missing leading reps taken as 1.
 * @example tg.tile(tg.tensor([[1, 2]]), [2])  // [[1, 2, 1, 2]]: fewer reps than dims repeat the last dims
 */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  const full = reps.length < x.ndim ? [...new Array(x.ndim - reps.length).fill(1), ...reps] : reps;
  return repeat(x, full);
}

/**
 * Views of `x` along `dim` of `size` each (the last may be smaller), or of the given sizes (torch.split).
 * @example tg.split(tg.arange(5), 2)  // [[0, 1], [2, 3], [4]]; tg.split(x, [1, 4]) gives sizes 1 and 4
 */
export function split(x: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim("split", dim, x.ndim);
  const n = x.shape[d];
  let lengths: number[];
  if (typeof sizes === "number") {
    if (!Number.isInteger(sizes) || sizes <= 0) throw new ValueError(`split: split size must be a positive integer, got ${sizes}`);
    lengths = [];
    for (let at = 0; at < n; at += sizes) lengths.push(Math.min(sizes, n - at));
    if (n === 0) lengths.push(0);
  } else {
    lengths = [...sizes];
    const total = lengths.reduce((a, b) => a + b, 0);
    if (lengths.some((l) => !Number.isInteger(l) || l < 0) || total !== n) {
      throw new ShapeError(
        `split: sizes ${fmtShape(lengths)} must be integers >= 0 summing to the dim's length ${n} (shape ${fmtShape(x.shape)}, dim ${dim})`,
      );
    }
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const l of lengths) {
    out.push(slice(x, d, at, at + l));
    at += l;
  }
  return out;
}

/**
 * `chunks` pieces of ceil(n / chunks) along `dim`, the last smaller; fewer when n is small (torch.chunk).
 * @example tg.chunk(tg.arange(6), 3)  // [[0, 1], [2, 3], [4, 5]]
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ValueError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const n = x.shape[normDim("chunk", dim, x.ndim)];
  return split(x, Math.max(1, Math.ceil(n / chunks)), dim);
}

/**
 * The slices along `dim`, that dim removed (torch.unbind).
 * @example tg.unbind(tg.tensor([[1, 2], [3, 4]]))  // [[1, 2], [3, 4]] as two 1-D tensors
 */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normDim("unbind", dim, x.ndim);
  return split(x, 1, d).map((t) => t.squeeze(d));
}

/**
 * `length` elements of `dim` from `start` (torch.narrow), a view.
 * @example tg.narrow(tg.arange(6), 0, 2, 3)  // [2, 3, 4]
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim("narrow", dim, x.ndim);
  const n = x.shape[d];
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > n) {
    throw new ShapeError(`narrow: start ${start} and length ${length} do not fit dim ${dim} of length ${n}`);
  }
  return slice(x, d, s, s + length);
}

/**
 * The elements of `index` (int32, 1-D) along `dim` (torch.index_select).
 * @example tg.indexSelect(tg.tensor([[1, 2], [3, 4], [5, 6]]), 0, tg.tensor([2, 0], { dtype: "int32" }))  // [[5, 6], [1, 2]]
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim("indexSelect", dim, x.ndim);
  if (index.ndim > 1 || index.dtype !== "int32") {
    throw new ShapeError(`indexSelect: index must be a 1-D int32 tensor, got ${index.dtype} of shape ${fmtShape(index.shape)}`);
  }
  const idx = index.reshape([index.size]);
  const shape = x.shape.map((n, i) => (i === d ? idx.size : n));
  const view = x.shape.map((_, i) => (i === d ? idx.size : 1));
  return x.gather(d, expand(reshape(idx, view), shape));
}

/**
 * `x` reversed along each of `dims` (torch.flip), a gather.
 * @example tg.flip(tg.tensor([[1, 2], [3, 4]]), 1)  // [[2, 1], [4, 3]]
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  let out = x;
  for (const dim of typeof dims === "number" ? [dims] : dims) {
    const d = normDim("flip", dim, x.ndim);
    const n = x.shape[d];
    out = indexSelect(
      out,
      d,
      arange(n, { dtype: "int32" })
        .neg()
        .add(n - 1),
    );
  }
  return out;
}

/**
 * Elements shifted by `shifts` along `dims`, wrapping around (torch.roll); no dims: over the flattened tensor.
 * @example tg.roll(tg.tensor([1, 2, 3, 4]), 1)  // [4, 1, 2, 3]
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  const s = typeof shifts === "number" ? [shifts] : [...shifts];
  if (dims === undefined) {
    if (s.length !== 1) throw new ValueError(`roll: without dims, shifts must be one number, got ${fmtShape(s)}`);
    return roll(x.reshape([x.size]), s[0], 0).reshape(x.shape);
  }
  const ds = typeof dims === "number" ? [dims] : [...dims];
  if (ds.length !== s.length) throw new ValueError(`roll: ${s.length} shifts for ${ds.length} dims`);
  let out = x;
  ds.forEach((dim, k) => {
    const d = normDim("roll", dim, x.ndim);
    const n = x.shape[d];
    if (n === 0) return;
    const by = ((s[k] % n) + n) % n;
    if (by !== 0) out = cat([slice(out, d, n - by, n), slice(out, d, 0, n - by)], d);
  });
  return out;
}

/**
 * `x` with the elements where the bool `mask` (broadcast to x) is true set to `value`
 * (torch.masked_fill). A mask of another dtype is a DTypeError, as torch's "masked_fill_ only
 * supports boolean masks": compare (`m.ne(0)`) or cast (`m.bool()`) first.
 * @example tg.maskedFill(tg.tensor([1, 2, 3]), tg.tensor([false, true, false]), -Infinity)  // [1, -Infinity, 3]
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  requireBoolMask("maskedFill", mask);
  // Checked here so that a mask that does not broadcast is reported as maskedFill's, not where's.
  if (mask.shape !== x.shape) broadcastShapes("maskedFill", x.shape, mask.shape);
  return whereMask(mask, value, x);
}

/**
 * The elements of `x` where the bool `mask` is true, as a 1-D tensor in row-major order; `x` and
 * `mask` broadcast together (torch.masked_select; another mask dtype is a DTypeError). The
 * gradient flows back to the selected elements. The output's length depends on the mask's values, so
 * the mask is read on the host: on WebGPU pass it as a CPU tensor (`await mask.cpu()`).
 * @example tg.maskedSelect(x, x.gt(0)) // the positive elements of x
 */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  requireBoolMask("maskedSelect", mask);
  const shape = broadcastShapes("maskedSelect", x.shape, mask.shape);
  const m = expand(mask, shape)._hostDataOrNull();
  if (m === null) {
    const where = mask.storage.backend.name;
    throw new UnsupportedOpError(
      `maskedSelect: the mask lives on the "${where}" backend, which cannot be read synchronously, and the output's length depends on it; pass the mask as a CPU tensor (await mask.cpu())`,
      "maskedSelect",
      where,
    );
  }
  const picked: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) picked.push(i);
  const flat = reshape(expand(x, shape), [m.length]);
  return indexSelect(flat, 0, tensor(Int32Array.from(picked), { dtype: "int32" }));
}

function triangle(op: string, x: Tensor, k: number, keepLower: boolean): Tensor {
  if (x.ndim < 2) throw new ShapeError(`${op}: expected at least 2 dims, got shape ${fmtShape(x.shape)}`);
  if (!Number.isInteger(k)) throw new ValueError(`${op}: diagonal must be an integer, got ${k}`);
  const [r, c] = x.shape.slice(-2);
  const rows = arange(r, { dtype: "int32" }).unsqueeze(1);
  const cols = arange(c, { dtype: "int32" }).unsqueeze(0);
  // Lower: column - row <= k; upper: column - row >= k.
  const keep = keepLower ? floatMask.le(cols.sub(rows), k) : floatMask.ge(cols.sub(rows), k);
  return whereMask(keep, x, 0);
}

/**
 * The lower triangle (on and below diagonal `k`) of the last two dims, the rest 0 (torch.tril).
 * @example tg.tril(tg.ones([3, 3]))  // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
 */
export function tril(x: Tensor, k = 0): Tensor {
  return triangle("tril", x, k, true);
}

/**
 * The upper triangle (on and above diagonal `k`) of the last two dims, the rest 0 (torch.triu).
 * @example tg.triu(tg.ones([3, 3]), 1)  // [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
 */
export function triu(x: Tensor, k = 0): Tensor {
  return triangle("triu", x, k, false);
}
