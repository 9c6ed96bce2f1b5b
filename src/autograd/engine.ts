// Reverse-mode differentiation over the recorded graph: an iterative topological sort (so a
// 10,000-op chain cannot overflow the stack), vector-Jacobian products in reverse order, gradients
// summed back over broadcast dimensions in this one place, leaf gradients accumulated into `.grad`,
// and each node released once used so the graph's memory goes back to the garbage collector.

import { ShapeError, ValueError, DTypeError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { shapesEqual } from "../tensor/shape.js";
import { setGradEnabled } from "./grad-mode.js";
import { getBackend } from "../backend/current.js";
import type { Storage } from "../backend/backend.js";
import type { Node } from "./primitive.js";
import { versionOf } from "../tensor/version.js";
import { checkOptions } from "../tensor/options.js";

/** Marks a node whose graph a previous backward() has already released. */
export const RELEASED: Node = Object.freeze({ spec: { name: "released", forward: () => { throw new Error("unreachable"); } }, inputs: [], params: undefined });

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (torch's retain_graph). */
  retainGraph?: boolean;
  /**
   * torch's create_graph (a differentiable backward, for higher-order gradients). Not supported yet:
   * true is a ValueError rather than silently giving first-order gradients only.
   */
  createGraph?: boolean;
}

// Storages of forward results that no user can hold: tensors a composite makes and consumes itself
// (an im2col matrix, a matmul before its bias), which only the graph's nodes reference. See
// markIntermediate.
const intermediates = new WeakSet<Storage>();

/**
 * Declares that these tensors' storages are reachable only through the autograd graph: the composite
 * that made them uses them as inputs of its own ops and returns none of them, nor any view of them.
 * A backward pass that releases the graph then returns their memory at once (on backends that can)
 * instead of leaving it to the garbage collector. Getting this wrong frees memory still in use, so
 * callers mark only what is plainly internal, and never a storage they return.
 */
export function markIntermediate(...ts: Tensor[]): void {
  for (const t of ts) intermediates.add(t.storage);
}

export function backward(root: Tensor, grad?: Tensor | null, options: BackwardOptions = {}): void {
  checkOptions("backward", options, ["retainGraph", "createGraph"]);
  if (options.createGraph) {
    throw new ValueError("backward: createGraph (higher-order gradients) is not supported yet; the gradients would not be differentiable");
  }
  if (!root.requiresGrad) {
    throw new ValueError("backward: this tensor does not require grad and has no recorded graph (create the inputs with { requiresGrad: true })");
  }
  // Everything this pass allocates is an intermediate gradient that dies with it, except what it
  // hands to leaves' .grad: a backend that can free memory without the garbage collector does so
  // for the rest when the pass ends (vjps are the library's own and keep no tensor they compute).
  const backend = getBackend();
  const region = backend.transient?.();
  const kept = new Set<Storage>();
  const dead = new Set<Storage>();
  try {
    run(root, grad, options, kept, dead);
  } finally {
    region?.close(kept);
  }
  // The released graph was the last holder of these forward intermediates.
  for (const s of dead) s.backend.release?.(s);
}

/**
 * The pass itself; `handed` collects the storages given to leaves' .grad, `dead` the intermediates
 * (see markIntermediate) whose last references the pass released.
 */
function run(root: Tensor, grad: Tensor | null | undefined, { retainGraph = false }: BackwardOptions, handed: Set<Storage>, dead: Set<Storage>): void {
  let g: Tensor;
  if (grad == null) {
    if (root.size !== 1) {
      throw new ValueError(
        `backward: a gradient can be implied only for a one-element tensor, but this tensor has shape ${fmtShape(root.shape)}; ` +
          `pass backward(grad) with a gradient of that shape`,
      );
    }
    g = root.onesLike();
  } else {
    if (!shapesEqual(grad.shape, root.shape)) {
      throw new ShapeError(`backward: gradient of shape ${fmtShape(grad.shape)} does not match the tensor's shape ${fmtShape(root.shape)}`);
    }
    g = grad.dtype === root.dtype ? grad : grad.to(root.dtype);
  }

  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, g]]);
  // No closure here (noGrad would need one): V8 recompiles a closure created per call.
  const prev = setGradEnabled(false);
  try {
    propagate(order, grads, g, retainGraph, handed, dead);
  } finally {
    setGradEnabled(prev);
  }
}

