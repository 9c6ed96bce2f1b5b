// The wasm backend's fused optimizer kernels ("adamStep", "sgdStep") against the reference maths in
// src/optim (adamUpdate, sgdUpdate) on copies of the same float32 buffers: the fused kernels repeat
// the reference operation for operation (Adam in f32, SGD in f64), so the results must be the same
// float32 bits, in both wasm builds.
import { hostData } from "../../../src/backend/backend.js";
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { wasmBackend } from "../../../src/backend/wasm/index.js";
import { WasmStorage } from "../../../src/backend/wasm/storage.js";
import { WasmRuntime } from "../../../src/backend/wasm/runtime.js";
import { adamScalars, adamUpdate } from "../../../src/optim/adam.js";
import { sgdUpdate } from "../../../src/optim/sgd.js";

function values(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = scale * (2 * (s / 2 ** 32) - 1);
  }
  return out;
}

// 7: only the scalar tail; 1003: vectors and a tail; 70001: split across the worker pool.
const SIZES = [7, 1003, 70001];

/** Runs `steps` steps of `make(param)` on the wasm backend and returns the parameter after each. */
function run(
  make: (p: Tensor) => tg.optim.Optimizer,
  n: number,
  steps: number,
): { p: Tensor; opt: tg.optim.Optimizer; after: Float32Array[] } {
  const p = tg.tensor(values(n, 11 + n), { requiresGrad: true });
  assert.ok(p.storage instanceof WasmStorage);
  const opt = make(p);
  const after: Float32Array[] = [];
  for (let k = 0; k < steps; k++) {
    p.grad = tg.tensor(values(n, 100 + k, 0.5));
    opt.step();
    after.push(p.toFloat32Array());
  }
  return { p, opt, after };
}

describe("fused wasm optimizer updates equal the reference maths bit for bit", () => {
  tg.setBackend("wasm");
  const adamCases: Array<[string, boolean, Record<string, unknown>]> = [
    ["Adam", false, {}],
    ["Adam weightDecay amsgrad maximize", false, { weightDecay: 0.1, amsgrad: true, maximize: true }],
    ["AdamW amsgrad", true, { weightDecay: 0.05, amsgrad: true, lr: 0.01, betas: [0.8, 0.95], eps: 1e-6 }],
  ];
  for (const [name, decoupled, options] of adamCases) {
    for (const n of SIZES) {
      it(`${name}, ${n} elements`, () => {
        const Ctor = decoupled ? tg.optim.AdamW : tg.optim.Adam;
        const { opt, after } = run((p) => new Ctor([p], options), n, 3);
        const h = opt.paramGroups[0]! as never as Parameters<typeof adamUpdate>[7];
        const p = values(n, 11 + n),
          m = new Float32Array(n),
          v = new Float32Array(n),
          vMax = new Float32Array(n);
        for (let k = 0; k < 3; k++) {
          adamUpdate(p, values(n, 100 + k, 0.5), m, v, h.amsgrad ? vMax : null, k + 1, decoupled, h);
          assert.deepEqual(after[k], p, `step ${k + 1}`);
        }
        assert.notDeepEqual(after[0], values(n, 11 + n), "the parameter moved");
      });
    }
  }

  const sgdCases: Array<[string, tg.optim.SGDOptions]> = [
    ["SGD", { lr: 0.1 }],
    ["SGD weightDecay maximize", { lr: 0.1, weightDecay: 0.01, maximize: true }],
    ["SGD momentum dampening", { lr: 0.05, momentum: 0.9, dampening: 0.3 }],
    ["SGD nesterov weightDecay", { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.02 }],
  ];
  for (const [name, options] of sgdCases) {
    for (const n of SIZES) {
      it(`${name}, ${n} elements`, () => {
        const { opt, after } = run((p) => new tg.optim.SGD([p], options), n, 3);
        const h = opt.paramGroups[0]! as never as Parameters<typeof sgdUpdate>[4];
        const p = values(n, 11 + n),
          buf = new Float32Array(n);
        for (let k = 0; k < 3; k++) {
          sgdUpdate(p, values(n, 100 + k, 0.5), h.momentum !== 0 ? buf : null, k === 0, h);
          assert.deepEqual(after[k], p, `step ${k + 1}`);
        }
      });
    }
  }

  it("the fused kernel takes float32 wasm buffers and hands anything else to the reference kernel", () => {
    const adam = wasmBackend.kernel("adamStep")!;
    assert.ok(adam, "the wasm backend has adamStep");
    assert.ok(wasmBackend.kernel("sgdStep"), "the wasm backend has sgdStep");
    const scalars = {
      shrink: 1,
      l2: 0,
      sign: 1,
      beta1: 0.9,
      c1: 0.1,
      beta2: 0.999,
      c2: 0.001,
      stepSize: 0.01 / (1 - 0.9),
      bc2Sqrt: Math.sqrt(0.001),
      eps: 1e-8,
    };
    const f32 = () => tg.tensor([1, 2, 3]);
    const p = f32();
    assert.ok(p.storage instanceof WasmStorage);
    adam(p, [tg.tensor([1, -1, 0.5]), f32().mul(0), f32().mul(0)], scalars);
    // Step 1 (stepSize lr/(1 − β1) with lr 0.01) from zero moments moves each weight by lr·sign(g).
    assert.deepEqual(
      [...p.toFloat32Array()].map((x) => Math.round(x * 1e4) / 1e4),
      [0.99, 2.01, 2.99],
    );
    // A float64 parameter (not the fused kernel's) gets the reference loop, with the same result.
    const f64 = (v: number[]) => tg.tensor(v, { dtype: "float64" });
    const p64 = f64([1, 2, 3]);
    adam(p64, [f64([1, -1, 0.5]), f64([0, 0, 0]), f64([0, 0, 0])], scalars);
    assert.deepEqual(
      (p64.toArray() as number[]).map((x) => Math.round(x * 1e4) / 1e4),
      [0.99, 2.01, 2.99],
    );
  });

  it("a float64 parameter on the wasm backend still trains through the reference path", () => {
    const p = tg.tensor([1, -2], { dtype: "float64", requiresGrad: true });
    const opt = new tg.optim.Adam([p], { lr: 0.1 });
    p.grad = tg.tensor([0.5, -0.25], { dtype: "float64" });
    opt.step();
    assert.deepEqual(
      [...hostData(p.storage)].map((x) => Math.round(x * 1e6) / 1e6),
      [0.9, -1.9],
    );
  });
});

