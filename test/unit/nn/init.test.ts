// nn.init and the layers' default initialisation: PyTorch's gains, fans, bounds and standard
// deviations, checked as statistics of seeded draws; in-place mutation; reproducibility.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, type Tensor } from "tensorgrad";

const init = nn.init;

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = t.toFloat32Array();
  let s = 0,
    s2 = 0,
    min = Infinity,
    max = -Infinity;
  for (const x of v) {
    s += x;
    s2 += x * x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), min, max };
}

/** Asserts a uniform(-bound, bound) sample: inside the bounds, reaching near them, std bound/√3. */
function assertUniform(t: Tensor, bound: number, what: string): void {
  const s = stats(t);
  assert.ok(s.min >= -bound && s.max <= bound, `${what}: [${s.min}, ${s.max}] within ±${bound}`);
  assert.ok(s.min < -0.98 * bound && s.max > 0.98 * bound, `${what}: fills the range ±${bound}`);
  assert.ok(Math.abs(s.std / (bound / Math.sqrt(3)) - 1) < 0.03, `${what}: std ${s.std} vs ${bound / Math.sqrt(3)}`);
  assert.ok(Math.abs(s.mean) < 0.03 * bound, `${what}: mean ${s.mean}`);
}

function assertNormal(t: Tensor, std: number, what: string): void {
  const s = stats(t);
  assert.ok(Math.abs(s.std / std - 1) < 0.03, `${what}: std ${s.std} vs ${std}`);
  assert.ok(Math.abs(s.mean) < 0.03 * std, `${what}: mean ${s.mean}`);
}

describe("default layer initialisation (as torch)", () => {
  it("Linear(784, 128): weight U(±1/28) with std 1/(28·√3), bias U(±1/28)", () => {
    tg.manualSeed(10);
    const fc = new nn.Linear(784, 128);
    assertUniform(fc.weight, 1 / 28, "weight");
    const b = stats(fc.bias!);
    assert.ok(b.min >= -1 / 28 && b.max <= 1 / 28 && b.std > 0.01, `bias within ±1/28 (std ${b.std})`);
    assert.ok(fc.weight.requiresGrad && fc.bias!.requiresGrad && fc.weight.grad === null);
  });
  it("Embedding: N(0, 1) with the padding row zero; BatchNorm/LayerNorm: ones and zeros", () => {
    tg.manualSeed(11);
    const e = new nn.Embedding(500, 64, { paddingIdx: 3 });
    assertNormal(e.weight, 1, "embedding");
    assert.deepEqual(e.weight.slice(0, 3, 4).toArray(), [new Array(64).fill(0)]);
    const bn = new nn.BatchNorm2d(3);
    assert.deepEqual(
      [bn.weight!.toArray(), bn.bias!.toArray(), bn.runningMean!.toArray(), bn.runningVar!.toArray(), bn.numBatchesTracked!.item()],
      [[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1], 0],
    );
    const ln = new nn.LayerNorm([2, 2]);
    assert.deepEqual(
      [ln.weight!.toArray(), ln.bias!.toArray()],
      [
        [
          [1, 1],
          [1, 1],
        ],
        [
          [0, 0],
          [0, 0],
        ],
      ],
    );
  });
  it("is reproducible under manualSeed", () => {
    tg.manualSeed(42);
    const a = new nn.Linear(10, 10).weight.toArray();
    tg.manualSeed(42);
    assert.deepEqual(new nn.Linear(10, 10).weight.toArray(), a);
    assert.notDeepEqual(new nn.Linear(10, 10).weight.toArray(), a);
  });
});

