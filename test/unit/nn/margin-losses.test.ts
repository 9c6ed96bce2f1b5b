// The margin, embedding and count losses against PyTorch (fixtures/losses.json, made by
// fixtures/gen_losses.py): value and gradients of every differentiable input for every reduction, on
// every backend; finite-difference gradchecks; the module forms; typed errors.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { nn, type Tensor } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

const F = nn.functional;
type Rec = { shape: number[]; values: number[]; dtype?: "int32" };
interface Case {
  id: string;
  fn: string;
  opts: Record<string, any>;
  inputs: Rec[];
  gradMask: boolean[];
  output: Rec;
  gradOutput: Rec;
  grads: (Rec | null)[];
}
const cases: Case[] = JSON.parse(readFileSync(new URL("../../fixtures/losses.json", import.meta.url), "utf8")).cases;

const make = (r: Rec, requiresGrad = false): Tensor =>
  tg.tensor(r.values, { shape: r.shape, dtype: r.dtype ?? "float64", requiresGrad: r.dtype !== "int32" && requiresGrad });
const options = (o: Record<string, any>) =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, v && typeof v === "object" && "values" in v ? tg.tensor(v.values, { dtype: "float64" }) : v]),
  );
const call = (fn: string, xs: Tensor[], o: Record<string, unknown>): Tensor => (F as any)[fn](...xs, o);
const flat = (t: Tensor): number[] => Array.from(t.toTypedArray(), Number);

for (const backend of tg.listBackends()) {
  describe(`margin and embedding losses match PyTorch (${backend})`, () => {
    for (const c of cases) {
      it(c.id, () => {
        const prev = tg.getBackend().name;
        tg.setBackend(backend);
        try {
          const xs = c.inputs.map((r, i) => make(r, c.gradMask[i]));
          const out = call(c.fn, xs, options(c.opts));
          assert.deepEqual([...out.shape], c.output.shape, `${c.id}: output shape`);
          assertClose(flat(out), c.output.values, { rtol: 1e-10, atol: 1e-12, what: `${c.id} output` });
          out.backward(make(c.gradOutput));
          c.grads.forEach((g, i) => {
            if (g) assertClose(flat(xs[i].grad!), g.values, { rtol: 1e-10, atol: 1e-12, what: `${c.id} grad of input ${i}` });
          });
        } finally {
          tg.setBackend(prev);
        }
      });
    }
  });
}

describe("margin and embedding losses", () => {
  it("agree with finite differences", () => {
    for (const c of cases.filter((k) => k.id.endsWith("-none") || !/-(mean|sum)$/.test(k.id))) {
      const fixed = c.inputs.map((r) => make(r));
      const mask = c.gradMask;
      const fn = (...ts: Tensor[]) => {
        let at = 0;
        return call(
          c.fn,
          fixed.map((x, i) => (mask[i] ? ts[at++] : x)),
          options(c.opts),
        );
      };
      assert.equal(
        tg.gradcheck(
          fn,
          fixed.filter((_, i) => mask[i]).map((x) => x.detach().requiresGrad_()),
        ),
        true,
        c.id,
      );
    }
  });

  it("module forms hold their options and weights as PyTorch's", () => {
    const c = cases.find((k) => k.id === "multiMargin-p2-weight")!;
    const m = new nn.MultiMarginLoss({ ...options(c.opts) } as any);
    assert.deepEqual(Object.keys(m.stateDict()), ["weight"]);
    assertClose(flat(m.forward(make(c.inputs[0]), make(c.inputs[1]))), c.output.values, { rtol: 1e-10, what: "MultiMarginLoss" });
    const t = cases.find((k) => k.id === "tripletMargin-p1-swap")!;
    const tm = new nn.TripletMarginLoss(t.opts);
    assertClose(flat(tm.forward(make(t.inputs[0]), make(t.inputs[1]), make(t.inputs[2]))), t.output.values, {
      rtol: 1e-10,
      what: "TripletMarginLoss",
    });
    assert.throws(
      () => new nn.HingeEmbeddingLoss({ margni: 1 } as any),
      (e: unknown) => e instanceof tg.ValueError && /HingeEmbeddingLoss: unknown option "margni"/.test((e as Error).message),
    );
  });

  it("multiMarginLoss has no gradient from a term exactly at 0 (torch counts a term only where it is > 0)", () => {
    // torch: multi_margin_loss(x=[[-2, -1, -0.5, 0, 0.5, 1, 2]], y=[3], reduction="sum"): the term of x=-1 is
    // max(0, 1 - 0 - 1) = 0; x.grad = [0, 0, 1/7, -4/7, 1/7, 1/7, 1/7].
    const x = tg.tensor([[-2, -1, -0.5, 0, 0.5, 1, 2]], { requiresGrad: true });
    F.multiMarginLoss(x, [3], { reduction: "sum" }).backward();
    assertClose(flat(x.grad!), [0, 0, 1 / 7, -4 / 7, 1 / 7, 1 / 7, 1 / 7], { rtol: 1e-6, atol: 0 });
  });

  it("typed errors name the loss and the values", () => {
    assert.throws(
      () => F.multiMarginLoss(tg.ones([2, 3]), [0, 3]),
      (e: unknown) => e instanceof tg.ValueError && /target 3 is out of bounds for 3 classes/.test((e as Error).message),
    );
    assert.throws(
      () => F.multiMarginLoss(tg.ones([2, 3]), [0, 1], { p: 3 as any }),
      (e: unknown) => e instanceof tg.ValueError && /p must be 1 or 2/.test((e as Error).message),
    );
    assert.throws(
      () => F.marginRankingLoss(tg.ones([3]), tg.ones([4]), tg.ones([3])),
      (e: unknown) => e instanceof tg.ShapeError && /input1 \[3\] and input2 \[4\]/.test((e as Error).message),
    );
    assert.throws(
      () => F.cosineEmbeddingLoss(tg.ones([2, 3]), tg.ones([2, 3]), tg.ones([3])),
      (e: unknown) => e instanceof tg.ShapeError && /one entry per row/.test((e as Error).message),
    );
    assert.throws(() => F.tripletMarginLoss(tg.ones([2, 3]), tg.ones([3]), tg.ones([2, 3])), tg.ShapeError);
    assert.throws(
      () => F.poissonNllLoss(tg.ones([2]), tg.ones([2]), { reduction: "avg" as any }),
      (e: unknown) => e instanceof tg.ValueError && /reduction must be/.test((e as Error).message),
    );
  });
});
