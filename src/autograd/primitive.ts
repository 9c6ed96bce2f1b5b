// A primitive: one forward (which computes through a kernel or makes a view, with no autograd)
// and its vector-Jacobian product, declared side by side. `apply` records the graph node when any
// input requires a gradient; composites built from primitives get their gradients for free.

import type { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "./grad-mode.js";
import { versionOf } from "../tensor/version.js";

export interface Ctx<P> {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly params: P;
}

export interface PrimitiveSpec<P> {
  readonly name: string;
  /** Computes the output; may validate and throw. Never records autograd. */
  forward(inputs: readonly Tensor[], params: P): Tensor;
  /**
   * Gradients of the loss with respect to each input, given `g` (the gradient of the output).
   * A gradient may have the output's broadcast shape: the engine sums it back to the input's shape.
   * Return null for inputs that take no gradient. Omit vjp for non-differentiable primitives.
   */
  vjp?(g: Tensor, ctx: Ctx<P>): (Tensor | null)[];
  /**
   * Which values the vjp reads ("inputs", "output", "both", or "none" for gradients that need no
   * value, as add's or a view's; "others" for products, whose gradient for one input reads only the
   * others, so an input is saved only when another one requires grad); default "both". Backward
   * refuses to run a vjp whose saved values were written in place since (see tensor/version.ts), as
   * PyTorch does.
   */
  readonly saves?: "none" | "inputs" | "output" | "both" | "others";
}

export interface Node {
  readonly spec: PrimitiveSpec<any>;
  readonly inputs: readonly Tensor[];
  readonly params: unknown;
  /**
   * The saved tensors' versions when the node was recorded: the inputs', then the output's (-1 for
   * one not saved); a bit mask of the saved ones when all were at version 0 (see savedVersion).
   */
  readonly versions?: readonly number[] | number;
}

export type Primitive<P> = ((inputs: readonly Tensor[], params: P) => Tensor) & { readonly spec: PrimitiveSpec<P> };

/** Sees every primitive applied (name, inputs, params, output); ONNX export traces with it. */
export type PrimitiveObserver = (name: string, inputs: readonly Tensor[], params: unknown, output: Tensor) => void;

let observer: PrimitiveObserver | null = null;

/** Whether an observer is installed (a trace is recording the primitives applied). */
export function isObserved(): boolean {
  return observer !== null;
}

/** Installs `o` (null removes it) and returns the previous observer, to be restored in a finally. */
export function setPrimitiveObserver(o: PrimitiveObserver | null): PrimitiveObserver | null {
  const prev = observer;
  observer = o;
  return prev;
}

export function definePrimitive<P = undefined>(spec: PrimitiveSpec<P>): Primitive<P> {
  const apply = (inputs: readonly Tensor[], params: P): Tensor => {
    // One null check when nobody traces.
    const out = observer === null ? spec.forward(inputs, params) : observed(spec, inputs, params, observer);
    // Integer and bool outputs (indices, casts, masks) never carry gradients.
    if (spec.vjp && isGradEnabled() && out.dtype !== "int32" && out.dtype !== "bool") {
      for (const t of inputs) {
        if (t.requiresGrad) {
          out._setNode({ spec, inputs, params, versions: savedVersions(spec, inputs, out) });
          break;
        }
      }
    }
    return out;
  };
  return Object.assign(apply, { spec });
}

/**
 * Versions of what `spec`'s vjp reads: each input's (-1 where not saved), then the output's. Where
 * every saved tensor is at version 0 (fresh tensors, the usual case) this is a bit mask of the saved
 * ones (bit k: input k, bit n: the output) rather than an array made per recorded op.
 */
function savedVersions(spec: PrimitiveSpec<any>, inputs: readonly Tensor[], out: Tensor): readonly number[] | number | undefined {
  const saves = spec.saves ?? "both";
  if (saves === "none") return undefined;
  const n = inputs.length;
  let mask = 0,
    fresh = n < 31;
  for (let k = 0; k <= n && fresh; k++) {
    if (!isSaved(saves, inputs, k)) continue;
    if (versionOf(k < n ? inputs[k] : out) !== 0) fresh = false;
    else mask |= 1 << k;
  }
  if (fresh) return mask;
  const v: number[] = [];
  for (let k = 0; k <= n; k++) v.push(isSaved(saves, inputs, k) ? versionOf(k < n ? inputs[k] : out) : -1);
  return v;
}

/** Whether a vjp that saves `saves` reads input `k` (the output for k = inputs.length). */
function isSaved(saves: NonNullable<PrimitiveSpec<any>["saves"]>, inputs: readonly Tensor[], k: number): boolean {
  if (k === inputs.length) return saves === "output" || saves === "both";
  return saves === "others" ? anotherRequiresGrad(inputs, k) : saves !== "output";
}

/** The version `node` saved of input `k` (the output for k = inputs.length), -1 when it saved none. */
export function savedVersion(node: Node, k: number): number {
  const v = node.versions;
  if (v === undefined) return -1;
  if (typeof v === "number") return (v >>> k) & 1 ? 0 : -1;
  return v[k];
}

/** Whether an input other than `inputs[k]` requires grad (a loop: this runs for every recorded product). */
function anotherRequiresGrad(inputs: readonly Tensor[], k: number): boolean {
  for (let j = 0; j < inputs.length; j++) if (j !== k && inputs[j].requiresGrad) return true;
  return false;
}

/**
 * Runs a composite op (`run`) as one unit for the observer: it sees `name` with these inputs,
 * params and the output, not the primitives inside, so an exporter can write a convolution as one
 * node. Without an observer this is just `run()`.
 */
export function composite(name: string, inputs: readonly Tensor[], params: unknown, run: () => Tensor): Tensor {
  if (observer === null) return run();
  const o = observer;
  observer = null;
  let out: Tensor;
  try {
    out = run();
  } finally {
    observer = o;
  }
  o(name, inputs, params, out);
  return out;
}

/**
 * Tells the observer that op `name` reads `t`'s values into JavaScript, where a trace cannot follow
 * them (an exporter refuses it rather than freezing one input's values into the graph).
 */
export function observeHostRead(name: string, t: Tensor): void {
  if (observer !== null) observer(name, [t], undefined, t);
}

/** Runs a forward with the observer off, so primitives a forward applies inside itself are not seen. */
function observed<P>(spec: PrimitiveSpec<P>, inputs: readonly Tensor[], params: P, o: PrimitiveObserver): Tensor {
  observer = null;
  let out: Tensor;
  try {
    out = spec.forward(inputs, params);
  } finally {
    observer = o;
  }
  o(spec.name, inputs, params, out);
  return out;
}
