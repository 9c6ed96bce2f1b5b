// How the wasm backend returns memory without the garbage collector: a backward pass frees its
// intermediate gradients when it ends (keeping only what it hands to leaves' .grad), and kernel
// outputs that are overwritten whole are not cleared first. Both must be invisible in the values.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, optim } from "tensorgrad";
import { wasmBackend } from "../../../src/backend/wasm/index.js";
import { WasmStorage } from "../../../src/backend/wasm/storage.js";
import { assertClose } from "../../helpers/assert.js";

const F = nn.functional;
const blocks = () => wasmBackend.memoryStats().blocksInUse;

function onWasm<T>(fn: () => T): T {
  const before = tg.getBackend().name;
  tg.setBackend("wasm");
  try {
    return fn();
  } finally {
    tg.setBackend(before);
  }
}

describe("wasm backend memory", () => {
  test("a backward pass keeps only the leaves' gradients: every intermediate's block is back when it returns", () => {
    onWasm(() => {
      tg.manualSeed(1);
      const x = tg.randn([8, 5]);
      const w1 = tg.randn([5, 7], { requiresGrad: true });
      const b1 = tg.randn([7], { requiresGrad: true });
      const w2 = tg.randn([7, 3], { requiresGrad: true });
      const loss = x.matmul(w1).add(b1).relu().matmul(w2).logSoftmax(1).mean();
      const before = blocks();
      loss.backward();
      assert.equal(blocks() - before, 3, "one new block per leaf gradient, nothing else");
      for (const p of [w1, b1, w2]) {
        assert.ok(p.grad!.storage instanceof WasmStorage && p.grad!.storage.ptr !== 0, "kept gradients stay allocated");
      }
    });
  });

  test("gradients handed to leaves survive later allocations that reuse the freed blocks", () => {
    onWasm(() => {
      tg.manualSeed(2);
      const a = tg.randn([4, 6], { requiresGrad: true });
      const b = tg.randn([4, 6], { requiresGrad: true });
      // add's vjp hands the same upstream gradient to both inputs: one leaf keeps it, the other a copy.
      a.add(b).mul(3).sum().backward();
      const ga = a.grad!.toArray(),
        gb = b.grad!.toArray();
      // A user-supplied gradient for a leaf root is copied, never adopted.
      const c = tg.randn([3], { requiresGrad: true });
      const g = tg.tensor([1, 2, 3]);
      c.backward(g);
      // Churn: allocations of the same sizes land in the blocks the passes freed.
      for (let i = 0; i < 50; i++)
        tg.full([4, 6], 1e6)
          .add(tg.full([4, 6], -7))
          .mul(2);
      assert.deepEqual(a.grad!.toArray(), ga);
      assert.deepEqual(b.grad!.toArray(), gb);
      assert.deepEqual(ga, new Array(4).fill(new Array(6).fill(3)));
      assert.notEqual(a.grad!.storage, b.grad!.storage);
      assert.deepEqual(c.grad!.toArray(), [1, 2, 3]);
      assert.notEqual(c.grad!.storage, g.storage);
      assert.deepEqual(g.toArray(), [1, 2, 3], "the caller's gradient is untouched");
    });
  });

  test("gradients accumulate across passes into kept storage", () => {
    onWasm(() => {
      const w = tg.tensor([1, 2, 3], { requiresGrad: true });
      for (let i = 0; i < 3; i++) w.mul(w).sum().backward();
      assert.deepEqual(w.grad!.toArray(), [6, 12, 18]);
    });
  });

  test("a backward pass that throws still closes its region: later passes free and keep as usual", () => {
    onWasm(() => {
      const w = tg.tensor([1, 2], { requiresGrad: true });
      const y = w.mul(2).sum();
      y.backward();
      assert.throws(() => y.backward(), /backward through the graph a second time/);
      const z = w.mul(5).sum();
      const before = blocks();
      z.backward();
      assert.equal(blocks() - before, 0, "the new pass's temporaries and the unshared gradient it replaced are freed");
      assert.deepEqual(w.grad!.toArray(), [7, 7]);
    });
  });

  test("outputs left uninitialised are fully written: results on recycled dirty memory equal fresh ones", () => {
    onWasm(() => {
      tg.manualSeed(3);
      const x = tg.randn([33, 17]),
        y = tg.randn([17, 9]);
      // float64 runs the reference kernels on wasm memory (the fallback path); unfold pads with zeros.
      const img = tg.randn([1, 2, 5, 5]),
        img64 = img.to("float64");
      const compute = () =>
        [
          x.matmul(y),
          x.exp(),
          x.sum(1),
          x.max(0),
          x.argmax(1),
          x.relu().sub(1),
          x.transpose(0, 1).contiguous(),
          F.unfold(img, 3, { padding: 1 }),
          F.unfold(img64, 3, { padding: 1 }),
          x.to("float64").matmul(y.to("float64")),
        ].map((t) => t.toArray());
      const fresh = compute();
      // Fill freed blocks of these sizes with garbage, then recompute.
      wasmBackend.collect();
      for (let i = 0; i < 20; i++) {
        for (const shape of [[33, 9], [33, 17], [17, 33], [33], [17], [1, 18, 25], [1, 36, 25]]) tg.full(shape, Number.NaN);
      }
      wasmBackend.collect();
      assert.deepEqual(compute(), fresh);
    });
  });
});

