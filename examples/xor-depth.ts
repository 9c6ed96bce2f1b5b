// XOR: why depth and non-linearity matter. XOR's two classes sit on opposite corners of a square,
// so no single straight line separates them. A logistic regression (no hidden layer) cannot learn
// it; neither can a hidden layer *without* an activation, because Linear∘Linear is still one linear
// map. One hidden layer with a non-linearity (tanh) bends the boundary and solves it.
// Notice: accuracy ≈ 50 % and loss stuck near ln 2 = 0.693 for the first two, 100 % for the third;
// the decision maps show a straight boundary against a curved one.
//   npm run example -- xor-depth [outDir] [--quick]

import * as tg from "tensorgrad";
import { data, nn, optim, type Tensor } from "tensorgrad";
import { curvesChart, decisionMap, predict, result, savePng, setup, thin, trainSteps } from "./common.js";

const ctx = setup("xor-depth");
const steps = ctx.size(800, 300);
const { x, y } = data.synthetic.xor({ n: ctx.size(200, 100), noise: 0.15, seed: 0 });

const models: [string, string, () => nn.Module][] = [
  ["logistic", "no hidden layer", () => new nn.Sequential(new nn.Linear(2, 1))],
  ["linear_hidden", "hidden layer, no activation", () => new nn.Sequential(new nn.Linear(2, 8), new nn.Linear(8, 1))],
  ["tanh_hidden", "hidden layer + tanh", () => new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 1))],
];
const lossCurves: [string, number[], number[]][] = [];
for (const [key, label, make] of models) {
  tg.manualSeed(1);
  const model = make();
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  // The model outputs a logit; BCE-with-logits applies the sigmoid inside, stably.
  const losses = trainSteps(model, x, y, (p, t) => nn.functional.binaryCrossEntropyWithLogits(p, t), opt, steps);
  const prob = (pts: Tensor): Tensor => predict(model, pts).sigmoid();
  const acc = prob(x).gt(0.5).eq(y).float().mean().item();
  console.log(`${label.padEnd(28)} final loss ${losses[losses.length - 1].toFixed(3)}, accuracy ${(acc * 100).toFixed(0)} %`);
  result(`${key}_accuracy`, acc);
  result(`${key}_loss`, losses[losses.length - 1]);
  const t = thin(losses, 5);
  lossCurves.push([label, t.x, t.values]);
  savePng(ctx, `boundary-${key}.png`, decisionMap(prob, x, y, { title: label, range: [-0.6, 1.6] }));
}
savePng(ctx, "loss.png", curvesChart(lossCurves, { title: "XOR: binary cross-entropy", xLabel: "step", yLabel: "loss" }));
