// remainder of integers keeps an integer dtype, as torch.remainder (int64 there, int32 here), with
// the divisor's sign; values from torch 1.13.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

describe("remainder of int32 tensors", () => {
  const a = tg.tensor([-7, 7, -7, 7, 2147483647, -2147483648], { dtype: "int32" });
  const b = tg.tensor([2, -2, -2, 2, 10, 3], { dtype: "int32" });
  it("int32 % int32 is int32 with the divisor's sign", () => {
    const r = a.remainder(b);
    assert.equal(r.dtype, "int32");
    assert.deepEqual(r.toArray(), [1, -1, -1, 1, 7, 1]);
  });
  it("an integer number keeps it int32; a fractional one makes it float32", () => {
    const r = a.remainder(-3);
    assert.equal(r.dtype, "int32");
    assert.deepEqual(r.toArray(), [-1, -2, -1, -2, -2, -2]);
    const n = tg.remainder(5, b);
    assert.equal(n.dtype, "int32");
    assert.deepEqual(n.toArray(), [1, -1, -1, 1, 5, 2]);
    const f = tg.tensor([-7, 7], { dtype: "int32" }).remainder(2.5);
    assert.equal(f.dtype, "float32");
    assert.deepEqual(f.toArray(), [0.5, 2]);
  });
  it("an integer divisor of 0 throws (torch: ZeroDivisionError)", () => {
    assert.throws(() => a.remainder(0), { name: "ValueError", message: /remainder: integer division by zero/ });
  });
});