describe("nn.init", () => {
  it("calculateGain follows torch", () => {
    assert.equal(init.calculateGain("linear"), 1);
    assert.equal(init.calculateGain("conv2d"), 1);
    assert.equal(init.calculateGain("sigmoid"), 1);
    assert.equal(init.calculateGain("tanh"), 5 / 3);
    assert.equal(init.calculateGain("relu"), Math.SQRT2);
    assert.equal(init.calculateGain("leaky_relu"), Math.sqrt(2 / (1 + 0.01 ** 2)));
    assert.equal(init.calculateGain("leaky_relu", 0.2), Math.sqrt(2 / 1.04));
    assert.equal(init.calculateGain("selu"), 0.75);
    assert.throws(() => init.calculateGain("swish" as never), {
      name: "ValueError",
      message: 'init.calculateGain: unsupported nonlinearity "swish"',
    });
  });
  it("fans use the receptive field of conv weights", () => {
    assert.deepEqual(init.calculateFanInAndFanOut(tg.zeros([16, 3, 5, 5])), [75, 400]);
    assert.deepEqual(init.calculateFanInAndFanOut(tg.zeros([128, 784])), [784, 128]);
    assert.throws(() => init.calculateFanInAndFanOut(tg.zeros([5])), {
      name: "ValueError",
      message: "init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (got shape [5])",
    });
  });
  it("kaimingUniform: defaults a=0, fan_in, leaky_relu → bound √(6/fanIn)", () => {
    tg.manualSeed(12);
    const w = tg.zeros([256, 512]);
    assert.equal(init.kaimingUniform(w), w, "mutates in place and returns the tensor");
    assertUniform(w, Math.sqrt(6 / 512), "kaimingUniform");
    assertUniform(
      init.kaimingUniform(tg.zeros([64, 8, 3, 3]), { mode: "fan_out", nonlinearity: "relu" }),
      Math.sqrt(6 / (64 * 9)),
      "fan_out conv",
    );
    assertUniform(
      init.kaimingUniform(tg.zeros([200, 300]), { a: 0.3, nonlinearity: "leaky_relu" }),
      (Math.sqrt(3) * Math.sqrt(2 / 1.09)) / Math.sqrt(300),
      "a=0.3",
    );
  });
  it("kaimingNormal: std gain/√fan", () => {
    tg.manualSeed(13);
    assertNormal(init.kaimingNormal(tg.zeros([256, 512])), Math.sqrt(2 / 512), "fan_in");
    assertNormal(
      init.kaimingNormal(tg.zeros([32, 16, 5, 5]), { mode: "fan_out", nonlinearity: "tanh" }),
      5 / 3 / Math.sqrt(32 * 25),
      "fan_out tanh",
    );
  });
  it("xavierUniform / xavierNormal: gain·√(6/(in+out)) and gain·√(2/(in+out))", () => {
    tg.manualSeed(14);
    assertUniform(init.xavierUniform(tg.zeros([300, 200])), Math.sqrt(6 / 500), "xavierUniform");
    assertUniform(init.xavierUniform(tg.zeros([300, 200]), { gain: 2 }), 2 * Math.sqrt(6 / 500), "xavierUniform gain 2");
    assertNormal(init.xavierNormal(tg.zeros([300, 200]), init.calculateGain("tanh")), (5 / 3) * Math.sqrt(2 / 500), "xavierNormal");
  });
  it("uniform, normal, constant, zeros, ones write in place without touching autograd state", () => {
    tg.manualSeed(15);
    const p = new nn.Parameter(tg.zeros([100, 100]));
    assertUniform(init.uniform(p, -3, 3), 3, "uniform");
    const u = stats(init.uniform(tg.zeros([1000]), 2, 5));
    assert.ok(u.min >= 2 && u.max < 5);
    const n = stats(init.normal(p, 1, 0.5));
    assert.ok(Math.abs(n.mean - 1) < 0.02 && Math.abs(n.std - 0.5) < 0.02);
    assert.ok(p.requiresGrad && p.isLeaf && p.grad === null);
    assert.deepEqual(init.constant(tg.zeros([2]), 0.5).toArray(), [0.5, 0.5]);
    assert.deepEqual(init.ones(tg.zeros([2])).toArray(), [1, 1]);
    assert.deepEqual(init.zeros(tg.ones([2])).toArray(), [0, 0]);
    // A non-contiguous view is written through, as torch's uniform_ on a view (only its elements change).
    const base = tg.zeros([2, 2]);
    init.constant(base.T.slice(0, 0, 1), 3);
    assert.deepEqual(base.toArray(), [
      [3, 0],
      [3, 0],
    ]);
    assert.throws(() => init.uniform("w" as never, 0, 1), { name: "ValueError" });
  });
});
