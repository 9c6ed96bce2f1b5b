// remainder as torch.remainder (values from torch 1.13): integers keep an integer dtype (int64 there,
// int32 here) with the divisor's sign; floats are exact, as torch's fmod-based kernel.
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

describe("remainder of float32 tensors is exact, as torch's", () => {
  it("does not round the quotient in float32 first", () => {
    // torch: tensor([0.3, 1e7 + 1, -0.3, 5.5, -5.5]).remainder(0.1)
    //   = [7.4506e-09, 0.050988, 0.1, 0.099999920, 8.1956e-08] (float32(0.1) as the divisor).
    const r = tg.tensor([0.3, 1e7 + 1, -0.3, 5.5, -5.5]).remainder(0.1);
    assert.equal(r.dtype, "float32");
    const want = [7.450580596923828e-9, 0.05098837614059448, 0.09999999403953552, 0.09999991953372955, 8.195638656616211e-8];
    assert.deepEqual(r.toArray(), want.map(Math.fround));
    // An int32 operand is first converted to float32 as torch does: 2147483647 → 2^31, % 2.5 = 0.5.
    assert.deepEqual(tg.tensor([2147483647], { dtype: "int32" }).remainder(2.5).toArray(), [0.5]);
  });
  it("keeps torch's gradients: 1 for a, -floor(a/b) for b", () => {
    const a = tg.tensor([5.5, -5.5], { requiresGrad: true });
    const b = tg.tensor([2, -3], { requiresGrad: true });
    const r = a.remainder(b);
    assert.deepEqual(r.toArray(), [1.5, -2.5]);
    r.sum().backward();
    assert.deepEqual(a.grad!.toArray(), [1, 1]);
    assert.deepEqual(b.grad!.toArray(), [-2, -1]);
  });
});

describe("pow of integers", () => {
  it("a negative integer exponent is a ValueError, as torch's 'Integers to negative integer powers are not allowed'", () => {
    // torch: tensor([2, 3], dtype=int32).pow(-1) raises; .pow(2) = [4, 9] int32; .pow(-0.5) is float32;
    // a tensor exponent truncates ([2, 3] ** tensor([-1]) = [0, 0]).
    const i = tg.tensor([2, 3], { dtype: "int32" });
    assert.throws(() => i.pow(-1), { name: "ValueError", message: /^pow: integers to negative integer powers are not allowed/ });
    assert.deepEqual(i.pow(2).toArray(), [4, 9]);
    assert.equal(i.pow(-0.5).dtype, "float32");
    assert.deepEqual(i.pow(tg.tensor([-1], { dtype: "int32" })).toArray(), [0, 0]);
  });
});
