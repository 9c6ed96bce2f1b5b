// Checkpoints: a run resumed from a checkpoint (model, Adam, ReduceLROnPlateau, random generator)
// continues bit-identically; the file is plain safetensors with the documented names; errors.

import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "tensorgrad";
import { io, nn, optim, Tensor } from "tensorgrad";

const root = mkdtempSync(join(tmpdir(), "tg-ckpt-"));
after(() => rmSync(root, { recursive: true, force: true }));

class Tiny extends nn.Module {
  weight = this.registerParameter("weight", tg.randn([3, 4]));
  bias = this.registerParameter("bias", tg.randn([3]));
  seen = this.registerBuffer("num_batches_tracked", tg.zeros([1]));
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight.T).add(this.bias);
  }
}

function setup() {
  const model = new Tiny();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.1 });
  const scheduler = new optim.lrScheduler.ReduceLROnPlateau(optimizer, { patience: 0, factor: 0.5 });
  return { model, optimizer, scheduler };
}

/** One step on fresh random inputs: the generator's state matters for what comes next. */
function step({ model, optimizer, scheduler }: ReturnType<typeof setup>): number {
  const x = tg.randn([5, 4]);
  const loss = model.forward(x).tanh().sum();
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  scheduler.step(loss.item());
  return loss.item();
}

const snapshot = (m: nn.Module) => Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.toTypedArray())]);

