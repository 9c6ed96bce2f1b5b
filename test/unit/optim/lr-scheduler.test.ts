// The learning-rate schedulers against PyTorch 1.13 sequences (test/fixtures/optim.json): lr (and
// OneCycleLR's momentum) after construction and after each of 30 steps; state-dict resumption;
// construction errors.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { optim, ValueError } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";
import { fixture, makeOptimizer, makeParams, type SchedCase } from "./fixture.js";

const S = optim.lrScheduler;
type AnyScheduler =
  optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau | optim.lrScheduler.SequentialLR | optim.lrScheduler.ChainedScheduler;
const SCHEDULERS: Record<string, new (opt: any, options: any) => AnyScheduler> = {
  StepLR: S.StepLR,
  ExponentialLR: S.ExponentialLR,
  CosineAnnealingLR: S.CosineAnnealingLR,
  LinearLR: S.LinearLR,
  OneCycleLR: S.OneCycleLR,
  ReduceLROnPlateau: S.ReduceLROnPlateau,
  MultiStepLR: S.MultiStepLR,
  ConstantLR: S.ConstantLR,
  PolynomialLR: S.PolynomialLR,
  LambdaLR: S.LambdaLR,
  MultiplicativeLR: S.MultiplicativeLR,
  CosineAnnealingWarmRestarts: S.CosineAnnealingWarmRestarts,
  CyclicLR: S.CyclicLR,
  SequentialLR: S.SequentialLR,
  ChainedScheduler: S.ChainedScheduler,
};
// gen_optim.py's LAMBDAS, by name (functions do not travel in JSON).
const LAMBDAS: Record<string, (e: number) => number> = { warmup10: (e) => Math.min(1, (e + 1) / 10), gamma95: () => 0.95 };

function make(opt: optim.Optimizer<any>, name: string, options: Record<string, any>): AnyScheduler {
  if (name === "LambdaLR" || name === "MultiplicativeLR") return new SCHEDULERS[name](opt, { lrLambda: LAMBDAS[options.lrLambda] });
  if (name === "SequentialLR" || name === "ChainedScheduler") {
    const subs = (options.schedulers as [string, Record<string, any>][]).map(([n, o]) => make(opt, n, o));
    return name === "SequentialLR"
      ? new S.SequentialLR(opt, { schedulers: subs as any, milestones: options.milestones })
      : new S.ChainedScheduler(subs as any);
  }
  return new SCHEDULERS[name](opt, options);
}

function build(c: SchedCase) {
  const opt = makeOptimizer(c.optimizer, makeParams(), c.optimizerOptions, c.groups);
  return { opt, sched: make(opt, c.scheduler, c.options) };
}

function advance(c: SchedCase, opt: optim.Optimizer<any>, sched: AnyScheduler, k: number): void {
  opt.step(); // no gradients: a no-op, in the order torch expects
  if (sched instanceof S.ReduceLROnPlateau) sched.step(c.metrics![k]);
  else sched.step();
}

const momentumOf = (g: optim.ParamGroup) => (Array.isArray(g.betas) ? g.betas[0] : (g.momentum ?? null));
// Python and V8 may differ in the last bit of a cosine; everything else is the same arithmetic.
const close = (actual: number[], expected: number[], what: string) => assertClose(actual, expected, { rtol: 1e-12, atol: 1e-17, what });

describe("schedulers match PyTorch step by step", () => {
  it("covers every scheduler", () => {
    assert.deepEqual([...new Set(fixture.schedulers.map((c) => c.scheduler))].sort(), Object.keys(SCHEDULERS).sort());
  });
  for (const c of fixture.schedulers) {
    it(c.id, () => {
      const { opt, sched } = build(c);
      c.lrs.forEach((expected, k) => {
        if (k > 0) advance(c, opt, sched, k - 1);
        close(
          opt.paramGroups.map((g) => g.lr),
          expected,
          `${c.id}: lr after ${k} steps`,
        );
        close(sched.getLastLr(), expected, `${c.id}: getLastLr() after ${k} steps`);
        if (c.momenta) {
          assert.deepEqual(
            opt.paramGroups.map(momentumOf).map((m) => m === null),
            c.momenta[k].map((m) => m === null),
          );
          close(
            opt.paramGroups.map(momentumOf).filter((m) => m !== null) as number[],
            c.momenta[k].filter((m) => m !== null) as number[],
            `${c.id}: momentum after ${k} steps`,
          );
        }
      });
      assert.equal(sched.lastEpoch, c.lrs.length - 1);
      if (c.errorAfter !== undefined) {
        // torch: "Tried to step 32 times. The specified number of total steps is 30"
        const [, tried, total] = /Tried to step (\d+) times\. The specified number of total steps is (\d+)/.exec(c.errorAfter)!;
        assert.throws(
          () => (sched as { step(): void }).step(),
          new ValueError(`OneCycleLR.step: tried to step ${tried} times; the specified number of total steps is ${total}`),
        );
      }
    });
  }

  for (const c of fixture.schedulers) {
    it(`resumes from state dicts (through JSON): ${c.id}`, () => {
      const first = build(c);
      const cut = 12;
      for (let k = 0; k < cut; k++) advance(c, first.opt, first.sched, k);
      const saved = JSON.parse(JSON.stringify({ sched: first.sched.stateDict(), opt: first.opt.stateDict() }));
      const { opt, sched } = build({ ...c, optimizerOptions: { ...c.optimizerOptions, lr: 7 } });
      opt.loadStateDict(saved.opt);
      sched.loadStateDict(saved.sched);
      assert.equal(sched.lastEpoch, cut);
      close(sched.getLastLr(), c.lrs[cut], "getLastLr() after loading");
      for (let k = cut; k < c.lrs.length - 1; k++) {
        advance(c, opt, sched, k);
        close(
          opt.paramGroups.map((g) => g.lr),
          c.lrs[k + 1],
          `${c.id}: lr after ${k + 1} steps`,
        );
      }
    });
  }
});

