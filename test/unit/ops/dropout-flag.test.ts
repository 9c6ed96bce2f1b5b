// dropout's training flag must be a boolean: an options object where torch takes it positionally
// ({ training: false }) is truthy, and dropped elements in eval mode.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

describe("dropout's training flag", () => {
  it("an object or a number is a ValueError; false is the identity, as torch", () => {
    const x = tg.ones([4]);
    assert.throws(() => x.dropout(0.5, { training: false } as never), {
      name: "ValueError",
      message: /^dropout: training must be true or false, got object/,
    });
    assert.throws(() => tg.nn.functional.dropout(x, 0.5, 0 as never), { name: "ValueError" });
    assert.deepEqual(x.dropout(0.5, false).toArray(), [1, 1, 1, 1]);
    assert.deepEqual(tg.nn.functional.dropout(x, { p: 0.5, training: false }).toArray(), [1, 1, 1, 1]);
  });
});
