// Higher-order gradients (createGraph, tg.autograd.grad) against PyTorch: the double backward of the
// common ops as Hessian-vector products, a gradient penalty, an HVP over a model's parameters, and
// backward(createGraph) accumulating; on every backend, plus gradgradcheck by finite differences.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, ValueError, type Tensor } from "tensorgrad";
import { fixture, grid, fromRec, close } from "./autograd-fixtures.js";

const F = nn.functional;
const CE_TARGET = tg.tensor([2, 0, 1], { dtype: "int32" });

// The same table as gen_autograd.py's CASES.
const CASES: Record<string, (...xs: Tensor[]) => Tensor> = {
  add: (a, b) => a.add(b).mul(a),
  mul: (a, b) => a.mul(b).mul(a),
  div: (a, b) => a.div(b),
  exp: (a) => a.exp(),
  log: (a) => a.log(),
  tanh: (a) => a.tanh(),
  sigmoid: (a) => a.sigmoid(),
  relu: (a) => a.relu().mul(a),
  matmul: (a, b) => a.matmul(b).tanh(),
  sum: (a) => a.sum(1).pow(2),
  mean: (a) => a.mean(0).exp(),
  pow: (a, b) => a.pow(b),
  powScalar: (a) => a.pow(3),
  sqrt: (a) => a.sqrt(),
  softmax: (a) => a.softmax(1),
  logSoftmax: (a) => a.logSoftmax(1),
  crossEntropy: (a) => F.crossEntropy(a, CE_TARGET),
  mseLoss: (a, b) => F.mseLoss(a, b),
  linear: (x, w, b) => F.linear(x, w, b).tanh(),
  conv2d: (x, w) => F.conv2d(x, w, null, { padding: 1 }).sigmoid(),
  layerNorm: (x, w, b) => F.layerNorm(x, [3], { weight: w, bias: b }),
  gelu: (a) => F.gelu(a),
  softplus: (a) => F.softplus(a),
  maxPool2d: (a) => F.maxPool2d(a, 2).pow(2),
};