describe("scheduler semantics", () => {
  it("records initialLr on the groups and performs the initial step at construction", () => {
    const opt = new optim.SGD(
      [{ params: [tg.zeros([1], { requiresGrad: true })] }, { params: [tg.zeros([1], { requiresGrad: true })], lr: 0.3 }],
      { lr: 0.6 },
    );
    const sched = new S.LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
    assert.deepEqual(
      opt.paramGroups.map((g) => g.initialLr),
      [0.6, 0.3],
    );
    assert.deepEqual(sched.baseLrs, [0.6, 0.3]);
    assert.equal(sched.lastEpoch, 0);
    assert.deepEqual(sched.getLastLr(), [0.3, 0.15]);
    assert.deepEqual(
      opt.paramGroups.map((g) => g.lr),
      [0.3, 0.15],
    );
  });

  it("is chainable: a manual lr change carries on through the schedule, as in torch", () => {
    const opt = new optim.SGD([tg.zeros([1], { requiresGrad: true })], { lr: 1 });
    const sched = new S.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    sched.step(); // epoch 1: 1
    opt.lr = 8;
    sched.step(); // epoch 2: 8 * 0.5
    assert.deepEqual(sched.getLastLr(), [4]);
  });

  it("step(epoch) jumps to that epoch with the closed form, as torch's deprecated step(epoch)", () => {
    // torch: StepLR(step_size=2, gamma=0.1).step(5) gives 0.001 (last_epoch 5), a plain step() then
    // 1e-4; ExponentialLR(0.5).step(3) 0.0125; MultiStepLR([2, 4]).step(3) 0.01; LinearLR(0.25,
    // total_iters=4).step(2) 0.0625; CosineAnnealingLR(T_max=4).step(1) 0.0853553.
    const fresh = () => new optim.SGD([tg.zeros([1], { requiresGrad: true })], { lr: 0.1 });
    const opt = fresh();
    const step = new S.StepLR(opt, { stepSize: 2, gamma: 0.1 });
    step.step(5);
    close(step.getLastLr(), [0.001], "StepLR step(5)");
    assert.equal(step.lastEpoch, 5);
    step.step();
    close(step.getLastLr(), [1e-4], "then step()");
    const cases: [string, (o: optim.SGD) => { step(e?: number): void; getLastLr(): number[] }, number, number][] = [
      ["ExponentialLR", (o) => new S.ExponentialLR(o, { gamma: 0.5 }), 3, 0.0125],
      ["MultiStepLR", (o) => new S.MultiStepLR(o, { milestones: [2, 4], gamma: 0.1 }), 3, 0.01],
      ["LinearLR", (o) => new S.LinearLR(o, { startFactor: 0.25, totalIters: 4 }), 2, 0.0625],
      ["CosineAnnealingLR", (o) => new S.CosineAnnealingLR(o, { tMax: 4 }), 1, 0.08535533905932738],
    ];
    for (const [what, make, epoch, want] of cases) {
      const sched = make(fresh());
      sched.step(epoch);
      close(sched.getLastLr(), [want], what);
    }
    assert.throws(() => step.step(1.5), ValueError);
  });

  it("resumes a schedule from lastEpoch with torch's closed form on the first step", () => {
    const opt = new optim.SGD([tg.zeros([1], { requiresGrad: true })], { lr: 0.1 });
    opt.paramGroups[0].initialLr = 1;
    const sched = new S.CosineAnnealingLR(opt, { tMax: 10, etaMin: 0.1, lastEpoch: 3 });
    assert.equal(sched.lastEpoch, 4);
    close(sched.getLastLr(), [0.1 + ((1 - 0.1) * (1 + Math.cos((4 * Math.PI) / 10))) / 2], "closed form");
    const fresh = new optim.SGD([tg.zeros([1], { requiresGrad: true })], { lr: 0.1 });
    assert.throws(
      () => new S.StepLR(fresh, { stepSize: 2, lastEpoch: 4 }),
      new ValueError(
        "StepLR: param group 0 has no initialLr, which resuming with lastEpoch 4 needs (load the optimizer state saved with the schedule first)",
      ),
    );
  });

  it("ReduceLROnPlateau takes a one-element tensor as the metric and restores an infinite best through JSON", () => {
    const opt = new optim.SGD([tg.zeros([1], { requiresGrad: true })], { lr: 1 });
    const sched = new S.ReduceLROnPlateau(opt, { patience: 0 });
    const saved = JSON.parse(JSON.stringify(sched.stateDict()));
    assert.equal(saved.best, null);
    sched.loadStateDict(saved);
    assert.equal(sched.best, Infinity);
    sched.step(tg.tensor([2]));
    assert.equal(sched.best, 2);
    sched.step(tg.tensor(2));
    assert.deepEqual(sched.getLastLr(), [0.1]);
    assert.throws(
      () => sched.step("low" as any),
      new ValueError("ReduceLROnPlateau.step: expected the monitored metric as a number or a one-element Tensor, got low"),
    );
  });

  it("OneCycleLR cycles Adam's beta1 and keeps beta2", () => {
    const opt = new optim.Adam([tg.zeros([1], { requiresGrad: true })], { betas: [0.5, 0.98] });
    new S.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10 });
    assert.deepEqual(opt.paramGroups[0].betas, [0.95, 0.98]);
    assert.equal(opt.paramGroups[0].maxLr, 0.1);
    assert.equal(opt.paramGroups[0].initialLr, 0.004);
    assert.equal(opt.paramGroups[0].minLr, 0.004 / 1e4);
  });
});