/** Walks `order` backwards, handing each node's gradient to its inputs' (see run). */
function propagate(order: Tensor[], grads: Map<Tensor, Tensor>, g: Tensor, retainGraph: boolean, handed: Set<Storage>, dead: Set<Storage>): void {
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const gt = grads.get(t);
    if (!gt) continue;
    grads.delete(t);
    const node = t._node;
    if (node === RELEASED) {
      throw new ValueError(
        "backward: trying to backward through the graph a second time; its buffers were released by the first backward() " +
          "(pass { retainGraph: true } to the first call if you need to backward twice)",
      );
    }
    if (node === null) {
      // A leaf: accumulate. The first gradient is copied when its storage may be shared, so that
      // no two leaves (or a leaf and the caller's gradient or a pending one) share a tensor that an
      // optimizer or clipGradNorm may later modify in place; a fresh one is kept as it is.
      const prevGrad = t._peekGrad();
      const leafGrad = prevGrad ? prevGrad.add(gt) : ownsStorage(gt, g, grads, handed) ? gt : gt.clone();
      t._setFreshGrad(leafGrad);
      handed.add(leafGrad.storage);
      continue;
    }
    if (node.versions) checkVersions(node, t);
    const inputGrads = node.spec.vjp!(gt, { inputs: node.inputs, output: t, params: node.params });
    for (let k = 0; k < node.inputs.length; k++) {
      const x = node.inputs[k];
      const gx = inputGrads[k];
      if (!gx || !x.requiresGrad) continue;
      const summed = sumTo(gx, x);
      const prev = grads.get(x);
      grads.set(x, prev ? prev.add(summed) : summed);
    }
    if (!retainGraph) {
      t._setNode(RELEASED);
      for (const x of node.inputs) if (intermediates.has(x.storage)) dead.add(x.storage);
    }
  }
}

/** Throws when a tensor `node` saved for its gradient was written in place after it was recorded. */
function checkVersions(node: Node, output: Tensor): void {
  const saved = node.versions!;
  for (let k = 0; k < saved.length; k++) {
    if (saved[k] < 0) continue;
    const t = k < node.inputs.length ? node.inputs[k] : output;
    const now = versionOf(t);
    if (now !== saved[k]) {
      const which = k < node.inputs.length ? `input ${k}` : "output";
      throw new ValueError(
        `backward: one of the tensors needed for gradient computation has been modified by an in-place operation: ` +
          `${node.spec.name}'s ${which} (shape ${fmtShape(t.shape)}, ${t.dtype}) is at version ${now}; expected version ${saved[k]} instead ` +
          `(change a clone of it, or change it only after backward)`,
      );
    }
  }
}

/**
 * Whether `gt` alone uses its storage: it covers all of it contiguously, and neither the root gradient
 * (possibly the caller's tensor), a gradient still pending for another tensor, nor one already given
 * to a leaf in this pass shares it. Gradients are computed from the upstream gradient only, so these
 * are the only places another reference can come from.
 */
function ownsStorage(gt: Tensor, root: Tensor, grads: Map<Tensor, Tensor>, handed: Set<Storage>): boolean {
  const s = gt.storage;
  if (gt.offset !== 0 || gt.size !== s.length || !gt.isContiguous || s === root.storage || handed.has(s)) return false;
  for (const other of grads.values()) if (other.storage === s) return false;
  return true;
}

/** Tensors reachable from `root` through inputs that require grad, inputs before their users. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const node = top.t._node;
    if (node && top.next < node.inputs.length) {
      const child = node.inputs[top.next++];
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push({ t: child, next: 0 });
      }
    } else {
      stack.pop();
      order.push(top.t);
    }
  }
  return order;
}

/**
 * Undoes broadcasting: sums `g` over the leading dims `x` lacks and over dims where `x` has size 1,
 * so the gradient has exactly `x`'s shape (and dtype).
 */
export function sumTo(g: Tensor, x: Tensor): Tensor {
  const shape = x.shape;
  let out = g;
  if (!shapesEqual(g.shape, shape)) {
    const lead = g.ndim - shape.length;
    if (lead < 0) throw new ShapeError(`backward: gradient of shape ${fmtShape(g.shape)} has fewer dims than its input ${fmtShape(shape)}`);
    const dims: number[] = [];
    for (let d = 0; d < g.ndim; d++) {
      if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) dims.push(d);
    }
    if (dims.length > 0) out = out.sum(dims, true);
    if (lead > 0 || !shapesEqual(out.shape, shape)) out = out.reshape(shape);
  }
  if (out.dtype !== x.dtype) {
    if (x.dtype === "int32") throw new DTypeError("backward: an int32 tensor cannot receive a gradient");
    out = out.to(x.dtype);
  }
  return out;
}
