// Tensors' shape and strides: frozen arrays, shared between tensors with equal ones (src/tensor/frozen-dims.ts).

import { it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

it("equal shapes and strides are one frozen array; unequal ones are not; a copy given in is not kept", () => {
  const given = [3, 4];
  const a = tg.zeros(given),
    b = tg.ones([3, 4]),
    c = tg.zeros([4, 3]);
  given[0] = 7;
  assert.deepEqual(
    [a.shape, a.strides, c.shape, c.strides],
    [
      [3, 4],
      [4, 1],
      [4, 3],
      [3, 1],
    ],
  );
  assert.equal(a.shape, b.shape);
  assert.equal(a.strides, b.strides);
  assert.notEqual(a.shape, c.shape);
  assert.ok(Object.isFrozen(a.shape) && Object.isFrozen(a.strides));
  assert.throws(() => (a.shape as number[]).push(5), TypeError);
  assert.throws(() => {
    (a.strides as number[])[0] = 9;
  }, TypeError);
  assert.deepEqual(b.shape, [3, 4]);
  // A prefix of a shape and the empty shape are arrays of their own.
  assert.deepEqual([tg.zeros([3]).shape, tg.tensor(1).shape], [[3], []]);
  // Views: a transpose's strides are [1, 4], shared with any other tensor of those strides.
  const t = a.transpose(0, 1);
  assert.deepEqual(
    [t.shape, t.strides],
    [
      [4, 3],
      [1, 4],
    ],
  );
  assert.equal(t.shape, c.shape);
  assert.equal(t.strides, b.transpose(0, 1).strides);
});
