// The optimizer base: parameter groups and defaults, zeroGrad, lr, frozen and grad-less parameters,
// state dicts (snapshot, round trip, checkpoint-style serialisation) and construction errors.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { optim, DTypeError, ShapeError, ValueError, type Tensor } from "tensorgrad";
import { OPTIMIZERS, fixture, makeOptimizer, makeParams, setGrads } from "./fixture.js";

const bits = (t: Tensor) => [...t.toFloat32Array()];

describe("parameter groups", () => {
  it("fills each group's options from the defaults and keeps per-group overrides", () => {
    const [a, b] = makeParams();
    const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.5, nesterov: true }], { lr: 0.1, momentum: 0.9 });
    assert.equal(opt.paramGroups.length, 2);
    const { params: p0, ...g0 } = opt.paramGroups[0];
    const { params: p1, ...g1 } = opt.paramGroups[1];
    assert.deepEqual(p0, [a]);
    assert.deepEqual(p1, [b]);
    assert.deepEqual(g0, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
    assert.deepEqual(g1, { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true, maximize: false });
    assert.deepEqual(opt.defaults, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
  });

  it("has PyTorch's defaults for every optimizer", () => {
    const p = () => [tg.zeros([2], { requiresGrad: true })];
    const strip = (o: optim.Optimizer<any>) => {
      const { params, ...rest } = o.paramGroups[0];
      return rest;
    };
    assert.deepEqual(strip(new optim.Adam(p())), {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
    });
    assert.deepEqual(strip(new optim.AdamW(p())), {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 1e-2,
      amsgrad: false,
      maximize: false,
    });
    assert.deepEqual(strip(new optim.RMSprop(p())), {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
    });
    assert.deepEqual(strip(new optim.Adagrad(p())), {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
    });
  });

  it("accepts any iterable of tensors and a single tensor as a group's params", () => {
    const [a, b] = makeParams();
    function* gen() {
      yield a;
      yield b;
    }
    assert.deepEqual(new optim.Adam(gen()).paramGroups[0].params, [a, b]);
    assert.deepEqual(
      new optim.Adam([{ params: a }, { params: new Set([b]) }]).paramGroups.map((g) => g.params),
      [[a], [b]],
    );
  });

  it("lr reads the first group and sets every group", () => {
    const [a, b] = makeParams();
    const opt = new optim.Adam([
      { params: [a], lr: 0.01 },
      { params: [b], lr: 0.02 },
    ]);
    assert.equal(opt.lr, 0.01);
    opt.lr = 0.5;
    assert.deepEqual(
      opt.paramGroups.map((g) => g.lr),
      [0.5, 0.5],
    );
    assert.throws(() => (opt.lr = -1), new ValueError("Adam.lr: invalid lr -1 (expected a number >= 0)"));
  });

  it("addParamGroup adds a group with the defaults", () => {
    const [a, b] = makeParams();
    const opt = new optim.RMSprop([a], { lr: 0.05 });
    opt.addParamGroup({ params: [b], momentum: 0.5 });
    assert.equal(opt.paramGroups[1].lr, 0.05);
    assert.equal(opt.paramGroups[1].momentum, 0.5);
  });
});