describe("the f32 Adam kernel equals the reference on edge values, in both wasm builds", () => {
  const runtimes: WasmRuntime[] = [];
  after(() => Promise.all(runtimes.map((rt) => rt.close())));
  // Zeros of both signs, subnormals, gradients whose square underflows or overflows float32, huge
  // weights, infinities and NaN, around ordinary values; n = 4k + 3 so the scalar tail sees some.
  const special = [0, -0, 1e-45, -3e-39, 1e-20, -1e-25, 3e19, -1e30, 3.4e38, Infinity, -Infinity, NaN, 1, -0.5, 0.1];
  function filled(n: number, seed: number): Float32Array {
    const out = values(n, seed);
    for (let i = 0; i < n; i += 3) out[i] = special[(i / 3 + seed) % special.length]!;
    return out;
  }
  const same = (a: number, b: number) => (Number.isNaN(a) ? Number.isNaN(b) : Object.is(a, b));

  for (const flavor of ["simd", "relaxed"] as const) {
    const rt = new WasmRuntime({ threads: 1, relaxedSimd: flavor === "relaxed" });
    runtimes.push(rt);
    for (const [name, decoupled, amsgrad, maximize, weightDecay] of [
      ["Adam L2 amsgrad", false, true, false, 0.1],
      ["AdamW maximize", true, false, true, 0.05],
    ] as const) {
      it(`${flavor}: ${name}`, () => {
        assert.equal(rt.flavor, flavor);
        const n = 4 * 40 + 3;
        const h = { lr: 0.01, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay, amsgrad, maximize };
        const want = { p: filled(n, 1), m: new Float32Array(n), v: new Float32Array(n), x: new Float32Array(n) };
        const ptr = {
          p: rt.allocator.alloc(4 * n),
          g: rt.allocator.alloc(4 * n),
          m: rt.allocator.alloc(4 * n),
          v: rt.allocator.alloc(4 * n),
          x: amsgrad ? rt.allocator.alloc(4 * n) : 0,
        };
        rt.f32(ptr.p, n).set(want.p);
        for (let step = 1; step <= 3; step++) {
          const g = filled(n, 10 + step);
          rt.f32(ptr.g, n).set(g);
          rt.adamStep(ptr.p, ptr.g, ptr.m, ptr.v, ptr.x, n, adamScalars(step, decoupled, h, true));
          adamUpdate(want.p, g, want.m, want.v, amsgrad ? want.x : null, step, decoupled, h);
          const bufs: Array<[string, number, Float32Array]> = [
            ["p", ptr.p, want.p],
            ["m", ptr.m, want.m],
            ["v", ptr.v, want.v],
          ];
          if (amsgrad) bufs.push(["vMax", ptr.x, want.x]);
          for (const [what, at, ref] of bufs) {
            const got = rt.f32(at, n);
            for (let i = 0; i < n; i++) {
              assert.ok(same(got[i]!, ref[i]!), `step ${step} ${what}[${i}]: wasm ${got[i]} reference ${ref[i]}`);
            }
          }
        }
        for (const a of Object.values(ptr)) if (a) rt.allocator.free(a);
      });
    }
  }
});
