// Gradients at the points where tensorgrad used to differ from PyTorch (trap 8 of the fidelity list,
// and sign from trap 9), on every backend, against test/fixtures/fidelity.json.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, type Tensor } from "tensorgrad";
import { fidelity, fromRec, close, values } from "./fixtures.js";

const F = nn.functional;

const CASES: Record<string, (x: Tensor) => Tensor> = {
  stdConstant: (x) => x.std(),
  stdConstantDim: (x) => x.std(1),
  eluAtZero: (x) => F.elu(x, 1.5),
  softplusAtThreshold: (x) => F.softplus(x),
  softplusBeta: (x) => F.softplus(x, { beta: 2, threshold: 5 }),
  maxDimTies: (x) => x.max(1),
  minDimTies: (x) => x.min(0),
  maxAllTies: (x) => x.max(),
  sign: (x) => x.sign().mul(x),
};

const UPSTREAM: Record<string, number[]> = { maxDimTies: [1, 2], minDimTies: [1, 2] };

for (const backend of tg.listBackends()) {
  describe(`gradients as PyTorch's (${backend})`, () => {
    for (const [name, fn] of Object.entries(CASES)) {
      it(name, () => {
        const prev = tg.getBackend().name;
        tg.setBackend(backend);
        try {
          const ref = fidelity.grads[name];
          const x = fromRec(ref.input, { requiresGrad: true });
          const y = fn(x);
          close(y, ref.output, 1e-6);
          y.backward(UPSTREAM[name] ? tg.tensor(UPSTREAM[name]) : tg.onesLike(y));
          close(x.grad!, ref.grad, 1e-6);
        } finally {
          tg.setBackend(prev);
        }
      });
    }
    it("sign's output requires grad, and its gradient is zero", () => {
      const prev = tg.getBackend().name;
      tg.setBackend(backend);
      try {
        const x = tg.tensor([-2, 0, 3], { requiresGrad: true });
        const s = x.sign();
        assert.equal(s.requiresGrad, true);
        s.sum().backward();
        assert.deepEqual(x.grad!.toArray(), [0, 0, 0]);
      } finally {
        tg.setBackend(prev);
      }
    });
    it("sign(NaN) is 0, sign(-0) is 0", () => {
      const prev = tg.getBackend().name;
      tg.setBackend(backend);
      try {
        // Long enough to reach a backend's vector loop as well as its tail.
        const x = tg.tensor(Array.from({ length: 11 }, () => [NaN, -0, 2]).flat());
        assert.deepEqual(Array.from(x.sign().toFloat32Array()).slice(0, 3), values(fidelity.grads.signNaN.output));
        assert.deepEqual(Array.from(x.sign().toFloat32Array()).slice(30), values(fidelity.grads.signNaN.output));
      } finally {
        tg.setBackend(prev);
      }
    });
  });
}