describe("step and zeroGrad", () => {
  it("zeroGrad sets .grad to null (set_to_none), or to zeros with { setToNone: false }", () => {
    const params = makeParams();
    const opt = new optim.SGD(params, { lr: 0.1 });
    setGrads(params, 0);
    opt.zeroGrad();
    assert.deepEqual(
      params.map((p) => p.grad),
      [null, null],
    );
    setGrads(params, 0);
    opt.zeroGrad({ setToNone: false });
    assert.deepEqual(params[1].grad!.toArray(), [0, 0, 0, 0, 0]);
  });

  it("skips frozen parameters and parameters without a gradient: no update, no state, no weight decay", () => {
    for (const [name, Ctor] of Object.entries(OPTIMIZERS)) {
      const [frozen, noGrad, live] = [...makeParams(), ...makeParams().slice(0, 1)];
      const before = [bits(frozen), bits(noGrad), bits(live)];
      const opt = new Ctor([frozen, noGrad, live], { lr: 0.1, weightDecay: 0.5 });
      frozen.grad = tg.onesLike(frozen);
      frozen.requiresGrad = false;
      live.grad = tg.onesLike(live);
      for (let k = 0; k < 3; k++) opt.step();
      assert.deepEqual(bits(frozen), before[0], `${name}: frozen parameter changed`);
      assert.deepEqual(bits(noGrad), before[1], `${name}: parameter without grad changed`);
      assert.notDeepEqual(bits(live), before[2], `${name}: live parameter did not move`);
      assert.deepEqual(Object.keys(opt.stateDict().state), ["2"], `${name}: state`);
    }
  });

  it("a parameter frozen mid-training stops moving and keeps its state", () => {
    const params = makeParams();
    const opt = new optim.Adam(params, { lr: 0.1 });
    setGrads(params, 0);
    opt.step();
    params[0].requiresGrad = false;
    const w = bits(params[0]);
    setGrads(params, 1);
    opt.step();
    assert.deepEqual(bits(params[0]), w);
    assert.equal(opt.stateOf(params[0]).step, 1);
    assert.equal(opt.stateOf(params[1]).step, 2);
  });

  it("works from real gradients of a loss, and step(closure) returns the closure's loss", () => {
    const w = tg.tensor([1, -2, 3], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.25 });
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = w.mul(w).sum(); // d/dw = 2w
      l.backward();
      return l.item();
    });
    assert.equal(loss, 14);
    assert.deepEqual(w.toArray(), [0.5, -1, 1.5]);
    assert.equal(w.grad!.requiresGrad, false);
  });

  it("updates float64 parameters in float64", () => {
    const w = tg.tensor([1, 2], { dtype: "float64", requiresGrad: true });
    w.grad = tg.tensor([0.1, 0.3], { dtype: "float64" });
    new optim.SGD([w], { lr: 1 / 3 }).step();
    assert.deepEqual(w.toArray(), [1 - 0.1 / 3, 2 - 0.3 / 3]);
  });

  it("throws a ShapeError when a gradient does not match its parameter", () => {
    const [a] = makeParams();
    a.grad = tg.zeros([4, 3]);
    assert.throws(
      () => new optim.Adam([a]).step(),
      new ShapeError("Adam.step: gradient of shape [4, 3] does not match its parameter of shape [3, 4]"),
    );
  });
});

