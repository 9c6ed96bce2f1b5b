// bernoulli and multinomial: seeded, the right dtype and shape, frequencies near the probabilities
// (bounds five standard deviations wide, so a correct sampler fails about once in a million runs),
// no repeats without replacement, zero weights never drawn, and typed errors.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { DTypeError, ShapeError, ValueError } from "tensorgrad";

for (const backend of tg.listBackends()) {
  describe(`sampling (${backend})`, () => {
    const on = (fn: () => void) => () => {
      const prev = tg.getBackend().name;
      tg.setBackend(backend);
      try {
        fn();
      } finally {
        tg.setBackend(prev);
      }
    };

    it(
      "bernoulli draws 1 with each element's probability, reproducibly under manualSeed",
      on(() => {
        tg.manualSeed(1);
        const p = tg.tensor([0, 0.25, 0.9, 1]).reshape([4, 1]).expand([4, 4000]);
        const draws = tg.bernoulli(p);
        assert.equal(draws.dtype, "float32");
        assert.deepEqual(draws.shape, [4, 4000]);
        const freq = draws.mean(1).toArray() as number[];
        assert.equal(freq[0], 0);
        assert.equal(freq[3], 1);
        for (const [i, q] of [
          [1, 0.25],
          [2, 0.9],
        ] as const) {
          assert.ok(Math.abs(freq[i] - q) < 5 * Math.sqrt((q * (1 - q)) / 4000), `row ${i}: ${freq[i]} vs ${q}`);
        }
        tg.manualSeed(1);
        assert.deepEqual(p.bernoulli().toArray(), draws.toArray());
      }),
    );

    it(
      "multinomial with replacement: frequencies follow the weights, zero weights never drawn",
      on(() => {
        tg.manualSeed(2);
        const w = tg.tensor([
          [1, 0, 3, 0],
          [0, 0, 0, 5],
        ]);
        const s = tg.multinomial(w, 8000, { replacement: true });
        assert.equal(s.dtype, "int32");
        assert.deepEqual(s.shape, [2, 8000]);
        const rows = s.toArray() as number[][];
        const count0 = [0, 0, 0, 0];
        for (const v of rows[0]) count0[v]++;
        assert.equal(count0[1] + count0[3], 0);
        assert.ok(Math.abs(count0[2] / 8000 - 0.75) < 5 * Math.sqrt((0.75 * 0.25) / 8000), `frequency ${count0[2] / 8000}`);
        assert.ok(rows[1].every((v) => v === 3));
      }),
    );

    it(
      "multinomial without replacement draws distinct categories, heavier ones first more often",
      on(() => {
        tg.manualSeed(3);
        const w = tg.tensor([0.05, 0.05, 0.8, 0.1, 0]);
        let firstIsHeavy = 0;
        for (let t = 0; t < 200; t++) {
          const s = w.multinomial(4).toArray() as number[];
          assert.equal(new Set(s).size, 4);
          assert.ok(!s.includes(4), "a zero-weight category was drawn");
          if (s[0] === 2) firstIsHeavy++;
        }
        // P(first = 2) = 0.8: 160 ± 5·√32.
        assert.ok(Math.abs(firstIsHeavy - 160) < 5 * Math.sqrt(200 * 0.8 * 0.2), `${firstIsHeavy} of 200`);
      }),
    );
  });
}

describe("sampling errors", () => {
  it("typed errors naming the op and the values", () => {
    assert.throws(
      () => tg.bernoulli(tg.tensor([0.5, 1.5])),
      (e: unknown) => e instanceof ValueError && /bernoulli.*\[0, 1\]/.test((e as Error).message),
    );
    assert.throws(() => tg.bernoulli(tg.tensor([1], { dtype: "int32" })), DTypeError);
    assert.throws(
      () => tg.multinomial(tg.tensor([1, 2]), 3),
      (e: unknown) => e instanceof ValueError && /3 samples from 2 categories/.test((e as Error).message),
    );
    assert.throws(
      () => tg.multinomial(tg.tensor([1, 0, 0]), 2),
      (e: unknown) => e instanceof ValueError && /fewer than 2 categories of non-zero weight/.test((e as Error).message),
    );
    assert.throws(
      () => tg.multinomial(tg.tensor([1, -1]), 1),
      (e: unknown) => e instanceof ValueError && /non-negative/.test((e as Error).message),
    );
    assert.throws(
      () => tg.multinomial(tg.tensor([[0, 0]]), 1, { replacement: true }),
      (e: unknown) => e instanceof ValueError && /sums to 0/.test((e as Error).message),
    );
    assert.throws(() => tg.multinomial(tg.ones([2, 2, 2]), 1), ShapeError);
    assert.throws(() => tg.multinomial(tg.ones([2]), 0), ValueError);
    assert.throws(
      () => tg.multinomial(tg.ones([2]), 1, { replace: true } as any),
      (e: unknown) => e instanceof ValueError && /unknown option "replace"/.test((e as Error).message),
    );
  });
});
