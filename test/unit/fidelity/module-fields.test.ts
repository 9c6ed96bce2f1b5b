// Layers assigned as fields register themselves as in PyTorch (trap 1 of the fidelity list), and
// assigning a parameter over another ties them (trap 2): keys, counts, repr, modes and gradients
// against test/fixtures/fidelity.json.

import { hostData } from "../../../src/backend/backend.js";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, optim, ValueError, type Tensor } from "tensorgrad";
import { fidelity, grid, close, fromRec } from "./fixtures.js";

/** gen_fidelity.py's FieldNet, written as a TypeScript user writes it: class fields, no register calls. */
class FieldNet extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  drop = new nn.Dropout(0.5);
  scale = new nn.Parameter(tg.ones([8]));
  blocks = [new nn.Linear(8, 8), new nn.Linear(8, 8)];
  steps = this.registerBuffer("steps", tg.zeros([1]));
  fc2: nn.Linear;
  constructor() {
    super();
    this.fc2 = new nn.Linear(8, 2); // assigned in the constructor, after the fields
  }
  forward(x: Tensor): Tensor {
    let h = this.drop.forward(this.fc1.forward(x).relu()).mul(this.scale);
    for (const b of this.blocks) h = b.forward(h).tanh();
    return this.fc2.forward(h);
  }
}

describe("fields holding modules, parameters and arrays of modules are registered", () => {
  const ref = fidelity.fields;
  it("state-dict keys and shapes in PyTorch's order", () => {
    const sd = new FieldNet().stateDict();
    assert.deepEqual(
      Object.entries(sd).map(([k, v]) => [k, [...v.shape]]),
      ref.stateDict,
    );
  });
  it("parameters, numParameters, modules and repr", () => {
    const m = new FieldNet();
    assert.deepEqual(
      m.namedParameters().map(([k]) => k),
      ref.namedParameters,
    );
    assert.equal(m.numParameters(), ref.numParameters);
    assert.deepEqual(
      m.namedModules().map(([k]) => k),
      ref.modules,
    );
    assert.equal(m.toString(), ref.repr);
  });
  it("eval() reaches a Dropout held in a field; an optimizer trains every field's parameters", () => {
    tg.manualSeed(0);
    const m = new FieldNet();
    m.eval();
    assert.equal(m.drop.training, false);
    const x = tg.randn([3, 4]);
    assert.deepEqual(m.forward(x).toArray(), m.forward(x).toArray());
    m.train();
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const before = m.blocks[1].weight.toArray();
    m.forward(x).square().sum().backward();
    opt.step();
    assert.notDeepEqual(m.blocks[1].weight.toArray(), before);
    assert.ok(m.scale.grad !== null);
  });
  it("PyTorch's state dict loads strictly and gives PyTorch's outputs", () => {
    const m = new FieldNet();
    const record = Object.fromEntries(Object.entries(ref.values).map(([k, r]) => [k, fromRec(r as any)]));
    assert.deepEqual(m.loadStateDict(record), { missingKeys: [], unexpectedKeys: [] });
    m.eval();
    close(m.forward(fromRec(ref.input)), ref.evalOutput, 1e-5);
  });
  it("modules pushed onto an array field after the assignment count too", () => {
    class Stack extends nn.Module {
      layers: nn.Linear[] = [];
      constructor(n: number) {
        super();
        for (let i = 0; i < n; i++) this.layers.push(new nn.Linear(2, 2));
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    assert.deepEqual(Object.keys(new Stack(2).stateDict()), ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]);
  });
  it("assigning null clears a registered slot; a wrong kind of value is a ValueError", () => {
    const lin = new nn.Linear(3, 2);
    (lin as any).bias = null;
    assert.deepEqual(Object.keys(lin.stateDict()), ["weight"]);
    assert.throws(
      () => {
        (lin as any).weight = tg.zeros([2, 3]);
      },
      (e: unknown) => e instanceof ValueError && /parameter "weight"/.test((e as Error).message),
    );
    class Holder extends nn.Module {
      sub = new nn.Linear(1, 1);
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    assert.throws(
      () => {
        (new Holder() as any).sub = 3;
      },
      (e: unknown) => e instanceof ValueError && /child module "sub"/.test((e as Error).message),
    );
  });
  it("assigning a tensor to a buffer's camelCase field replaces the buffer", () => {
    const bn = new nn.BatchNorm1d(2);
    (bn as any).runningMean = tg.tensor([5, 6]);
    assert.deepEqual(bn.stateDict().running_mean.toArray(), [5, 6]);
  });
});

describe("weight tying by assignment shares the parameter", () => {
  const ref = fidelity.tying;
  const build = () => {
    const emb = new nn.Embedding(10, 4);
    const head = new nn.Linear(4, 10, { bias: false });
    hostData(emb.weight.storage).set(grid(40));
    hostData(head.weight.storage).set(grid(40, 0.05, 1));
    head.weight = emb.weight;
    return { emb, head, model: new nn.Sequential(emb, head) };
  };
  it("numParameters counts it once; stateDict keeps both keys with the same values", () => {
    const { model } = build();
    assert.equal(model.numParameters(), ref.numParameters);
    const sd = model.stateDict();
    assert.deepEqual(Object.keys(sd), ref.stateDictKeys);
    assert.deepEqual(sd["1.weight"].toArray(), sd["0.weight"].toArray());
  });
  it("forward and the tied weight's gradient match PyTorch", () => {
    const { emb, model } = build();
    const out = model.forward(tg.tensor(ref.index, { dtype: "int32" }));
    close(out, ref.output, 1e-6);
    out.backward(fromRec(ref.gradOutput));
    close(emb.weight.grad!, ref.weightGrad, 1e-5);
  });
});
