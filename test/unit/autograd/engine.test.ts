// Autograd semantics: accumulation, reuse, views, broadcasting, noGrad/detach, non-differentiable
// outputs, errors, deep graphs and release of the graph after backward().

import { hostData } from "../../../src/backend/backend.js";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";

describe("backward", () => {
  it("never lets two leaves, or a leaf and the caller's gradient, share a .grad storage", () => {
    const w1 = tg.tensor([1, 2], { requiresGrad: true });
    const w2 = tg.tensor([3, 4], { requiresGrad: true });
    const g = tg.tensor([0.5, -2]);
    // add's VJP hands the same tensor to both inputs.
    w1.add(w2).backward(g);
    assert.notEqual(w1.grad!.storage, w2.grad!.storage);
    assert.notEqual(w1.grad!.storage, g.storage);
    assert.notEqual(w2.grad!.storage, g.storage);
    hostData(w1.grad!.storage)[0] = 99; // an in-place edit, as clipGradNorm makes
    assert.deepEqual(w2.grad!.toArray(), [0.5, -2]);
    assert.deepEqual(g.toArray(), [0.5, -2]);
    // A reshape's VJP is a view of the caller's gradient.
    const x = tg.tensor([1, 2, 3, 4], { requiresGrad: true });
    const gx = tg.tensor([
      [1, 2],
      [3, 4],
    ]);
    x.reshape([2, 2]).backward(gx);
    assert.notEqual(x.grad!.storage, gx.storage);
    assert.deepEqual(x.grad!.toArray(), [1, 2, 3, 4]);
    // The root itself a leaf.
    const r = tg.tensor([7, 8], { requiresGrad: true });
    const gr = tg.tensor([1, 1]);
    r.backward(gr);
    assert.notEqual(r.grad!.storage, gr.storage);
  });

  it("keeps a freshly computed leaf gradient without copying it", () => {
    const x = tg.tensor([
      [1, 2],
      [3, 4],
    ]);
    const w = tg.tensor(
      [
        [1, 0],
        [0, 1],
      ],
      { requiresGrad: true },
    );
    const y = x.matmul(w);
    // Count the copy kernels backward runs (clone is one); the matmul's gradient is fresh.
    const backend = tg.getBackend() as { kernel(name: string): unknown };
    const kernel = backend.kernel;
    let copies = 0;
    backend.kernel = function (name: string) {
      if (name === "copy") copies++;
      return kernel.call(this, name);
    };
    try {
      y.backward(
        tg.tensor([
          [1, 0],
          [0, 1],
        ]),
      );
    } finally {
      backend.kernel = kernel;
    }
    assert.equal(copies, 0);
    // xᵀ·G with G = I is xᵀ.
    assert.deepEqual(w.grad!.toArray(), [
      [1, 3],
      [2, 4],
    ]);
  });

  it("accumulates into .grad across calls until zeroed", () => {
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(2).sum().backward();
    x.mul(3).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [5, 5, 5]);
    x.grad = null;
    x.pow(2).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
  });

  it("a tensor used several times gets the sum of its gradients", () => {
    const x = tg.tensor([2], { requiresGrad: true });
    const y = x.mul(x).add(x.mul(3)).add(x.exp().mul(0)); // x² + 3x → 2x + 3 = 7
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [7]);
  });

  it("flows through views and broadcasting back to the input's shape", () => {
    const w = tg.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const b = tg.tensor([10, 20], { requiresGrad: true });
    const out = w.T.reshape([4]).slice(0, 1, 4, 2).unsqueeze(0).expand([3, 2]).add(b); // [3, 2]
    out.backward(
      tg.tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    );
    // w.T flattened = [1, 3, 2, 4]; the slice [1:4:2] picks 3 = w[1][0] and 4 = w[1][1].
    assert.deepEqual(w.grad!.toArray(), [
      [0, 0],
      [9, 12],
    ]);
    assert.deepEqual(b.grad!.toArray(), [9, 12]);
  });

  it("noGrad records nothing; detach cuts the graph", () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const y = tg.noGrad(() => x.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.isLeaf, true);
    const d = x.detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.storage, x.storage);
    const z = x.mul(d).sum(); // gradient only through the first factor
    z.backward();
    assert.deepEqual(x.grad!.toArray(), [1, 2]);
  });

  it("non-differentiable outputs carry no gradient", () => {
    const x = tg.tensor(
      [
        [1, 5],
        [3, 2],
      ],
      { requiresGrad: true },
    );
    for (const t of [x.argmax(1), x.gt(2), x.eq(x), x.lt(0), x.int()]) {
      assert.equal(t.requiresGrad, false);
    }
    assert.equal(x.argmax().dtype, "int32");
    assert.deepEqual(x.argmax().toArray(), 1);
  });

  it("backward() on a non-scalar without a gradient is a clear error", () => {
    const x = tg.ones([2, 3], { requiresGrad: true });
    assert.throws(() => x.mul(2).backward(), {
      name: "ValueError",
      message:
        "backward: a gradient can be implied only for a one-element tensor, but this tensor has shape [2, 3]; pass backward(grad) with a gradient of that shape",
    });
    assert.throws(() => x.mul(2).backward(tg.ones([3])), {
      name: "ShapeError",
      message: "backward: gradient of shape [3] does not match the tensor's shape [2, 3]",
    });
    assert.throws(() => tg.ones([1]).backward(), {
      name: "ValueError",
      message: "backward: this tensor does not require grad and has no recorded graph (create the inputs with { requiresGrad: true })",
    });
  });

  it("releases the graph: a second backward through it is an error unless retainGraph", () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    assert.throws(() => y.backward(), /backward: trying to backward through the graph a second time/);
    const z = x.exp().sum();
    z.backward(undefined, { retainGraph: true });
    z.backward();
    assert.ok(Math.abs(x.grad!.toArray()[0] - 3 * Math.E) < 1e-5);
  });

  it("backpropagates through a chain of 10,000 ops without overflowing the stack", () => {
    const x = tg.tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 10000; i++) y = y.mul(1.0001);
    y.sum().backward();
    assert.ok(Math.abs(x.grad!.item() - Math.pow(1.0001, 10000)) < 1e-3);
  });

  it("leaf gradients are independent tensors (safe to modify in place)", () => {
    const a = tg.tensor([1], { requiresGrad: true });
    const b = tg.tensor([1], { requiresGrad: true });
    a.add(b).sum().backward();
    assert.notEqual(a.grad!.storage, b.grad!.storage);
  });

  it("gradients of int32 inputs are never requested", () => {
    const x = tg.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const idx = tg.tensor([[1], [0]], { dtype: "int32" });
    x.gather(1, idx).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [
      [0, 1],
      [1, 0],
    ]);
    assert.equal(idx.grad, null);
  });
});

