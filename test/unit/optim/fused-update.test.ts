// The wasm backend's fused optimizer kernels ("adamStep", "sgdStep") against the reference maths in
// src/optim (adamUpdate, sgdUpdate) on copies of the same float32 buffers: the fused kernels repeat
// the reference operation for operation in f64, so the results must be the same float32 bits.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { wasmBackend } from "../../../src/backend/wasm/index.js";
import { WasmStorage } from "../../../src/backend/wasm/storage.js";
import { adamUpdate } from "../../../src/optim/adam.js";
import { sgdUpdate } from "../../../src/optim/sgd.js";
import type { FusedUpdate } from "../../../src/optim/optimizer.js";

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
function run(make: (p: Tensor) => tg.optim.Optimizer, n: number, steps: number): { p: Tensor; opt: tg.optim.Optimizer; after: Float32Array[] } {
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
        const p = values(n, 11 + n), m = new Float32Array(n), v = new Float32Array(n), vMax = new Float32Array(n);
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
        const p = values(n, 11 + n), buf = new Float32Array(n);
        for (let k = 0; k < 3; k++) {
          sgdUpdate(p, values(n, 100 + k, 0.5), h.momentum !== 0 ? buf : null, k === 0, h);
          assert.deepEqual(after[k], p, `step ${k + 1}`);
        }
      });
    }
  }

  it("the fused kernel takes float32 wasm buffers and hands anything else to the reference", () => {
    const adam = wasmBackend.kernel("adamStep") as unknown as FusedUpdate;
    assert.ok(adam, "the wasm backend has adamStep");
    assert.ok(wasmBackend.kernel("sgdStep"), "the wasm backend has sgdStep");
    let referenceCalls = 0;
    const reference = () => void referenceCalls++;
    const args = { shrink: 1, l2: 0, sign: 1, beta1: 0.9, c1: 0.1, beta2: 0.999, c2: 0.001, stepSize: 0.01 / (1 - 0.9), bc2Sqrt: Math.sqrt(0.001), eps: 1e-8, reference };
    const f32 = () => tg.tensor([1, 2, 3]);
    const p = f32();
    adam(p, [tg.tensor([1, -1, 0.5]), f32().mul(0), f32().mul(0), null], args);
    assert.equal(referenceCalls, 0);
    // Step 1 (stepSize lr/(1 − β1) with lr 0.01) from zero moments moves each weight by lr·sign(g).
    assert.deepEqual([...p.toFloat32Array()].map((x) => Math.round(x * 1e4) / 1e4), [0.99, 2.01, 2.99]);
    const p64 = tg.tensor([1, 2, 3], { dtype: "float64" });
    adam(p64, [tg.tensor([1, 1, 1], { dtype: "float64" }), f32(), f32(), null], args);
    assert.equal(referenceCalls, 1, "a float64 parameter goes to the reference");
    assert.deepEqual([...p64.storage.data], [1, 2, 3], "the kernel itself left it alone");
    adam(p, [tg.tensor([1, 1]), f32(), f32(), null], args);
    assert.equal(referenceCalls, 2, "a size mismatch goes to the reference");
  });

  it("a float64 parameter on the wasm backend still trains through the reference path", () => {
    const p = tg.tensor([1, -2], { dtype: "float64", requiresGrad: true });
    const opt = new tg.optim.Adam([p], { lr: 0.1 });
    p.grad = tg.tensor([0.5, -0.25], { dtype: "float64" });
    opt.step();
    assert.deepEqual([...p.storage.data].map((x) => Math.round(x * 1e6) / 1e6), [0.9, -1.9]);
  });
});