describe("gradients freed by zeroGrad", () => {
  /** A Linear(6, 4) trained with `opt` on one fixed batch: zeroGrad, forward, backward, step. */
  function setup(makeOpt: (ps: tg.Tensor[]) => { zeroGrad(): void; step(): unknown }) {
    tg.manualSeed(5);
    const model = new nn.Linear(6, 4);
    const x = tg.randn([8, 6]),
      y = tg.tensor([0, 1, 2, 3, 0, 1, 2, 3], { dtype: "int32" });
    const opt = makeOpt(model.parameters());
    const step = () => {
      opt.zeroGrad();
      F.crossEntropy(model.forward(x), y).backward();
      opt.step();
    };
    return { model, step, opt };
  }
  const ptrOf = (t: tg.Tensor | null) => (t!.storage as WasmStorage).ptr;

  test("a gradient nobody read is freed by zeroGrad, so training leaves no gradient to the garbage collector", () => {
    onWasm(() => {
      const { step, opt } = setup((ps) => new optim.Adam(ps, { lr: 0.01 }));
      for (let i = 0; i < 5; i++) {
        step();
        const inUse = blocks();
        opt.zeroGrad();
        assert.equal(inUse - blocks(), 2, `step ${i}: weight and bias gradients returned at once`);
      }
    });
  });

  test("a gradient read through .grad is the caller's: zeroGrad leaves it intact", () => {
    onWasm(() => {
      const { model, step, opt } = setup((ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9 }));
      step();
      const g = model.weight.grad!;
      const values = g.toArray();
      opt.zeroGrad();
      assert.equal(model.weight.grad, null);
      for (let i = 0; i < 5; i++) step();
      assert.notEqual(ptrOf(g), 0, "still allocated");
      assert.deepEqual(g.toArray(), values, "not overwritten by later steps");
    });
  });

  test("a gradient the caller assigned is never freed by the library", () => {
    onWasm(() => {
      const { model, step } = setup((ps) => new optim.Adam(ps));
      const mine = tg.full([4, 6], 0.5);
      model.weight.grad = mine;
      model.zeroGrad();
      for (let i = 0; i < 3; i++) step();
      assert.notEqual(ptrOf(mine), 0);
      assert.deepEqual(mine.toArray(), new Array(4).fill(new Array(6).fill(0.5)));
    });
  });

  test("an optimizer subclass that may keep gradients in its state gets them handed out", () => {
    onWasm(() => {
      class KeepLast extends optim.SGD {
        last: tg.Tensor[] = [];
        protected override update(p: tg.Tensor, grad: tg.Tensor, state: Record<string, unknown>, group: never): void {
          this.last.push(grad);
          super.update(p, grad, state as never, group);
        }
      }
      const { step, opt } = setup((ps) => new KeepLast(ps, { lr: 0.1 }));
      step();
      const kept = (opt as KeepLast).last.slice();
      const values = kept.map((t) => t.toArray());
      for (let i = 0; i < 4; i++) step();
      assert.deepEqual(
        kept.map((t) => t.toArray()),
        values,
      );
    });
  });

  test("an optimizer subclass that declares optim.keepsNoGradient gets its gradients freed by zeroGrad", () => {
    onWasm(() => {
      class Declared extends optim.SGD {
        static {
          optim.keepsNoGradient(this.prototype.update);
        }
        protected override update(p: tg.Tensor, grad: tg.Tensor, state: Record<string, unknown>, group: never): void {
          super.update(p, grad, state as never, group);
        }
      }
      const { step, opt } = setup((ps) => new Declared(ps, { lr: 0.1 }));
      step();
      const inUse = blocks();
      opt.zeroGrad();
      assert.equal(inUse - blocks(), 2);
    });
  });

  test("Module.zeroGrad and freeze free unread gradients too; values of later steps are unchanged", () => {
    onWasm(() => {
      // The same training with and without early freeing gives the same weights, bit for bit.
      const run = (read: boolean) => {
        const { model, step } = setup((ps) => new optim.Adam(ps, { lr: 0.05 }));
        for (let i = 0; i < 4; i++) {
          step();
          if (read) model.parameters().forEach((p) => p.grad);
        }
        return model.weight.toArray();
      };
      assert.deepEqual(run(false), run(true));
      const { model, step } = setup((ps) => new optim.Adam(ps));
      step();
      const inUse = blocks();
      model.zeroGrad();
      assert.equal(inUse - blocks(), 2);
      step();
      const beforeFreeze = blocks();
      model.freeze();
      assert.equal(beforeFreeze - blocks(), 2);
    });
  });
});

