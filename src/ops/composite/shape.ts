// Shape operations users call, validated and normalised here, built on the movement primitives.

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { normDim, normDims, sizeOf } from "../../tensor/shape.js";
import { promote } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { canView, catPrim, checkCat, expandPrim, permutePrim, reshapePrim, slicePrim } from "../primitives/movement.js";
import { gatherPrim } from "../primitives/indexing.js";
import { matmulPrim } from "../primitives/matmul.js";

/** Resolves one -1 in `shape` against `x.size`; checks the element count. */
/**
 * Shapes and dim lists are arrays here (`x.reshape([2, 3])`), where PyTorch also takes varargs; a number
 * or anything else from plain JavaScript gets a typed error naming the op instead of a TypeError from
 * deep inside (or, for expand, a wrong result).
 */
function arrayArg(op: string, what: string, v: unknown): void {
  if (!Array.isArray(v)) {
    throw new ValueError(
      `${op}: ${what} must be an array of integers, as in x.${op}([2, 3]), got ${typeof v === "number" ? `the number ${v}` : typeof v}; PyTorch's varargs form (x.${op}(2, 3)) is not taken`,
    );
  }
}

function resolveShape(op: string, x: Tensor, shape: readonly number[]): readonly number[] {
  arrayArg(op, "the shape", shape);
  // A tensor's own (frozen, shared) shape, as gradients pass: used as it is, no copy.
  if (Object.isFrozen(shape) && isPlainShape(shape) && sizeOf(shape) === x.size) return shape;
  // Plain loops, no closures: gradients reshape several times a step.
  const out = [...shape];
  const free = out.indexOf(-1);
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const d = out[i]!;
    if (!Number.isInteger(d) || d < -1 || (d === -1 && i !== free)) {
      throw new ValueError(`${op}: invalid shape ${fmtShape(shape)}: sizes must be integers >= 0, with at most one -1`);
    }
    if (i !== free) known *= d;
  }
  if (free >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for a tensor of shape ${fmtShape(x.shape)} (${x.size} elements)`);
    }
    out[free] = x.size / known;
  }
  if (sizeOf(out) !== x.size) {
    throw new ShapeError(
      `${op}: cannot reshape a tensor of shape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)} (${sizeOf(out)} elements)`,
    );
  }
  return out;
}

/** Whether every size is an integer >= 0 (no -1 to resolve). */
function isPlainShape(shape: readonly number[]): boolean {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 0) return false;
  }
  return true;
}

/**
 * A view when the layout allows it, else a copy (torch.reshape). One dim may be -1.
 * @example tg.reshape(tg.arange(6), [2, -1])  // [[0, 1, 2], [3, 4, 5]]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return reshapePrim([x], resolveShape("reshape", x, shape));
}

/** Like reshape, but never copies: throws when the strides do not allow a view (torch.view). */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  const s = resolveShape("view", x, shape);
  if (!canView(x, s)) {
    throw new ShapeError(
      `view: a tensor of shape ${fmtShape(x.shape)} with strides ${fmtShape(x.strides)} cannot be viewed as ${fmtShape(s)}; use reshape()`,
    );
  }
  return reshapePrim([x], s);
}

/**
 * Dims startDim…endDim merged into one (all dims by default, giving 1-D) (torch.flatten).
 * @example tg.flatten(tg.zeros([2, 3, 4]), 1).shape  // [2, 12]
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshapePrim([x], [1]);
  const s = normDim("flatten", startDim, x.ndim);
  const e = normDim("flatten", endDim, x.ndim);
  if (s > e) throw new ValueError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshapePrim([x], shape);
}

/**
 * Removes size-1 dims (all, or the given ones when they have size 1), as torch.squeeze.
 * @example tg.squeeze(tg.zeros([1, 3, 1])).shape  // [3]
 */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : normDims("squeeze", dim, x.ndim);
  return reshapePrim(
    [x],
    x.shape.filter((d, i) => !(d === 1 && dims.includes(i))),
  );
}

/**
 * A size-1 dim inserted at `dim`; negative dims count from the end of the result (torch.unsqueeze).
 * @example tg.unsqueeze(tg.tensor([1, 2]), 1)  // [[1], [2]]
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim("unsqueeze", dim, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshapePrim([x], shape);
}

/**
 * A view with the dims reordered: the result's dim i is x's dims[i] (torch.permute).
 * @example tg.permute(tg.zeros([2, 3, 4]), [2, 0, 1]).shape  // [4, 2, 3]
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  arrayArg("permute", "dims", dims);
  // A frozen list already in normal form (`.T`'s shared one) is the node's params as it is; any other
  // is normalised into a new array (a caller's own list may change after the call).
  const norm = Object.isFrozen(dims) && isNormalPermutation(dims, x.ndim) ? dims : normalPermutation(x, dims);
  return permutePrim([x], norm);
}

/** Whether `dims` lists each of 0 … ndim - 1 once. */
function isNormalPermutation(dims: readonly number[], ndim: number): boolean {
  if (dims.length !== ndim || ndim > 31) return false;
  let seen = 0;
  for (let i = 0; i < ndim; i++) {
    const d = dims[i];
    if (!Number.isInteger(d) || d < 0 || d >= ndim || (seen & (1 << d)) !== 0) return false;
    seen |= 1 << d;
  }
  return true;
}

function normalPermutation(x: Tensor, dims: readonly number[]): number[] {
  // A plain loop and a bit mask, no closure or Set: linear's gradient transposes every step.
  const norm = new Array<number>(dims.length);
  let seen = 0,
    repeated = false;
  for (let i = 0; i < dims.length; i++) {
    const d = normDim("permute", dims[i]!, x.ndim);
    norm[i] = d;
    repeated ||= d < 31 ? (seen & (1 << d)) !== 0 : norm.indexOf(d) !== i;
    if (d < 31) seen |= 1 << d;
  }
  if (norm.length !== x.ndim || repeated) {
    throw new ValueError(
      `permute: dims [${dims.join(", ")}] are not a permutation of the ${x.ndim} dims of a tensor of shape ${fmtShape(x.shape)}`,
    );
  }
  return norm;
}

/**
 * A view with dims `dim0` and `dim1` swapped (torch.transpose).
 * @example tg.transpose(tg.tensor([[1, 2, 3]]), 0, 1)  // [[1], [2], [3]]
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.ndim === 0) return permutePrim([x], []);
  const a = normDim("transpose", dim0, x.ndim);
  const b = normDim("transpose", dim1, x.ndim);
  const dims = new Array<number>(x.ndim);
  for (let i = 0; i < dims.length; i++) dims[i] = i;
  dims[a] = b;
  dims[b] = a;
  return permutePrim([x], dims);
}

/** Whether a tensor of shape `own` broadcasts to `shape` (no -1 in it), `lead` new dims in front. */
function broadcastsTo(own: readonly number[], shape: readonly number[], lead: number): boolean {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 0) return false;
    if (i >= lead && own[i - lead] !== d && own[i - lead] !== 1) return false;
  }
  return true;
}

/**
 * Broadcasts to `shape` without copying; -1 keeps a dim's size (torch.expand).
 * @example tg.expand(tg.tensor([[1], [2]]), [2, 3])  // [[1, 1, 1], [2, 2, 2]]
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  arrayArg("expand", "the shape", shape);
  const lead = shape.length - x.ndim;
  if (lead < 0) {
    throw new ShapeError(`expand: cannot expand a tensor of shape ${fmtShape(x.shape)} to ${fmtShape(shape)}, which has fewer dimensions`);
  }
  // A frozen shape (another tensor's, as gradients pass) that x broadcasts to is used as it is.
  if (Object.isFrozen(shape) && broadcastsTo(x.shape, shape, lead)) return expandPrim([x], shape);
  const target = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    const own = i < lead ? undefined : x.shape[i - lead];
    if (d === -1) {
      if (own === undefined) throw new ValueError(`expand: -1 is not allowed in a new leading dimension (${fmtShape(shape)})`);
      target[i] = own;
      continue;
    }
    if (own !== undefined && own !== d && own !== 1) {
      throw new ShapeError(
        `expand: cannot expand a tensor of shape ${fmtShape(x.shape)} to ${fmtShape(shape)}: size ${own} at dimension ${i - lead} must be 1 or ${d}`,
      );
    }
    target[i] = d;
  }
  return expandPrim([x], target);
}

/**
 * Elements start, start+step, … < end along `dim` (Python slicing; negative start/end count from the end).
 * @example tg.slice(tg.arange(10), 0, 2, 8, 3)  // [2, 5]: x[2:8:3]
 */
export function slice(x: Tensor, dim: number, start = 0, end = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
  const d = normDim("slice", dim, x.ndim);
  if (!Number.isInteger(step) || step <= 0) throw new ValueError(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d];
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = clampIdx(start);
  const e = Math.max(s, clampIdx(end));
  return slicePrim([x], { dim: d, start: s, end: e, step });
}

/**
 * The tensors joined along an existing `dim`; all other dims must match, and mixed dtypes promote
 * (torch.cat).
 * @example
 * ```ts
 * tg.cat([tg.zeros([2, 3]), tg.ones([1, 3])]).shape; // [3, 3]
 * ```
 */
export function cat(xs: readonly Tensor[], dim = 0): Tensor {
  if (xs.length === 0) throw new ShapeError("cat: expected a non-empty list of tensors");
  const dtype = xs.map((t) => t.dtype).reduce(promote);
  // torch's legacy rule: a 1-D empty tensor (the tg.tensor([]) an accumulator starts from) is skipped,
  // whatever the others' shapes; it still takes part in the dtype.
  const kept = xs.some((t) => !isLegacyEmpty(t)) ? xs.filter((t) => !isLegacyEmpty(t)) : xs;
  const d = normDim("cat", dim, kept[0].ndim);
  checkCat("cat", kept, d);
  return catPrim(
    kept.map((t) => (t.dtype === dtype ? t : t.to(dtype))),
    d,
  );
}

function isLegacyEmpty(t: Tensor): boolean {
  return t.ndim === 1 && t.shape[0] === 0;
}

/**
 * The tensors (all of one shape) joined along a new dim `dim` (torch.stack): n tensors of [a, b] give [n,
 * a, b] for dim 0.
 * @example tg.stack([tg.tensor([1, 2]), tg.tensor([3, 4])], 1)  // [[1, 3], [2, 4]]
 */
export function stack(xs: readonly Tensor[], dim = 0): Tensor {
  if (xs.length === 0) throw new ShapeError("stack: expected a non-empty list of tensors");
  const ref = xs[0].shape;
  xs.forEach((t, k) => {
    if (t.ndim !== ref.length || t.shape.some((s, i) => s !== ref[i])) {
      throw new ShapeError(`stack: tensor ${k} has shape ${fmtShape(t.shape)} but tensor 0 has shape ${fmtShape(ref)}; all must be equal`);
    }
  });
  const d = normDim("stack", dim, ref.length + 1);
  return cat(
    xs.map((t) => unsqueeze(t, d)),
    d,
  );
}

/**
 * Values of x at `index` (int32, same rank as x) along `dim`: for dim 0, out[i][j] = x[index[i][j]][j]
 * (torch.gather).
 * @example tg.gather(tg.tensor([[1, 2], [3, 4]]), 1, tg.tensor([[1], [0]], { dtype: "int32" }))  // [[2], [3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  return gatherPrim([x, index], { dim: normDim("gather", dim, x.ndim), checked: true });
}

/**
 * torch.matmul: 1-D operands are promoted to matrices and the added dim removed afterwards.
 * @example tg.matmul(tg.randn([10, 2, 3]), tg.randn([3, 4])).shape  // [10, 2, 4]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: both operands must have at least one dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (a.ndim === 1 && b.ndim === 1 && a.shape[0] !== b.shape[0]) {
    throw new ShapeError(
      `matmul: cannot take the dot product of ${fmtShape(a.shape)} and ${fmtShape(b.shape)}: sizes ${a.shape[0]} and ${b.shape[0]} differ`,
    );
  }
  const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const b2 = b.ndim === 1 ? unsqueeze(b, -1) : b;
  if (a2.shape[a2.ndim - 1] !== b2.shape[b2.ndim - 2]) {
    throw new ShapeError(
      `matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}: inner dimensions ${a2.shape[a2.ndim - 1]} and ${b2.shape[b2.ndim - 2]} differ`,
    );
  }
  let out = matmulPrim([a2, b2], undefined);
  if (b.ndim === 1) out = squeeze(out, -1);
  if (a.ndim === 1) out = squeeze(out, a.ndim === 1 && b.ndim === 1 ? -1 : -2);
  return out;
}
