// Gradients of the piecewise activations exactly at their kinks, where torch's backward picks a
// side (values from torch 1.13 at x = [-3, -1, 0, 1, 3, 6, 20, -20]).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { assertTensorClose } from "../../helpers/assert.js";

const F = tg.nn.functional;
const X = [-3, -1, 0, 1, 3, 6, 20, -20];

function gradAt(f: (x: Tensor) => Tensor): Tensor {
  const x = tg.tensor(X, { requiresGrad: true });
  f(x).sum().backward();
  return x.grad!;
}

describe("activation gradients at the kinks, as torch", () => {
  it("hardswish: x/3 + 1/2 on the closed [-3, 3] (-0.5 at -3, 1.5 at 3)", () => {
    assertTensorClose(gradAt(F.hardswish), [-0.5, 1 / 6, 0.5, 5 / 6, 1.5, 1, 1, 0], [8], { rtol: 1e-6, atol: 0 });
    assertTensorClose(F.hardswish(tg.tensor(X)), [-0, -1 / 3, 0, 2 / 3, 3, 6, 20, 0], [8], { rtol: 1e-6, atol: 0 });
  });
  it("logSigmoid: σ(-x), 0.5 at 0", () => {
    const want = [0.9525741, 0.7310586, 0.5, 0.2689414, 0.04742587, 0.002472623, 2.061154e-9, 1];
    assertTensorClose(gradAt(F.logSigmoid), want, [8], { rtol: 1e-5, atol: 0 });
    assertTensorClose(F.logSigmoid(tg.tensor([0, -100, 100])), [-Math.LN2, -100, -3.720076e-44], [3], { rtol: 1e-5, atol: 1e-45 });
  });
});

describe("maximum/minimum gradients, as torch", () => {
  it("split ties in half, and give both sides the gradient where one is NaN", () => {
    // torch: maximum([nan, 2, 1], [1, 1, 1]) backward: self [1, 1, 0.5], other [1, 0, 0.5]; minimum alike.
    for (const op of ["maximum", "minimum"] as const) {
      const a = tg.tensor([NaN, op === "maximum" ? 2 : 0, 1], { requiresGrad: true });
      const b = tg.tensor([1, 1, 1], { requiresGrad: true });
      a[op](b).sum().backward();
      assert.deepEqual(a.grad!.toArray(), [1, 1, 0.5], `${op}: first operand`);
      assert.deepEqual(b.grad!.toArray(), [1, 0, 0.5], `${op}: second operand`);
    }
  });
});
