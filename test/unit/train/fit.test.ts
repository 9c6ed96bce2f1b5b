// train.fit / evaluate / predict: History shapes and values, names of losses and optimizers, the NaN
// error, train/eval modes, batching, yielding to the event loop, and bit-identical resume.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "tensorgrad";
import { data, io, nn, optim, train, ValueError, type Tensor } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

const F = nn.functional;

function spiralNet(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3));
}

test("fit returns one History entry per epoch for loss, metrics, their val twins and lr", async () => {
  tg.manualSeed(1);
  const set = data.synthetic.spirals({ n: 120, classes: 3, seed: 1 });
  const model = spiralNet();
  const h = await train.fit(model, set, {
    loss: { name: "sparse_categorical_crossentropy", fromLogits: true },
    optimizer: "adam",
    epochs: 3,
    batchSize: 16,
    validationSplit: 0.25,
    metrics: ["accuracy", "f1"],
    verbose: 0,
    seed: 0,
  });
  assert.ok(h instanceof train.History);
  assert.deepEqual(h.epoch, [0, 1, 2]);
  assert.deepEqual(h.keys(), ["loss", "accuracy", "f1", "valLoss", "valAccuracy", "valF1", "lr"]);
  for (const k of h.keys()) assert.equal(h.get(k)!.length, 3, k);
  assert.deepEqual(h.lr, [1e-3, 1e-3, 1e-3]);
  // 90 training and 30 validation samples: accuracies are whole counts over those.
  for (const a of h.accuracy) assert.ok(Number.isInteger(Math.round(a * 90 * 1e6) / 1e6), `accuracy ${a} is not k/90`);
  for (const a of h.valAccuracy) assert.ok(Math.abs(a * 30 - Math.round(a * 30)) < 1e-9, `valAccuracy ${a} is not k/30`);
  assert.ok(h.loss[2] < h.loss[0], "training loss goes down");
  assert.equal(h.stopReason, null);
  const json = h.toJSON();
  assert.deepEqual(Object.keys(json), ["epoch", "loss", "accuracy", "f1", "valLoss", "valAccuracy", "valF1", "lr", "stopReason"]);
  assert.deepEqual(json.valLoss, h.valLoss);
  assert.deepEqual(train.History.fromJSON(JSON.parse(JSON.stringify(json))).toJSON(), json);
});

test("a seeded fit repeats exactly, and validationData equals the matching validationSplit", async () => {
  const set = data.synthetic.spirals({ n: 80, classes: 2, seed: 3 });
  const run = async (opts: Partial<train.FitOptions>) => {
    tg.manualSeed(5);
    const model = spiralNet();
    const h = await train.fit(model, opts.validationData ? { x: set.x.slice(0, 0, 60), y: set.y.slice(0, 0, 60) } : set, {
      loss: { name: "sparse_categorical_crossentropy", fromLogits: true },
      epochs: 2,
      batchSize: 8,
      verbose: 0,
      seed: 9,
      metrics: ["accuracy"],
      ...opts,
    });
    return { h: h.toJSON(), w: model.parameters().map((p) => Array.from(p.toFloat32Array())) };
  };
  const a = await run({ validationSplit: 0.25 });
  assert.deepEqual(await run({ validationSplit: 0.25 }), a);
  const b = await run({ validationData: { x: set.x.slice(0, 60, 80), y: set.y.slice(0, 60, 80) } });
  assert.deepEqual(b, a);
});

test("fit trains from a DataLoader and learns a line with SGD by name", async () => {
  tg.manualSeed(0);
  const x = tg.randn([64, 1]);
  const y = x.mul(2).add(1);
  const model = new nn.Linear(1, 1);
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 16, shuffle: true, seed: 1 });
  const h = await train.fit(model, loader, { loss: "mse", optimizer: "sgd", lr: 0.1, epochs: 25, verbose: 0 });
  assert.equal(h.loss.length, 25);
  assert.ok(h.loss[24] < 1e-4, `final loss ${h.loss[24]}`);
  assertClose(model.weight.toFloat32Array(), [2], { atol: 1e-2 });
  assertClose(model.bias!.toFloat32Array(), [1], { atol: 1e-2 });
});

