// End to end through nn.LSTM + optim: an LSTM reads a short sequence of numbers and learns to output
// their sum (it must carry a running total in its cell state). Seeded, full-batch, a few seconds.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, optim, type Tensor } from "tensorgrad";

class SumModel extends nn.Module {
  readonly lstm = this.registerModule("lstm", new nn.LSTM(1, 16, { batchFirst: true }));
  readonly head = this.registerModule("head", new nn.Linear(16, 1));
  forward(x: Tensor): Tensor {
    const [, [hN]] = this.lstm.forward(x); // hN: [1, N, 16], the state after the last step
    return this.head.forward(hN.squeeze(0));
  }
}

describe("LSTM end to end", () => {
  it("learns to sum a sequence of 5 numbers in [-1, 1] in under 5 s", () => {
    tg.manualSeed(0);
    const batch = (n: number) => {
      const x = tg.rand([n, 5, 1]).mul(2).sub(1);
      return { x, y: x.sum(1) };
    };
    const model = new SumModel();
    const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
    // CPU time rather than wall time, so that other processes on a busy machine cannot fail the test.
    const start = process.cpuUsage();
    const train = batch(64);
    const test = batch(64);
    const mse = (d: { x: Tensor; y: Tensor }) => nn.functional.mseLoss(model.forward(d.x), d.y);
    const before = tg.noGrad(() => mse(test).item());
    for (let step = 0; step < 150; step++) {
      opt.zeroGrad();
      mse(train).backward();
      opt.step();
    }
    const after = tg.noGrad(() => mse(test).item());
    const used = process.cpuUsage(start);
    const seconds = (used.user + used.system) / 1e6;
    assert.ok(before > 0.5, `untrained MSE ${before}`);
    assert.ok(after < 0.01, `test MSE after training ${after} (before ${before})`);
    assert.ok(seconds < 5, `took ${seconds.toFixed(2)} s of CPU time`);
  });
});
