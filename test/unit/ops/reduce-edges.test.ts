// Reductions at PyTorch's edges: an empty dim list and tensors with a zero-size dim (values from
// torch 1.13).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

describe("an empty dim list reduces over every dim, as torch", () => {
  const x = tg.tensor([
    [1, 2, 3],
    [4, 5, 7],
  ]);
  // torch: x.sum([]) = 22, x.mean([]) = 3.6667, x.amax([]) = 7, x.amin([], keepdim=True) = [[1]],
  // x.var([]) = 4.6667, x.std([]) = 2.1602, x.norm(dim=[]) = 10.198.
  const cases: [string, tg.Tensor, number][] = [
    ["sum", x.sum([]), 22],
    ["mean", x.mean([]), 3.666667],
    ["amax", x.amax([]), 7],
    ["var", x.var([]), 4.666667],
    ["std", x.std([]), 2.160247],
    ["norm", x.norm(2, []), 10.19804],
  ];
  for (const [what, r, want] of cases) {
    it(what, () => {
      assert.deepEqual(r.shape, []);
      assertClose([r.item()], [want], { rtol: 1e-5, what });
    });
  }
  it("keepdim keeps every dim as size 1", () => {
    const r = x.amin([], true);
    assert.deepEqual(r.shape, [1, 1]);
    assert.equal(r.item(), 1);
  });
  it("the gradient of mean([]) is 1/n everywhere", () => {
    const w = tg.tensor([1, 2, 3, 4], { requiresGrad: true });
    w.mean([]).backward();
    assert.deepEqual(w.grad!.toArray(), [0.25, 0.25, 0.25, 0.25]);
  });
});

describe("reductions of a tensor with a zero-size dim, as torch", () => {
  const e = tg.zeros([0, 3]);
  it("logsumexp over the empty dim is -inf (log of an empty sum), over the other dim empty", () => {
    // torch: zeros(0, 3).logsumexp(0) = [-inf, -inf, -inf]; .logsumexp(1) has shape [0].
    const r = e.logsumexp(0);
    assert.deepEqual(r.shape, [3]);
    assert.deepEqual(r.toArray(), [-Infinity, -Infinity, -Infinity]);
    assert.deepEqual(e.logsumexp(0, true).shape, [1, 3]);
    assert.deepEqual(e.logsumexp(1).shape, [0]);
  });
  it("argmax/argmin over a non-empty dim give an empty index tensor; over the empty dim they throw", () => {
    // torch: zeros(0, 3).argmax(1) is an empty int64 tensor of shape [0]; argmax(0) and argmax() raise.
    for (const r of [e.argmax(1), e.argmin(1), e.argmax(1, true)]) {
      assert.equal(r.dtype, "int32");
      assert.equal(r.size, 0);
    }
    assert.deepEqual(e.argmax(1, true).shape, [0, 1]);
    assert.throws(() => e.argmax(0), {
      name: "ValueError",
      message: /argmax: cannot take the argmax over an empty dimension of a tensor of shape \[0, 3\]/,
    });
    assert.throws(() => e.argmin(), { name: "ValueError" });
  });
});

describe("argmax/argmin without a dim but with keepdim, as torch", () => {
  it("keep every dim as size 1 around the flat index", () => {
    // torch 1.13: tensor([[1, 5, 3], [4, 2, 6]]).argmax(keepdim=True) = [[5]], argmin = [[0]].
    const x = tg.tensor([
      [1, 5, 3],
      [4, 2, 6],
    ]);
    const a = x.argmax(undefined, true);
    assert.deepEqual(a.shape, [1, 1]);
    assert.deepEqual(a.toArray(), [[5]]);
    assert.deepEqual(x.argmin(undefined, true).toArray(), [[0]]);
    assert.deepEqual(x.argmax().shape, []);
  });
});

describe("logsumexp of integers", () => {
  it("promotes int32 and bool to float32, as torch", () => {
    // torch: tensor([[1, 2], [3, 9]]).logsumexp(1) = [2.3133, 9.0025]; tensor([True, False]).logsumexp(0) = 1.3133.
    const r = tg
      .tensor(
        [
          [1, 2],
          [3, 9],
        ],
        { dtype: "int32" },
      )
      .logsumexp(1);
    assert.equal(r.dtype, "float32");
    assertClose(r.toFloat32Array(), [2.313262, 9.002476], { rtol: 1e-6 });
    assertClose([tg.tensor([1, 0]).gt(0).logsumexp(0).item()], [1.313262], { rtol: 1e-6 });
  });
});