test("losses and optimizers by Keras name", () => {
  const model = spiralNet();
  const expected: [string, string, number][] = [
    ["sgd", "SGD", 0.01],
    ["adam", "Adam", 1e-3],
    ["adamw", "AdamW", 1e-3],
    ["rmsprop", "RMSprop", 1e-2],
    ["adagrad", "Adagrad", 1e-2],
  ];
  for (const [name, cls, lr] of expected) {
    const opt = train.resolveOptimizer(name, model);
    assert.equal(opt.constructor.name, cls);
    assert.equal(opt.lr, lr);
  }
  assert.equal(train.resolveOptimizer("ADAM", model, 0.5).lr, 0.5);
  assert.throws(
    () => train.resolveOptimizer("lbfgs", model),
    (e: Error) =>
      e instanceof ValueError &&
      e.message === 'fit: unknown optimizer "lbfgs" (expected one of sgd, adam, adamw, rmsprop, adagrad or an optim.Optimizer)',
  );

  tg.manualSeed(2);
  const pred = tg.randn([5, 1]),
    t = tg.randn([5]);
  const close = (name: string, got: Tensor, want: Tensor) => assertClose([got.item()], [want.item()], { rtol: 1e-6, what: name });
  close("mse", train.resolveLoss("mse").fn(pred, t), F.mseLoss(pred, t.reshape([5, 1])));
  close("mae", train.resolveLoss("mean_absolute_error").fn(pred, t), F.l1Loss(pred, t.reshape([5, 1])));
  close("huber", train.resolveLoss("huber").fn(pred, t), F.huberLoss(pred, t.reshape([5, 1])));
  const p01 = pred.sigmoid(),
    y01 = tg.tensor([1, 0, 0, 1, 1]);
  close("bce", train.resolveLoss("binary_crossentropy").fn(p01, y01), F.binaryCrossEntropy(p01, y01.reshape([5, 1])));
  const logits = tg.randn([4, 3]),
    labels = tg.tensor([2, 0, 1, 1], { dtype: "int32" });
  const oneHot = F.oneHot(labels, 3).float();
  close(
    "sparse",
    train.resolveLoss({ name: "sparse_categorical_crossentropy", fromLogits: true }).fn(logits, labels),
    F.crossEntropy(logits, labels),
  );
  close(
    "categorical",
    train.resolveLoss({ name: "categorical_crossentropy", fromLogits: true }).fn(logits, oneHot),
    F.crossEntropy(logits, labels),
  );
  assert.throws(
    () => train.resolveLoss("hinge" as never),
    (e: Error) =>
      e instanceof ValueError && e.message.startsWith('fit: unknown loss "hinge" (expected one of mse, mae, huber, binary_crossentropy,'),
  );
  assert.throws(
    () => train.resolveLoss({ name: "categorical_crossentropy", fromLogits: true }).fn(logits, labels),
    /expects one-hot \(or probability\) targets of the predictions' shape \[4, 3\], got int32 \[4\]; use "sparse_categorical_crossentropy"/,
  );
});

test("fit and evaluate refuse a misspelt option instead of training or evaluating with the default", async () => {
  const model = new nn.Linear(2, 1);
  const xy = { x: tg.ones([4, 2]), y: tg.ones([4, 1]) };
  await assert.rejects(train.fit(model, xy, { loss: "mse", epoch: 3, verbose: 0 } as never), {
    name: "ValueError",
    message:
      'fit: unknown option "epoch" (known options: loss, optimizer, lr, epochs, batchSize, validationData, validationSplit, metrics, callbacks, verbose, seed, shuffle, initialEpoch, history)',
  });
  await assert.rejects(train.evaluate(model, xy, { loss: "mse", metric: ["mae"] } as never), {
    name: "ValueError",
    message: 'evaluate: unknown option "metric" (known options: loss, metrics, batchSize)',
  }); // Keras's fit(x, y, …): the targets where the options go.
  await assert.rejects(train.fit(model, xy.x as never, xy.y as never), {
    name: "ValueError",
    message: "fit: the data go together, fit(model, { x, y }, options); the third argument is the options, got a Tensor",
  });
  await assert.rejects(train.evaluate(model, xy.x as never, xy.y as never), {
    name: "ValueError",
    message: "evaluate: the data go together, evaluate(model, { x, y }, options); the third argument is the options, got a Tensor",
  });
});

