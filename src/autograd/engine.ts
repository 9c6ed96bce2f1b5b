// Reverse-mode differentiation over the recorded graph: an iterative topological sort (so a
// 10,000-op chain cannot overflow the stack), vector-Jacobian products in reverse order, gradients
// summed back over broadcast dimensions in this one place, leaf gradients accumulated into `.grad`,
// and each node released once used so the graph's memory goes back to the garbage collector.

import { ShapeError, ValueError, DTypeError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { shapesEqual } from "../tensor/shape.js";
import { isGradEnabled, setGradEnabled } from "./grad-mode.js";
import { getBackend } from "../backend/current.js";
import type { Storage } from "../backend/backend.js";
import { savedVersion, type Ctx, type Node } from "./primitive.js";
import { versionOf } from "../tensor/version.js";
import { checkOptions } from "../tensor/options.js";
import { runHooks } from "./hooks.js";

/** Marks a node whose graph a previous backward() has already released. */
export const RELEASED: Node = Object.freeze({
  spec: {
    name: "released",
    forward: () => {
      throw new Error("unreachable");
    },
  },
  inputs: [],
  params: undefined,
});

/** Options of `tensor.backward()` (torch.Tensor.backward's keyword arguments, camelCase). */
export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (torch's retain_graph; default createGraph). */
  retainGraph?: boolean;
  /**
   * Record the backward pass itself (torch's create_graph): the gradients are then functions of the
   * inputs that can be differentiated again (gradient penalties, Hessian-vector products).
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
export function markIntermediate(a: Tensor, b?: Tensor): void {
  // Two parameters, not a rest list: Sequential calls this every step, and a rest array is garbage.
  intermediates.add(a.storage);
  if (b !== undefined) intermediates.add(b.storage);
}

/**
 * markIntermediate for a composite that has made its last use of these tensors and returns `result`.
 * When no graph was recorded (grad mode off, or `result` needs no gradient), nothing references them
 * any more, so their memory is returned now on backends that can: under noGrad an evaluation's
 * im2col matrices never outlive their convolution, where they would otherwise wait for the garbage
 * collector. Otherwise backward frees them with the graph. Every op that read them must lie on the
 * way to `result`; a tensor sharing `result`'s storage is left alone.
 */
export function releaseIntermediates(result: Tensor, ...ts: Tensor[]): void {
  if (isGradEnabled() && result.requiresGrad) {
    for (const t of ts) intermediates.add(t.storage);
    return;
  }
  for (const t of ts) if (t.storage !== result.storage) t.storage.backend.release?.(t.storage);
}

/**
 * Runs the body of an op built from other ops and returns its result. When no graph is recorded for
 * `inputs` (grad mode off, or none needs a gradient), whatever `fn` allocates besides the result's
 * storage is a temporary nothing references once it returns (an im2col matrix, a product before its
 * bias), so it is freed then on backends with transient regions, at once and without ever counting
 * toward the wasm residency cache's budget. `fn` must keep no tensor it makes anywhere else.
 */
export function freeingTemporaries(inputs: readonly (Tensor | null)[], fn: () => Tensor): Tensor {
  if (isGradEnabled() && inputs.some((t) => t !== null && t.requiresGrad)) return fn();
  const region = getBackend().transient?.();
  if (region === undefined) return fn();
  const keep = new Set<Storage>();
  try {
    const out = fn();
    keep.add(out.storage);
    return out;
  } finally {
    region.close(keep);
  }
}

// The storages the running pass must not free when it ends (see keepFromPass); null outside a pass.
let passKept: Set<Storage> | null = null;

/**
 * Tells the running backward pass that user code may hold `t` (a hook was handed it), so its memory
 * outlives the pass. Outside a pass it does nothing.
 */
export function keepFromPass(t: Tensor): void {
  passKept?.add(t.storage);
}

export function backward(root: Tensor, grad?: Tensor | null, options?: BackwardOptions): void {
  checkOptions("backward", options, ["retainGraph", "createGraph"]);
  if (!root.requiresGrad) {
    throw new ValueError(
      "backward: this tensor does not require grad and has no recorded graph (create the inputs with { requiresGrad: true })",
    );
  }
  execute("backward", [root], [grad], options, null);
}

/**
 * The gradient a pass starts from at `root`: `grad` (cast to the root's dtype), or ones for a
 * one-element root when none is given.
 */
export function rootGradient(op: string, root: Tensor, grad: Tensor | null | undefined): Tensor {
  if (grad == null) {
    if (root.size !== 1) {
      throw new ValueError(
        `${op}: a gradient can be implied only for a one-element tensor, but this tensor has shape ${fmtShape(root.shape)}; ` +
          `pass ${op === "backward" ? "backward(grad)" : "gradOutputs"} with a gradient of that shape`,
      );
    }
    return root.onesLike();
  }
  if (!shapesEqual(grad.shape, root.shape)) {
    throw new ShapeError(`${op}: gradient of shape ${fmtShape(grad.shape)} does not match the tensor's shape ${fmtShape(root.shape)}`);
  }
  return grad.dtype === root.dtype ? grad : grad.to(root.dtype);
}

/**
 * What a pass walks and accumulates, its arrays kept between passes so that a training step's backward
 * makes no map or array of its own (two small sets only): `visited` lists the tensors in the order the walk first reached
 * them and a tensor's `_slot` is its index there (checked against `visited`: another pass may have left
 * its own number, and a nested pass run by a hook renumbers what it reaches until it ends), `grads` the pending gradient at the same index, `order` the
 * tensors inputs-before-users. One state per nesting depth; cleared (capacity kept) when the pass ends.
 */
class PassState {
  visited: Tensor[] = [];
  grads: (Tensor | null)[] = [];
  count = 0;
  order: Tensor[] = [];
  orderCount = 0;
  stack: Tensor[] = [];
  nextInput: number[] = [];
  // New sets each pass, not cleared ones: on V8 a long-lived set cleared after a pass hangs a fresh
  // table off the old generation, which drags what the next pass puts in it into the old generation
  // too; the memory check's loop then grew the heap by tens of MiB in about half its runs on Node 22.
  kept = new Set<Storage>();
  /** The context handed to each vjp in turn (vjps read it before they return and keep nothing of it). */
  readonly ctx: { inputs: readonly Tensor[]; output: Tensor | null; params: unknown } = { inputs: [], output: null, params: undefined };
  dead = new Set<Storage>();
  roots: readonly Tensor[] = [];
  retain = false;
  /** Whether forward intermediates released by the pass may be freed (false when it records a graph). */
  freeing = false;
  /** autograd.grad's inputs, the tensors through which one of them is reached, and its results. */
  capture: ReadonlySet<Tensor> | null = null;
  needed: ReadonlySet<Tensor> | null = null;
  captured: Map<Tensor, Tensor> | null = null;

  /** `t`'s index in `visited`, or -1 when this pass has not reached it. */
  slotOf(t: Tensor): number {
    // A number left by another pass points elsewhere (or past the end); a nested pass's renumbering is
    // undone when it ends (restamp), so the check is all it takes: no search, the walk stays linear.
    const s = t._slot;
    return s >= 0 && s < this.count && this.visited[s] === t ? s : -1;
  }

  visit(t: Tensor): void {
    t._slot = this.count;
    this.visited[this.count] = t;
    this.grads[this.count] = null;
    this.count++;
  }

  /** Numbers this pass's tensors again (after a nested pass renumbered some of them). */
  restamp(): void {
    for (let i = 0; i < this.count; i++) this.visited[i]._slot = i;
  }

  clear(): void {
    // Drop every reference, keep the arrays' capacity.
    for (let i = 0; i < this.count; i++) {
      this.visited[i] = null!;
      this.grads[i] = null;
    }
    for (let i = 0; i < this.orderCount; i++) this.order[i] = null!;
    this.count = 0;
    this.orderCount = 0;
    this.kept = new Set();
    if (this.dead.size > 0) this.dead = new Set();
    this.roots = NO_TENSORS;
    this.capture = null;
    this.needed = null;
    this.captured = null;
  }
}

const NO_TENSORS: readonly Tensor[] = Object.freeze([]);
const states: PassState[] = [];
let depth = 0;

/**
 * One backward pass from `roots`, starting from `givenGrads` (null for an implied gradient of ones;
 * `op` names the caller in errors). Without `capture` it accumulates into
 * the leaves' .grad; with it, it returns the gradients of the captured tensors instead (running only
 * the part of the graph that leads to them) and leaves every .grad alone, as torch.autograd.grad.
 */
export function execute(
  op: string,
  roots: readonly Tensor[],
  givenGrads: readonly (Tensor | null | undefined)[],
  options: BackwardOptions | undefined,
  capture: readonly Tensor[] | null,
): ReadonlyMap<Tensor, Tensor> {
  const createGraph = options?.createGraph ?? false;
  const retain = options?.retainGraph ?? createGraph;
  // Everything a first-order pass allocates is an intermediate gradient that dies with it, except
  // what it hands to leaves' .grad, returns, or shows a hook: a backend that can free memory without
  // the garbage collector does so for the rest when the pass ends (vjps are the library's own and
  // keep no tensor they compute). A recorded pass keeps its gradients in the new graph: no region.
  const backend = getBackend();
  const region = createGraph ? undefined : backend.transient?.();
  const pass = (states[depth] ??= new PassState());
  depth++;
  const kept = pass.kept;
  const outerKept = passKept;
  passKept = kept;
  const prev = setGradEnabled(createGraph);
  let captured: ReadonlyMap<Tensor, Tensor> = NOTHING_CAPTURED;
  let dead: Storage[] | null = null;
  try {
    // Inside the region: an implied gradient of ones is one of the pass's temporaries.
    const rootGrads = new Array<Tensor>(roots.length);
    for (let i = 0; i < roots.length; i++) rootGrads[i] = rootGradient(op, roots[i], givenGrads[i]);
    pass.roots = rootGrads;
    pass.retain = retain;
    pass.freeing = !createGraph;
    topologicalOrder(roots, pass);
    for (let i = 0; i < roots.length; i++) {
      const r = roots[i];
      if (!r.requiresGrad) continue;
      const slot = pass.slotOf(r);
      const had = pass.grads[slot];
      pass.grads[slot] = had ? had.add(rootGrads[i]) : rootGrads[i];
    }
    if (capture) {
      pass.capture = new Set(capture);
      pass.needed = neededFor(pass, capture);
      pass.captured = new Map();
    }
    propagate(pass);
    if (pass.captured !== null) {
      captured = pass.captured;
      for (const g of captured.values()) kept.add(g.storage);
    }
    if (pass.dead.size > 0) dead = [...pass.dead];
  } finally {
    setGradEnabled(prev);
    passKept = outerKept;
    region?.close(kept);
    if (outerKept) for (const s of kept) outerKept.add(s);
    pass.clear();
    depth--;
    // A hook of an enclosing pass ran this one: give that pass's tensors their numbers back.
    if (depth > 0) states[depth - 1].restamp();
  }
  // The released graph was the last holder of these forward intermediates.
  if (dead !== null) for (const s of dead) release(s);
  return captured;
}

const NOTHING_CAPTURED: ReadonlyMap<Tensor, Tensor> = new Map();

function release(s: Storage): void {
  s.backend.release?.(s);
}

/** The tensors of `pass.order` from which one of `targets` is reachable (targets included). */
function neededFor(pass: PassState, targets: readonly Tensor[]): Set<Tensor> {
  const needed = new Set<Tensor>(targets);
  // `order` lists inputs before their users, so one forward sweep settles each tensor.
  for (let i = 0; i < pass.orderCount; i++) {
    const t = pass.order[i];
    const node = t._node;
    if (needed.has(t) || !node) continue;
    // A released node's inputs are unknown: reaching it is the error of backward run twice.
    if (node === RELEASED) {
      needed.add(t);
      continue;
    }
    for (const x of node.inputs) {
      if (needed.has(x)) {
        needed.add(t);
        break;
      }
    }
  }
  return needed;
}

/** Walks `order` backwards, handing each node's gradient to its inputs' (see execute). */
function propagate(pass: PassState): void {
  const { capture, needed, kept: handed, order, grads } = pass;
  for (let i = pass.orderCount - 1; i >= 0; i--) {
    const t = order[i];
    const slot = pass.slotOf(t);
    let gt = grads[slot];
    if (!gt) continue;
    grads[slot] = null;
    if (needed && !needed.has(t)) continue;
    // torch.autograd.grad takes its inputs' gradients before their hooks run.
    if (capture?.has(t)) pass.captured!.set(t, gt);
    const node = t._node;
    if (node === null) {
      if (capture) continue;
      gt = runHooks(t, gt, handed);
      // A leaf: accumulate. The first gradient is copied when its storage may be shared, so that
      // no two leaves (or a leaf and the caller's gradient or a pending one) share a tensor that an
      // optimizer or clipGradNorm may later modify in place; a fresh one is kept as it is.
      const prevGrad = t._peekGrad();
      const leafGrad = prevGrad ? accumulate(prevGrad, gt) : ownsStorage(gt, pass) ? gt : gt.clone();
      t._setFreshGrad(leafGrad);
      handed.add(leafGrad.storage);
      continue;
    }
    if (node === RELEASED) {
      throw new ValueError(
        "backward: trying to backward through the graph a second time; its buffers were released by the first backward() " +
          "(pass { retainGraph: true } to the first call if you need to backward twice)",
      );
    }
    if (needed && !anyNeeded(node.inputs, needed)) continue;
    gt = runHooks(t, gt, handed);
    if (node.versions !== undefined) checkVersions(node, t);
    // A recorded backward may save these values in its own nodes: they are no longer only the forward
    // graph's, and a later pass must not free them with it.
    if (!pass.freeing) {
      intermediates.delete(t.storage);
      for (const x of node.inputs) intermediates.delete(x.storage);
    }
    const ctx = pass.ctx;
    ctx.inputs = node.inputs;
    ctx.output = t;
    ctx.params = node.params;
    const inputGrads = node.spec.vjp!(gt, ctx as Ctx<unknown>);
    ctx.output = null;
    ctx.params = undefined;
    ctx.inputs = NO_TENSORS;
    for (let k = 0; k < node.inputs.length; k++) {
      const x = node.inputs[k];
      const gx = inputGrads[k];
      if (!gx || !x.requiresGrad || (needed && !needed.has(x))) continue;
      const summed = sumTo(gx, x);
      const at = pass.slotOf(x);
      // The walk reached every input that requires grad: a miss is a numbering fault, not a gradient of 0.
      if (at < 0) throw new Error(`backward: internal error: ${node.spec.name}'s input ${k} was not numbered by this pass`);
      const prev = grads[at];
      grads[at] = prev ? accumulate(prev, summed) : summed;
    }
    if (!pass.retain) {
      t._setNode(RELEASED);
      if (pass.freeing) for (const x of node.inputs) if (intermediates.has(x.storage)) pass.dead.add(x.storage);
    }
  }
}

function anyNeeded(inputs: readonly Tensor[], needed: ReadonlySet<Tensor>): boolean {
  for (const x of inputs) if (needed.has(x)) return true;
  return false;
}

/** a + b in a's dtype: a float16/bfloat16 gradient stays one, accumulated with rounding as torch's. */
function accumulate(a: Tensor, b: Tensor): Tensor {
  const sum = a.add(b);
  return sum.dtype === a.dtype ? sum : sum.to(a.dtype);
}

/** Throws when a tensor `node` saved for its gradient was written in place after it was recorded. */
function checkVersions(node: Node, output: Tensor): void {
  const n = node.inputs.length;
  for (let k = 0; k <= n; k++) {
    const expected = savedVersion(node, k);
    if (expected < 0) continue;
    const t = k < n ? node.inputs[k] : output;
    const now = versionOf(t);
    if (now !== expected) {
      const which = k < n ? `input ${k}` : "output";
      throw new ValueError(
        `backward: one of the tensors needed for gradient computation has been modified by an in-place operation: ` +
          `${node.spec.name}'s ${which} (shape ${fmtShape(t.shape)}, ${t.dtype}) is at version ${now}; expected version ${expected} instead ` +
          `(change a clone of it, or change it only after backward)`,
      );
    }
  }
}

/**
 * Whether `gt` alone uses its storage: it covers all of it contiguously, and neither a gradient the
 * pass started from (possibly the caller's tensor), a gradient still pending for another tensor, nor
 * one already handed out in this pass shares it. Gradients are computed from the upstream gradient
 * only, so these are the only places another reference can come from.
 */
function ownsStorage(gt: Tensor, pass: PassState): boolean {
  const s = gt.storage;
  if (gt.offset !== 0 || gt.size !== s.length || !gt.isContiguous || pass.kept.has(s)) return false;
  for (const r of pass.roots) if (r.storage === s) return false;
  for (let i = 0; i < pass.count; i++) {
    const other = pass.grads[i];
    if (other !== null && other.storage === s) return false;
  }
  return true;
}

/**
 * Fills `pass.order` with the tensors reachable from `roots` through inputs that require grad, inputs
 * before their users, numbering each as it is first reached.
 */
function topologicalOrder(roots: readonly Tensor[], pass: PassState): void {
  // One depth-first walk per root, post-order; a root reached from an earlier one is already placed.
  // The stack is two parallel arrays (a tensor, the next of its inputs to visit): no record per node.
  const { stack, nextInput, order } = pass;
  let top = -1;
  for (const root of roots) {
    if (!root.requiresGrad || pass.slotOf(root) >= 0) continue;
    pass.visit(root);
    stack[++top] = root;
    nextInput[top] = 0;
    while (top >= 0) {
      const t = stack[top];
      const node = t._node;
      if (node && nextInput[top] < node.inputs.length) {
        const child = node.inputs[nextInput[top]++];
        if (child.requiresGrad && pass.slotOf(child) < 0) {
          pass.visit(child);
          stack[++top] = child;
          nextInput[top] = 0;
        }
      } else {
        stack[top--] = null!;
        order[pass.orderCount++] = t;
      }
    }
  }
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
