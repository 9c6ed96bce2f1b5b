// cat skips 1-D empty tensors whatever the other shapes, as torch.cat's legacy rule does: the
// `acc = cat([acc, batch])` accumulator that starts from tensor([]) (values from torch 1.13).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

describe("cat with a 1-D empty tensor", () => {
  it("skips it next to tensors of any rank, in any position and along any dim", () => {
    // torch: cat([zeros(0), ones(2, 3)]).shape = [2, 3]; cat([ones(2, 3), zeros(0)], dim=1).shape = [2, 3].
    assert.deepEqual(tg.cat([tg.tensor([]), tg.ones([2, 3])]).shape, [2, 3]);
    assert.deepEqual(tg.cat([tg.ones([2, 3]), tg.zeros([0])], 1).shape, [2, 3]);
    let acc = tg.tensor([]);
    for (let i = 0; i < 3; i++) acc = tg.cat([acc, tg.full([2, 2], i)]);
    assert.deepEqual(acc.shape, [6, 2]);
    assert.deepEqual(acc.toArray(), [
      [0, 0],
      [0, 0],
      [1, 1],
      [1, 1],
      [2, 2],
      [2, 2],
    ]);
  });
  it("still takes part in the dtype, and only 1-D empty tensors are skipped", () => {
    // torch: cat([zeros(0, dtype=int32), ones(2, 3)]).dtype = float32; cat([zeros(0, 2), ones(2, 3)]) raises.
    assert.equal(tg.cat([tg.zeros([0], { dtype: "int32" }), tg.ones([2, 3], { dtype: "int32" })]).dtype, "int32");
    assert.equal(tg.cat([tg.zeros([0]), tg.ones([2, 3], { dtype: "int32" })]).dtype, "float32");
    assert.throws(() => tg.cat([tg.zeros([0, 2]), tg.ones([2, 3])]), { name: "ShapeError" });
    assert.deepEqual(tg.cat([tg.zeros([0]), tg.zeros([0])]).shape, [0]);
  });
});
