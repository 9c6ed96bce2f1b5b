// Module hooks (torch's register_forward_pre_hook, register_forward_hook, register_full_backward_hook).
// Modules are not callable here, so the first hook registered on a module wraps its `forward` in one
// that runs the hooks around it. A full backward hook needs every input's gradient at once: the
// inputs (and outputs) pass through a "gate", one node whose output packs them all, so the engine
// hands the gate all their gradients together once they are complete, as torch's
// BackwardHookFunction does for its multi-output node.

import { definePrimitive } from "../autograd/primitive.js";
import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { keepFromPass } from "../autograd/engine.js";
import type { RemovableHandle } from "../autograd/hooks.js";
import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { shapesEqual } from "../tensor/shape.js";
import { cat } from "../ops/index.js";
import type { Module } from "./module.js";

/** Called before forward with its arguments; an array it returns replaces them, any other value is the one argument. */
export type ForwardPreHook = (module: Module, args: unknown[]) => unknown;
/** Called after forward with its arguments and output; a value it returns replaces the output. */
export type ForwardHook = (module: Module, args: unknown[], output: any) => unknown;
/**
 * Called once the gradients of the module's tensor inputs are computed, with them and the gradients
 * of its outputs (null where a value is not a tensor that requires grad); an array it returns replaces
 * the input gradients.
 */
export type FullBackwardHook = (
  module: Module,
  gradInput: (Tensor | null)[],
  gradOutput: (Tensor | null)[],
) => (Tensor | null)[] | void | undefined | null;

interface Hooks {
  pre: ForwardPreHook[];
  forward: ForwardHook[];
  backward: FullBackwardHook[];
  /** The forward the hooks run around (read on each call, so a tracer may swap it for a while). */
  inner: (...args: unknown[]) => unknown;
}

const table = new WeakMap<Module, Hooks>();

function add<K extends "pre" | "forward" | "backward">(module: Module, kind: K, fn: Hooks[K][number], method: string): RemovableHandle {
  if (typeof fn !== "function") throw new ValueError(`${method}: expected a function, got ${typeof fn}`);
  let hooks = table.get(module);
  if (!hooks) {
    hooks = { pre: [], forward: [], backward: [], inner: module.forward };
    table.set(module, hooks);
    wrapForward(module, hooks);
  }
  const list = hooks[kind] as Hooks[K][number][];
  list.push(fn);
  return {
    remove() {
      const at = list.indexOf(fn);
      if (at >= 0) list.splice(at, 1);
    },
  };
}

export function registerForwardPreHook(module: Module, fn: ForwardPreHook): RemovableHandle {
  return add(module, "pre", fn, "registerForwardPreHook");
}

export function registerForwardHook(module: Module, fn: ForwardHook): RemovableHandle {
  return add(module, "forward", fn, "registerForwardHook");
}

export function registerFullBackwardHook(module: Module, fn: FullBackwardHook): RemovableHandle {
  return add(module, "backward", fn, "registerFullBackwardHook");
}

/**
 * The forward that `module`'s hooks run around, as a slot a tracer may swap for a while (ONNX export
 * writes a built-in layer as one node from it while the hooks stay traced tensor code); null when no
 * hook was ever registered on `module`.
 */
export function hookedForwardSlot(module: Module): { inner: (...args: unknown[]) => unknown } | null {
  return table.get(module) ?? null;
}

/** Replaces `module.forward` by one that runs its hooks (in torch's _call_impl order) around it. */
function wrapForward(module: Module, hooks: Hooks): void {
  const hooked = function (this: unknown, ...args: unknown[]): unknown {
    for (const pre of [...hooks.pre]) {
      const r = pre(module, args);
      if (r !== undefined && r !== null) args = Array.isArray(r) ? [...r] : [r];
    }
    const backward = hooks.backward.length > 0 && isGradEnabled() ? new BackwardCall(module, hooks) : null;
    if (backward) args = backward.gateInputs(args);
    let out = hooks.inner.apply(module, args);
    for (const fwd of [...hooks.forward]) {
      const r = fwd(module, args, out);
      if (r !== undefined && r !== null) out = r;
    }
    return backward ? backward.gateOutputs(out) : out;
  };
  // Not enumerable, as a method; the module's field registration ignores functions.
  Object.defineProperty(module, "forward", { value: hooked, writable: true, configurable: true, enumerable: false });
}

/** One forward call's backward hooks: the gradients of its outputs, kept until its inputs' arrive. */
class BackwardCall {
  private gradOutputs: (Tensor | null)[] = [];
  private inputsGated = false;

