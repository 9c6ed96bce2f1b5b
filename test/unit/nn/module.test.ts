// The Module harness: state-dict keys, shapes and repr against PyTorch's for the same models,
// parameter counts, state-dict round trips, strict-load errors, gradients reaching every trainable
// parameter, train/eval behaviour, freeze/unfreeze, and the traversal methods.

import { hostData } from "../../../src/backend/backend.js";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, ShapeError, ValueError, type Tensor } from "tensorgrad";
import { fixtures } from "./nn-fixtures.js";

/** The custom model of gen_nn.py: children stored as fc1, bn, fc2 and a nested Sequential head. */
class Net extends nn.Module {
  fc1 = this.registerModule("fc1", new nn.Linear(4, 8));
  bn = this.registerModule("bn", new nn.BatchNorm1d(8));
  fc2 = this.registerModule("fc2", new nn.Linear(8, 2));
  head = this.registerModule("head", new nn.Sequential(new nn.Linear(2, 2, { bias: false }), new nn.Tanh()));
  forward(x: Tensor): Tensor {
    return this.head.forward(this.fc2.forward(this.bn.forward(this.fc1.forward(x)).relu()));
  }
}

const MODELS: Record<string, () => nn.Module> = {
  sequential: () => new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3)),
  net: () => new Net(),
  misc: () =>
    new nn.Sequential(
      new nn.Embedding(10, 4, { paddingIdx: 0 }),
      new nn.LayerNorm(4),
      new nn.Flatten(),
      new nn.Dropout(0.25),
      new nn.GELU({ approximate: "tanh" }),
      new nn.ELU(),
      new nn.LeakyReLU(0.2),
      new nn.Softplus({ beta: 2, threshold: 10 }),
      new nn.Softmax(-1),
      new nn.LogSoftmax(1),
      new nn.SiLU(),
      new nn.Sigmoid(),
      new nn.Identity(),
      new nn.BatchNorm2d(3, { momentum: null, eps: 1e-3 }),
      new nn.BatchNorm1d(5, { affine: false, trackRunningStats: false }),
    ),
};

describe("models are keyed and printed as PyTorch", () => {
  for (const [name, make] of Object.entries(MODELS)) {
    const ref = fixtures.models[name];
    it(`${name}: state-dict keys, shapes and dtypes`, () => {
      const sd = make().stateDict();
      assert.deepEqual(
        Object.entries(sd).map(([k, v]) => [k, [...v.shape], v.dtype]),
        ref.stateDict,
      );
    });
    it(`${name}: namedParameters and numParameters`, () => {
      const m = make();
      assert.deepEqual(
        m.namedParameters().map(([k, p]) => [k, [...p.shape]]),
        ref.namedParameters,
      );
      assert.equal(m.numParameters(), ref.numParameters);
    });
    it(`${name}: toString() is torch's repr`, () => assert.equal(make().toString(), ref.repr));
  }
});

describe("state dict round trip", () => {
  it("save → new model → load gives identical outputs, buffers included", () => {
    tg.manualSeed(1);
    const a = new Net();
    a.forward(tg.randn([6, 4])); // moves BatchNorm's running statistics
    a.eval();
    tg.manualSeed(2);
    const b = new Net().eval();
    const x = tg.randn([5, 4]);
    assert.notDeepEqual(b.forward(x).toArray(), a.forward(x).toArray());
    const weightBefore = b.fc1.weight;
    const result = b.loadStateDict(a.stateDict());
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    assert.deepEqual(b.forward(x).toArray(), a.forward(x).toArray());
    assert.equal(b.fc1.weight, weightBefore, "parameters are updated in place, so optimizers keep their references");
    assert.equal(b.bn.numBatchesTracked!.item(), 1);
    // A copy, not an alias: changing a afterwards leaves b alone.
    hostData(a.fc1.weight.storage).fill(0);
    assert.notEqual(b.fc1.weight.toFloat32Array()[0], 0);
  });

  it("stateDict shares storage with the model, as torch's does", () => {
    const m = new nn.Linear(2, 2);
    const sd = m.stateDict();
    hostData(m.weight.storage)[m.weight.offset] = 42;
    assert.equal(sd.weight.toFloat32Array()[0], 42);
    assert.equal(sd.weight.requiresGrad, false);
  });

  it("strict load lists every missing key, unexpected key and shape mismatch in one ValueError", () => {
    const m = new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3), new nn.Linear(3, 2));
    const sd = new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3), new nn.Linear(3, 5)).stateDict();
    delete sd["0.bias"];
    delete sd["1.running_var"];
    sd["extra.weight"] = tg.zeros([1]);
    const before = m.stateDict()["2.weight"].toArray();
    assert.throws(
      () => m.loadStateDict(sd),
      (e: Error) => {
        assert.ok(e instanceof ValueError);
        assert.equal(
          e.message,
          "loadStateDict: error(s) loading the state dict into Sequential:\n" +
            '  missing keys: "0.bias", "1.running_var"\n' +
            '  unexpected keys: "extra.weight"\n' +
            '  shape mismatch for "2.weight": the state dict has [5, 3], the model [2, 3]\n' +
            '  shape mismatch for "2.bias": the state dict has [5], the model [2]',
        );
        return true;
      },
    );
    assert.deepEqual(m.stateDict()["2.weight"].toArray(), before, "a failed load leaves the model untouched");
  });

  it("non-strict load skips missing/unexpected keys and reports them, but shape mismatches still throw", () => {
    const m = new nn.Sequential(new nn.Linear(4, 3), new nn.Linear(3, 2));
    const src = new nn.Sequential(new nn.Linear(4, 3)).stateDict();
    const extra = { ...src, "9.weight": tg.zeros([2]) };
    assert.deepEqual(m.loadStateDict(extra, { strict: false }), { missingKeys: ["1.weight", "1.bias"], unexpectedKeys: ["9.weight"] });
    assert.deepEqual(m.stateDict()["0.weight"].toArray(), src["0.weight"].toArray());
    assert.throws(
      () => m.loadStateDict({ "0.weight": tg.zeros([3, 5]) }, { strict: false }),
      (e: Error) =>
        e instanceof ShapeError && e.message.endsWith('shape mismatch for "0.weight": the state dict has [3, 5], the model [3, 4]'),
    );
  });

  it("loads int32 counters and converts dtypes on copy", () => {
    const bn = new nn.BatchNorm1d(2);
    bn.loadStateDict({
      ...bn.stateDict(),
      num_batches_tracked: tg.tensor(7, { dtype: "int32" }),
      running_mean: tg.tensor([1, 2], { dtype: "float64" }),
    });
    assert.equal(bn.numBatchesTracked!.item(), 7);
    assert.equal(bn.runningMean!.dtype, "float32");
    assert.deepEqual(bn.runningMean!.toArray(), [1, 2]);
  });
});

