// Class-weighted cross-entropy in fit against PyTorch (fixtures/class-weight.json, made by
// fixtures/gen_class_weight.py: full-batch SGD with nn.CrossEntropyLoss(weight, label_smoothing)):
// the loss config's classWeight (logits or probabilities) and loss modules follow torch's epochs.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { nn, optim, train, type Tensor } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

const fx = JSON.parse(readFileSync(new URL("../../fixtures/class-weight.json", import.meta.url), "utf8"));

/** A float64 linear classifier at the fixture's starting weights; `softmax` ends it in a Softmax. */
class Classifier extends nn.Module {
  constructor(readonly softmax = false) {
    super();
    this.registerParameter("weight", tg.tensor(fx.W0, { shape: [3, 4], dtype: "float64" }));
    this.registerParameter("bias", tg.tensor(fx.b0, { dtype: "float64" }));
  }
  forward(x: Tensor): Tensor {
    const p = this.parameters();
    const z = x.matmul(p[0].T).add(p[1]);
    return this.softmax ? z.softmax(1) : z;
  }
}

async function fitWith(model: Classifier, loss: train.FitOptions["loss"]) {
  const x = tg.tensor(fx.X, { shape: [12, 4], dtype: "float64" });
  const y = tg.tensor(fx.y, { dtype: "int32" });
  const h = await train.fit(
    model,
    { x, y },
    {
      loss,
      optimizer: new optim.SGD(model.parameters(), { lr: fx.lr }),
      epochs: 3,
      batchSize: 12,
      shuffle: false,
      verbose: 0,
    },
  );
  return h;
}

function check(
  model: Classifier,
  h: train.FitHistory,
  run: { losses: number[]; weight: number[]; bias: number[] },
  what: string,
  rtol = 1e-10,
) {
  assertClose(h.get("loss")!, run.losses, { rtol, atol: 1e-12, what: `${what} losses` });
  const [w, b] = model.parameters();
  assertClose(Array.from(w.toTypedArray()), run.weight, { rtol, atol: 1e-12, what: `${what} weight` });
  assertClose(Array.from(b.toTypedArray()), run.bias, { rtol, atol: 1e-12, what: `${what} bias` });
}

describe("class weights in fit match torch.nn.CrossEntropyLoss(weight)", () => {
  const [plain, smoothed] = fx.runs;
  it("classWeight on the sparse cross-entropy, from logits", async () => {
    const m = new Classifier();
    check(m, await fitWith(m, { name: "sparse_categorical_crossentropy", fromLogits: true, classWeight: fx.classWeight }), plain, "logits");
  });
  it("classWeight on the sparse cross-entropy, from probabilities (a Softmax at the end)", async () => {
    const m = new Classifier(true);
    // Keras's clipping to [1e-7, 1 - 1e-7] is inactive here; the log of a softmax loses a few digits.
    check(
      m,
      await fitWith(m, { name: "sparse_categorical_crossentropy", classWeight: tg.tensor(fx.classWeight) }),
      plain,
      "probabilities",
      1e-8,
    );
  });
  it("a CrossEntropyLoss module with weight and labelSmoothing", async () => {
    const m = new Classifier();
    const loss = new nn.CrossEntropyLoss({
      weight: tg.tensor(fx.classWeight, { dtype: "float64" }),
      labelSmoothing: smoothed.labelSmoothing,
    });
    check(m, await fitWith(m, loss), smoothed, "module");
  });
  it("classWeight on the categorical cross-entropy: each class's term scaled, the mean over the batch (torch's soft targets)", () => {
    const z = tg.tensor(
      [
        [0.2, -1, 0.5],
        [1.5, 0.3, -0.2],
      ],
      { dtype: "float64" },
    );
    const t = tg.tensor(
      [
        [0, 0, 1],
        [0.25, 0.75, 0],
      ],
      { dtype: "float64" },
    );
    const w = [0.5, 2, 1.25];
    const lp = [z.logSoftmax(1).toArray() as number[][]][0];
    const want = -(w[2] * lp[0][2] + 0.25 * w[0] * lp[1][0] + 0.75 * w[1] * lp[1][1]) / 2;
    const logits = train.resolveLoss({ name: "categorical_crossentropy", fromLogits: true, classWeight: w }).fn(z, t);
    const probs = train.resolveLoss({ name: "categorical_crossentropy", classWeight: w }).fn(z.softmax(1), t);
    assertClose([logits.item(), probs.item()], [want, want], { rtol: 1e-12, what: "categorical classWeight" });
  });

  it("typed errors for classWeight", async () => {
    await assert.rejects(
      fitWith(new Classifier(), { name: "mse", classWeight: [1, 2, 3] }),
      (e: unknown) =>
        e instanceof tg.ValueError &&
        /classWeight applies to "categorical_crossentropy" and "sparse_categorical_crossentropy", not "mse"/.test((e as Error).message),
    );
    await assert.rejects(
      fitWith(new Classifier(), { name: "sparse_categorical_crossentropy", fromLogits: true, classWeight: [[1, 2, 3]] as never }),
      (e: unknown) => e instanceof tg.ShapeError && /classWeight must be a non-empty 1-D array/.test((e as Error).message),
    );
    await assert.rejects(
      fitWith(new Classifier(), { name: "sparse_categorical_crossentropy", fromLogits: true, classWeight: [1, 2] }),
      tg.ShapeError,
    );
  });
});
