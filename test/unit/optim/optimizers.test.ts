// Every optimizer and option combination against PyTorch 1.13 trajectories (test/fixtures/optim.json):
// the same start, the same 10 random gradients, the weights compared after every step.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { assertClose } from "../../helpers/assert.js";
import { fixture, makeOptimizer, makeParams, setGrads } from "./fixture.js";

describe("optimizers match PyTorch step by step", () => {
  it("covers every optimizer", () => {
    assert.deepEqual([...new Set(fixture.optimizers.map((c) => c.optimizer))].sort(), [
      "Adagrad",
      "Adam",
      "AdamW",
      "Adamax",
      "NAdam",
      "RAdam",
      "RMSprop",
      "SGD",
    ]);
  });
  for (const c of fixture.optimizers) {
    it(c.id, () => {
      const params = makeParams();
      const opt = makeOptimizer(c.optimizer, params, c.options, c.groups);
      c.weights.forEach((expected, k) => {
        setGrads(params, k);
        opt.step();
        params.forEach((p, i) => {
          // torch rounds every intermediate to float32 and we round once per stored value, so the two
          // differ by a few ulp of the parameter's scale: 1e-6 of it (and of each value) is tight.
          const scale = Math.max(...expected[i].map(Math.abs));
          assertClose(p.toFloat32Array(), expected[i], { rtol: 1e-6, atol: 1e-6 * scale, what: `${c.id}: param ${i} after step ${k + 1}` });
        });
      });
    });
  }
});