describe("training behaviour", () => {
  it("train(mode) takes a boolean only, as torch (train({ mode: false }) would be truthy)", () => {
    const m = new nn.Sequential(new nn.Linear(2, 2), new nn.Dropout(0.5));
    assert.throws(() => m.train({ mode: false } as never), {
      name: "ValueError",
      message: /^train: mode must be true or false, got object/,
    });
    assert.throws(() => m.train(0 as never), { name: "ValueError" });
    assert.equal(m.train(false).training, false);
    assert.equal(m.train().training, true);
  });
  it("gradients reach every trainable parameter", () => {
    tg.manualSeed(3);
    const m = new Net();
    m.forward(tg.randn([6, 4]))
      .mul(tg.randn([6, 2]))
      .sum()
      .backward();
    for (const [name, p] of m.namedParameters()) {
      assert.ok(p.grad, `${name} has a gradient`);
      assert.ok(p.grad.abs().sum().item() > 0, `${name}'s gradient is not all zero`);
    }
  });

  it("train()/eval() reach every submodule; Dropout is the identity and BatchNorm frozen in eval", () => {
    tg.manualSeed(4);
    const m = new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.5), new nn.BatchNorm1d(4));
    assert.ok(m.modules().every((s) => s.training));
    m.eval();
    assert.ok(m.modules().every((s) => !s.training));
    const x = tg.randn([8, 4]);
    const bn = m[2] as nn.BatchNorm1d;
    const stats = JSON.stringify(bn.stateDict());
    const y1 = m.forward(x).toArray();
    assert.deepEqual(m.forward(x).toArray(), y1, "eval mode is deterministic");
    assert.equal(JSON.stringify(bn.stateDict()), stats, "eval mode leaves running statistics alone");
    m.train();
    assert.notDeepEqual(m.forward(x).toArray(), y1);
    assert.equal(bn.numBatchesTracked!.item(), 1);
    assert.equal(m.train(false), m, "train() returns the module");
  });

  it("Dropout zeroes about p of the elements in train mode and scales the rest by 1/(1-p)", () => {
    tg.manualSeed(5);
    const d = new nn.Dropout(0.25);
    const y = d.forward(tg.ones([4000])).toFloat32Array();
    const zeros = y.filter((v) => v === 0).length;
    assert.ok(Math.abs(zeros / 4000 - 0.25) < 0.03, `zero fraction ${zeros / 4000}`);
    assert.ok(y.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6));
    const x = tg.ones([3]);
    assert.equal(d.eval().forward(x), x);
  });

  it("freeze: frozen parameters get no gradient and lose any old one; unfreeze restores", () => {
    tg.manualSeed(6);
    const m = new Net();
    const x = tg.randn([4, 4]);
    m.forward(x).sum().backward();
    m.fc1.freeze();
    assert.ok(m.fc1.parameters().every((p) => !p.requiresGrad && p.grad === null));
    m.zeroGrad();
    m.forward(x).sum().backward();
    assert.ok(m.fc1.parameters().every((p) => p.grad === null));
    assert.ok(m.fc2.parameters().every((p) => p.grad !== null));
    assert.equal(m.numParameters({ trainableOnly: true }), m.numParameters() - (4 * 8 + 8));
    m.unfreeze();
    assert.ok(m.parameters().every((p) => p.requiresGrad));
    assert.equal(m.numParameters({ trainableOnly: true }), m.numParameters());
  });

  it("zeroGrad clears gradients to null", () => {
    const m = new nn.Linear(2, 1);
    m.forward(tg.ones([1, 2]))
      .sum()
      .backward();
    assert.ok(m.weight.grad);
    m.zeroGrad();
    assert.equal(m.weight.grad, null);
    assert.equal(m.bias!.grad, null);
  });
});

