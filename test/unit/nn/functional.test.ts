// nn.functional beyond the losses: gradcheck of every op (float64 finite differences), oneHot,
// embedding lookups, dropout, and that the activations are the tensor ops themselves.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, type Tensor } from "tensorgrad";

const F = nn.functional;
const f64 = (shape: number[]) => tg.randn(shape, { dtype: "float64" });

describe("nn.functional ops pass gradcheck (float64)", () => {
  tg.manualSeed(21);
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ["linear", (x, w, b) => F.linear(x, w, b), [f64([2, 3, 4]), f64([5, 4]), f64([5])]],
    ["linear without bias", (x, w) => F.linear(x, w), [f64([3, 4]), f64([2, 4])]],
    [
      "batchNorm (training, 3-D)",
      (x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }),
      [f64([3, 2, 4]), f64([2]), f64([2])],
    ],
    [
      "batchNorm (eval)",
      (x, w, b) => F.batchNorm(x, tg.tensor([0.5, -1]), tg.tensor([2, 0.5]), { weight: w, bias: b }),
      [f64([3, 2]), f64([2]), f64([2])],
    ],
    ["layerNorm", (x, w, b) => F.layerNorm(x, [2, 3], { weight: w, bias: b }), [f64([4, 2, 3]), f64([2, 3]), f64([2, 3])]],
    [
      "embedding",
      (w) =>
        F.embedding(
          tg.tensor(
            [
              [0, 2],
              [2, 3],
            ],
            { dtype: "int32" },
          ),
          w,
        ),
      [f64([4, 3])],
    ],
    [
      "dropout (fixed mask)",
      (x) => {
        tg.manualSeed(3);
        return F.dropout(x, 0.4);
      },
      [f64([5, 4])],
    ],
    ["softmax / logSoftmax", (x) => F.softmax(x, 0).add(F.logSoftmax(x, 1)), [f64([3, 4])]],
    [
      "gelu / softplus / elu / silu",
      (x) =>
        F.gelu(x)
          .add(F.softplus(x, { beta: 2 }))
          .add(F.elu(x, 0.5))
          .add(F.silu(x)),
      [f64([6])],
    ],
  ];
  for (const [name, fn, xs] of cases) it(name, () => assert.equal(tg.gradcheck(fn, xs), true));
});

describe("nn.functional helpers", () => {
  it("activations are the tensor ops", () => {
    assert.equal(F.relu, tg.relu);
    assert.equal(F.logSoftmax, tg.logSoftmax);
    assert.equal(F.leakyRelu, tg.leakyRelu);
  });

  it("oneHot gives int32 [..., numClasses] (torch gives int64)", () => {
    const h = F.oneHot(
      tg.tensor(
        [
          [0, 2],
          [1, 0],
        ],
        { dtype: "int32" },
      ),
      4,
    );
    assert.equal(h.dtype, "int32");
    assert.deepEqual(h.toArray(), [
      [
        [1, 0, 0, 0],
        [0, 0, 1, 0],
      ],
      [
        [0, 1, 0, 0],
        [1, 0, 0, 0],
      ],
    ]);
    assert.deepEqual(
      F.oneHot([2, 0]).toArray(),
      [
        [0, 0, 1],
        [1, 0, 0],
      ],
      "numClasses inferred as max + 1",
    );
    assert.throws(() => F.oneHot([0, 3], 3), {
      name: "ValueError",
      message: "oneHot: class 3 is out of range for 3 classes (expected 0 to 2)",
    });
    assert.throws(() => F.oneHot(tg.tensor([0, 1]), 2), {
      name: "DTypeError",
      message: "oneHot: indices must be an int32 tensor (or a plain number array), got float32; convert with .int()",
    });
    assert.throws(() => F.oneHot([0.5]), { name: "ValueError", message: "oneHot: indices must be integers, got 0.5 at position 0" });
  });

  it("embedding: rows by index, repeated indices accumulate, the padding row gets no gradient", () => {
    const w = tg.tensor(
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
      { requiresGrad: true },
    );
    const out = F.embedding(
      [
        [2, 1],
        [2, 2],
      ],
      w,
      { paddingIdx: 1 },
    );
    assert.deepEqual(out.toArray(), [
      [
        [4, 5],
        [2, 3],
      ],
      [
        [4, 5],
        [4, 5],
      ],
    ]);
    out
      .mul(
        tg.tensor([
          [
            [1, 2],
            [3, 4],
          ],
          [
            [5, 6],
            [7, 8],
          ],
        ]),
      )
      .sum()
      .backward();
    assert.deepEqual(w.grad!.toArray(), [
      [0, 0],
      [0, 0],
      [13, 16],
    ]);
  });

  it("dropout takes p and training positionally or as options", () => {
    const x = tg.ones([10]);
    assert.equal(F.dropout(x, 0.5, false), x);
    assert.equal(F.dropout(x, { p: 0.9, training: false }), x);
    tg.manualSeed(1);
    const a = F.dropout(x, { p: 0.5 }).toArray();
    tg.manualSeed(1);
    assert.deepEqual(F.dropout(x, 0.5).toArray(), a);
  });

  it("dropout zeroes a fraction p and scales the rest by exactly 1/(1-p), in the input's dtype", () => {
    tg.manualSeed(7);
    for (const [p, dtype] of [
      [0.3, "float32"],
      [0.1, "float64"],
      [0.9, "float32"],
    ] as const) {
      const x = tg.ones([200, 500], { dtype }).requiresGrad_(true);
      const y = F.dropout(x, p);
      assert.equal(y.dtype, dtype);
      const scale = dtype === "float32" ? Math.fround(1 / (1 - p)) : 1 / (1 - p);
      const values = Array.from(y.toTypedArray());
      const zeros = values.filter((v) => v === 0).length;
      assert.ok(
        values.every((v) => v === 0 || v === scale),
        `survivors are ${scale}`,
      );
      // 100000 Bernoulli draws: the zero fraction is within 5 standard deviations of p.
      const sd = Math.sqrt((p * (1 - p)) / values.length);
      assert.ok(Math.abs(zeros / values.length - p) < 5 * sd, `p ${p}: ${zeros} zeros`);
      y.sum().backward();
      assert.deepEqual(Array.from(x.grad!.toTypedArray()), values);
    }
  });

  it("batchNorm in training needs more than one value per channel", () => {
    assert.throws(() => F.batchNorm(tg.ones([1, 3]), null, null, { training: true }), {
      name: "ValueError",
      message: "batchNorm: expected more than 1 value per channel when training, got input [1, 3]",
    });
  });
});