describe("p-norm gradients through zeros, as torch's norm backward", () => {
  const gradOf = (values: number[], p: number, shape = [values.length], dim?: number): number[] => {
    const x = tg.tensor(values, { requiresGrad: true });
    x.reshape(shape).norm(p, dim).sum().backward();
    return x.grad!.toArray() as number[];
  };
  it("is 0 at a zero vector and at zero elements for p = 3 and p = 0.5 (not NaN)", () => {
    // torch: tensor([0., 0, 0]).norm(3) grad [0, 0, 0]; tensor([0., 1, 4]).norm(0.5) grad [0, 3, 1.5];
    // tensor([[0., 0], [1, 2]]).norm(3, 1) grad [[0, 0], [0.23112, 0.92448]].
    assert.deepEqual(gradOf([0, 0, 0], 3), [0, 0, 0]);
    assertClose(gradOf([0, 1, 4], 0.5), [0, 3, 1.5], { rtol: 1e-6 });
    assertClose(gradOf([0, 0, 1, 2], 3, [2, 2], 1), [0, 0, 0.2311204, 0.9244817], { rtol: 1e-5 });
  });
  it("keeps NaN and infinite values", () => {
    assert.ok(Number.isNaN(tg.tensor([NaN, 1]).norm(3).item()));
    assert.equal(tg.tensor([Infinity, 1]).norm(3).item(), Infinity);
    assertClose([tg.tensor([1, -2, 3]).norm(3).item()], [3.301927], { rtol: 1e-6 });
  });
});

describe("keepdim must be a boolean", () => {
  it("an options object (truthy) or a number is a ValueError, not a kept dim", () => {
    const x = tg.tensor([
      [1, 2],
      [3, 4],
    ]);
    assert.throws(() => x.mean(1, { keepdim: false } as never), {
      name: "ValueError",
      message: /^mean: keepdim must be true or false, given after dim \(x\.mean\(dim, true\)\), got an object$/,
    });
    assert.throws(() => x.sum(0, 1 as never), {
      name: "ValueError",
      message: /^sum: keepdim must be true or false, given after dim \(x\.sum\(dim, true\)\), got 1$/,
    });
    assert.deepEqual(x.max(1, true).shape, [2, 1]);
  });
});

describe("sort/argsort/topk flags must be booleans", () => {
  it("an options object (truthy) is a ValueError rather than a flipped order", () => {
    const x = tg.tensor([3, 1, 2]);
    assert.throws(() => x.sort(-1, { descending: false } as never), {
      name: "ValueError",
      message: /^sort: descending must be true or false, got object/,
    });
    assert.throws(() => x.topk(2, -1, { largest: false } as never), {
      name: "ValueError",
      message: /^topk: largest must be true or false/,
    });
    assert.throws(() => x.argsort(0, 1 as never), { name: "ValueError", message: /^argsort: descending must be true or false/ });
    assert.deepEqual(x.sort(0, true)[0].toArray(), [3, 2, 1]);
  });
});

describe("errors name the function called", () => {
  it("amax and amin over an empty dimension say amax and amin, not max and min", () => {
    const e = tg.zeros([0, 3]);
    assert.throws(() => e.amax(0), {
      name: "ValueError",
      message: "amax: cannot reduce over an empty dimension of a tensor of shape [0, 3]",
    });
    assert.throws(() => tg.amin(e, [0, 1]), {
      name: "ValueError",
      message: "amin: cannot reduce over an empty dimension of a tensor of shape [0, 3]",
    });
    assert.deepEqual(e.amax(1).shape, [0]);
  });

  it("a tensor where the options go (torch's positional weight) is a ValueError saying to name it", () => {
    const logits = tg.zeros([2, 3]),
      t = tg.tensor([0, 2], { dtype: "int32" });
    assert.throws(() => tg.nn.functional.crossEntropy(logits, t, tg.ones([3]) as never), {
      name: "ValueError",
      message: "crossEntropy: options must be an object of named options, got a Tensor (give it by name, e.g. { weight: t })",
    });
    assert.equal(tg.nn.functional.crossEntropy(logits, t, { weight: tg.ones([3]) }).item(), Math.fround(Math.log(3)));
  });
});