  constructor(
    private readonly module: Module,
    private readonly hooks: Hooks,
  ) {}

  gateInputs(args: unknown[]): unknown[] {
    const at = args.flatMap((a, i) => (a instanceof Tensor && a.requiresGrad ? [i] : []));
    if (at.length === 0) return args;
    this.inputsGated = true;
    const gated = gate(
      at.map((i) => args[i] as Tensor),
      (grads) => {
        const gradInput = args.map(() => null as Tensor | null);
        at.forEach((i, k) => (gradInput[i] = grads[k]));
        const replaced = this.call(gradInput);
        return at.map((i) => replaced[i]);
      },
    );
    const out = [...args];
    at.forEach((i, k) => (out[i] = gated[k]));
    return out;
  }

  gateOutputs(out: unknown): unknown {
    const leaves: Tensor[] = [];
    collect(out, leaves);
    const wanted = leaves.filter((t) => t.requiresGrad);
    if (wanted.length === 0) return out;
    const gated = gate(wanted, (grads) => {
      this.gradOutputs = leaves.map((t) => (t.requiresGrad ? grads[wanted.indexOf(t)] : null));
      // No input takes a gradient: the hook runs now, with no input gradients (as torch).
      if (!this.inputsGated) this.call([]);
      return grads;
    });
    let k = 0;
    return rebuild(out, (t) => (t.requiresGrad ? gated[k++] : t));
  }

  /** Runs the hooks; each sees the previous one's replacement gradients. */
  private call(gradInput: (Tensor | null)[]): (Tensor | null)[] {
    let grads = gradInput;
    for (const g of [...grads, ...this.gradOutputs]) if (g) keepFromPass(g);
    for (const hook of [...this.hooks.backward]) {
      const r = hook(this.module, [...grads], [...this.gradOutputs]);
      if (r === undefined || r === null) continue;
      if (!Array.isArray(r) || r.length !== grads.length) {
        throw new ValueError(
          `registerFullBackwardHook: a hook returned ${Array.isArray(r) ? `${r.length} gradients` : typeof r}; expected an array of ${grads.length} (one per input) or nothing`,
        );
      }
      r.forEach((g, i) => {
        if (g === null || grads[i] === null) return;
        if (!(g instanceof Tensor) || !shapesEqual(g.shape, grads[i]!.shape)) {
          throw new ShapeError(
            `registerFullBackwardHook: gradient ${i} returned by a hook must be a tensor of shape ${fmtShape(grads[i]!.shape)}`,
          );
        }
        keepFromPass(g);
      });
      grads = r;
    }
    return grads;
  }
}

/** The tensors in `v` (a tensor or nested arrays of them), in order. */
function collect(v: unknown, into: Tensor[]): void {
  if (v instanceof Tensor) into.push(v);
  else if (Array.isArray(v)) for (const x of v) collect(x, into);
}

/** `v` with each tensor replaced by `fn(tensor)`, keeping its nesting. */
function rebuild(v: unknown, fn: (t: Tensor) => Tensor): unknown {
  if (v instanceof Tensor) return fn(v);
  if (Array.isArray(v)) return v.map((x) => rebuild(x, fn));
  return v;
}

type GateParams = { onGrads: (grads: Tensor[]) => (Tensor | null)[] };

// Packs its inputs flat, one after another (in float64 when their dtypes differ, which loses nothing);
// its vjp cuts the packed gradient back into one per input and lets `onGrads` see or replace them.
const gatePrim = definePrimitive<GateParams>({
  name: "backwardHook",
  saves: "none",
  forward: (inputs) =>
    noGrad(() => {
      const dtype = inputs.every((t) => t.dtype === inputs[0].dtype) ? inputs[0].dtype : "float64";
      return cat(
        inputs.map((t) => t.reshape([-1]).to(dtype)),
        0,
      );
    }),
  vjp: (g, { inputs, params }) => {
    let at = 0;
    const grads = inputs.map((t) => {
      const piece = g.slice(0, at, at + t.size).reshape(t.shape);
      at += t.size;
      return piece.dtype === t.dtype ? piece : piece.to(t.dtype);
    });
    return params.onGrads(grads);
  },
});

/** `ts` seen through one gate node: tensors equal to them whose gradients reach `onGrads` together. */
function gate(ts: Tensor[], onGrads: GateParams["onGrads"]): Tensor[] {
  const packed = gatePrim(ts, { onGrads });
  let at = 0;
  return ts.map((t) => {
    const piece = packed.slice(0, at, at + t.size).reshape(t.shape);
    at += t.size;
    return piece.dtype === t.dtype ? piece : piece.to(t.dtype);
  });
}