for (const backend of tg.listBackends()) {
  describe(`higher-order gradients as PyTorch's (${backend})`, () => {
    const on = (fn: () => void) => () => {
      const prev = tg.getBackend().name;
      tg.setBackend(backend);
      try {
        fn();
      } finally {
        tg.setBackend(prev);
      }
    };

    for (const [name, fn] of Object.entries(CASES)) {
      it(
        `double backward of ${name}`,
        on(() => {
          const ref = fixture.double[name];
          const xs = ref.inputs.map((r: any) => fromRec(r, { requiresGrad: true }));
          const out = fn(...xs);
          close(out, ref.out, `${name} output`);
          const gs = tg.autograd.grad(out.mul(fromRec(ref.w)).sum(), xs, { createGraph: true });
          gs.forEach((g, i) => close(g, ref.grads[i], `${name} grad ${i}`));
          for (const x of xs) assert.equal(x.grad, null, "autograd.grad leaves .grad alone");
          const dot = gs.map((g, i) => g!.mul(fromRec(ref.v[i])).sum()).reduce((a, b) => a.add(b));
          const hs = tg.autograd.grad(dot, xs, { allowUnused: true });
          hs.forEach((h, i) => close(h ?? tg.zerosLike(xs[i]), ref.hvp[i], `${name} Hessian-vector product ${i}`));
        }),
      );
    }

    it(
      "a WGAN-GP gradient penalty trains the critic's parameters",
      on(() => {
        const ref = fixture.penalty;
        const net = mlp();
        const x = fromRec(ref.x, { requiresGrad: true });
        const [gx] = tg.autograd.grad(net.forward(x).sum(), [x], { createGraph: true });
        close(gx, ref.gradX, "gradient of the critic");
        const penalty = gx!.norm(2, 1).sub(1).pow(2).mean();
        close(penalty, ref.penalty, "penalty");
        penalty.backward();
        for (const [k, p] of net.namedParameters()) {
          // The last bias does not move the critic's gradient: no gradient at all, as PyTorch.
          if (ref.paramGrads[k] === null) assert.equal(p.grad, null, k);
          else close(p.grad, ref.paramGrads[k], `${k}.grad`);
        }
      }),
    );

    it(
      "a Hessian-vector product over a model's parameters",
      on(() => {
        const ref = fixture.hvp;
        const net = mlp();
        const params = net.parameters();
        const loss = F.mseLoss(net.forward(fromRec(ref.x)), fromRec(ref.y));
        close(loss, ref.loss, "loss");
        const gs = tg.autograd.grad(loss, params, { createGraph: true });
        gs.forEach((g, i) => close(g, ref.grads[i], `grad ${i}`));
        const dot = gs.map((g, i) => g!.mul(fromRec(ref.v[i])).sum()).reduce((a, b) => a.add(b));
        tg.autograd.grad(dot, params).forEach((h, i) => close(h, ref.hvp[i], `hvp ${i}`));
      }),
    );

    it(
      "backward({ createGraph }) leaves a differentiable .grad that a second backward accumulates into",
      on(() => {
        const ref = fixture.accumulate;
        const x = fromRec(ref.x, { requiresGrad: true });
        x.pow(3).sum().backward(null, { createGraph: true });
        close(x.grad!.detach(), ref.first, "first .grad");
        assert.equal(x.grad!.requiresGrad, true);
        x.grad!.sum().backward();
        close(x.grad!, ref.after, ".grad after the second backward");
      }),
    );

    it(
      "gradgradcheck agrees with finite differences",
      on(() => {
        tg.manualSeed(3);
        assert.equal(
          tg.gradgradcheck((a, b) => a.matmul(b).tanh().mul(a.sum(1, true)), [tg.randn([2, 3]), tg.randn([3, 2])]),
          true,
        );
        assert.equal(
          tg.autograd.gradgradcheck((a) => a.sigmoid().log().div(a.exp().add(1)), [tg.randn([4])]),
          true,
        );
        assert.equal(
          tg.gradgradcheck((a) => F.crossEntropy(a, CE_TARGET), [tg.randn([3, 4])]),
          true,
        );
        assert.equal(
          tg.gradgradcheck((a) => a.softmax(0).mul(a).logsumexp(0), [tg.randn([4])]),
          true,
        );
      }),
    );
  });
}

/** The script's mlp(): Linear(3, 5), Tanh, Linear(5, 1), weights from grid(), in float64. */
function mlp(): nn.Sequential {
  const l1 = new nn.Linear(3, 5),
    l2 = new nn.Linear(5, 1);
  // Assigning a Parameter to a field replaces the registered one (PyTorch's __setattr__).
  l1.weight = new nn.Parameter(grid([5, 3], 0.15, 0.05, 0));
  l1.bias = new nn.Parameter(grid([5], 0.15, 0.05, 1));
  l2.weight = new nn.Parameter(grid([1, 5], 0.15, 0.05, 2));
  l2.bias = new nn.Parameter(grid([1], 0.15, 0.05, 3));
  return new nn.Sequential(l1, new nn.Tanh(), l2);
}

