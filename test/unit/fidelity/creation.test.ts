// Creation functions as PyTorch's: an unknown dtype or option is an error (traps 3 and 9 of the
// fidelity list), arange takes its options second (trap 4), and linspace with one step gives [start].

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { DTypeError, ValueError } from "tensorgrad";
import { fidelity, values } from "./fixtures.js";

const dtypeError = (name: string) => (e: unknown) => e instanceof DTypeError && e.message.includes(`"${name}"`);

describe("unknown dtypes are a DTypeError everywhere a dtype is accepted", () => {
  it("float16 is a dtype now: the trap's tensor keeps its values, rounded to float16", () => {
    const t = tg.tensor([1.5, 2.7, -0.4], { dtype: "float16" });
    assert.equal(t.dtype, "float16");
    assert.deepEqual(t.toArray(), [1.5, 2.69921875, -0.39990234375]);
    assert.equal(t.mean().item(), Math.fround((1.5 + 2.69921875 - 0.39990234375) / 3));
  });
  // "bool" is a dtype now (test/unit/tensor/bool.test.ts); "uint8" is one tensorgrad lacks.
  for (const bad of ["half", "float8", "bogus", "int64", "uint8"]) {
    it(`"${bad}"`, () => {
      const d = bad as tg.DType;
      assert.throws(() => tg.tensor([1.5, 2.7, -0.4], { dtype: d }), dtypeError(bad));
      assert.throws(() => tg.tensor(new Float32Array(2), { dtype: d }), dtypeError(bad));
      assert.throws(() => tg.zeros([2], { dtype: d }), dtypeError(bad));
      assert.throws(() => tg.ones([2], { dtype: d }), dtypeError(bad));
      assert.throws(() => tg.full([2], 3, { dtype: d }), dtypeError(bad));
      assert.throws(() => tg.arange(3, { dtype: d }), dtypeError(bad));
      assert.throws(() => tg.linspace(0, 1, 3, { dtype: d }), dtypeError(bad));
      assert.throws(() => tg.eye(2, { dtype: d }), dtypeError(bad));
      assert.throws(() => tg.randn([2], { dtype: d }), dtypeError(bad));
      assert.throws(() => tg.randint(0, 3, [2], { dtype: d }), dtypeError(bad));
      assert.throws(() => tg.ones([2]).to(d), dtypeError(bad));
    });
  }
});

describe("arange and linspace", () => {
  it("arange(n, { dtype }) gives n values of that dtype", () => {
    const a = tg.arange(4, { dtype: "int32" });
    assert.deepEqual([...a.shape], [4]);
    assert.equal(a.dtype, "int32");
    assert.deepEqual(a.toArray(), [0, 1, 2, 3]);
    const b = tg.arange(1, 3, { dtype: "float64" });
    assert.equal(b.dtype, "float64");
    assert.deepEqual(b.toArray(), [1, 2]);
  });
  it("linspace(a, b, 1) is [a]", () => {
    assert.deepEqual(tg.linspace(2, 5, 1).toArray(), values(fidelity.options.linspace1));
  });
});

describe("unknown option keys are a ValueError", () => {
  it("names the function and the key", () => {
    assert.throws(
      () => tg.zeros([2], { dtyp: "float32" } as any),
      (e: unknown) => e instanceof ValueError && /zeros: unknown option "dtyp"/.test((e as Error).message),
    );
    assert.throws(() => tg.tensor([1], { requires_grad: true } as any), /tensor: unknown option "requires_grad"/);
    assert.throws(() => tg.randn([2], { device: "cuda" } as any), /randn: unknown option "device"/);
  });
});
