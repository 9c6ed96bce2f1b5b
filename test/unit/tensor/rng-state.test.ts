// getRngState / setRngState: a state reads back identically after a restore (unsigned words), and
// restoring it replays the same draws.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

test("getRngState is canonical: unsigned words that survive setRngState unchanged", () => {
  tg.manualSeed(0);
  for (let i = 0; i < 50; i++) {
    tg.rand([3]);
    const state = tg.getRngState();
    for (const w of state.s) assert.ok(Number.isInteger(w) && w >= 0 && w < 2 ** 32, `word ${w} is not an unsigned 32-bit integer`);
    tg.setRngState(state);
    assert.deepEqual(tg.getRngState(), state);
  }
  const state = tg.getRngState();
  const a = Array.from(tg.randn([5]).toFloat32Array());
  tg.setRngState(state);
  assert.deepEqual(Array.from(tg.randn([5]).toFloat32Array()), a);
});