describe("autograd.grad", () => {
  it("returns gradients of several outputs with gradOutputs, without touching .grad", () => {
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    const [gx, gy] = tg.autograd.grad([y.sum(), y.mul(y)], [x, y], { gradOutputs: [null, tg.tensor([1, 0, 1])] });
    // d/dy: 1 + 2y·[1,0,1]; d/dx: 2·that.
    assert.deepEqual(gy!.toArray(), [5, 1, 13]);
    assert.deepEqual(gx!.toArray(), [10, 2, 26]);
    assert.equal(x.grad, null);
  });

  it("is first-order, and frees nothing the caller holds, without createGraph", () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const [g] = tg.autograd.grad(x.exp().sum(), x);
    assert.equal(g!.requiresGrad, false);
    tg.randn([1000]); // allocate after the pass: the returned gradient must still hold its values
    assert.deepEqual(
      g!.toArray().map((v: any) => Math.fround(v)),
      [Math.fround(Math.E), Math.fround(Math.exp(2))],
    );
  });

  it("retains the graph with createGraph and releases it otherwise", () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    tg.autograd.grad(y, [x]);
    assert.throws(
      () => tg.autograd.grad(y, [x]),
      (e: unknown) => e instanceof ValueError && /second time/.test((e as Error).message),
    );
    const z = x.exp().sum();
    tg.autograd.grad(z, [x], { createGraph: true });
    tg.autograd.grad(z, [x]);
  });

  it("typed errors: unused inputs, inputs without grad, outputs without a graph, gradient counts, options", () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const unused = tg.tensor([3], { requiresGrad: true });
    assert.throws(
      () => tg.autograd.grad(x.sum(), [unused]),
      (e: unknown) => e instanceof ValueError && /not used.*allowUnused/.test((e as Error).message),
    );
    assert.deepEqual(
      tg.autograd.grad(x.sum(), [unused, x], { allowUnused: true }).map((g) => g?.toArray() ?? null),
      [null, [1, 1]],
    );
    assert.throws(
      () => tg.autograd.grad(x.sum(), [tg.tensor([1])]),
      (e: unknown) => e instanceof ValueError && /does not require grad/.test((e as Error).message),
    );
    assert.throws(
      () => tg.autograd.grad(tg.tensor(1), [x]),
      (e: unknown) => e instanceof ValueError && /outputs does not require grad/.test((e as Error).message),
    );
    assert.throws(
      () => tg.autograd.grad(x.mul(2), [x]),
      (e: unknown) => e instanceof ValueError && /one-element/.test((e as Error).message),
    );
    assert.throws(
      () => tg.autograd.grad([x.sum()], [x], { gradOutputs: [] }),
      (e: unknown) => e instanceof ValueError && /0 gradients for 1 outputs/.test((e as Error).message),
    );
    assert.throws(
      () => tg.autograd.grad(x.sum(), [x], { create_graph: true } as any),
      (e: unknown) => e instanceof ValueError && /unknown option "create_graph"/.test((e as Error).message),
    );
  });

  it("autograd.backward accumulates from several outputs in one pass", () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    tg.autograd.backward([x.mul(3).sum(), x.mul(x)], { gradTensors: [null, tg.tensor([1, 2])] });
    assert.deepEqual(x.grad!.toArray(), [5, 11]);
  });
});

describe("Tensor.backward's arguments", () => {
  it("takes the options alone, backward({ createGraph }), as well as backward(null, options); anything else is a ValueError", () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    x.mul(x).sum().backward({ createGraph: true });
    assert.deepEqual(x.grad!.toArray(), [2, 4]);
    assert.equal(x.grad!.requiresGrad, true);
    assert.deepEqual(tg.autograd.grad(x.grad!.sum(), [x])[0]!.toArray(), [2, 2]);
    const y = tg.tensor([3], { requiresGrad: true });
    const loss = y.mul(y).sum();
    loss.backward({ retainGraph: true });
    loss.backward();
    assert.deepEqual(y.grad!.toArray(), [12]);
    assert.throws(
      () =>
        y
          .mul(y)
          .sum()
          .backward({ retaingraph: true } as never),
      {
        name: "ValueError",
        message: 'backward: unknown option "retaingraph" (known options: retainGraph, createGraph)',
      },
    );
    assert.throws(
      () =>
        y
          .mul(y)
          .sum()
          .backward([1] as never),
      { name: "ValueError", message: "backward: grad must be a Tensor or null, got an array" },
    );
    assert.throws(
      () =>
        y
          .mul(y)
          .sum()
          .backward(1 as never),
      { name: "ValueError", message: "backward: grad must be a Tensor or null, got number" },
    );
  });
});
