// Tensor hooks (registerHook) and module hooks (forward-pre, forward, full backward) against
// PyTorch's values in test/fixtures/autograd.json, their handles, and what they may keep.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, ShapeError, ValueError, type Tensor } from "tensorgrad";
import { fixture, fromRec, close, grid } from "./autograd-fixtures.js";

for (const backend of tg.listBackends()) {
  describe(`hooks as PyTorch's (${backend})`, () => {
    const on = (fn: () => void) => () => {
      const prev = tg.getBackend().name;
      tg.setBackend(backend);
      try {
        fn();
      } finally {
        tg.setBackend(prev);
      }
    };

    it(
      "a tensor hook sees and replaces a gradient; a leaf's hook sees the total",
      on(() => {
        const ref = fixture.hooks.tensor;
        const x = fromRec(ref.x, { requiresGrad: true });
        const y = x.mul(2);
        y.registerHook((g) => g.mul(10));
        const seen: Tensor[] = [];
        x.registerHook((g) => void seen.push(g));
        y.mul(y).sum().backward();
        tg.randn([4096]); // allocations after the pass must not reuse what the hook kept
        close(seen[0], ref.seenAtX, "gradient seen at x");
        close(x.grad, ref.xGrad, "x.grad");
      }),
    );

    it(
      "module hooks: pre-hook replaces the input, forward hook the output, backward hook the input gradient",
      on(() => {
        const ref = fixture.hooks.module;
        const lin = new nn.Linear(3, 2);
        tg.noGrad(() => {
          lin.weight.copy_(grid([2, 3], 0.2, 0, 0, "float32"));
          lin.bias!.copy_(grid([2], 0.1, 0.1, 0, "float32"));
        });
        const x = fromRec(ref.input, { requiresGrad: true, dtype: "float32" });
        const rec: Record<string, Tensor> = {};
        const h1 = lin.registerForwardPreHook((_m, args) => [(args[0] as Tensor).mul(2)]);
        const h2 = lin.registerForwardHook((m, args, out) => {
          assert.equal(m, lin);
          rec.fwdInput = args[0] as Tensor;
          return (out as Tensor).add(1);
        });
        const h3 = lin.registerFullBackwardHook((m, gin, gout) => {
          assert.equal(m, lin);
          rec.gradInput = gin[0]!;
          rec.gradOutput = gout[0]!;
          return [gin[0]!.mul(3)];
        });
        const out = lin.forward(x);
        close(rec.fwdInput, ref.fwdInput, "forward hook's input", 1e-6);
        close(out, ref.output, "output", 1e-6);
        out.backward(fromRec(ref.upstream, { dtype: "float32" }));
        tg.randn([4096]);
        close(rec.gradOutput, ref.gradOutput, "gradOutput", 1e-6);
        close(rec.gradInput, ref.gradInput, "gradInput", 1e-6);
        close(x.grad, ref.xGrad, "x.grad", 1e-6);
        close(lin.weight.grad, ref.weightGrad, "weight.grad", 1e-6);
        h1.remove();
        h2.remove();
        h3.remove();
        h3.remove(); // a second remove does nothing
        close(lin.forward(x), ref.afterRemove, "output after remove()", 1e-6);
      }),
    );
  });
}

