// Course-notes experiments, end to end through nn + optim: a shallow ReLU network fits sin(x);
// XOR needs a nonlinearity (and is learned with one); a frozen feature extractor stays
// bit-identical while a new head trains (transfer learning). Seeded and fast.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, optim, type Tensor } from "tensorgrad";

const F = nn.functional;

/** Full-batch training; returns the final loss. */
function fit(
  model: nn.Module,
  x: Tensor,
  y: Tensor,
  loss: (p: Tensor, y: Tensor) => Tensor,
  opt: optim.Optimizer,
  steps: number,
  afterStep?: () => void,
): number {
  let last = NaN;
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const l = loss(model.forward(x), y);
    l.backward();
    opt.step();
    afterStep?.();
    last = l.item();
  }
  return last;
}

const XOR_X = tg.tensor([
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
]);
const XOR_Y = tg.tensor([[0], [1], [1], [0]]);

function accuracy(probs: Tensor, y: Tensor): number {
  return probs.gt(0.5).eq(y).float().mean().item(); // comparisons give bool, as in PyTorch
}

describe("course notes", () => {
  it("a one-hidden-layer ReLU network fits sin(x) on [-π, π] to MSE < 1e-3", () => {
    tg.manualSeed(0);
    const x = tg.linspace(-Math.PI, Math.PI, 128).reshape([128, 1]);
    const y = x.sin();
    const model = new nn.Sequential(new nn.Linear(1, 64), new nn.ReLU(), new nn.Linear(64, 1));
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    // Annealing the step size lets Adam settle instead of ending on one of its late spikes, so the
    // result does not hinge on float rounding (which differs slightly between backends).
    const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 1500 });
    const mse = fit(
      model,
      x,
      y,
      (p, t) => F.mseLoss(p, t),
      opt,
      1500,
      () => sched.step(),
    );
    assert.ok(mse < 1e-3, `MSE ${mse}`);
  });

  it("XOR is learned with a hidden nonlinearity, a sigmoid output and BCE", () => {
    tg.manualSeed(1);
    const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 1), new nn.Sigmoid());
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const loss = fit(model, XOR_X, XOR_Y, (p, t) => F.binaryCrossEntropy(p, t), opt, 400);
    assert.ok(loss < 0.05, `BCE ${loss}`);
    assert.equal(accuracy(model.forward(XOR_X), XOR_Y), 1);
  });

  it("without activations the network is linear and cannot fit XOR (loss stays at ln 2)", () => {
    tg.manualSeed(1);
    const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Linear(8, 1), new nn.Sigmoid());
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const loss = fit(model, XOR_X, XOR_Y, (p, t) => F.binaryCrossEntropy(p, t), opt, 400);
    assert.ok(loss > 0.69, `BCE ${loss} should stay near ln 2 = 0.693`);
    assert.ok(accuracy(model.forward(XOR_X), XOR_Y) <= 0.75);
  });

  it("transfer learning: a frozen feature extractor stays bit-identical while a new head trains", () => {
    tg.manualSeed(2);
    const features = new nn.Sequential(new nn.Linear(2, 16), new nn.BatchNorm1d(16), new nn.ReLU(), new nn.Linear(16, 16), new nn.ReLU());
    features.forward(tg.randn([32, 2])); // "pretrained": running statistics have moved
    const head = new nn.Linear(16, 1);
    const model = new nn.Sequential(features, head);
    features.freeze();
    model.train();
    features.eval(); // frozen BatchNorm keeps its running statistics too
    const before = Object.entries(features.stateDict()).map(([k, v]) => [k, Array.from(v.toFloat32Array())]);
    const headBefore = head.weight.toArray();
    // All parameters go to the optimizer; it skips the frozen ones.
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const x = tg.randn([64, 2]);
    const y = x
      .slice(1, 0, 1)
      .mul(x.slice(1, 1, 2))
      .gt(0)
      .float(); // the XOR-like sign of x0·x1, as 0/1 targets
    const first = F.binaryCrossEntropyWithLogits(model.forward(x), y).item();
    const last = fit(model, x, y, (p, t) => F.binaryCrossEntropyWithLogits(p, t), opt, 150);
    assert.ok(last < first, `head training lowers the loss (${first} → ${last})`);
    assert.deepEqual(
      Object.entries(features.stateDict()).map(([k, v]) => [k, Array.from(v.toFloat32Array())]),
      before,
    );
    assert.ok(features.parameters().every((p) => p.grad === null && !p.requiresGrad));
    assert.notDeepEqual(head.weight.toArray(), headBefore);
    assert.equal(model.numParameters({ trainableOnly: true }), 17);
  });
});
