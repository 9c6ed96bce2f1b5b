// RNN, LSTM and GRU against PyTorch (fixtures/seq.json): torch's state dict loads with identical
// keys, then outputs, final states and the gradients of input, initial states and every parameter
// (random upstream gradients) must match. Also: keys/repr, default-init statistics, gradcheck of
// the recurrence in float64, inter-layer dropout, and the exact errors for bad input.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, ShapeError, ValueError, DTypeError, type Tensor } from "tensorgrad";
import { recurrentForward, unbindFirst, type CellWeights, type RecurrentMode } from "../../../src/nn/layers/recurrent-forward.js";
import { expectClose, expectParamGrads, fixtures, stateOf, toTensor, weightedSum, type Desc } from "./seq-fixtures.js";

type Recurrent = nn.RNN | nn.LSTM | nn.GRU;

function build(desc: Desc): Recurrent {
  const Cls = { RNN: nn.RNN, LSTM: nn.LSTM, GRU: nn.GRU }[desc.layer as "RNN" | "LSTM" | "GRU"];
  return new Cls(...(desc.args as [number, number]), desc.opts ?? {});
}

/** Runs the layer the way the fixture did and returns [output, hN] or [output, hN, cN]. */
function run(layer: Recurrent, x: Tensor, initial: Tensor[] | undefined): Tensor[] {
  if (layer instanceof nn.LSTM) {
    const [out, [h, c]] = layer.forward(x, initial ? [initial[0], initial[1]] : undefined);
    return [out, h, c];
  }
  return layer.forward(x, initial?.[0]);
}