describe("activations between built-in layers freed by backward", () => {
  const x = () => {
    tg.manualSeed(11);
    return tg.randn([8, 6]);
  };
  /** A Linear whose forward keeps no reference but is not declared so: Sequential must not free around it. */
  class PlainLinear extends nn.Linear {
    override forward(t: tg.Tensor): tg.Tensor {
      return super.forward(t);
    }
  }
  const churn = () => {
    for (let i = 0; i < 50; i++)
      tg.full([8, 4], 1e6)
        .add(tg.full([8, 4], -7))
        .relu();
  };

  test("Linear → ReLU → Linear: the two inner activations are freed when backward ends", () => {
    onWasm(() => {
      const live = (model: nn.Sequential) => {
        const input = x();
        const out = model.forward(input);
        const loss = out.sum();
        const before = blocks();
        loss.backward();
        return { out, diff: blocks() - before };
      };
      tg.manualSeed(1);
      const free = live(new nn.Sequential(new nn.Linear(6, 4), new nn.ReLU(), new nn.Linear(4, 3)));
      tg.manualSeed(1);
      const kept = live(new nn.Sequential(new PlainLinear(6, 4), new nn.ReLU(), new PlainLinear(4, 3)));
      assert.equal(kept.diff - free.diff, 2, "the Linear's output and the ReLU's output");
      const values = free.out.toArray();
      churn();
      assert.deepEqual(free.out.toArray(), values, "the output a user holds is untouched");
      assert.deepEqual(kept.out.toArray(), values);
    });
  });

  test("an activation a custom layer keeps is never freed", () => {
    onWasm(() => {
      class Keep extends nn.Module {
        last: tg.Tensor | null = null;
        forward(t: tg.Tensor): tg.Tensor {
          this.last = t;
          return t.relu();
        }
      }
      const keep = new Keep();
      const model = new nn.Sequential(new nn.Linear(6, 4), keep, new nn.ReLU(), new nn.Linear(4, 3));
      model.forward(x()).sum().backward();
      const values = keep.last!.toArray();
      churn();
      assert.notEqual((keep.last!.storage as WasmStorage).ptr, 0);
      assert.deepEqual(keep.last!.toArray(), values);
    });
  });

  test("an output that is a view of the last activation (Flatten last) stays intact, and so does the input", () => {
    onWasm(() => {
      tg.manualSeed(3);
      const input = tg.randn([2, 1, 6, 6]);
      const inputValues = input.toArray();
      // Conv2d → ReLU → Flatten: the output is a view of the ReLU's output.
      const a = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten());
      const outA = a.forward(input);
      // Flatten → Linear → ReLU: the Linear's input is a view of the caller's input.
      const b = new nn.Sequential(new nn.Flatten(), new nn.Linear(36, 4), new nn.ReLU());
      const outB = b.forward(input);
      const valuesA = outA.toArray(),
        valuesB = outB.toArray();
      outA.sum().add(outB.sum()).backward();
      churn();
      assert.deepEqual(outA.toArray(), valuesA);
      assert.deepEqual(outB.toArray(), valuesB);
      assert.deepEqual(input.toArray(), inputValues);
    });
  });
});

