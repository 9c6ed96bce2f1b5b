// Creation functions, dtypes, reading back, seeding.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { DTypeError } from "tensorgrad";

describe("creation", () => {
  it("tensor() from numbers, nested arrays and typed arrays", () => {
    const s = tg.tensor(3.5);
    assert.deepEqual(s.shape, []);
    assert.equal(s.item(), 3.5);
    const m = tg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(m.shape, [2, 3]);
    assert.equal(m.dtype, "float32");
    assert.equal(m.ndim, 2);
    assert.equal(m.size, 6);
    assert.deepEqual(m.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const i = tg.tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] });
    assert.equal(i.dtype, "int32");
    assert.deepEqual(i.toArray(), [
      [1, 2],
      [3, 4],
    ]);
    const f = tg.tensor([1.7, -2.7], { dtype: "int32" });
    assert.deepEqual(f.toArray(), [1, -2]); // truncation toward zero, as torch's conversion
    assert.deepEqual(Array.from(tg.tensor([[0.5]]).toFloat32Array()), [0.5]);
  });

  it("tensor() rejects ragged arrays and wrong typed-array sizes", () => {
    assert.throws(() => tg.tensor([[1, 2], [3]]), {
      name: "ValueError",
      message: "tensor: nested array is ragged: expected length 2 at [1], got length 1",
    });
    assert.throws(() => tg.tensor(new Float32Array(5), { shape: [2, 3] }), {
      name: "ShapeError",
      message: "tensor: 5 values cannot fill shape [2, 3] (6 elements)",
    });
  });

  it("zeros, ones, full, eye, arange, linspace", () => {
    assert.deepEqual(tg.zeros([2, 2]).toArray(), [
      [0, 0],
      [0, 0],
    ]);
    assert.deepEqual(tg.ones([3], { dtype: "int32" }).toArray(), [1, 1, 1]);
    assert.equal(tg.ones([3], { dtype: "int32" }).dtype, "int32");
    assert.deepEqual(tg.full([2], 7).toArray(), [7, 7]);
    assert.deepEqual(tg.eye(2, 3).toArray(), [
      [1, 0, 0],
      [0, 1, 0],
    ]);
    assert.deepEqual(tg.arange(4).toArray(), [0, 1, 2, 3]);
    assert.deepEqual(tg.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(tg.arange(5, 0, -2).toArray(), [5, 3, 1]);
    assert.deepEqual(tg.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.throws(() => tg.arange(0, 1, 0), { name: "ValueError", message: "arange: step must be a non-zero finite number, got 0" });
    assert.throws(() => tg.zeros([2, -1]), { name: "ValueError", message: "zeros: invalid shape [2, -1]: sizes must be integers >= 0" });
  });

  it("requiresGrad option and property", () => {
    const x = tg.randn([2], { requiresGrad: true });
    assert.equal(x.requiresGrad, true);
    assert.equal(x.isLeaf, true);
    assert.throws(() => tg.tensor([1, 2], { dtype: "int32", requiresGrad: true }), {
      name: "DTypeError",
      message: "requiresGrad: only floating-point tensors can require gradients, got int32",
    });
    assert.throws(() => tg.randint(0, 3, [2], { dtype: "int32" }).requiresGrad_(), DTypeError);
  });

  it("item() needs exactly one element", () => {
    assert.throws(() => tg.zeros([2]).item(), {
      name: "ValueError",
      message: "item: only a one-element tensor can be converted to a number, got shape [2]",
    });
    assert.equal(tg.full([1, 1], 4).item(), 4);
  });

  it("random draws: ranges and moments", () => {
    tg.manualSeed(1);
    const u = tg.rand([20000]).toFloat32Array();
    assert.ok(u.every((v) => v >= 0 && v < 1));
    const mean = u.reduce((a, b) => a + b, 0) / u.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `uniform mean ${mean}`);
    const n = tg.randn([20000]);
    assert.ok(Math.abs(n.mean().item()) < 0.03);
    assert.ok(Math.abs(n.std().item() - 1) < 0.03);
    const r = tg.randint(3, 7, [1000]);
    assert.equal(r.dtype, "int32");
    const vals = new Set(r.toTypedArray());
    assert.deepEqual([...vals].sort(), [3, 4, 5, 6]);
    assert.throws(() => tg.randint(5, 5, [2]), { name: "ValueError", message: "randint: expected integers low < high, got low=5, high=5" });
  });
});

