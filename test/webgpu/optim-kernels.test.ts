// The fused optimizer updates on WebGPU against the reference kernels: three steps of every variant
// (AMSGrad, AdamW's decoupled decay, maximize, momentum, Nesterov, centered RMSprop) on views that
// start at an offset, over more elements than one workgroup covers.

import { describe, it, after } from "node:test";
import type { KernelName, KernelParams } from "../../src/backend/kernel-table.js";
import { createWebGpuBackend } from "../../src/backend/webgpu/index.js";
import { adamScalars } from "../../src/optim/adam.js";
import { gpuDevice } from "../helpers/webgpu.js";
import { assertUlps, both, rng, runBoth, smallGridBackend, twin, uniform, view, type Twin } from "../helpers/gpu-twin.js";

const device = await gpuDevice();

// Elements per parameter (not a multiple of the workgroup size) and where each view starts.
const N = 1037,
  OFFSET = 5;

// The range of each state buffer's initial values: signed averages, non-negative squares.
type Range = readonly [number, number];
const SIGNED: Range = [-1, 1],
  SQUARE: Range = [0, 1];

type Step = "adamStep" | "sgdStep" | "rmspropStep" | "adagradStep";

describe("WebGPU optimizer kernels", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  after(() => be.runtime.flush());
  const random = rng(7);

  /** A buffer of N elements at OFFSET (the elements before it must stay untouched). */
  const buffer = (lo: number, hi: number, on = be): Twin => twin(on, "float32", uniform(random, N + OFFSET + 3, lo, hi));

  /**
   * Runs `steps` updates on both backends with a fresh gradient each step, then compares the
   * parameter and every state buffer (whole buffers, so writes outside the views would show).
   * The GPU's division and square root are within a few float32 steps, not correctly rounded, and
   * the float64 references (SGD, RMSprop, Adagrad) round only once, where float32 rounds each
   * operation: hence `maxUlps`, counted at magnitude `scale` or more (a parameter that an update
   * cancels to near zero keeps the absolute error of its operands). `ranges`: the
   * initial values of each state buffer.
   */
  async function check<K extends Step>(
    name: K,
    ranges: readonly Range[],
    params: (step: number) => KernelParams[K],
    maxUlps: number,
    scale = 0,
    on = be,
  ): Promise<void> {
    const p = buffer(-1, 1, on);
    const state = ranges.map(([lo, hi]) => buffer(lo, hi, on));
    for (let step = 1; step <= 3; step++) {
      const g = buffer(-2, 2, on);
      const at = (t: Twin) => view(t, [N], { offset: OFFSET });
      runBoth(on, name as KernelName, at(p), [at(g), ...state.map(at)], params(step) as never);
      const [gpuP, refP] = await both(on, p);
      assertUlps(gpuP, refP, maxUlps, `${name} step ${step}: parameter`, scale);
      for (const [k, s] of state.entries()) {
        const [gpuS, refS] = await both(on, s);
        assertUlps(gpuS, refS, maxUlps, `${name} step ${step}: state ${k}`, scale);
      }
    }
  }

  const hyper = { lr: 1e-2, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0.1, amsgrad: false, maximize: false };

  it("adamStep: Adam with L2 decay", () => check("adamStep", [SIGNED, SQUARE], (step) => adamScalars(step, false, hyper, true), 4));
  it("adamStep: AdamW, maximize", () =>
    check("adamStep", [SIGNED, SQUARE], (step) => adamScalars(step, true, { ...hyper, maximize: true }, true), 4));
  it("adamStep: launches spread over a 2-D grid", () =>
    check("adamStep", [SIGNED, SQUARE], (step) => adamScalars(step, false, hyper, true), 4, 0, smallGridBackend(device!)));
  it("adamStep: AMSGrad", () =>
    check("adamStep", [SIGNED, SQUARE, SQUARE], (step) => adamScalars(step, false, { ...hyper, amsgrad: true }, true), 4));

  const sgd = { lr: 0.05, momentum: 0.9, keep: 0.8, wd: 0.01, sign: 1, nesterov: false };
  it("sgdStep: plain", () => check("sgdStep", [], () => ({ ...sgd, momentum: 0, first: false }), 4, 1));
  it("sgdStep: momentum with dampening, first step then buffer", () =>
    check("sgdStep", [SIGNED], (step) => ({ ...sgd, first: step === 1 }), 4, 1));
  it("sgdStep: Nesterov, maximize", () =>
    check("sgdStep", [SIGNED], (step) => ({ ...sgd, keep: 1, nesterov: true, sign: -1, first: step === 1 }), 4, 1));

  const rms = { lr: 1e-2, alpha: 0.99, eps: 1e-8, wd: 0.01, momentum: 0, sign: 1, centered: false };
  it("rmspropStep: plain", () => check("rmspropStep", [SQUARE], () => rms, 8, 1));
  it("rmspropStep: centered with momentum, maximize", () =>
    check("rmspropStep", [[1, 2], [-0.5, 0.5], SIGNED], () => ({ ...rms, centered: true, momentum: 0.9, sign: -1 }), 8, 1));
  it("rmspropStep: momentum only", () => check("rmspropStep", [SQUARE, SIGNED], () => ({ ...rms, momentum: 0.5 }), 8, 1));

  it("adagradStep: decayed learning rate, weight decay", () =>
    check("adagradStep", [SQUARE], (step) => ({ clr: 0.1 / (1 + (step - 1) * 0.01), eps: 1e-10, wd: 0.01, sign: 1 }), 4, 1));
});