describe("forward intermediates freed by backward", () => {
  // Each case returns the output a user holds; its graph's internal tensors (im2col matrices, a
  // matmul before its bias, pooling windows) must be freed by backward, and nothing the user can
  // reach may be touched.
  const cases: Record<string, (p: tg.Tensor[]) => tg.Tensor> = {
    "linear with bias": ([x, w, b]) => F.linear(x!, w!, b!),
    "conv2d, 3 images, bias": ([x, w, b]) => F.conv2d(x!, w!, b!, { padding: 1 }),
    "conv2d, 1 image, bias": ([x, w, b]) => F.conv2d(x!.slice(0, 0, 1), w!, b!),
    "conv2d, no bias, stride 2": ([x, w]) => F.conv2d(x!, w!, null, { stride: 2 }),
    maxPool2d: ([x]) => F.maxPool2d(x!, 2),
    avgPool2d: ([x]) => F.avgPool2d(x!, 3, { stride: 2, padding: 1 }),
  };
  const inputs = (name: string): tg.Tensor[] => {
    tg.manualSeed(9);
    if (name.startsWith("linear")) return [tg.randn([5, 7]), tg.randn([4, 7]), tg.randn([4])].map((t) => t.requiresGrad_());
    return [tg.randn([3, 2, 6, 6]), tg.randn([4, 2, 3, 3]), tg.randn([4])].map((t) => t.requiresGrad_());
  };
  for (const [name, f] of Object.entries(cases)) {
    test(`${name}: values and gradients survive reuse of the freed blocks`, () => {
      const want = (() => {
        // The reference backend: its memory is the JS heap, nothing freed early.
        tg.setBackend("js");
        const p = inputs(name);
        const y = f(p);
        y.mul(y).sum().backward();
        const r = { y: y.toFloat32Array(), grads: p.map((t) => t.grad?.toFloat32Array() ?? null) };
        tg.setBackend("wasm");
        return r;
      })();
      onWasm(() => {
        const p = inputs(name);
        const y = f(p);
        const internal = y._node!.inputs.filter((t) => t.storage !== y.storage);
        y.mul(y).sum().backward();
        for (let i = 0; i < 5; i++) for (const t of internal) tg.full(t.shape, Number.NaN);
        // The backends round differently (float32 sums in another order); a freed block would hold NaN.
        assertClose(y.toFloat32Array(), want.y, { rtol: 1e-5, what: "the output the caller holds" });
        p.forEach((t, i) => {
          const g = want.grads[i];
          if (g === null) assert.equal(t.grad, null);
          else assertClose(t.grad!.toFloat32Array(), g, { rtol: 1e-5, what: `gradient ${i}` });
        });
      });
    });
  }

  test("linear is one node on the caller's own tensors: no intermediate to free, none freed", () => {
    onWasm(() => {
      const [x, w, b] = inputs("linear");
      const y = F.linear(x!, w!, b!);
      assert.deepEqual(y._node!.inputs, [x, w, b], "the fused primitive keeps no product before the bias");
      y.sum().backward();
      for (const t of [x!, w!, b!, y]) assert.notEqual((t.storage as WasmStorage).ptr, 0, "the caller's tensors stay");
    });
  });
});
