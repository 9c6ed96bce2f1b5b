// Bad input to layers and losses: the error class and the exact message, which names the layer
// or loss, the offending shape or value, and what was expected.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, DTypeError, ShapeError, ValueError } from "tensorgrad";

const F = nn.functional;
const int = (v: number[]) => tg.tensor(v, { dtype: "int32" });

function throwsExactly(fn: () => unknown, cls: new (...a: any[]) => Error, message: string): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e.constructor.name}: ${e.message}`);
    assert.equal(e.message, message);
    return true;
  });
}

describe("layers name themselves and the expected input", () => {
  it("Linear", () => {
    throwsExactly(
      () => new nn.Linear(784, 128).forward(tg.zeros([32, 100])),
      ShapeError,
      "Linear(784 → 128): expected input [..., 784], got [32, 100]",
    );
    throwsExactly(
      () => F.linear(tg.zeros([2, 3]), tg.zeros([4, 5])),
      ShapeError,
      "linear: input [2, 3] does not fit weight [4, 5] (expected input [..., 5])",
    );
  });
  it("BatchNorm1d / BatchNorm2d", () => {
    throwsExactly(
      () => new nn.BatchNorm1d(16).forward(tg.zeros([32, 8])),
      ShapeError,
      "BatchNorm1d(16): expected input [N, 16] or [N, 16, L], got [32, 8]",
    );
    throwsExactly(
      () => new nn.BatchNorm1d(4).forward(tg.zeros([2, 4, 3, 3])),
      ShapeError,
      "BatchNorm1d(4): expected input [N, 4] or [N, 4, L], got [2, 4, 3, 3]",
    );
    throwsExactly(
      () => new nn.BatchNorm2d(16).forward(tg.zeros([8, 16, 4])),
      ShapeError,
      "BatchNorm2d(16): expected input [N, 16, H, W], got [8, 16, 4]",
    );
  });
  it("LayerNorm", () => {
    throwsExactly(
      () => new nn.LayerNorm(10).forward(tg.zeros([3, 5])),
      ShapeError,
      "LayerNorm([10]): expected input [..., 10], got [3, 5]",
    );
  });
  it("Embedding", () => {
    throwsExactly(
      () => new nn.Embedding(10, 3).forward([1, 12]),
      ValueError,
      "Embedding(10, 3): index 12 is out of range (expected 0 to 9)",
    );
    throwsExactly(
      () => new nn.Embedding(10, 3).forward(tg.tensor([1, 2])),
      DTypeError,
      "Embedding(10, 3): indices must be an int32 tensor (or a plain number array), got float32; convert with .int()",
    );
  });
  it("constructor arguments", () => {
    throwsExactly(() => new nn.Dropout(1.5), ValueError, "Dropout: probability p must be between 0 and 1, got 1.5");
    throwsExactly(() => new nn.Linear(2.5, 3), ValueError, "Linear: inFeatures must be a non-negative integer, got 2.5");
    throwsExactly(() => new nn.BatchNorm1d(0), ValueError, "BatchNorm1d: numFeatures must be a positive integer, got 0");
  });
});

describe("losses name themselves and the offending value", () => {
  const logits = tg.zeros([3, 10]);
  it("class index out of range", () => {
    throwsExactly(
      () => F.crossEntropy(logits, [1, 10, 2]),
      ValueError,
      "crossEntropy: target class 10 is out of range for 10 classes (expected 0 to 9)",
    );
    throwsExactly(
      () => F.crossEntropy(logits, int([1, -1, 2])),
      ValueError,
      "crossEntropy: target class -1 is out of range for 10 classes (expected 0 to 9)",
    );
    throwsExactly(
      () => F.nllLoss(logits, [0, 0, 11]),
      ValueError,
      "nllLoss: target class 11 is out of range for 10 classes (expected 0 to 9)",
    );
    assert.doesNotThrow(() => F.crossEntropy(logits, [1, -100, 2]), "the ignore index is allowed");
  });
  it("targets of the wrong shape or dtype", () => {
    throwsExactly(
      () => F.crossEntropy(logits, [1, 2]),
      ShapeError,
      "crossEntropy: target [2] does not fit input [3, 10] (expected class indices of shape [3])",
    );
    throwsExactly(
      () => F.crossEntropy(logits, tg.zeros([3, 5])),
      ShapeError,
      "crossEntropy: target [3, 5] does not fit logits [3, 10] (expected class indices of shape [3] or probabilities of shape [3, 10])",
    );
    throwsExactly(
      () => F.crossEntropy(logits, tg.tensor([1, 2, 3])),
      DTypeError,
      "crossEntropy: class-index target must be an int32 tensor (or number[]), got float32; convert with .int()",
    );
    throwsExactly(
      () => F.crossEntropy(logits, logits, { ignoreIndex: 0 }),
      ValueError,
      "crossEntropy: ignoreIndex is only supported for class-index targets, not probabilities",
    );
    throwsExactly(
      () => F.crossEntropy(logits, [1, 2, 3], { weight: tg.ones([9]) }),
      ShapeError,
      "crossEntropy: weight [9] must have one entry per class (expected [10])",
    );
  });
  it("prediction and target shapes must match", () => {
    throwsExactly(
      () => F.mseLoss(tg.zeros([32, 1]), tg.zeros([32])),
      ShapeError,
      "mseLoss: input [32, 1] and target [32] must have the same shape",
    );
    throwsExactly(
      () => new nn.BCEWithLogitsLoss().forward(tg.zeros([4]), tg.zeros([4, 1])),
      ShapeError,
      "binaryCrossEntropyWithLogits: input [4] and target [4, 1] must have the same shape",
    );
    throwsExactly(
      () => F.klDiv(tg.zeros([2, 3]), tg.zeros([3, 2])),
      ShapeError,
      "klDiv: input [2, 3] and target [3, 2] must have the same shape",
    );
    throwsExactly(
      () => F.l1Loss(tg.zeros([2]), int([1, 2])),
      DTypeError,
      "l1Loss: target must be a floating-point tensor, got int32 (convert with .float())",
    );
  });
  it("probabilities outside [0, 1] for binaryCrossEntropy", () => {
    throwsExactly(
      () => F.binaryCrossEntropy(tg.tensor([0.5, 1.5]), tg.tensor([0, 1])),
      ValueError,
      "binaryCrossEntropy: input value 1.5 at element 1 is outside [0, 1] (expected probabilities; apply sigmoid first or use binaryCrossEntropyWithLogits)",
    );
    throwsExactly(
      () => F.binaryCrossEntropy(tg.tensor([0.5, 0.5]), tg.tensor([0, 2])),
      ValueError,
      "binaryCrossEntropy: target value 2 at element 1 is outside [0, 1] (expected probabilities)",
    );
  });
  it("negative variance for gaussianNllLoss, bad variance shape", () => {
    throwsExactly(
      () => F.gaussianNllLoss(tg.zeros([3]), tg.zeros([3]), tg.tensor([1, -0.5, 2])),
      ValueError,
      "gaussianNllLoss: variance has a negative entry -0.5 (expected every variance >= 0)",
    );
    throwsExactly(
      () => F.gaussianNllLoss(tg.zeros([4, 3]), tg.zeros([4, 3]), tg.ones([3])),
      ShapeError,
      "gaussianNllLoss: variance [3] does not fit input [4, 3] (expected [4, 3], [4] or [4, 1])",
    );
  });
  it("options out of range", () => {
    throwsExactly(
      () => F.mseLoss(tg.zeros([2]), tg.zeros([2]), { reduction: "avg" as never }),
      ValueError,
      'mseLoss: reduction must be "mean", "sum" or "none", got "avg"',
    );
    throwsExactly(
      () => F.crossEntropy(logits, [1, 2, 3], { labelSmoothing: 1.5 }),
      ValueError,
      "crossEntropy: labelSmoothing must be between 0 and 1, got 1.5",
    );
    throwsExactly(() => F.huberLoss(tg.zeros([2]), tg.zeros([2]), { delta: 0 }), ValueError, "huberLoss: delta must be > 0, got 0");
  });
});
