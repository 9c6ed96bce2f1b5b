// Reducing a 0-d tensor: torch accepts dim 0 or -1 there and returns the value itself (values from
// torch 1.13: tensor(2.5).sum(0, keepdim=True) = 2.5, .argmax(0) = 0, .softmax(0) = 1).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

describe("reductions of a 0-d tensor", () => {
  for (const backend of tg.listBackends()) {
    it(`over dim 0 or -1 are the identity, on ${backend}`, () => {
      tg.setBackend(backend);
      const t = tg.tensor(2.5);
      const cases: [string, tg.Tensor, number][] = [
        ["sum(0, keepdim)", t.sum(0, true), 2.5],
        ["sum(-1)", t.sum(-1), 2.5],
        ["mean(0)", t.mean(0), 2.5],
        ["max(0)", t.max(0), 2.5],
        ["min(-1)", t.min(-1), 2.5],
        ["argmax(0)", t.argmax(0), 0],
        ["logsumexp(0)", t.logsumexp(0), 2.5],
        ["softmax(0)", t.softmax(0), 1],
      ];
      for (const [what, r, want] of cases) {
        assert.deepEqual(r.shape, [], `${what} shape`);
        assert.equal(r.item(), want, what);
      }
      const w = tg.tensor(3, { requiresGrad: true });
      w.sum(0).mul(2).backward();
      assert.equal(w.grad!.item(), 2);
      assert.throws(() => t.sum(1), /sum: dimension 1 is out of range for a tensor of 0 dimensions \(expected -1 to 0\)/);
    });
  }
});