describe("scheduler construction errors", () => {
  const sgd = () => new optim.SGD([tg.zeros([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
  const cases: [string, () => unknown, Error][] = [
    [
      "not an optimizer",
      () => new S.StepLR({} as any, { stepSize: 1 }),
      new ValueError("StepLR: expected an optim.Optimizer as the first argument, got Object"),
    ],
    [
      "a number where torch takes it positionally (LinearLR(opt, 0.5))",
      () => new S.LinearLR(sgd(), 0.5 as any),
      new ValueError("LinearLR: options must be an object such as { startFactor: … }, got number 0.5"),
    ],
    [
      "ConstantLR given a number",
      () => new S.ConstantLR(sgd(), 0.5 as any),
      new ValueError("ConstantLR: options must be an object such as { factor: … }, got number 0.5"),
    ],
    [
      "StepLR stepSize 0",
      () => new S.StepLR(sgd(), { stepSize: 0 }),
      new ValueError("StepLR: invalid stepSize 0 (expected a positive integer)"),
    ],
    [
      "StepLR snake_case",
      () => new S.StepLR(sgd(), { step_size: 2 } as any),
      new ValueError('StepLR: unknown option "step_size" (expected one of stepSize, gamma, lastEpoch)'),
    ],
    [
      "ExponentialLR without gamma",
      () => new S.ExponentialLR(sgd(), {} as any),
      new ValueError("ExponentialLR: gamma is required (e.g. { gamma: 0.95 })"),
    ],
    [
      "CosineAnnealingLR tMax 0",
      () => new S.CosineAnnealingLR(sgd(), { tMax: 0 }),
      new ValueError("CosineAnnealingLR: invalid tMax 0 (expected a number > 0)"),
    ],
    [
      "LinearLR startFactor 0",
      () => new S.LinearLR(sgd(), { startFactor: 0 }),
      new ValueError("LinearLR: invalid startFactor 0 (expected a number in (0, 1])"),
    ],
    [
      "LinearLR endFactor 2",
      () => new S.LinearLR(sgd(), { endFactor: 2 }),
      new ValueError("LinearLR: invalid endFactor 2 (expected a number in [0, 1])"),
    ],
    [
      "OneCycleLR without maxLr",
      () => new S.OneCycleLR(sgd(), { totalSteps: 10 } as any),
      new ValueError("OneCycleLR: maxLr is required (e.g. { maxLr: 0.1, totalSteps: 1000 })"),
    ],
    [
      "OneCycleLR without length",
      () => new S.OneCycleLR(sgd(), { maxLr: 0.1 }),
      new ValueError("OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch"),
    ],
    [
      "OneCycleLR epochs only",
      () => new S.OneCycleLR(sgd(), { maxLr: 0.1, epochs: 3 }),
      new ValueError("OneCycleLR: invalid stepsPerEpoch undefined (expected a positive integer)"),
    ],
    [
      "OneCycleLR pctStart",
      () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 }),
      new ValueError("OneCycleLR: invalid pctStart 1.5 (expected a number in [0, 1])"),
    ],
    [
      "OneCycleLR annealStrategy",
      () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, annealStrategy: "exp" as any }),
      new ValueError('OneCycleLR: invalid annealStrategy "exp" (expected "cos" or "linear")'),
    ],
    [
      "OneCycleLR maxLr per group",
      () => new S.OneCycleLR(sgd(), { maxLr: [0.1, 0.2], totalSteps: 10 }),
      new ValueError("OneCycleLR: expected 1 values for maxLr (one per param group), got 2"),
    ],
    [
      "OneCycleLR momentum without momentum",
      () => new S.OneCycleLR(new optim.Adagrad([tg.zeros([1], { requiresGrad: true })]), { maxLr: 0.1, totalSteps: 10 }),
      new ValueError(
        "OneCycleLR: cycleMomentum needs an optimizer with momentum or betas, Adagrad has neither (pass cycleMomentum: false)",
      ),
    ],
    [
      "ReduceLROnPlateau factor 1",
      () => new S.ReduceLROnPlateau(sgd(), { factor: 1 }),
      new ValueError("ReduceLROnPlateau: invalid factor 1 (expected a number in [0, 1))"),
    ],
    [
      "ReduceLROnPlateau mode",
      () => new S.ReduceLROnPlateau(sgd(), { mode: "avg" as any }),
      new ValueError('ReduceLROnPlateau: invalid mode "avg" (expected "min" or "max")'),
    ],
    [
      "ReduceLROnPlateau thresholdMode",
      () => new S.ReduceLROnPlateau(sgd(), { thresholdMode: "pct" as any }),
      new ValueError('ReduceLROnPlateau: invalid thresholdMode "pct" (expected "rel" or "abs")'),
    ],
    [
      "ReduceLROnPlateau minLr per group",
      () => new S.ReduceLROnPlateau(sgd(), { minLr: [0, 0] }),
      new ValueError("ReduceLROnPlateau: expected 1 values for minLr (one per param group), got 2"),
    ],
    [
      "MultiStepLR decreasing",
      () => new S.MultiStepLR(sgd(), { milestones: [5, 2] }),
      new ValueError("MultiStepLR: invalid milestones [5, 2] (expected an increasing list)"),
    ],
    [
      "LambdaLR not a function",
      () => new S.LambdaLR(sgd(), { lrLambda: 3 as any }),
      new ValueError("LambdaLR: lrLambda must be a function or a list of functions"),
    ],
    [
      "LambdaLR per group",
      () => new S.LambdaLR(sgd(), { lrLambda: [() => 1, () => 1] }),
      new ValueError("LambdaLR: expected 1 lrLambdas (one per param group), got 2"),
    ],
    [
      "CosineAnnealingWarmRestarts tMult 0.5",
      () => new S.CosineAnnealingWarmRestarts(sgd(), { t0: 3, tMult: 0.5 }),
      new ValueError("CosineAnnealingWarmRestarts: invalid tMult 0.5 (expected an integer >= 1)"),
    ],
    [
      "CyclicLR momentum without momentum",
      () => new S.CyclicLR(new optim.Adagrad([tg.zeros([1], { requiresGrad: true })]), { baseLr: 0.01, maxLr: 0.1 }),
      new ValueError("CyclicLR: cycleMomentum needs an optimizer with momentum or betas, Adagrad has neither (pass cycleMomentum: false)"),
    ],
    [
      "SequentialLR milestones",
      () => new S.SequentialLR(sgd(), { schedulers: [new S.ConstantLR(sgd())], milestones: [3] }),
      new ValueError("SequentialLR: scheduler 0 steps a different optimizer than the others"),
    ],
    [
      "NAdam momentumDecay",
      () => new optim.NAdam([tg.zeros([1], { requiresGrad: true })], { momentumDecay: -1 }),
      new ValueError("NAdam: invalid momentumDecay -1 (expected a number >= 0)"),
    ],
    [
      "RAdam amsgrad",
      () => new optim.RAdam([tg.zeros([1], { requiresGrad: true })], { amsgrad: true } as any),
      new ValueError('RAdam: unknown option "amsgrad" (expected one of lr, betas, eps, weightDecay)'),
    ],
  ];
  for (const [what, make, error] of cases) it(what, () => assert.throws(make, error));
});