describe("manualSeed", () => {
  const draw = () => [...tg.rand([4]).toFloat32Array(), ...tg.randn([3]).toFloat32Array(), ...tg.randint(0, 100, [3]).toTypedArray()];
  it("same seed gives the same draws", () => {
    tg.manualSeed(42);
    const a = draw();
    tg.manualSeed(42);
    const b = draw();
    assert.deepEqual(a, b);
  });
  it("a different seed gives different draws", () => {
    tg.manualSeed(42);
    const a = draw();
    tg.manualSeed(43);
    const b = draw();
    assert.notDeepEqual(a, b);
  });
  it("dropout masks follow the seed", () => {
    const x = tg.ones([100]);
    tg.manualSeed(7);
    const a = x.dropout(0.5).toFloat32Array();
    tg.manualSeed(7);
    const b = x.dropout(0.5).toFloat32Array();
    assert.deepEqual(a, b);
    assert.ok(a.every((v) => v === 0 || v === 2));
  });
  it("generator state can be saved and restored", () => {
    tg.manualSeed(3);
    tg.rand([5]);
    const state = tg.getRngState();
    const a = tg.randn([4]).toFloat32Array();
    tg.setRngState(state);
    const b = tg.randn([4]).toFloat32Array();
    assert.deepEqual(a, b);
  });
});

describe("dtypes and promotion", () => {
  it("follows torch's promotion rules", () => {
    const i = tg.tensor([1, 2, 3], { dtype: "int32" });
    assert.equal(i.add(i).dtype, "int32");
    assert.equal(i.add(2).dtype, "int32");
    assert.equal(i.add(2.5).dtype, "float32");
    assert.deepEqual(i.div(2).toArray(), [0.5, 1, 1.5]);
    assert.equal(i.div(2).dtype, "float32");
    assert.equal(i.exp().dtype, "float32");
    assert.equal(i.add(tg.ones([3])).dtype, "float32");
    assert.equal(tg.ones([2]).gt(0).dtype, "bool"); // torch.gt gives bool
    assert.equal(
      tg
        .ones([2])
        .double()
        .add(tg.ones([2])).dtype,
      "float64",
    );
    assert.deepEqual(tg.tensor([1.9, -1.9]).int().toArray(), [1, -1]);
  });
  it("mean of an int tensor is a DTypeError as in torch", () => {
    assert.throws(() => tg.tensor([1, 2], { dtype: "int32" }).mean(), {
      name: "DTypeError",
      message: "mean: expected a floating-point tensor, got int32 (convert with .float())",
    });
  });
});

describe("views share storage", () => {
  it("reshape, transpose, permute, expand, slice, squeeze are views", () => {
    const x = tg.arange(12).reshape([3, 4]);
    for (const v of [
      x.reshape([4, 3]),
      x.transpose(0, 1),
      x.permute([1, 0]),
      x.unsqueeze(0).expand([2, 3, 4]),
      x.slice(1, 1, 3),
      x.unsqueeze(1).squeeze(1),
      x.T,
    ]) {
      assert.equal(v.storage, x.storage);
    }
    assert.deepEqual(x.slice(1, 1, 4, 2).toArray(), [
      [1, 3],
      [5, 7],
      [9, 11],
    ]);
    assert.deepEqual(x.T.strides, [1, 4]);
    assert.equal(x.T.isContiguous, false);
    // reshape of a non-contiguous tensor copies (as torch.reshape); view refuses.
    assert.notEqual(x.T.reshape([12]).storage, x.storage);
    assert.throws(() => x.T.view([12]), {
      name: "ShapeError",
      message: "view: a tensor of shape [4, 3] with strides [1, 4] cannot be viewed as [12]; use reshape()",
    });
  });
});

describe("printing", () => {
  it("formats like torch", () => {
    assert.equal(
      String(
        tg.tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
      "tensor([[1., 2.],\n        [3., 4.]])",
    );
    assert.equal(String(tg.tensor([1, 2], { dtype: "int32" })), "tensor([1, 2], dtype=int32)");
    assert.equal(String(tg.tensor(0.5, { requiresGrad: true })), "tensor(0.5, requiresGrad=true)");
  });
});
