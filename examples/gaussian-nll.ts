// Maximum likelihood beyond least squares: a network that predicts a whole distribution — the mean
// AND the variance of y given x — trained with the Gaussian negative log-likelihood. The data's
// noise grows with |x| (heteroscedastic), which MSE cannot express: MSE is the NLL with one fixed
// variance. With a second output for log σ², the network learns where it is unsure.
// Notice: the predicted σ is small near x = 0 and large at the edges, close to the true σ, and the
// picture's ±2σ band widens with the noise.
//   npm run example -- gaussian-nll [outDir] [--quick]

import * as tg from "tensorgrad";
import { nn, optim, type Tensor } from "tensorgrad";
import { curvesChart, predict, result, savePng, setup, thin, trainSteps } from "./common.js";

const ctx = setup("gaussian-nll");
tg.manualSeed(0);
const n = ctx.size(1000, 600),
  steps = ctx.size(1500, 600);
const trueStd = (x: Tensor): Tensor => x.abs().mul(0.15).add(0.05); // 0.05 at x = 0, ≈ 0.52 at |x| = π
const x = tg
  .rand([n, 1])
  .mul(2 * Math.PI)
  .sub(Math.PI);
const y = x.sin().add(tg.randn([n, 1]).mul(trueStd(x)));

// Two outputs per input: column 0 is the mean, column 1 is log σ² (any real number, so the
// variance exp(log σ²) is always positive).
const model = new nn.Sequential(new nn.Linear(1, 64), new nn.Tanh(), new nn.Linear(64, 64), new nn.Tanh(), new nn.Linear(64, 2));
const split = (out: Tensor): { mean: Tensor; variance: Tensor } => ({ mean: out.slice(1, 0, 1), variance: out.slice(1, 1, 2).exp() });
const nll = (out: Tensor, target: Tensor): Tensor => {
  const { mean, variance } = split(out);
  return nn.functional.gaussianNllLoss(mean, target, variance);
};
const opt = new optim.Adam(model.parameters(), { lr: 0.005 });
const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: steps });
const losses = trainSteps(model, x, y, nll, opt, steps, { afterStep: () => sched.step() });
console.log(`Gaussian NLL: ${losses[0].toFixed(3)} → ${losses[losses.length - 1].toFixed(3)}`);

const grid = tg.linspace(-Math.PI, Math.PI, 101).reshape([101, 1]);
const { mean, variance } = split(predict(model, grid));
const std = variance.sqrt();
const g = Array.from(grid.toFloat32Array()),
  m = Array.from(mean.toFloat32Array()),
  s = Array.from(std.toFloat32Array());
const ts = Array.from(trueStd(grid).toFloat32Array());
for (const at of [0, 25, 50, 75, 100])
  console.log(`x = ${g[at].toFixed(2).padStart(5)}: predicted σ ${s[at].toFixed(3)}, true σ ${ts[at].toFixed(3)}`);
result("std_center", s[50]);
result("std_edges", (s[0] + s[100]) / 2);
result("true_std_edges", (ts[0] + ts[100]) / 2);
result("mean_abs_error", mean.sub(grid.sin()).abs().mean().item());
savePng(
  ctx,
  "mean-and-band.png",
  curvesChart(
    [
      ["sin(x) (true mean)", g, Array.from(grid.sin().toFloat32Array())],
      ["predicted mean", g, m],
      ["mean + 2 sigma", g, m.map((v, i) => v + 2 * s[i])],
      ["mean - 2 sigma", g, m.map((v, i) => v - 2 * s[i])],
    ],
    { title: "Mean and variance by Gaussian NLL" },
  ),
);
savePng(
  ctx,
  "sigma.png",
  curvesChart(
    [
      ["true sigma", g, ts],
      ["predicted sigma", g, s],
    ],
    { title: "Noise level: learned vs true", yLabel: "sigma" },
  ),
);
const t = thin(losses, 10);
savePng(ctx, "loss.png", curvesChart([["Gaussian NLL", t.x, t.values]], { title: "Training loss", xLabel: "step", yLabel: "NLL" }));
