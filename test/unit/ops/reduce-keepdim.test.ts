// keepdim is positional, as PyTorch's x.sum(0, keepdim=True) is x.sum(0, true) here. Python's keyword
// written as an options object, x.sum(0, { keepdim: false }), used to count as true, silently.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

describe("reductions' keepdim", () => {
  const x = tg.tensor([
    [1, 2],
    [3, 4],
  ]);
  it("true and false give torch's shapes", () => {
    assert.deepEqual(x.sum(0, true).shape, [1, 2]);
    assert.deepEqual(x.sum(0, false).shape, [2]);
    assert.deepEqual(x.amax(1, true).toArray(), [[2], [4]]);
  });
  it("anything else is a ValueError naming the op, not a truthy keepdim", () => {
    for (const op of ["sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "logsumexp", "prod", "any", "all"] as const) {
      assert.throws(() => (x[op] as (d: number, k: unknown) => tg.Tensor)(0, { keepdim: false }), {
        name: "ValueError",
        message: `${op}: keepdim must be true or false, given after dim (x.${op}(dim, true)), got an object`,
      });
    }
    assert.throws(() => x.sum(0, 1 as never), {
      name: "ValueError",
      message: "sum: keepdim must be true or false, given after dim (x.sum(dim, true)), got 1",
    });
  });
});
