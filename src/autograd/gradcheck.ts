// gradcheck: compares the gradients backward() computes with central finite differences, both in
// float64 (torch.autograd.gradcheck). The function is treated as R^n → R^m and checked through a
// random projection of its output, so one backward pass per input suffices.

import { ValueError, fmtShape } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { randn, tensor, zerosLike } from "../tensor/creation.js";
import { grad } from "./grad.js";
import { cat } from "../ops/composite/shape.js";
import { noGrad, withGradMode } from "./grad-mode.js";
import { checkOptions } from "../tensor/options.js";

/** Options of gradcheck: the finite-difference step and the tolerances of the comparison. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
}

/**
 * Checks `fn`'s analytic gradients against central differences. Inputs that require grad are
 * checked (all float inputs when none do); they are converted to float64 first. Returns true, or
 * throws a ValueError naming the input, the element, and both values.
 * @example tg.gradcheck((x) => x.tanh().sum(), [tg.randn([3])])
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): true {
  checkOptions("gradcheck", opts, ["eps", "atol", "rtol"]);
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3 } = opts;
  const anyMarked = inputs.some((t) => t.requiresGrad);
  const checked = inputs.map((t) => (anyMarked ? t.requiresGrad : t.dtype !== "int32"));
  const xs = inputs.map((t, i) => {
    if (!checked[i]) return t;
    const x = new Tensor(t.to("float64").contiguous().storage, t.shape);
    // Copy so that perturbing x never touches the caller's data.
    const own = x.clone().detach();
    own.requiresGrad = true;
    return own;
  });

  const out0 = fn(...xs);
  if (!(out0 instanceof Tensor)) throw new ValueError("gradcheck: the function must return a Tensor");
  // Project the output onto a fixed random direction: scalar loss L = Σ out·w.
  const w = randn(out0.shape, { dtype: "float64" });
  const project = (out: Tensor): number => noGrad(() => out.to("float64").mul(w).sum().item());
  out0.to("float64").mul(w).sum().backward();

  xs.forEach((x, i) => {
    if (!checked[i]) return;
    // A copy, and `data` read afresh around each call: kernels may move a storage's elements.
    const analytic = x.grad ? Float64Array.from(x.grad.contiguousData()) : new Float64Array(x.size);
    // x is a contiguous copy; its element j is moved through copy_ of host values.
    const values = Float64Array.from(x.contiguousData());
    const set = (v: Float64Array): void => void noGrad(() => x.copy_(tensor(v, { shape: x.shape, dtype: x.dtype })));
    for (let j = 0; j < x.size; j++) {
      const orig = values[j];
      values[j] = orig + eps;
      set(values);
      const plus = project(noGrad(() => fn(...xs)));
      values[j] = orig - eps;
      set(values);
      const minus = project(noGrad(() => fn(...xs)));
      values[j] = orig;
      set(values);
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic[j];
      if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new ValueError(
          `gradcheck: gradient mismatch for input ${i} (shape ${fmtShape(x.shape)}) at element ${j} ` +
            `[${unravel(j, x.shape).join(", ")}]: analytic ${a}, numeric ${numeric} (atol ${atol}, rtol ${rtol})`,
        );
      }
    }
  });
  return true;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

/**
 * Checks second derivatives (torch.autograd.gradgradcheck): `fn`'s gradients, computed with
 * createGraph for a fixed random output gradient, are themselves checked by gradcheck against
 * finite differences, with respect to the inputs and to that output gradient.
 * @example tg.gradgradcheck((x) => x.tanh().mul(x), [tg.randn([3])])
 */
export function gradgradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): true {
  checkOptions("gradgradcheck", opts, ["eps", "atol", "rtol"]);
  const anyMarked = inputs.some((t) => t.requiresGrad);
  const checked = inputs.map((t) => (anyMarked ? t.requiresGrad : t.dtype !== "int32"));
  const marked = inputs.map((t, i) => {
    if (!checked[i]) return t;
    const x = t.to("float64").detach();
    x.requiresGrad = true;
    return x;
  });
  const out0 = noGrad(() => fn(...marked));
  if (!(out0 instanceof Tensor)) throw new ValueError("gradgradcheck: the function must return a Tensor");
  const v = randn(out0.shape, { dtype: "float64", requiresGrad: true });
  // gradcheck runs its finite differences under noGrad; the gradients need the graph regardless.
  const gradOf = (...args: Tensor[]): Tensor => withGradMode(true, () => {
    const xs = args.slice(0, inputs.length);
    const wrt = xs.filter((_, i) => checked[i]);
    const grads = grad(fn(...xs), wrt, { gradOutputs: args[inputs.length], createGraph: true, allowUnused: true });
    return cat(grads.map((g, i) => (g ?? zerosLike(wrt[i])).reshape([-1])), 0);
  });
  return gradcheck(gradOf, [...marked, v], opts);
}
