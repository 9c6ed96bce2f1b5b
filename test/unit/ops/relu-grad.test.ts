// relu's gradient is one kernel with torch's threshold_backward semantics: the upstream gradient where
// relu's output is positive and +0 elsewhere, even where that gradient is NaN or infinite (a product
// with a 0/1 mask would leak NaN through units that are off, and give -0 for negative gradients).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

describe("relu gradient", () => {
  for (const backend of ["js", "wasm"]) {
    it(`masks NaN and infinite gradients where the unit is off, as torch (${backend})`, () => {
      tg.setBackend(backend);
      try {
        // torch: x = tensor([-1., 0., 2., 3., -0.5, 4.], requires_grad=True); relu(x).backward(g)
        // gives x.grad = [0, 0, 3, nan, 0, -0.0] for g = [nan, inf, 3, nan, -2, -0.0].
        const x = tg.tensor([-1, 0, 2, 3, -0.5, 4], { requiresGrad: true });
        x.relu().backward(tg.tensor([NaN, Infinity, 3, NaN, -2, -0]));
        const got = Array.from(x.grad!.toTypedArray());
        assert.equal(got.length, 6);
        assert.ok(Object.is(got[0], 0) && Object.is(got[1], 0) && Object.is(got[4], 0), `off units give +0: ${got}`);
        assert.equal(got[2], 3);
        assert.ok(Number.isNaN(got[3]), "a NaN gradient passes where the unit is on");
        assert.ok(Object.is(got[5], -0), "a -0 gradient passes where the unit is on");
      } finally {
        tg.setBackend("wasm");
      }
    });

    it(`has a second derivative through the same mask (${backend})`, () => {
      tg.setBackend(backend);
      try {
        const x = tg.tensor([-1, 2, 3], { requiresGrad: true });
        const g = tg.tensor([5, 7, 11], { requiresGrad: true });
        const [gx] = tg.autograd.grad([x.relu()], [x], { gradOutputs: [g], createGraph: true });
        assert.deepEqual(gx!.toArray(), [0, 7, 11]);
        gx!.sum().backward();
        assert.deepEqual(g.grad!.toArray(), [0, 1, 1]);
        // torch: threshold_backward's derivative for its input is zeros_like(grad).
        assert.deepEqual(x.grad!.toArray(), [0, 0, 0]);
      } finally {
        tg.setBackend("wasm");
      }
    });
  }
});