describe("gradcheck", () => {
  it("passes for correct gradients and returns true", () => {
    tg.manualSeed(0);
    assert.equal(
      tg.gradcheck((a, b) => a.matmul(b).tanh().sum(), [tg.randn([3, 4]), tg.randn([4, 2])]),
      true,
    );
  });

  it("names the input, the element, the analytic and the numeric value on a mismatch", () => {
    // A deliberately wrong gradient: y = x³ computed as a "cube" whose VJP forgets the factor 3.
    const wrongCube = (x: tg.Tensor) => {
      const y = x.mul(x).mul(x);
      const fake = y.detach().add(x.sub(x.detach()).mul(x.detach().mul(x.detach())));
      return fake; // value x³, derivative x² (instead of 3x²)
    };
    const x = tg.tensor([
      [0.5, -1],
      [2, 1.5],
    ]);
    assert.throws(
      () => tg.gradcheck((t) => wrongCube(t), [x]),
      (e: Error) => {
        assert.equal(e.name, "ValueError");
        assert.match(
          e.message,
          /^gradcheck: gradient mismatch for input 0 \(shape \[2, 2\]\) at element 0 \[0, 0\]: analytic -?[\d.e-]+, numeric -?[\d.e-]+ \(atol 0.00001, rtol 0.001\)$/,
        );
        return true;
      },
    );
  });

  it("does not modify the caller's tensors", () => {
    const x = tg.tensor([1, 2, 3]);
    tg.gradcheck((t) => t.exp().sum(), [x]);
    assert.deepEqual(x.toArray(), [1, 2, 3]);
    assert.equal(x.grad, null);
  });

  // y = x³ whose gradient forgets the factor 3 (value x³, derivative x²).
  const wrongCube = (x: tg.Tensor) =>
    x
      .mul(x)
      .mul(x)
      .detach()
      .add(x.sub(x.detach()).mul(x.detach().mul(x.detach())));
  const float32 = { dtype: "float32", eps: 1e-3, atol: 1e-2, rtol: 1e-2 } as const;

  it("checks in float32 when asked: the function sees float32 inputs, and float32 needs float32's tolerances", () => {
    tg.manualSeed(1);
    const a = tg.randn([3, 4]),
      b = tg.randn([4, 2]);
    const seen: string[] = [];
    const f = (x: tg.Tensor, y: tg.Tensor) => (seen.push(x.dtype, y.dtype), x.matmul(y).tanh().mul(3).sum());
    assert.equal(tg.gradcheck(f, [a, b], float32), true);
    assert.deepEqual([...new Set(seen)], ["float32"]);
    // float64's step and tolerances on float32 rounding: the differences are noise.
    assert.throws(() => tg.gradcheck(f, [a, b], { dtype: "float32" }), /^ValueError: gradcheck: gradient mismatch for input 0/);
  });

  it("finds a wrong gradient in float32 and in fastMode", () => {
    const x = tg.tensor([
      [0.5, -1],
      [2, 1.5],
    ]);
    assert.throws(
      () => tg.gradcheck(wrongCube, [x], float32),
      (e: Error) => {
        const m =
          /^gradcheck: gradient mismatch for input 0 \(shape \[2, 2\]\) at element 0 \[0, 0\]: analytic (\S+), numeric (\S+) \(atol 0.01, rtol 0.01\)$/.exec(
            e.message,
          );
        assert.ok(m, e.message);
        // The numeric derivative is the true one: three times the wrong analytic one.
        assert.ok(Math.abs(Number(m[2]) / Number(m[1]) - 3) < 1e-3, e.message);
        return true;
      },
    );
    tg.manualSeed(2);
    assert.throws(
      () => tg.gradcheck(wrongCube, [x], { fastMode: true }),
      /^ValueError: gradcheck: gradient mismatch for input 0 \(shape \[2, 2\]\) along a random direction \(fastMode\): analytic -?[\d.e-]+, numeric -?[\d.e-]+ \(atol 0.00001, rtol 0.001\)$/,
    );
    tg.manualSeed(2);
    assert.equal(
      tg.gradcheck((t) => t.mul(t).mul(t).sum(), [x], { fastMode: true }),
      true,
    );
  });

  it("gradcheckAsync: the same check with awaited reads", async () => {
    tg.manualSeed(3);
    assert.equal(await tg.gradcheckAsync((t) => t.sigmoid().mul(t).sum(), [tg.randn([5])], float32), true);
    await assert.rejects(
      tg.gradcheckAsync(wrongCube, [tg.tensor([1.5, -2])]),
      /^ValueError: gradcheckAsync: gradient mismatch for input 0 \(shape \[2\]\) at element 0 \[0\]/,
    );
  });

  it("refuses a dtype it cannot check in and unknown options", () => {
    const x = tg.tensor([1, 2]);
    assert.throws(() => tg.gradcheck((t) => t.sum(), [x], { dtype: "float16" as "float32" }), {
      name: "ValueError",
      message: 'gradcheck: dtype must be "float64" or "float32", got "float16"',
    });
    assert.throws(() => tg.gradcheck((t) => t.sum(), [x], { fast_mode: true } as tg.GradcheckOptions), { name: "ValueError" });
  });
});
