// div's roundingMode (torch.div(a, b, rounding_mode=...)); values from torch 1.13. Without it the
// option object was ignored and true division came back.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

describe("div with a roundingMode", () => {
  const a = tg.tensor([-7, 7, -7, 7], { dtype: "int32" });
  const b = tg.tensor([2, -2, -2, 2], { dtype: "int32" });
  it("integers: floor toward -inf, trunc toward zero, int32 results", () => {
    const f = a.div(b, { roundingMode: "floor" });
    assert.equal(f.dtype, "int32");
    assert.deepEqual(f.toArray(), [-4, -4, 3, 3]);
    assert.deepEqual(a.div(b, { roundingMode: "trunc" }).toArray(), [-3, -3, 3, 3]);
    assert.deepEqual(a.div(-3, { roundingMode: "floor" }).toArray(), [2, -3, 2, -3]);
    assert.deepEqual(tg.div(7, tg.tensor([2, -2], { dtype: "int32" }), { roundingMode: "floor" }).toArray(), [3, -4]);
    const g = a.div(2.5, { roundingMode: "floor" });
    assert.equal(g.dtype, "float32");
    assert.deepEqual(g.toArray(), [-3, 2, -3, 2]);
  });
  it("floats: floor is exact (1 // 0.1 = 9), trunc truncates the float32 quotient (10), as torch", () => {
    const x = tg.tensor([1, -1, 7.5, -7.5]);
    const y = tg.tensor([0.1, 0.1, 2, 2]);
    assert.deepEqual(x.div(y, { roundingMode: "floor" }).toArray(), [9, -10, 3, -4]);
    assert.deepEqual(x.div(y, { roundingMode: "trunc" }).toArray(), [10, -10, 3, -3]);
    assert.deepEqual(tg.tensor([1, -1]).div(0, { roundingMode: "floor" }).toArray(), [Infinity, -Infinity]);
    assert.deepEqual(x.div(y, { roundingMode: null }).toArray(), x.div(y).toArray());
  });
  it("the gradient is zero; bad modes, unknown keys and an integer 0 divisor throw", () => {
    const w = tg.tensor([1.5, -2.5], { requiresGrad: true });
    w.div(2, { roundingMode: "floor" }).sum().backward();
    assert.deepEqual(w.grad!.toArray(), [0, 0]);
    assert.throws(() => a.div(b, { roundingMode: "round" as "floor" }), { name: "ValueError" });
    assert.throws(() => a.div(b, { rounding: "floor" } as object), { name: "ValueError", message: /unknown option "rounding"/ });
    assert.throws(() => a.div(0, { roundingMode: "trunc" }), { name: "ValueError", message: /integer division by zero/ });
  });
});