describe("saveCheckpoint / loadCheckpoint", () => {
  it("resumes a run exactly: weights, optimizer, scheduler and random generator", () => {
    tg.manualSeed(0);
    const a = setup();
    for (let i = 0; i < 3; i++) step(a);
    const path = join(root, "run.ckpt.safetensors");
    const history = { loss: [1.5, Number.NaN, Number.POSITIVE_INFINITY], lr: [0.1] };
    io.saveCheckpoint(path, {
      model: a.model,
      optimizer: a.optimizer,
      scheduler: a.scheduler,
      epoch: 3,
      history,
      extra: { note: "resume me" },
    });
    const lossesA = [step(a), step(a), step(a)];

    tg.manualSeed(123); // a different stream and a differently initialised model, all overwritten by the load
    const b = setup();
    const loaded = io.loadCheckpoint(path, b);
    assert.deepEqual(loaded, { epoch: 3, history, extra: { note: "resume me" } });
    const lossesB = [step(b), step(b), step(b)];
    assert.deepEqual(lossesB, lossesA);
    assert.deepEqual(snapshot(b.model), snapshot(a.model));
    assert.deepEqual(b.optimizer.stateDict().paramGroups, a.optimizer.stateDict().paramGroups);
    assert.deepEqual(b.scheduler.stateDict(), a.scheduler.stateDict());
  });

  it("is a plain safetensors file with model.<key> and optimizer.<index>.<name> tensors", () => {
    tg.manualSeed(1);
    const s = setup();
    step(s);
    const path = join(root, "names.safetensors");
    io.saveCheckpoint(path, { model: s.model, optimizer: s.optimizer });
    const { tensors, metadata } = io.loadSafetensors(path);
    assert.deepEqual(Object.keys(tensors).sort(), [
      "model.bias",
      "model.num_batches_tracked",
      "model.weight",
      "optimizer.0.exp_avg",
      "optimizer.0.exp_avg_sq",
      "optimizer.1.exp_avg",
      "optimizer.1.exp_avg_sq",
    ]);
    assert.deepEqual(Array.from(tensors["model.weight"].toTypedArray()), Array.from(s.model.weight.toTypedArray()));
    assert.deepEqual(Object.keys(metadata).sort(), ["format", "optimizer", "rng", "version"]);
    const opt = JSON.parse(metadata.optimizer);
    assert.deepEqual(opt.values, { 0: { step: 1 }, 1: { step: 1 } });
    assert.equal(opt.paramGroups[0].lr, 0.1);
  });

  it("rejects a file that is not a checkpoint, and state that is not in it", () => {
    const plain = join(root, "weights.safetensors");
    io.saveSafetensors(plain, { w: tg.zeros([2]) });
    const s = setup();
    assert.throws(() => io.loadCheckpoint(plain, { model: s.model }), {
      name: "FormatError",
      message: `loadCheckpoint: ${plain}: not a tensorgrad checkpoint (its metadata has no "format": "tensorgrad.checkpoint"); use io.loadSafetensors for plain weight files`,
    });
    const modelOnly = join(root, "model-only.safetensors");
    io.saveCheckpoint(modelOnly, { model: s.model });
    assert.throws(() => io.loadCheckpoint(modelOnly, s), {
      name: "ValueError",
      message: `loadCheckpoint: ${modelOnly}: an optimizer was given but the checkpoint holds no optimizer state`,
    });
    assert.deepEqual(io.loadCheckpoint(modelOnly, { model: s.model }), {});
  });

  it("names a missing or wrong { model } with a ValueError, as saveCheckpoint does", () => {
    const path = join(root, "needs-model.safetensors");
    io.saveCheckpoint(path, { model: new Tiny() });
    const message =
      "loadCheckpoint: expected { model } with a loadStateDict() method as the second argument (the model to load the weights into)";
    for (const options of [undefined, {}, { model: 5 }])
      assert.throws(() => io.loadCheckpoint(path, options as any), { name: "ValueError", message });
  });

  it("refuses a misspelt option rather than leaving that state out of the file or the model", () => {
    const model = new Tiny();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    assert.throws(() => io.saveCheckpoint({ model, optimiser: opt } as never), {
      name: "ValueError",
      message: 'saveCheckpoint: unknown option "optimiser" (known options: model, optimizer, scheduler, epoch, history, extra)',
    });
    const bytes = io.saveCheckpoint({ model, optimizer: opt });
    assert.throws(() => io.loadCheckpoint(bytes, { model, optimiser: opt } as never), {
      name: "ValueError",
      message: 'loadCheckpoint: unknown option "optimiser" (known options: model, optimizer, scheduler, strict)',
    });
  });

  it("leaves the random generator alone when the model does not load", () => {
    const path = join(root, "strict.safetensors");
    io.saveCheckpoint(path, { model: new Tiny() });
    class Other extends nn.Module {
      w = this.registerParameter("w", tg.zeros([1]));
      forward(x: Tensor) {
        return x;
      }
    }
    tg.manualSeed(4);
    const expected = tg.rand([2]).toArray();
    tg.manualSeed(4);
    assert.throws(() => io.loadCheckpoint(path, { model: new Other() }), { name: "ValueError" });
    assert.deepEqual(tg.rand([2]).toArray(), expected);
  });
});

describe("a failed load changes nothing", () => {
  it("leaves the model's weights as they were when the optimizer refuses its state", () => {
    tg.manualSeed(1);
    const { model, optimizer } = setup();
    step({ model, optimizer, scheduler: new optim.lrScheduler.ReduceLROnPlateau(optimizer) });
    const path = join(root, "refused-by-optimizer.safetensors");
    io.saveCheckpoint(path, { model, optimizer });

    tg.manualSeed(2);
    const other = new Tiny();
    const before = other.stateDict();
    const beforeValues = Object.fromEntries(Object.entries(before).map(([k, t]) => [k, t.toArray()]));
    // An optimizer over one of the two parameters: the saved group has two.
    const partial = new optim.Adam([other.weight], { lr: 0.1 });
    assert.throws(
      () => io.loadCheckpoint(path, { model: other, optimizer: partial }),
      /saved param group 0 has 2 parameters, this optimizer's has 1/,
    );
    const after = Object.fromEntries(Object.entries(other.stateDict()).map(([k, t]) => [k, t.toArray()]));
    assert.deepEqual(after, beforeValues);
    assert.notDeepEqual(after.weight, model.weight.toArray());
  });
});