describe("traversal and registration", () => {
  it("children, modules, buffers and apply walk the tree in registration order", () => {
    const m = new Net();
    assert.deepEqual(
      m.namedChildren().map(([k]) => k),
      ["fc1", "bn", "fc2", "head"],
    );
    assert.deepEqual(m.children(), [m.fc1, m.bn, m.fc2, m.head]);
    assert.deepEqual(
      m.namedModules().map(([k]) => k),
      ["", "fc1", "bn", "fc2", "head", "head.0", "head.1"],
    );
    assert.deepEqual(
      m.namedBuffers().map(([k, b]) => [k, [...b.shape]]),
      [
        ["bn.running_mean", [8]],
        ["bn.running_var", [8]],
        ["bn.num_batches_tracked", []],
      ],
    );
    assert.equal(m.buffers().length, 3);
    const seen: string[] = [];
    m.apply((s) => seen.push(s.constructor.name));
    assert.deepEqual(seen, ["Linear", "BatchNorm1d", "Linear", "Linear", "Tanh", "Sequential", "Net"]);
  });

  it("a shared (tied) parameter is one parameter but two state-dict entries, as torch", () => {
    class Tied extends nn.Module {
      a = this.registerModule("a", new nn.Linear(3, 3, { bias: false }));
      b = this.registerModule("b", new nn.Linear(3, 3, { bias: false }));
      constructor() {
        super();
        this.b.registerParameter("weight", this.a.weight);
      }
      forward(x: Tensor): Tensor {
        return this.b.forward(this.a.forward(x));
      }
    }
    const m = new Tied();
    assert.deepEqual(
      m.namedParameters().map(([k]) => k),
      ["a.weight"],
    );
    assert.equal(m.numParameters(), 9);
    assert.deepEqual(Object.keys(m.stateDict()), ["a.weight", "b.weight"]);
  });

  it("rejects names with dots or registered as another kind", () => {
    class Bad extends nn.Module {
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Bad();
    assert.throws(() => m.registerParameter("a.b", tg.zeros([1])), {
      name: "ValueError",
      message: 'Bad: invalid name "a.b" (expected a non-empty string without ".")',
    });
    m.registerBuffer("stat", tg.zeros([1]));
    assert.throws(() => m.registerParameter("stat", tg.zeros([1])), {
      name: "ValueError",
      message: 'Bad: "stat" is already registered as a buffer',
    });
    const nonPersistent = m.registerBuffer("cache", tg.zeros([2]), { persistent: false });
    assert.deepEqual(Object.keys(m.stateDict()), ["stat"]);
    assert.ok(m.buffers().includes(nonPersistent));
  });

  it("Parameter wraps a tensor's storage as a trainable leaf", () => {
    const t = tg.tensor([
      [1, 2],
      [3, 4],
    ]);
    const p = new nn.Parameter(t);
    assert.equal(p.storage, t.storage);
    assert.ok(p.requiresGrad && p.isLeaf && p instanceof tg.Tensor);
    assert.equal(new nn.Parameter(t, false).requiresGrad, false);
    const fromView = new nn.Parameter(t.T);
    assert.notEqual(fromView.storage, t.storage, "a non-contiguous view is copied");
    assert.deepEqual(fromView.toArray(), [
      [1, 3],
      [2, 4],
    ]);
    assert.ok(p.toString().startsWith("Parameter containing:\n"));
  });

  it("Sequential: indexing, at(), length, add() and iteration", () => {
    const a = new nn.Linear(2, 3),
      r = new nn.ReLU(),
      b = new nn.Linear(3, 1);
    const s = new nn.Sequential(a, r);
    assert.equal(s.add(b), s);
    assert.equal(s.length, 3);
    assert.equal(s[0], a);
    assert.equal(s[2], b);
    assert.equal(s.at(-1), b);
    assert.deepEqual([...s], [a, r, b]);
    assert.deepEqual(Object.keys(s.stateDict()), ["0.weight", "0.bias", "2.weight", "2.bias"]);
    assert.throws(() => s.at(3), { name: "ValueError", message: "Sequential.at: index 3 is out of range for 3 modules" });
    assert.throws(() => s.add({} as nn.Module), { name: "ValueError", message: "Sequential.add: expected an nn.Module, got Object" });
    assert.deepEqual(s.forward(tg.ones([4, 2])).shape, [4, 1]);
  });
});
