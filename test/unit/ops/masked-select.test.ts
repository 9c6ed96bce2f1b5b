// maskedSelect beyond the op table's PyTorch cases (test/conformance): the selection order, dtypes,
// an empty selection, gradients through broadcasting, and typed errors.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

describe("maskedSelect", () => {
  it("takes the selected elements in row-major order, as torch.masked_select", () => {
    const x = tg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const out = x.maskedSelect(x.gt(2.5));
    assert.deepEqual([...out.shape], [4]);
    assert.deepEqual(out.toArray(), [3, 4, 5, 6]);
    assert.deepEqual(tg.maskedSelect(x, tg.tensor([true, false, true])).toArray(), [1, 3, 4, 6]);
    assert.deepEqual(tg.maskedSelect(tg.tensor([7, 8, 9], { dtype: "int32" }), tg.tensor([false, true, true])).toArray(), [8, 9]);
    assert.equal(tg.maskedSelect(tg.tensor([7, 8, 9], { dtype: "int32" }), tg.tensor([false, true, true])).dtype, "int32");
  });

  it("gives a [0] tensor for an empty selection, with a zero gradient", () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const out = x.maskedSelect(tg.zeros([2], { dtype: "bool" }));
    assert.deepEqual([...out.shape], [0]);
    out.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [0, 0]);
  });

  it("sums the gradient of an element selected through a broadcast mask", () => {
    const x = tg.tensor([10, 20, 30], { requiresGrad: true });
    const mask = tg.tensor([
      [true, false, true],
      [true, true, false],
    ]);
    const out = x.maskedSelect(mask); // x broadcast to [2, 3]
    assert.deepEqual(out.toArray(), [10, 30, 10, 20]);
    out.backward(tg.tensor([1, 2, 3, 4]));
    assert.deepEqual(x.grad!.toArray(), [4, 4, 2]);
  });

  it("refuses a mask that is not bool, as torch (a 0/1 float or int32 mask is a DTypeError naming the dtype)", () => {
    for (const mask of [tg.tensor([1, 0, 1]), tg.tensor([1, 0, 1], { dtype: "int32" })]) {
      assert.throws(
        () => tg.maskedSelect(tg.tensor([1, 2, 3]), mask),
        (e: unknown) =>
          e instanceof tg.DTypeError &&
          /maskedSelect/.test((e as Error).message) &&
          new RegExp(`got ${mask.dtype}`).test((e as Error).message) &&
          /bool/.test((e as Error).message),
      );
    }
  });

  it("names the shapes that do not broadcast", () => {
    assert.throws(
      () => tg.maskedSelect(tg.ones([2, 3]), tg.ones([2], { dtype: "bool" })),
      (e: unknown) => e instanceof tg.ShapeError && /maskedSelect/.test((e as Error).message) && /\[2, 3\]/.test((e as Error).message),
    );
  });
});
