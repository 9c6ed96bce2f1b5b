// torch.nn.functional.pad: constant padding (negative amounts crop) by concatenation, and reflect,
// replicate and circular padding by gathering along each padded dim (indexSelect), whose gradient
// scatters back, adding where an element was copied several times.

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { tensor, full } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";
import { cat } from "../../ops/index.js";

/**
 * How F.pad fills: a constant, the edge mirrored without repeating it ("reflect", [1, 2, 3] →
 * [2, 1, 2, 3, 2]), the edge repeated ("replicate") or the other end wrapped round ("circular").
 */
export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/** Options of F.pad (torch's mode and value). */
export interface PadOptions {
  /** "constant" (default), "reflect", "replicate" or "circular". */
  mode?: PadMode;
  /** The fill value of constant padding (default 0). */
  value?: number;
}

/**
 * Pads the last dims of `x`: `pad` lists (before, after) amounts from the last dim backwards, as
 * torch: `[left, right]` pads the last dim, `[left, right, top, bottom]` the last two.
 * Non-constant modes pad at most the last three dims of a batched (or unbatched) input.
 * @example F.pad(images, [1, 1, 1, 1], { mode: "reflect" })
 */
export function pad(x: Tensor, pad: readonly number[], opts: PadOptions = {}): Tensor {
  checkOptions("pad", opts, ["mode", "value"]);
  const { mode = "constant", value = 0 } = opts;
  if (!["constant", "reflect", "replicate", "circular"].includes(mode)) {
    throw new ValueError(`pad: unknown mode "${mode}" (expected "constant", "reflect", "replicate" or "circular")`);
  }
  if (!Array.isArray(pad) || pad.length % 2 !== 0 || pad.some((p) => !Number.isInteger(p))) {
    throw new ValueError(`pad: padding must be an even-length list of integers, got [${pad}]`);
  }
  const k = pad.length / 2;
  if (k > x.ndim) throw new ShapeError(`pad: ${pad.length} padding values for an input of ${x.ndim} dims (at most ${2 * x.ndim})`);
  if (mode !== "constant") {
    if (value !== 0) throw new ValueError(`pad: value applies to constant padding only, not "${mode}"`);
    if (k > 3 || x.ndim < k + 1 || x.ndim > k + 2) {
      throw new ShapeError(`pad: ${mode} padding of ${k} dims takes a ${k + 1}-D or ${k + 2}-D input, got ${fmtShape(x.shape)}`);
    }
  }
  let out = x;
  for (let i = 0; i < k; i++) {
    const dim = x.ndim - 1 - i;
    const before = pad[2 * i],
      after = pad[2 * i + 1];
    if (before === 0 && after === 0) continue;
    out = mode === "constant" ? padConstant(out, dim, before, after, value) : padGather(out, dim, before, after, mode);
  }
  return out === x ? x.clone() : out;
}

function padConstant(x: Tensor, dim: number, before: number, after: number, value: number): Tensor {
  const n = x.shape[dim];
  if (n + Math.min(before, 0) + Math.min(after, 0) < 0) {
    throw new ShapeError(`pad: cropping ${-Math.min(before, 0)} and ${-Math.min(after, 0)} from dim ${dim} of size ${n}`);
  }
  // Negative amounts crop first; positive ones add a block of the fill value.
  let t = x.slice(dim, Math.max(-before, 0), n - Math.max(-after, 0));
  const block = (m: number) =>
    full(
      t.shape.map((s, d) => (d === dim ? m : s)),
      value,
      { dtype: t.dtype },
    );
  const parts = [...(before > 0 ? [block(before)] : []), t, ...(after > 0 ? [block(after)] : [])];
  if (parts.length > 1) t = cat(parts, dim);
  return t;
}

function padGather(x: Tensor, dim: number, before: number, after: number, mode: PadMode): Tensor {
  const n = x.shape[dim];
  if (before < 0 || after < 0) throw new ValueError(`pad: ${mode} padding must be non-negative, got ${before} and ${after}`);
  if (mode === "reflect" && (before >= n || after >= n)) {
    throw new ValueError(`pad: reflect padding (${before}, ${after}) must be less than the size ${n} of dim ${dim}`);
  }
  if (mode === "circular" && (before > n || after > n)) {
    throw new ValueError(`pad: circular padding (${before}, ${after}) must be at most the size ${n} of dim ${dim}`);
  }
  if (n === 0) throw new ShapeError(`pad: cannot ${mode}-pad an empty dim ${dim}`);
  const idx: number[] = [];
  for (let j = -before; j < n + after; j++) {
    if (mode === "replicate") idx.push(Math.min(Math.max(j, 0), n - 1));
    else if (mode === "circular") idx.push(((j % n) + n) % n);
    else idx.push(j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j);
  }
  return x.indexSelect(dim, tensor(idx, { dtype: "int32" }));
}