describe("state dicts", () => {
  it("are shaped like PyTorch's and are snapshots", () => {
    const params = makeParams();
    const opt = new optim.Adam([{ params: [params[1]] }, { params: [params[0]], amsgrad: true }], { lr: 0.01 });
    for (let k = 0; k < 2; k++) {
      setGrads(params, k);
      opt.step();
    }
    const sd = opt.stateDict();
    assert.deepEqual(sd.paramGroups, [
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: [0] },
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [1] },
    ]);
    assert.deepEqual(Object.keys(sd.state[0]), ["exp_avg", "exp_avg_sq", "step"]);
    assert.deepEqual(Object.keys(sd.state[1]), ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]);
    assert.equal(sd.state[1].step, 2);
    const m = sd.state[1].exp_avg as Tensor;
    assert.deepEqual([...m.shape], [3, 4]);
    assert.equal(m.dtype, "float32");
    const saved = bits(m);
    assert.deepEqual(saved, bits(opt.stateOf(params[0]).exp_avg as Tensor));
    setGrads(params, 2);
    opt.step();
    assert.deepEqual(bits(m), saved, "the saved buffer changed with training");
    opt.paramGroups[0].betas[0] = 0.5;
    assert.deepEqual(sd.paramGroups[0].betas, [0.9, 0.999]);
  });

  for (const c of fixture.optimizers) {
    it(`round trip gives bit-identical training: ${c.id}`, () => {
      const a = makeParams();
      const optA = makeOptimizer(c.optimizer, a, c.options, c.groups);
      for (let k = 0; k < 5; k++) {
        setGrads(a, k);
        optA.step();
      }
      const b = a.map((p) => p.detach().clone().requiresGrad_());
      const optB = makeOptimizer(c.optimizer, b, { ...c.options, lr: 123 }, c.groups);
      optB.loadStateDict(optA.stateDict());
      assert.deepEqual(
        optB.paramGroups.map((g) => g.lr),
        optA.paramGroups.map((g) => g.lr),
      );
      for (let k = 5; k < 10; k++) {
        setGrads(a, k);
        setGrads(b, k);
        optA.step();
        optB.step();
      }
      a.forEach((p, i) => assert.deepEqual(bits(b[i]), bits(p), `param ${i}`));
    });
  }

  it("survive a checkpoint-style trip: tensors as arrays, everything else through JSON", () => {
    const a = makeParams();
    const optA = new optim.RMSprop(a, { lr: 0.01, momentum: 0.9, centered: true });
    for (let k = 0; k < 3; k++) {
      setGrads(a, k);
      optA.step();
    }
    const sd = optA.stateDict();
    const tensors: Record<string, { shape: number[]; data: number[] }> = {};
    const meta: Record<string, Record<string, number>> = {};
    for (const [i, st] of Object.entries(sd.state)) {
      meta[i] = {};
      for (const [key, v] of Object.entries(st)) {
        if (typeof v === "number") meta[i][key] = v;
        else tensors[`${i}.${key}`] = { shape: [...v.shape], data: [...v.toFloat32Array()] };
      }
    }
    const text = JSON.stringify({ paramGroups: sd.paramGroups, meta });
    const parsed = JSON.parse(text);
    const state: Record<number, Record<string, Tensor | number>> = {};
    for (const [i, m] of Object.entries(parsed.meta as typeof meta)) state[Number(i)] = { ...m };
    for (const [k, t] of Object.entries(tensors)) {
      const [i, key] = k.split(".");
      state[Number(i)][key] = tg.tensor(Float32Array.from(t.data), { shape: t.shape });
    }
    const b = a.map((p) => p.detach().clone().requiresGrad_());
    const optB = new optim.RMSprop(b);
    optB.loadStateDict({ state, paramGroups: parsed.paramGroups });
    for (let k = 3; k < 6; k++) {
      setGrads(a, k);
      setGrads(b, k);
      optA.step();
      optB.step();
    }
    a.forEach((p, i) => assert.deepEqual(bits(b[i]), bits(p)));
  });

  it("loadStateDict refuses mismatched groups and buffers, and leaves the optimizer unchanged", () => {
    const params = makeParams();
    const opt = new optim.SGD(params, { lr: 0.1, momentum: 0.9 });
    setGrads(params, 0);
    opt.step();
    const sd = opt.stateDict();
    const [a, b] = makeParams();
    assert.throws(
      () => new optim.SGD([{ params: [a] }, { params: [b] }], { lr: 0.1 }).loadStateDict(sd),
      new ValueError("SGD.loadStateDict: the saved state has 1 parameter groups, this optimizer has 2"),
    );
    assert.throws(
      () => new optim.SGD([a], { lr: 0.1 }).loadStateDict(sd),
      new ValueError("SGD.loadStateDict: saved param group 0 has 2 parameters, this optimizer's has 1"),
    );
    const target = new optim.SGD([b, a], { lr: 0.7 });
    assert.throws(
      () => target.loadStateDict(sd),
      new ShapeError("SGD.loadStateDict: state[0].momentum_buffer: saved buffer of shape [3, 4] does not match its parameter of shape [5]"),
    );
    assert.equal(target.lr, 0.7);
    assert.deepEqual(target.stateDict().state, {});
    const bad = { ...sd, paramGroups: [{ ...sd.paramGroups[0], momentum: -1 }] };
    assert.throws(
      () => new optim.SGD([a, b], { lr: 0.1 }).loadStateDict(bad),
      new ValueError("SGD.loadStateDict: param group 0: invalid momentum -1 (expected a number >= 0)"),
    );
  });
});

