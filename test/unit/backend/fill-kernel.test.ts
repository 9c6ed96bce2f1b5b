// fill_ and zero_ run the backends' "fill" kernel on the target's view: only the view's elements
// change, strided or not, and the value is converted to the tensor's dtype as a store would.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

const initial = tg.getBackend().name;
after(() => tg.setBackend(initial));

for (const backend of ["js", "wasm"]) {
  describe(`fill kernel on ${backend}`, () => {
    it("fills a strided column of a matrix and nothing else", () => {
      tg.setBackend(backend);
      const m = tg.arange(12).reshape([3, 4]);
      tg.noGrad(() => m.slice(1, 1, 2).fill_(-2.5));
      assert.deepEqual(m.toArray(), [
        [0, -2.5, 2, 3],
        [4, -2.5, 6, 7],
        [8, -2.5, 10, 11],
      ]);
    });

    it("fills a transposed view and converts to the dtype", () => {
      tg.setBackend(backend);
      const f = tg.zeros([2, 3]);
      f.transpose(0, 1).fill_(0.1);
      assert.deepEqual([...f.toFloat32Array()], new Array(6).fill(Math.fround(0.1)));
      const d = tg.zeros([2], { dtype: "float64" }).fill_(0.1);
      assert.deepEqual(d.toArray(), [0.1, 0.1]);
      const i = tg.ones([2, 2], { dtype: "int32" });
      i.slice(0, 0, 1).fill_(-7);
      assert.deepEqual(i.toArray(), [
        [-7, -7],
        [1, 1],
      ]);
      assert.throws(() => i.fill_(0.5), tg.DTypeError);
    });

    it("zero_ on a 0-d and an empty tensor", () => {
      tg.setBackend(backend);
      assert.equal(tg.tensor(3).zero_().item(), 0);
      assert.deepEqual(tg.zeros([0, 2]).fill_(1).shape, [0, 2]);
    });
  });
}