function throwsExactly(fn: () => unknown, cls: new (...a: any[]) => Error, message: string): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e.constructor.name}: ${e.message}`);
    assert.equal(e.message, message);
    return true;
  });
}

describe("RNN / LSTM / GRU match PyTorch", () => {
  for (const c of fixtures.recurrent) {
    it(c.id, () => {
      const layer = build(c.desc);
      assert.deepEqual(Object.keys(layer.stateDict()), Object.keys(c.state), "state-dict keys in torch's order");
      layer.loadStateDict(stateOf(c.state));
      layer.train(c.mode === "train");
      const x = toTensor(c.input, { requiresGrad: true });
      const initial = c.initial?.map((r) => toTensor(r, { requiresGrad: true }));
      const outs = run(layer, x, initial);
      const names = ["output", "hN", "cN"];
      outs.forEach((o, i) => expectClose(o, c.outputs[i], `${c.id} ${names[i]}`));
      weightedSum(outs, c.gradOutputs).backward();
      expectClose(x.grad, c.inputGrad, `${c.id} input grad`);
      initial?.forEach((t, i) => expectClose(t.grad, c.initialGrads![i], `${c.id} grad of ${names[i + 1].replace("N", "0")}`));
      expectParamGrads(layer.namedParameters(), c.paramGrads, c.id);
    });
  }
});

describe("recurrent layers: keys, shapes, repr", () => {
  const cases: [string, Recurrent][] = [
    ["lstm-2layer-bidir", new nn.LSTM(10, 20, { numLayers: 2, bidirectional: true })],
    ["gru-nobias-batchfirst", new nn.GRU(10, 20, { bias: false, batchFirst: true })],
    ["rnn-relu-dropout", new nn.RNN(10, 20, { numLayers: 3, nonlinearity: "relu", dropout: 0.5 })],
  ];
  for (const [id, layer] of cases) {
    it(id, () => {
      const want = fixtures.keys[id];
      assert.deepEqual(
        Object.entries(layer.stateDict()).map(([k, t]) => [k, [...t.shape]]),
        want.stateDict,
      );
      assert.equal(layer.toString(), want.repr);
      assert.equal(layer.numParameters(), want.numParameters);
    });
  }
  it("allWeights groups the parameters per layer and direction", () => {
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    assert.equal(lstm.allWeights.length, 4);
    assert.deepEqual(
      lstm.allWeights[3].map((p) => [...p.shape]),
      [[16, 8], [16, 4], [16], [16]],
    );
    assert.equal(lstm.allWeights[1][0], lstm.namedParameters().find(([k]) => k === "weight_ih_l0_reverse")![1]);
  });
});

describe("recurrent layers: default initialisation is U(-1/√H, 1/√H) for every parameter", () => {
  for (const Cls of [nn.RNN, nn.LSTM, nn.GRU]) {
    it(Cls.name, () => {
      tg.manualSeed(7);
      const H = 64;
      const layer = new Cls(32, H, { numLayers: 2, bidirectional: true });
      const bound = 1 / Math.sqrt(H);
      const all: number[] = [];
      for (const [name, p] of layer.namedParameters()) {
        const v = p.toFloat32Array();
        const maxAbs = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
        assert.ok(maxAbs <= bound && maxAbs > 0.9 * bound, `${name}: max |w| ${maxAbs} vs bound ${bound}`);
        all.push(...v);
      }
      const n = all.length;
      const mean = all.reduce((a, b) => a + b, 0) / n;
      const variance = all.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
      const wantVar = (bound * bound) / 3;
      assert.ok(Math.abs(mean) < 4 * Math.sqrt(wantVar / n), `mean ${mean}`);
      assert.ok(Math.abs(variance / wantVar - 1) < 0.03, `variance ${variance}, expected ${wantVar}`);
    });
  }
  it("is seeded: the same seed gives the same weights", () => {
    tg.manualSeed(3);
    const a = new nn.GRU(4, 5).stateDict();
    tg.manualSeed(3);
    const b = new nn.GRU(4, 5).stateDict();
    for (const k of Object.keys(a)) assert.deepEqual(a[k].toFloat32Array(), b[k].toFloat32Array(), k);
  });
});

describe("recurrence gradients pass gradcheck in float64", () => {
  const modes: [RecurrentMode, number, boolean][] = [
    ["LSTM", 1, true],
    ["GRU", 1, true],
    ["RNN_TANH", 2, false],
    ["RNN_RELU", 1, true],
  ];
  for (const [mode, numLayers, bidirectional] of modes) {
    it(`${mode}, ${numLayers} layer(s)${bidirectional ? ", bidirectional" : ""}, with initial states`, () => {
      tg.manualSeed(11);
      const I = 2,
        H = 2,
        T = 3,
        N = 2,
        D = bidirectional ? 2 : 1;
      const G = { LSTM: 4, GRU: 3, RNN_TANH: 1, RNN_RELU: 1 }[mode] * H;
      const f64 = (shape: number[]) => tg.randn(shape, { dtype: "float64" }).mul(0.6);
      const flat: Tensor[] = [];
      for (let l = 0; l < numLayers; l++) {
        for (let d = 0; d < D; d++) flat.push(f64([G, l === 0 ? I : H * D]), f64([G, H]), f64([G]), f64([G]));
      }
      const x = f64([T, N, I]);
      const h0 = f64([numLayers * D, N, H]);
      const c0 = f64([numLayers * D, N, H]);
      const fn = (xx: Tensor, hh: Tensor, cc: Tensor, ...w: Tensor[]) => {
        const cells: CellWeights[] = [];
        for (let i = 0; i < w.length; i += 4) cells.push({ wIh: w[i], wHh: w[i + 1], bIh: w[i + 2], bHh: w[i + 3] });
        const cfg = { mode, numLayers, bidirectional, dropout: 0, training: false };
        const r = recurrentForward(cfg, xx, hh, mode === "LSTM" ? cc : null, cells);
        return tg.cat([r.output.flatten(), r.hN.flatten(), ...(r.cN ? [r.cN.flatten()] : [])]);
      };
      assert.equal(tg.gradcheck(fn, [x, h0, c0, ...flat]), true);
    });
  }
  it("unbindFirst splits along dim 0 and its gradient reassembles", () => {
    const x = tg.arange(0, 14).reshape([7, 2]).requiresGrad_();
    const parts = unbindFirst(x);
    assert.deepEqual(
      parts.map((p) => p.toArray()),
      x.toArray(),
    );
    const g = tg.randn([7, 2]);
    parts
      .map((p, i) => p.mul(g.slice(0, i, i + 1).squeeze(0)).sum())
      .reduce((a, b) => a.add(b))
      .backward();
    assert.deepEqual(x.grad!.toFloat32Array(), g.toFloat32Array());
  });
});

describe("recurrent layers: modes and layouts", () => {
  it("inter-layer dropout is active in train mode only, and seeded", () => {
    tg.manualSeed(5);
    const lstm = new nn.LSTM(3, 8, { numLayers: 2, dropout: 0.5 });
    const x = tg.randn([6, 2, 3]);
    const evalOut = tg.noGrad(() => lstm.eval().forward(x)[0]).toFloat32Array();
    lstm.train();
    tg.manualSeed(1);
    const a = tg.noGrad(() => lstm.forward(x)[0]).toFloat32Array();
    tg.manualSeed(1);
    const b = tg.noGrad(() => lstm.forward(x)[0]).toFloat32Array();
    assert.deepEqual(a, b, "same seed, same dropout masks");
    assert.notDeepEqual(a, evalOut, "train mode drops");
    const single = new nn.LSTM(3, 8, { dropout: 0.5 });
    const y = tg.noGrad(() => single.forward(x)[0]).toFloat32Array();
    assert.deepEqual(y, tg.noGrad(() => single.eval().forward(x)[0]).toFloat32Array(), "no dropout after the last layer");
  });
  it("batchFirst transposes input and output but not the states", () => {
    tg.manualSeed(2);
    const tm = new nn.GRU(3, 4, { numLayers: 2 });
    const bf = new nn.GRU(3, 4, { numLayers: 2, batchFirst: true });
    bf.loadStateDict(tm.stateDict());
    const x = tg.randn([5, 2, 3]);
    const [o1, h1] = tm.forward(x);
    const [o2, h2] = bf.forward(x.transpose(0, 1));
    assert.deepEqual([...o2.shape], [2, 5, 4]);
    assert.deepEqual(o2.transpose(0, 1).toFloat32Array(), o1.toFloat32Array());
    assert.deepEqual([...h2.shape], [2, 2, 4]);
    assert.deepEqual(h2.toFloat32Array(), h1.toFloat32Array());
  });
  it("the last output step of a unidirectional layer is hN of the last layer", () => {
    const rnn = new nn.RNN(2, 3, { numLayers: 2 });
    const [out, hN] = rnn.forward(tg.randn([4, 5, 2]));
    assert.deepEqual(out.slice(0, 3, 4).squeeze(0).toFloat32Array(), hN.slice(0, 1, 2).squeeze(0).toFloat32Array());
  });
  it("gradients reach every parameter and freeze stops them", () => {
    const lstm = new nn.LSTM(2, 3, { numLayers: 2, bidirectional: true });
    lstm
      .forward(tg.randn([3, 2, 2]))[0]
      .sum()
      .backward();
    for (const [k, p] of lstm.namedParameters()) assert.ok(p.grad && p.grad.abs().sum().item() > 0, `${k} has a gradient`);
    lstm.zeroGrad();
    lstm.freeze();
    const x = tg.randn([3, 2, 2], { requiresGrad: true });
    lstm.forward(x)[0].sum().backward();
    assert.ok(lstm.parameters().every((p) => p.grad === null));
    assert.ok(x.grad !== null);
  });
});

describe("recurrent layers: errors name the layer and the expected shape", () => {
  it("input size and rank", () => {
    throwsExactly(
      () => new nn.LSTM(3, 4).forward(tg.zeros([5, 2, 7])),
      ShapeError,
      "LSTM(3, 4): expected input [T, N, 3] (or [T, 3] unbatched), got [5, 2, 7]",
    );
    throwsExactly(
      () => new nn.GRU(3, 4, { batchFirst: true }).forward(tg.zeros([2, 5, 3, 1])),
      ShapeError,
      "GRU(3, 4): expected input [N, T, 3] (or [T, 3] unbatched), got [2, 5, 3, 1]",
    );
    throwsExactly(
      () => new nn.RNN(3, 4).forward(tg.zeros([0, 2, 3])),
      ShapeError,
      "RNN(3, 4): expected a sequence of at least one time step, got input [0, 2, 3]",
    );
    throwsExactly(
      () => new nn.RNN(3, 4).forward(tg.zeros([5, 3], { dtype: "int32" })),
      DTypeError,
      "RNN(3, 4): expected a floating-point input, got int32",
    );
  });
  it("initial states", () => {
    const x = tg.zeros([5, 2, 3]);
    throwsExactly(
      () => new nn.LSTM(3, 4, { numLayers: 2 }).forward(x, [tg.zeros([2, 3, 4]), tg.zeros([2, 2, 4])]),
      ShapeError,
      "LSTM(3, 4): expected h0 [2, 2, 4] (numLayers·directions, batch, hiddenSize), got [2, 3, 4]",
    );
    throwsExactly(
      () => new nn.LSTM(3, 4).forward(x, [tg.zeros([1, 2, 4]), tg.zeros([1, 2, 5])]),
      ShapeError,
      "LSTM(3, 4): expected c0 [1, 2, 4] (numLayers·directions, batch, hiddenSize), got [1, 2, 5]",
    );
    throwsExactly(
      () => new nn.GRU(3, 4, { bidirectional: true }).forward(x, tg.zeros([1, 2, 4])),
      ShapeError,
      "GRU(3, 4): expected h0 [2, 2, 4] (numLayers·directions, batch, hiddenSize), got [1, 2, 4]",
    );
    throwsExactly(
      () => new nn.RNN(3, 4).forward(tg.zeros([5, 3]), tg.zeros([1, 2, 4])),
      ShapeError,
      "RNN(3, 4): expected h0 [1, 4] for unbatched input (numLayers·directions, hiddenSize), got [1, 2, 4]",
    );
    throwsExactly(
      () => new nn.LSTM(3, 4).forward(x, [tg.zeros([1, 2, 4])] as any),
      ValueError,
      "LSTM(3, 4): the initial state must be a pair [h0, c0], got an array of 1",
    );
  });
  it("constructor arguments", () => {
    throwsExactly(() => new nn.LSTM(3, 0), ValueError, "LSTM: hiddenSize must be a positive integer, got 0");
    throwsExactly(() => new nn.GRU(3, 4, { numLayers: 1.5 }), ValueError, "GRU: numLayers must be a positive integer, got 1.5");
    throwsExactly(() => new nn.RNN(3, 4, { dropout: 2 }), ValueError, "RNN: dropout must be between 0 and 1, got 2");
    throwsExactly(
      () => new nn.RNN(3, 4, { nonlinearity: "gelu" as any }),
      ValueError,
      'RNN: nonlinearity must be "tanh" or "relu", got "gelu"',
    );
  });
});
