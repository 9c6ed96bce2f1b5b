// Tensor gradient hooks (torch's Tensor.register_hook): functions the backward pass calls with a
// tensor's gradient once it is complete, each free to return a replacement. Kept beside the tensor
// in a WeakMap, so a tensor without hooks carries nothing and the engine pays one lookup per tensor.

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Storage } from "../backend/backend.js";
import { shapesEqual } from "../tensor/shape.js";

/** Called with the gradient of the tensor it was registered on; a returned tensor replaces it. */
export type TensorHook = (grad: Tensor) => Tensor | void | undefined | null;

/** What register*Hook returns (torch's RemovableHandle). */
export interface RemovableHandle {
  /** Unregisters the hook; calling it again does nothing. */
  remove(): void;
}

const hooks = new WeakMap<Tensor, TensorHook[]>();

/** Registers `fn` on `t` (which must require grad), called in registration order. */
export function registerHook(t: Tensor, fn: TensorHook): RemovableHandle {
  if (typeof fn !== "function") throw new ValueError(`registerHook: expected a function, got ${typeof fn}`);
  if (!t.requiresGrad) {
    throw new ValueError("registerHook: cannot register a hook on a tensor that doesn't require gradient");
  }
  let list = hooks.get(t);
  if (!list) hooks.set(t, (list = []));
  list.push(fn);
  return {
    remove() {
      const at = list!.indexOf(fn);
      if (at >= 0) list!.splice(at, 1);
    },
  };
}

/** Whether `t` has hooks to run. */
export function hasHooks(t: Tensor): boolean {
  const list = hooks.get(t);
  return list !== undefined && list.length > 0;
}

/**
 * Runs `t`'s hooks on `grad` in order, each seeing the previous one's result; the storage of every
 * tensor a hook was handed or returned joins `handed` (user code may keep them).
 */
export function runHooks(t: Tensor, grad: Tensor, handed: Set<Storage>): Tensor {
  const list = hooks.get(t);
  if (!list) return grad;
  let g = grad;
  // A copy: a hook may remove itself while running.
  for (const fn of [...list]) {
    handed.add(g.storage);
    const out = fn(g);
    if (out === undefined || out === null) continue;
    if (typeof out !== "object" || !("shape" in out) || !shapesEqual(out.shape, g.shape)) {
      const got = out && typeof out === "object" && "shape" in out ? `a tensor of shape ${fmtShape(out.shape)}` : typeof out;
      throw new ShapeError(
        `registerHook: a hook returned ${got}; expected a tensor of the gradient's shape ${fmtShape(g.shape)} or nothing`,
      );
    }
    g = out;
    handed.add(g.storage);
  }
  return g;
}
