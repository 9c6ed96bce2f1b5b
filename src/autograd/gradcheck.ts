// gradcheck: compares the gradients backward() computes with central finite differences
// (torch.autograd.gradcheck), in float64 by default or in float32 for the kernels users train on.
// The function is treated as R^n → R^m and checked through a random projection of its output, so one
// backward pass per input suffices. One algorithm, written as a generator that yields the tensors it
// must read, serves the synchronous form (host backends) and the awaited one (every backend).

import { AsyncReadError, ValueError, fmtShape } from "../errors.js";
import { getBackend } from "../backend/current.js";
import { Tensor } from "../tensor/tensor.js";
import { randn, tensor, zerosLike } from "../tensor/creation.js";
import { grad } from "./grad.js";
import { cat } from "../ops/composite/shape.js";
import { noGrad, withGradMode } from "./grad-mode.js";
import { checkOptions } from "../tensor/options.js";

/** Options of gradcheck: the precision, the finite-difference step and the tolerances of the comparison. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6; about 1e-3 in float32, whose rounding a smaller step would amplify). */
  eps?: number;
  /** Absolute tolerance (default 1e-5; about 1e-3 in float32). */
  atol?: number;
  /** Relative tolerance (default 1e-3; about 1e-2 in float32). */
  rtol?: number;
  /**
   * The float type the checked inputs are converted to, so the type the function computes in
   * (default "float64", the double precision torch.autograd.gradcheck expects). "float32" checks the
   * float32 kernels: those of the wasm backend's SIMD code, and WebGPU's, which has no float64. Its
   * rounding (about 6e-8 of each value, divided by the step in the differences) calls for the looser
   * eps, atol and rtol above. The numeric derivative divides by the step actually taken, rounded to
   * this type.
   */
  dtype?: "float64" | "float32";
  /**
   * Checks each input's gradient along one random direction instead of element by element
   * (torch.autograd.gradcheck's fast_mode): two forward passes per input rather than two per element,
   * for functions too costly to difference in full. A wrong gradient is still caught (a random
   * direction is almost never orthogonal to the error) but not located to an element. Default false.
   */
  fastMode?: boolean;
}

const OPTION_KEYS = ["eps", "atol", "rtol", "dtype", "fastMode"] as const;

/**
 * Checks `fn`'s analytic gradients against central differences. Inputs that require grad are
 * checked (all float inputs when none do); they are converted to `opts.dtype` (float64 by default)
 * first. Returns true, or throws a ValueError naming the input, the element, and both values. Reads
 * tensors synchronously, so it runs on host backends ("js", "wasm"); {@link gradcheckAsync} runs on
 * every backend, WebGPU included.
 * @example tg.gradcheck((x) => x.tanh().sum(), [tg.randn([3])])
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): true {
  checkOptions("gradcheck", opts, OPTION_KEYS);
  const device = [getBackend(), ...inputs.map((t) => t.storage.backend)].find((b) => !b.host);
  if (device !== undefined) {
    throw new AsyncReadError(
      `gradcheck: the "${device.name}" backend's memory cannot be read synchronously; use \`await tg.gradcheckAsync(fn, inputs, opts)\``,
    );
  }
  const steps = check("gradcheck", fn, inputs, opts);
  for (let r = steps.next(); ;) {
    if (r.done) return r.value;
    r = steps.next(Float64Array.from(r.value.contiguousData()));
  }
}

/**
 * gradcheck for every backend: the same check with awaited reads, so the analytic gradient and the
 * forward passes of the differences run on the current backend even where its memory cannot be read
 * synchronously (WebGPU, where only `dtype: "float32"` runs).
 * @example await tg.gradcheckAsync((x) => x.tanh().sum(), [tg.randn([3])], { dtype: "float32", eps: 1e-3, atol: 1e-3, rtol: 1e-2 })
 */
export async function gradcheckAsync(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): Promise<true> {
  checkOptions("gradcheckAsync", opts, OPTION_KEYS);
  const steps = check("gradcheckAsync", fn, inputs, opts);
  for (let r = steps.next(); ;) {
    if (r.done) return r.value;
    r = steps.next(Float64Array.from(await r.value.data()));
  }
}

