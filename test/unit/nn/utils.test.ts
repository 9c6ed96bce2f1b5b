// nn.utils: gradient clipping against torch.nn.utils (fixtures/nn.json) and the L1/L2 penalties.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn } from "tensorgrad";
import { assertClose, assertTensorClose } from "../../helpers/assert.js";
import { fixtures, toTensor } from "./nn-fixtures.js";

describe("gradient clipping matches torch.nn.utils", () => {
  for (const c of fixtures.clipping) {
    it(c.id, () => {
      const params = c.grads.map((g) => {
        const p = new nn.Parameter(tg.zeros(g.shape));
        p.grad = toTensor(g);
        return p;
      });
      if (c.clipValue !== undefined) {
        assert.equal(nn.utils.clipGradValue(params, c.clipValue), undefined);
      } else {
        const normType = c.normType === "inf" ? Infinity : c.normType;
        const total = nn.utils.clipGradNorm(params, c.maxNorm!, { normType });
        assert.deepEqual(total.shape, [], "the total norm is a 0-d tensor, as torch");
        assertClose([total.item()], [c.totalNorm!], { rtol: 1e-5, what: "total norm" });
      }
      c.clipped.forEach((r, i) => assertTensorClose(params[i].grad!, r.values, r.shape, { rtol: 1e-5, atol: 1e-6, what: `grad ${i}` }));
    });
  }

  it("skips parameters without a gradient and returns 0 when there are none", () => {
    const p = new nn.Parameter(tg.zeros([2]));
    assert.equal(nn.utils.clipGradNorm([p], 1).item(), 0);
    const q = new nn.Parameter(tg.zeros([2]));
    q.grad = tg.tensor([3, 4]);
    assert.equal(nn.utils.clipGradNorm([p, q], 10).item(), 5);
    assert.deepEqual(q.grad.toArray(), [3, 4]);
    nn.utils.clipGradNorm(q, 1); // a single tensor is accepted too
    assertTensorClose(q.grad, [0.6, 0.8], [2], { rtol: 1e-5 });
  });

  it("takes torch's positional norm_type as a third argument; unknown option keys are ValueErrors", () => {
    // torch: clip_grad_norm_([p], 1.0, float("inf")) with p.grad = [3, 4] returns 4 and scales by 1/4.
    const p = new nn.Parameter(tg.zeros([2]));
    p.grad = tg.tensor([3, 4]);
    assert.equal(nn.utils.clipGradNorm([p], 1, Infinity).item(), 4);
    assertTensorClose(p.grad, [0.75, 1], [2], { rtol: 1e-5 });
    assert.throws(() => nn.utils.clipGradNorm([p], 1, { norm_type: 1 } as never), {
      name: "ValueError",
      message: /clipGradNorm: unknown option "norm_type"/,
    });
  });

  it("a NaN gradient makes the total norm NaN and, as torch, every gradient NaN", () => {
    // torch.nn.utils.clip_grad_norm_: clip_coef = max_norm / (nan + 1e-6) is NaN, clamp(max=1) keeps
    // it, and each gradient is multiplied by it (an inf total instead gives a coefficient of 0).
    const p = new nn.Parameter(tg.zeros([2]));
    const q = new nn.Parameter(tg.zeros([3]));
    p.grad = tg.tensor([NaN, 1]);
    q.grad = tg.tensor([1, 1, 1]);
    assert.ok(Number.isNaN(nn.utils.clipGradNorm([p, q], 1).item()));
    assert.ok((p.grad.toArray() as number[]).every((v) => Number.isNaN(v)));
    assert.ok((q.grad.toArray() as number[]).every((v) => Number.isNaN(v)));
  });

  it("a misspelt option is a ValueError naming the known ones; a valid one still clips", () => {
    const q = new nn.Parameter(tg.zeros([2]));
    q.grad = tg.tensor([3, 4]);
    assert.throws(() => nn.utils.clipGradNorm(q, 1, { normtype: 1 } as never), {
      name: "ValueError",
      message: 'clipGradNorm: unknown option "normtype" (known options: normType, errorIfNonfinite)',
    });
    assert.deepEqual(q.grad.toArray(), [3, 4]);
    assert.equal(nn.utils.clipGradNorm(q, 10, { normType: 1 }).item(), 7);
  });
});

describe("L1 / L2 penalties", () => {
  it("are scalar tensors in the graph: Σ|w| (gradient sign w) and Σw² (gradient 2w)", () => {
    const w = new nn.Parameter(
      tg.tensor([
        [1, -2],
        [0.5, -0.25],
      ]),
    );
    const b = new nn.Parameter(tg.tensor([3]));
    const l1 = nn.utils.l1Penalty([w, b]);
    const l2 = nn.utils.l2Penalty([w, b]);
    assert.deepEqual(l1.shape, []);
    assert.equal(l1.item(), 6.75);
    assert.equal(l2.item(), 1 + 4 + 0.25 + 0.0625 + 9);
    // Elastic net in one line.
    l1.mul(0.1).add(l2.mul(0.01)).backward();
    assertTensorClose(w.grad!, [0.1 + 0.02, -0.1 - 0.04, 0.1 + 0.01, -0.1 - 0.005], [2, 2], { rtol: 1e-6 });
    assertTensorClose(b.grad!, [0.1 + 0.06], [1], { rtol: 1e-6 });
  });

  it("regularises a model: a loss plus the penalty of model.parameters()", () => {
    tg.manualSeed(8);
    const m = new nn.Linear(3, 1);
    const x = tg.randn([4, 3]),
      y = tg.randn([4, 1]);
    const data = nn.functional.mseLoss(m.forward(x), y);
    const total = data.add(nn.utils.l2Penalty(m.parameters()).mul(1e-2));
    const expected = data.item() + 1e-2 * m.parameters().reduce((s, p) => s + p.mul(p).sum().item(), 0);
    assertClose([total.item()], [expected], { rtol: 1e-6 });
    assert.equal(nn.utils.l1Penalty([]).item(), 0);
  });
});