describe("hooks", () => {
  it("a hook may run a backward pass of its own through tensors the running pass also reaches", () => {
    // The inner pass numbers x and w its own way while the outer one is still to reach them; the outer
    // pass must still find each one's pending gradient. torch gives the same: x.grad = (6x + 1) + 2w,
    // w.grad = 2w + 2x.
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    const w = tg.tensor([4, 5, 6], { requiresGrad: true });
    const y = x.mul(w).mul(2);
    // Recorded now: a backward pass records nothing (as torch's, outside create_graph).
    // Deeper than the outer graph, so the inner pass gives x another number than the outer one did.
    const z = x.mul(x).mul(3).neg().neg().neg().neg().add(x).add(w.mul(w)).sum();
    let ran = 0;
    y.registerHook(() => {
      ran++;
      z.backward();
    });
    y.sum().backward();
    assert.equal(ran, 1);
    assert.deepEqual(x.grad!.toArray(), [15, 23, 31]);
    assert.deepEqual(w.grad!.toArray(), [10, 14, 18]);
  });

  it("a forward hook inside a Sequential captures activations; handles remove only their hook", () => {
    const net = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    const acts: Tensor[] = [];
    const calls: string[] = [];
    const h = (net[1] as nn.Module).registerForwardHook((_m: nn.Module, _a: unknown[], out: unknown) => void acts.push(out as Tensor));
    (net[1] as nn.Module).registerForwardHook(() => void calls.push("second"));
    const x = tg.tensor([
      [1, -2],
      [3, 4],
    ]);
    const y = net.forward(x);
    assert.deepEqual(acts[0].shape, [2, 3]);
    assert.deepEqual(acts[0].toArray(), (net[0] as nn.Module).forward(x).relu().toArray());
    assert.deepEqual(y.shape, [2, 1]);
    h.remove();
    net.forward(x);
    assert.equal(acts.length, 1);
    assert.deepEqual(calls, ["second", "second"]);
  });

  it("a backward hook whose inputs need no gradient still sees the output gradient", () => {
    const lin = new nn.Linear(2, 2);
    let seen: (Tensor | null)[] | null = null;
    let gin: (Tensor | null)[] | null = null;
    lin.registerFullBackwardHook((_m, gi, go) => {
      gin = gi;
      seen = go;
    });
    lin
      .forward(tg.tensor([[1, 2]]))
      .sum()
      .backward();
    assert.deepEqual(gin, []);
    assert.deepEqual(seen![0]!.toArray(), [[1, 1]]);
    assert.ok(lin.weight.grad);
  });

  it("a hook that returns the wrong thing is a typed error; registering on a tensor without grad too", () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    x.registerHook(() => tg.tensor([1, 2, 3]));
    assert.throws(
      () => x.mul(2).sum().backward(),
      (e: unknown) => e instanceof ShapeError && /registerHook.*\[2\]/.test((e as Error).message),
    );
    assert.throws(
      () => tg.tensor([1]).registerHook(() => {}),
      (e: unknown) => e instanceof ValueError && /doesn't require gradient/.test((e as Error).message),
    );
    const lin = new nn.Linear(2, 2);
    lin.registerFullBackwardHook(() => [null, null] as any);
    const xi = tg.tensor([[1, 2]], { requiresGrad: true });
    assert.throws(
      () => lin.forward(xi).sum().backward(),
      (e: unknown) => e instanceof ValueError && /2 gradients.*array of 1/.test((e as Error).message),
    );
  });

  it("a hook may clip gradients on their way to the parameters (torch's common idiom)", () => {
    const w = tg.tensor([1, -1, 2], { requiresGrad: true });
    const h = w.registerHook((g) => g.clamp(-1, 1));
    w.mul(tg.tensor([5, -0.5, -3]))
      .sum()
      .backward();
    assert.deepEqual(w.grad!.toArray(), [1, -0.5, -1]);
    h.remove();
    w.grad = null;
    w.mul(tg.tensor([5, -0.5, -3]))
      .sum()
      .backward();
    assert.deepEqual(w.grad!.toArray(), [5, -0.5, -3]);
  });

  it("hooks run under createGraph too, where their results stay differentiable", () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const y = x.pow(2);
    y.registerHook((g) => g.mul(y)); // g·x², a function of x
    const [gx] = tg.autograd.grad(y.sum(), [x], { createGraph: true }); // 2x·x² = 2x³
    assert.deepEqual(gx!.toArray(), [2, 16]);
    // The second pass runs y's hook again (as PyTorch: [6, 72]): 2x·x²·2x through y, plus 2x² directly.
    const [h] = tg.autograd.grad(gx!.sum(), [x]);
    assert.deepEqual(h!.toArray(), [6, 72]);
  });
});