function nanAt(callNumber: number): train.LossFn {
  let calls = 0;
  return (p, t) => {
    const l = F.mseLoss(p, t);
    return ++calls === callNumber ? l.mul(NaN) : l;
  };
}

test("a NaN loss stops fit with a ValueError naming epoch and batch (1-based)", async () => {
  tg.manualSeed(0);
  const x = tg.randn([32, 2]),
    y = tg.randn([32, 1]);
  // 4 batches an epoch: call 7 is epoch 2, batch 3.
  await assert.rejects(
    train.fit(new nn.Linear(2, 1), { x, y }, { loss: nanAt(7), epochs: 3, batchSize: 8, verbose: 0 }),
    (e: Error) =>
      e instanceof ValueError &&
      e.message ===
        "fit: loss is NaN at epoch 2, batch 3 (of 4) (the learning rate may be too high, the inputs may hold NaN or Inf, " +
          "or the loss may take the log of 0; add train.TerminateOnNaN() to stop cleanly instead)",
  );
});

test("TerminateOnNaN stops cleanly: finite weights, the cut-short epoch in History, the reason recorded", async () => {
  tg.manualSeed(0);
  const x = tg.randn([32, 2]),
    y = tg.randn([32, 1]);
  const model = new nn.Linear(2, 1);
  const seen: number[] = [];
  const h = await train.fit(
    model,
    { x, y },
    {
      loss: nanAt(7),
      epochs: 3,
      batchSize: 8,
      verbose: 0,
      callbacks: [new train.TerminateOnNaN(), { onEpochEnd: (e) => void seen.push(e) }],
    },
  );
  assert.deepEqual(h.epoch, [0, 1]);
  assert.ok(Number.isFinite(h.loss[0]));
  assert.ok(Number.isNaN(h.loss[1]));
  assert.equal(h.stopReason, "TerminateOnNaN: loss is NaN at epoch 2, batch 3");
  assert.deepEqual(seen, [0], "the cut-short epoch does not reach onEpochEnd");
  for (const p of model.parameters()) assert.ok(p.toFloat32Array().every(Number.isFinite));
});

/** Records the mode of every forward call. */
class ModeSpy extends nn.Module {
  modes: boolean[] = [];
  fc = this.registerModule("fc", new nn.Linear(2, 1));
  forward(x: Tensor): Tensor {
    this.modes.push(this.training);
    return this.fc.forward(x);
  }
}

test("fit trains in train mode, validates in eval mode, and restores the mode it found", async () => {
  tg.manualSeed(0);
  const model = new ModeSpy();
  model.eval();
  await train.fit(
    model,
    { x: tg.randn([12, 2]), y: tg.randn([12, 1]) },
    { loss: "mse", epochs: 1, batchSize: 4, validationSplit: 0.25, verbose: 0 },
  );
  // 9 training samples → 3 batches in train mode, then 3 validation samples in one eval batch.
  assert.deepEqual(model.modes, [true, true, true, false]);
  assert.equal(model.training, false);
  assert.equal(model.fc.training, false);
});

test("evaluate weights batches by size; predict batches under noGrad in eval mode and restores the mode", async () => {
  tg.manualSeed(4);
  const model = new nn.Sequential(new nn.Linear(3, 8), new nn.ReLU(), new nn.Dropout(0.5), new nn.Linear(8, 4));
  const x = tg.randn([23, 3]);
  const y = tg.randint(0, 4, [23]);
  const r = await train.evaluate(
    model,
    { x, y },
    { loss: { name: "sparse_categorical_crossentropy", fromLogits: true }, metrics: ["accuracy"], batchSize: 5 },
  );
  const full = tg.noGrad(() => {
    model.eval();
    const out = model.forward(x);
    model.train();
    return out;
  });
  assertClose([r.loss], [F.crossEntropy(full, y).item()], { rtol: 1e-5 });
  assert.equal(r.accuracy, train.metrics.accuracy(full, y));
  assert.deepEqual(Object.keys(r), ["loss", "accuracy"]);

  const out = train.predict(model, x, { batchSize: 4 });
  assert.deepEqual([...out.shape], [23, 4]);
  assert.equal(out.requiresGrad, false);
  assertClose(out.toFloat32Array(), full.toFloat32Array(), { rtol: 1e-6, atol: 1e-7 });
  assert.equal(model.training, true);
  assert.equal(model[2].training, true);
});