/** The check, yielding each tensor whose elements it needs and receiving them back as float64. */
function* check(
  who: string,
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions,
): Generator<Tensor, true, Float64Array> {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, dtype = "float64", fastMode = false } = opts;
  if (dtype !== "float64" && dtype !== "float32")
    throw new ValueError(`${who}: dtype must be "float64" or "float32", got ${JSON.stringify(dtype)}`);
  const round = dtype === "float32" ? Math.fround : (v: number) => v;
  const anyMarked = inputs.some((t) => t.requiresGrad);
  const checked = inputs.map((t) => (anyMarked ? t.requiresGrad : t.dtype !== "int32"));
  const xs = inputs.map((t, i) => {
    if (!checked[i]) return t;
    const x = new Tensor(t.to(dtype).contiguous().storage, t.shape);
    // Copy so that perturbing x never touches the caller's data.
    const own = x.clone().detach();
    own.requiresGrad = true;
    return own;
  });

  const out0 = fn(...xs);
  if (!(out0 instanceof Tensor)) throw new ValueError(`${who}: the function must return a Tensor`);
  // Project the output onto a fixed random direction: scalar loss L = Σ out·w, summed in float64 on
  // the host so that the differences lose nothing to the projection itself.
  const wt = randn(out0.shape, { dtype: out0.dtype });
  const w = yield wt;
  out0.backward(wt);

  for (const [i, x] of xs.entries()) {
    if (!checked[i]) continue;
    const analytic = x.grad ? yield x.grad : new Float64Array(x.size);
    const values = yield x;
    const set = (v: Float64Array): void => void noGrad(() => x.copy_(tensor(v, { shape: x.shape, dtype: x.dtype })));
    // Every perturbed output is copied out (a view of x would change with the next step) and all are
    // read at once: one round trip per input on a device backend rather than two per element.
    const outs: Tensor[] = [];
    const forward = (v: Float64Array): void => {
      set(v);
      outs.push(
        noGrad(() =>
          fn(...xs)
            .reshape([-1])
            .clone(),
        ),
      );
    };
    // Steps in the (rounded) values actually taken, so float32's rounding of x ± eps is no error.
    const steps: { taken: number; expected: number; where: string }[] = [];
    if (fastMode) {
      const u = yield randn(x.shape, { dtype: x.dtype });
      const hi = values.map((v, j) => round(v + eps * u[j]!)),
        lo = values.map((v, j) => round(v - eps * u[j]!));
      let a = 0;
      for (let j = 0; j < x.size; j++) a += analytic[j]! * (hi[j]! - lo[j]!);
      steps.push({ taken: 2 * eps, expected: a / (2 * eps), where: "along a random direction (fastMode)" });
      forward(hi);
      forward(lo);
    } else {
      for (let j = 0; j < x.size; j++) {
        const orig = values[j]!;
        const hi = round(orig + eps),
          lo = round(orig - eps);
        steps.push({ taken: hi - lo, expected: analytic[j]!, where: `at element ${j} [${unravel(j, x.shape).join(", ")}]` });
        values[j] = hi;
        forward(values);
        values[j] = lo;
        forward(values);
        values[j] = orig;
      }
    }
    set(values);
    const m = w.length;
    const all: Float64Array = outs.length === 0 ? new Float64Array(0) : yield noGrad(() => cat(outs, 0));
    const project = (k: number): number => {
      let s = 0;
      for (let e = 0; e < m; e++) s += all[k * m + e]! * w[e]!;
      return s;
    };
    for (const [k, { taken, expected: a, where }] of steps.entries()) {
      const numeric = (project(2 * k) - project(2 * k + 1)) / taken;
      if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new ValueError(
          `${who}: gradient mismatch for input ${i} (shape ${fmtShape(x.shape)}) ${where}: ` +
            `analytic ${a}, numeric ${numeric} (atol ${atol}, rtol ${rtol})`,
        );
      }
    }
  }
  return true;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
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
  checkOptions("gradgradcheck", opts, OPTION_KEYS);
  const dtype = opts.dtype ?? "float64";
  const anyMarked = inputs.some((t) => t.requiresGrad);
  const checked = inputs.map((t) => (anyMarked ? t.requiresGrad : t.dtype !== "int32"));
  const marked = inputs.map((t, i) => {
    if (!checked[i]) return t;
    const x = t.to(dtype).detach();
    x.requiresGrad = true;
    return x;
  });
  const out0 = noGrad(() => fn(...marked));
  if (!(out0 instanceof Tensor)) throw new ValueError("gradgradcheck: the function must return a Tensor");
  const v = randn(out0.shape, { dtype, requiresGrad: true });
  // gradcheck runs its finite differences under noGrad; the gradients need the graph regardless.
  const gradOf = (...args: Tensor[]): Tensor =>
    withGradMode(true, () => {
      const xs = args.slice(0, inputs.length);
      const wrt = xs.filter((_, i) => checked[i]);
      const grads = grad(fn(...xs), wrt, { gradOutputs: args[inputs.length], createGraph: true, allowUnused: true });
      return cat(
        grads.map((g, i) => (g ?? zerosLike(wrt[i]!)).reshape([-1])),
        0,
      );
    });
  return gradcheck(gradOf, [...marked, v], opts);
}
