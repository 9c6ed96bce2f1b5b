// An LSTM on a sequence: forecasting a wave. Each training example is 24 samples of a sine wave
// with a random frequency and phase; the LSTM reads them one step at a time, carrying what it has
// seen in its hidden and cell state, and predicts the next sample. To forecast further it feeds its
// own predictions back in (an autoregressive roll-out).
// Notice: the one-step error is far below the naive "tomorrow equals today" forecast, which
// cannot know whether the wave is going up or down; the picture shows a 40-step roll-out following
// the true wave.
//   npm run example -- lstm-forecast [outDir] [--quick]

import * as tg from "tensorgrad";
import { nn, optim, type Tensor } from "tensorgrad";
import { curvesChart, result, savePng, setup, thin } from "./common.js";

const ctx = setup("lstm-forecast");
const T = 24,
  H = 24,
  steps = ctx.size(600, 150),
  DT = 0.3;

class Forecaster extends nn.Module {
  readonly lstm = this.registerModule("lstm", new nn.LSTM(1, H, { batchFirst: true }));
  readonly head = this.registerModule("head", new nn.Linear(H, 1));
  forward(x: Tensor): Tensor {
    // x: [N, T, 1] → next value [N, 1]
    const [out] = this.lstm.forward(x); // [N, T, H]: the hidden state after every step
    return this.head.forward(out.slice(1, x.shape[1] - 1, x.shape[1]).squeeze(1));
  }
}

/** n waves sin(ω·t + φ), ω in [0.5, 1.5], sampled at T + 1 points: inputs the first T, target the last. */
const waves = (n: number, len = T + 1): Tensor => {
  const omega = tg.rand([n, 1]).add(0.5),
    phase = tg.rand([n, 1]).mul(2 * Math.PI);
  const t = tg.arange(len).mul(DT).reshape([1, len]);
  return omega.mul(t).add(phase).sin().unsqueeze(2); // [n, len, 1]
};

tg.manualSeed(0);
const model = new Forecaster();
const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
const losses: number[] = [];
for (let step = 0; step < steps; step++) {
  const w = waves(64);
  opt.zeroGrad();
  const l = nn.functional.mseLoss(model.forward(w.slice(1, 0, T)), w.slice(1, T, T + 1).squeeze(1));
  l.backward();
  nn.utils.clipGradNorm(model.parameters(), 1); // recurrent nets are prone to gradient spikes
  opt.step();
  losses.push(l.item());
}
const test = waves(500);
const [inputs, target] = [test.slice(1, 0, T), test.slice(1, T, T + 1).squeeze(1)];
const mse = tg.noGrad(() => nn.functional.mseLoss(model.forward(inputs), target).item());
const naive = nn.functional.mseLoss(test.slice(1, T - 1, T).squeeze(1), target).item();
console.log(
  `one-step test MSE: LSTM ${mse.toExponential(2)}, naive "same as last" ${naive.toExponential(2)} (${(naive / mse).toFixed(0)}× worse)`,
);
result("lstm_mse", mse);
result("naive_mse", naive);

// Roll-out: start from T true samples, then append each prediction and predict again.
const horizon = 40;
const truth = waves(1, T + horizon);
let seq = truth.slice(1, 0, T);
const rolled: number[] = [];
tg.noGrad(() => {
  for (let i = 0; i < horizon; i++) {
    const next = model.forward(seq.slice(1, seq.shape[1] - T, seq.shape[1])); // [1, 1]
    rolled.push(next.item());
    seq = tg.cat([seq, next.unsqueeze(2)], 1);
  }
});
const all = Array.from(truth.reshape([-1]).toFloat32Array());
const ts = all.map((_, i) => i);
const rollMse = rolled.reduce((s, v, i) => s + (v - all[T + i]) ** 2, 0) / horizon;
console.log(`${horizon}-step roll-out MSE ${rollMse.toExponential(2)}`);
result("rollout_mse", rollMse);
savePng(
  ctx,
  "rollout.png",
  curvesChart(
    [
      ["true wave", ts, all],
      ["LSTM roll-out", ts.slice(T), rolled],
    ],
    { title: `LSTM: given ${T} samples, forecast ${horizon} more`, xLabel: "time step", yRange: [-1.3, 1.3] },
  ),
);
const t = thin(losses, 5);
savePng(
  ctx,
  "loss.png",
  curvesChart([["one-step MSE", t.x, t.values.map(Math.log10)]], { title: "Training loss", xLabel: "step", yLabel: "log10 MSE" }),
);
