// TransformerEncoderLayer and TransformerEncoder against PyTorch (fixtures/seq.json): relu/gelu,
// post- and pre-norm, causal and padding masks, batch-first and unbatched input, a two-layer stack
// with a final norm; outputs and every gradient. Also keys/repr, deep-copy semantics and errors.

import { hostData } from "../../../src/backend/backend.js";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, ShapeError, ValueError, type Tensor } from "tensorgrad";
import { expectClose, expectParamGrads, fixtures, stateOf, toTensor, type Desc, type EncoderCase } from "./seq-fixtures.js";

function throwsExactly(fn: () => unknown, cls: new (...a: any[]) => Error, message: string): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e.constructor.name}: ${e.message}`);
    assert.equal(e.message, message);
    return true;
  });
}

function layerOf(d: Desc): nn.TransformerEncoderLayer {
  const [dModel, nHead] = d.args as [number, number];
  return new nn.TransformerEncoderLayer(dModel, nHead, d.opts ?? {});
}

function build(desc: EncoderCase["desc"]): nn.TransformerEncoderLayer | nn.TransformerEncoder {
  if (desc.layer === "TransformerEncoder") {
    const d = desc as Extract<EncoderCase["desc"], { encoderLayer: Desc }>;
    return new nn.TransformerEncoder(layerOf(d.encoderLayer), d.numLayers, { norm: new nn.LayerNorm(d.norm.args[0] as number) });
  }
  return layerOf(desc as Desc);
}

describe("TransformerEncoderLayer / TransformerEncoder match PyTorch", () => {
  for (const c of fixtures.encoder) {
    it(c.id, () => {
      const m = build(c.desc);
      assert.deepEqual(Object.keys(m.stateDict()), Object.keys(c.state), "state-dict keys in torch's order");
      m.loadStateDict(stateOf(c.state));
      m.eval();
      const src = toTensor(c.src, { requiresGrad: true });
      const opts = Object.fromEntries(Object.entries(c.forward).map(([k, r]) => [k, toTensor(r)]));
      const out: Tensor = m.forward(src, opts);
      expectClose(out, c.output, `${c.id} output`);
      out.backward(toTensor(c.gradOutput));
      expectClose(src.grad, c.srcGrad, `${c.id} src grad`);
      expectParamGrads(m.namedParameters(), c.paramGrads, c.id);
    });
  }
});

describe("transformer: keys, repr, copies", () => {
  it("TransformerEncoderLayer keys and repr", () => {
    const want = fixtures.keys["encoder-layer"];
    const layer = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32 });
    assert.deepEqual(
      Object.entries(layer.stateDict()).map(([k, t]) => [k, [...t.shape]]),
      want.stateDict,
    );
    assert.equal(layer.toString(), want.repr);
    assert.equal(layer.numParameters(), want.numParameters);
  });
  it("TransformerEncoder keys (layers.0.…, norm.…) and repr", () => {
    const want = fixtures.keys["encoder"];
    const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32 }), 2, { norm: new nn.LayerNorm(16) });
    assert.deepEqual(
      Object.entries(enc.stateDict()).map(([k, t]) => [k, [...t.shape]]),
      want.stateDict,
    );
    assert.equal(enc.toString(), want.repr);
    assert.equal(enc.numParameters(), want.numParameters);
  });
  it("the stack holds independent deep copies that start from the given layer's weights", () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.2, activation: "gelu", normFirst: true });
    layer.eval();
    const enc = new nn.TransformerEncoder(layer, 3);
    assert.equal(enc.layers.length, 3);
    const src = layer.stateDict();
    for (let i = 0; i < 3; i++) {
      const copy = enc.layers.at(i);
      assert.notEqual(copy, layer);
      assert.equal(copy.training, false, "mode is copied");
      assert.deepEqual(copy.options, layer.options);
      for (const [k, t] of Object.entries(copy.stateDict())) {
        assert.deepEqual(t.toFloat32Array(), src[k].toFloat32Array(), `layer ${i} ${k}`);
        assert.notEqual(t.storage, src[k].storage, `layer ${i} ${k} has its own storage`);
      }
    }
    const x = tg.randn([4, 2, 8]);
    let y = x;
    for (let i = 0; i < 3; i++) y = layer.forward(y);
    assert.deepEqual(enc.forward(x).toFloat32Array(), y.toFloat32Array(), "three identical layers = the layer applied three times");
    hostData(enc.layers.at(0).linear1.weight.storage)[0] += 1;
    assert.notEqual(hostData(enc.layers.at(1).linear1.weight.storage)[0], hostData(enc.layers.at(0).linear1.weight.storage)[0]);
  });
  it("generateSquareSubsequentMask is -inf above the diagonal", () => {
    assert.deepEqual(nn.generateSquareSubsequentMask(3).toArray(), [
      [0, -Infinity, -Infinity],
      [0, 0, -Infinity],
      [0, 0, 0],
    ]);
  });
  it("isCausal equals the square subsequent mask; dropout only in train mode", () => {
    tg.manualSeed(3);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }).eval();
    const x = tg.randn([5, 2, 8]);
    const a = layer.forward(x, { srcMask: nn.generateSquareSubsequentMask(5) }).toFloat32Array();
    assert.deepEqual(layer.forward(x, { isCausal: true }).toFloat32Array(), a);
    layer.train();
    assert.notDeepEqual(layer.forward(x, { isCausal: true }).toFloat32Array(), a);
  });
  it("a custom activation function", () => {
    const layer = new nn.TransformerEncoderLayer(4, 1, { dimFeedforward: 8, activation: (t) => t.tanh(), dropout: 0 });
    const x = tg.randn([3, 4]);
    const manual = layer.norm2.forward(
      (() => {
        const h = layer.norm1.forward(x.add(layer.selfAttn.forward(x, x, x)[0]));
        return h.add(layer.linear2.forward(layer.linear1.forward(h).tanh()));
      })(),
    );
    assert.deepEqual(layer.forward(x).toFloat32Array(), manual.toFloat32Array());
  });
});

describe("transformer errors", () => {
  it("wrong input size", () => {
    throwsExactly(
      () => new nn.TransformerEncoderLayer(8, 2).forward(tg.zeros([5, 3, 6])),
      ShapeError,
      "TransformerEncoderLayer(dModel=8, nHead=2): expected src [S, N, 8] (or [S, 8] unbatched), got [5, 3, 6]",
    );
    throwsExactly(
      () => new nn.TransformerEncoderLayer(8, 2, { batchFirst: true }).forward(tg.zeros([8])),
      ShapeError,
      "TransformerEncoderLayer(dModel=8, nHead=2): expected src [N, S, 8] (or [S, 8] unbatched), got [8]",
    );
  });
  it("constructor arguments", () => {
    throwsExactly(
      () => new nn.TransformerEncoderLayer(8, 2, { activation: "tanh" as any }),
      ValueError,
      'TransformerEncoderLayer: activation must be "relu", "gelu" or a function, got "tanh"',
    );
    throwsExactly(() => new nn.TransformerEncoderLayer(8, 3), ValueError, "MultiheadAttention: embedDim 8 must be divisible by numHeads 3");
    throwsExactly(
      () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2), 0),
      ValueError,
      "TransformerEncoder: numLayers must be a positive integer, got 0",
    );
  });
  it("ModuleList has no forward", () => {
    throwsExactly(
      () => new nn.ModuleList([new nn.ReLU()]).forward(),
      ValueError,
      "ModuleList: has no forward(); call its modules in a loop (for (const m of list) x = m.forward(x))",
    );
  });
});