describe("construction errors", () => {
  const [a, b] = makeParams();
  const cases: [string, () => unknown, Error][] = [
    [
      "SGD without lr",
      () => new optim.SGD([a], {} as any),
      new ValueError("SGD: param group 0: lr is required (e.g. new SGD(params, { lr: 0.01 }))"),
    ],
    ["negative lr", () => new optim.SGD([a], { lr: -0.1 }), new ValueError("SGD: invalid lr -0.1 (expected a number >= 0)")],
    [
      "negative lr in a group",
      () => new optim.Adam([{ params: [a] }, { params: [b], lr: -1 }]),
      new ValueError("Adam: param group 1: invalid lr -1 (expected a number >= 0)"),
    ],
    [
      "negative momentum",
      () => new optim.SGD([a], { lr: 0.1, momentum: -0.9 }),
      new ValueError("SGD: invalid momentum -0.9 (expected a number >= 0)"),
    ],
    [
      "RMSprop negative momentum",
      () => new optim.RMSprop([a], { momentum: -1 }),
      new ValueError("RMSprop: invalid momentum -1 (expected a number >= 0)"),
    ],
    [
      "beta1 = 1",
      () => new optim.Adam([a], { betas: [1, 0.999] }),
      new ValueError("Adam: invalid beta at index 0 1 (expected a number in [0, 1))"),
    ],
    [
      "beta2 < 0",
      () => new optim.AdamW([a], { betas: [0.9, -0.1] }),
      new ValueError("AdamW: invalid beta at index 1 -0.1 (expected a number in [0, 1))"),
    ],
    ["negative eps", () => new optim.Adam([a], { eps: -1e-8 }), new ValueError("Adam: invalid eps -1e-8 (expected a number >= 0)")],
    [
      "negative weight decay",
      () => new optim.Adagrad([a], { weightDecay: -0.1 }),
      new ValueError("Adagrad: invalid weightDecay -0.1 (expected a number >= 0)"),
    ],
    [
      "negative lrDecay",
      () => new optim.Adagrad([a], { lrDecay: -0.1 }),
      new ValueError("Adagrad: invalid lrDecay -0.1 (expected a number >= 0)"),
    ],
    [
      "negative initial accumulator",
      () => new optim.Adagrad([a], { initialAccumulatorValue: -1 }),
      new ValueError("Adagrad: invalid initialAccumulatorValue -1 (expected a number >= 0)"),
    ],
    [
      "nesterov without momentum",
      () => new optim.SGD([a], { lr: 0.1, nesterov: true }),
      new ValueError("SGD: nesterov requires momentum > 0 and dampening 0, got momentum 0 and dampening 0"),
    ],
    [
      "nesterov with dampening",
      () => new optim.SGD([a], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
      new ValueError("SGD: nesterov requires momentum > 0 and dampening 0, got momentum 0.9 and dampening 0.1"),
    ],
    [
      "negative alpha",
      () => new optim.RMSprop([a], { alpha: -0.5 }),
      new ValueError("RMSprop: invalid alpha -0.5 (expected a number >= 0)"),
    ],
    ["empty parameter list", () => new optim.Adam([]), new ValueError("Adam: got an empty parameter list")],
    [
      "a parameter in two groups",
      () => new optim.SGD([{ params: [a, b] }, { params: [b] }], { lr: 0.1 }),
      new ValueError("SGD: param group 1: parameter 0 (shape [5]) is already in param group 0; a parameter may be in one group only"),
    ],
    [
      "a parameter twice in a group",
      () => new optim.SGD([a, a], { lr: 0.1 }),
      new ValueError("SGD: param group 0: parameter 1 (shape [3, 4]) appears twice in the group"),
    ],
    [
      "a single tensor",
      () => new optim.Adam(a as any),
      new ValueError(
        "Adam: params must be an iterable of Tensors or parameter groups, got a single Tensor of shape [3, 4] (wrap it in an array)",
      ),
    ],
    ["a non-tensor", () => new optim.Adam([a, 3] as any), new ValueError("Adam: param group 0: parameter 1 is 3, expected a Tensor")],
    [
      "a non-leaf tensor",
      () => new optim.Adam([a.mul(2)]),
      new ValueError(
        "Adam: param group 0: parameter 0 (shape [3, 4]) is not a leaf tensor; optimize leaves (e.g. x.detach().requiresGrad_())",
      ),
    ],
    [
      "an int32 tensor",
      () => new optim.Adam([tg.zeros([2], { dtype: "int32" })]),
      new DTypeError("Adam: param group 0: parameter 0 has dtype int32, expected a floating-point tensor"),
    ],
    [
      "a non-contiguous tensor",
      () => new optim.Adam([a.detach().transpose(0, 1)]),
      new ValueError(
        "Adam: param group 0: parameter 0 (shape [4, 3], strides [1, 4]) is not contiguous; optimizers update contiguous tensors",
      ),
    ],
    [
      "an unknown (snake_case) option",
      () => new optim.Adam([a], { weight_decay: 0.1 } as any),
      new ValueError('Adam: unknown option "weight_decay" (expected one of lr, betas, eps, weightDecay, amsgrad, maximize)'),
    ],
  ];
  for (const [what, make, error] of cases) it(what, () => assert.throws(make, error));
});

describe("options argument", () => {
  it("PyTorch's positional lr is a ValueError showing the options form, not the default lr kept silently", () => {
    const w = tg.zeros([2], { requiresGrad: true });
    assert.throws(() => new optim.Adam([w], 0.01 as never), {
      name: "ValueError",
      message: "Adam: options must be an object, as { lr: 0.01 }, got number",
    });
    assert.throws(() => new optim.SGD([w], 0.1 as never), {
      name: "ValueError",
      message: "SGD: options must be an object, as { lr: 0.1 }, got number",
    });
    assert.equal(new optim.Adam([w]).lr, 0.001);
  });
});