test("fit hands control to the event loop while it trains", async () => {
  tg.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 1));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 2);
  const started = performance.now();
  try {
    await train.fit(model, { x: tg.randn([2048, 64]), y: tg.randn([2048, 1]) }, { loss: "mse", epochs: 2, batchSize: 32, verbose: 0 });
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - started;
  assert.ok(ms < 100 || ticks >= 1, `no timer fired during ${ms.toFixed(0)} ms of training`);
});

test("options are checked with messages that name them", async () => {
  const model = new nn.Linear(2, 1);
  const xy = { x: tg.randn([8, 2]), y: tg.randn([8, 1]) };
  const loader = new data.DataLoader(new data.TensorDataset(xy.x, xy.y), { batchSize: 4 });
  const cases: [Promise<unknown>, string][] = [
    [
      train.fit(model, loader, { loss: "mse", validationSplit: 0.2, verbose: 0 }),
      "fit: validationSplit needs trainData as { x, y } tensors, not a DataLoader; pass validationData instead",
    ],
    [
      train.fit(model, xy, { loss: "mse", validationSplit: 0.2, validationData: xy, verbose: 0 }),
      "fit: give validationData or validationSplit, not both",
    ],
    [train.fit(model, xy, { loss: "mse", batchSize: 0, verbose: 0 }), "fit: batchSize must be a positive integer, got 0"],
    [
      train.fit(model, xy, { loss: "mse", validationSplit: 0.05, verbose: 0 }),
      "fit: validationSplit 0.05 of 8 samples leaves 0 for validation and 8 for training; both need at least one",
    ],
    [
      train.fit(model, { x: xy.x, y: tg.randn([7, 1]) }, { loss: "mse", verbose: 0 }),
      "fit: trainData.x [8, 2] and trainData.y [7, 1] hold different numbers of samples (8 vs 7)",
    ],
    [
      train.fit(model, xy, { loss: (p) => p, verbose: 0 }),
      'fit: the loss must reduce to one number, got shape [4, 1] (use reduction "mean" or "sum")'.replace("[4, 1]", "[8, 1]"),
    ],
  ];
  for (const [promise, message] of cases)
    await assert.rejects(promise, (e: Error) => e.message === message || assert.fail(`got: ${e.message}`));
});

test("resuming from a checkpoint ends bit-identical to an uninterrupted run (shuffling and dropout)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tg-resume-"));
  try {
    const set = data.synthetic.spirals({ n: 96, classes: 3, seed: 7 });
    const build = () => new nn.Sequential(new nn.Linear(2, 24), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(24, 3));
    const opts = {
      loss: { name: "sparse_categorical_crossentropy", fromLogits: true },
      epochs: 4,
      batchSize: 16,
      validationSplit: 0.25,
      metrics: ["accuracy"],
      verbose: 0,
    } as const;

    tg.manualSeed(11);
    const a = build();
    const optA = new optim.Adam(a.parameters(), { lr: 0.01 });
    const ckpt = join(dir, "ckpt-{epoch}.safetensors");
    const full = await train.fit(a, set, { ...opts, optimizer: optA, seed: 3, callbacks: [new train.ModelCheckpoint({ path: ckpt })] });

    // A different process would build the model with other random weights: the checkpoint wins.
    tg.manualSeed(999);
    const b = build();
    const optB = new optim.Adam(b.parameters(), { lr: 0.01 });
    const saved = io.loadCheckpoint(join(dir, "ckpt-2.safetensors"), { model: b, optimizer: optB });
    assert.equal(saved.epoch, 1);
    const rest = await train.fit(b, set, {
      ...opts,
      optimizer: optB,
      initialEpoch: saved.epoch! + 1,
      history: train.History.fromJSON(saved.history),
    });

    assert.deepEqual(rest.epoch, [0, 1, 2, 3]);
    assert.deepEqual(rest.toJSON(), full.toJSON());
    const wa = a.parameters().map((p) => p.toFloat32Array()),
      wb = b.parameters().map((p) => p.toFloat32Array());
    wa.forEach((w, i) => assert.deepEqual(wb[i], w, `parameter ${i} differs`));
    // Without restoring the generator the run would differ: the test can fail.
    assert.notDeepEqual(Array.from(wa[0]), Array.from(build().parameters()[0].toFloat32Array()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
