// In-place ops and version counters (trap 5 of the fidelity list): changing a tensor that autograd
// saved makes backward throw, naming the op, as PyTorch does; add_ sub_ mul_ div_ copy_ fill_ zero_
// clamp_ write through the backend (views included) and work under noGrad, on every backend.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, optim, ShapeError, DTypeError, ValueError } from "tensorgrad";
import { onBackend } from "./fixtures.js";

const modified = (op: string) => (e: unknown) =>
  e instanceof ValueError && e.message.includes("modified by an in-place operation") && e.message.includes(`${op}'s`);

for (const backend of tg.listBackends()) {
  describe(`in-place ops and version counters (${backend})`, () => {
    const on = onBackend(backend);

    it(
      "the issue's case: init.constant after (w*w).sum() makes backward throw, naming mul",
      on(() => {
        const w = tg.tensor([1, 2, 3], { requiresGrad: true });
        const l = w.mul(w).sum();
        nn.init.constant(w, 10);
        assert.equal(w.version, 1);
        assert.throws(() => l.backward(), modified("mul"));
      }),
    );

    it(
      "a saved output changed under noGrad (exp) makes backward throw; an unsaved input (add) does not",
      on(() => {
        const x = tg.tensor([0, 1], { requiresGrad: true });
        const y = x.exp();
        const z = y.mul(2).sum();
        tg.noGrad(() => y.add_(1));
        assert.throws(() => z.backward(), modified("exp"));

        const a = tg.tensor([1, 2], { requiresGrad: true });
        const b = tg.tensor([5, 6]);
        const s = a.add(b).sum();
        b.fill_(0); // add saved neither operand: PyTorch allows it
        s.backward();
        assert.deepEqual(a.grad!.toArray(), [1, 1]);
      }),
    );

    it(
      "a view shares its base's version",
      on(() => {
        const w = tg.tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { requiresGrad: true },
        );
        const l = w.mul(w).sum();
        tg.noGrad(() => w.slice(0, 1, 2).zero_());
        assert.deepEqual(w.toArray(), [
          [1, 2],
          [0, 0],
        ]);
        assert.throws(() => l.backward(), modified("mul"));
      }),
    );

    it(
      "an optimizer step bumps the version: a retained graph cannot be reused after it",
      on(() => {
        const w = tg.tensor([1, 2], { requiresGrad: true });
        const opt = new optim.SGD([w], { lr: 0.1 });
        const l = w.mul(w).sum();
        l.backward(null, { retainGraph: true });
        opt.step();
        assert.equal(w.version, 1);
        assert.throws(() => l.backward(), modified("mul"));
      }),
    );

    it(
      "the course's update in one line: w.sub_(w.grad.mul(lr)) under noGrad",
      on(() => {
        const w = tg.tensor([1, -2, 3], { requiresGrad: true });
        w.mul(w).sum().backward();
        const same = tg.noGrad(() => w.sub_(w.grad!.mul(0.25)));
        assert.equal(same, w);
        assert.deepEqual(w.toArray(), [0.5, -1, 1.5]);
        assert.equal(w.requiresGrad, true);
        assert.equal(w.isLeaf, true);
      }),
    );

    it(
      "each op's values, with broadcasting, alpha and dtype conversion",
      on(() => {
        const t = () =>
          tg.tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]);
        assert.deepEqual(
          t()
            .add_(tg.tensor([1, 0, -1]), { alpha: 2 })
            .toArray(),
          [
            [3, 2, 1],
            [6, 5, 4],
          ],
        );
        assert.deepEqual(t().sub_(1).toArray(), [
          [0, 1, 2],
          [3, 4, 5],
        ]);
        assert.deepEqual(
          t()
            .mul_(tg.tensor([[2], [-1]]))
            .toArray(),
          [
            [2, 4, 6],
            [-4, -5, -6],
          ],
        );
        assert.deepEqual(t().div_(2).toArray(), [
          [0.5, 1, 1.5],
          [2, 2.5, 3],
        ]);
        assert.deepEqual(t().clamp_(2, 5).toArray(), [
          [2, 2, 3],
          [4, 5, 5],
        ]);
        assert.deepEqual(t().fill_(7).toArray(), [
          [7, 7, 7],
          [7, 7, 7],
        ]);
        assert.deepEqual(t().zero_().toArray(), [
          [0, 0, 0],
          [0, 0, 0],
        ]);
        assert.deepEqual(
          t()
            .copy_(tg.tensor([9, 8, 7]))
            .toArray(),
          [
            [9, 8, 7],
            [9, 8, 7],
          ],
        );
        const i = tg.zeros([3], { dtype: "int32" }).copy_(tg.tensor([1.7, -2.7, 3]));
        assert.equal(i.dtype, "int32");
        assert.deepEqual(i.toArray(), [1, -2, 3]);
        // Through a transposed (non-contiguous) view.
        const base = t();
        base.transpose(0, 1).add_(
          tg.tensor([
            [10, 20],
            [10, 20],
            [10, 20],
          ]),
        );
        assert.deepEqual(base.toArray(), [
          [11, 12, 13],
          [24, 25, 26],
        ]);
        assert.equal(base.version, 1);
      }),
    );

    it(
      "typed errors: a leaf requiring grad outside noGrad, a shape that does not fit, a float into int32",
      on(() => {
        const w = tg.tensor([1, 2], { requiresGrad: true });
        assert.throws(
          () => w.sub_(1),
          (e: unknown) => e instanceof ValueError && /sub_: a leaf tensor that requires grad/.test((e as Error).message),
        );
        assert.throws(() => tg.zeros([2]).add_(tg.ones([3, 2])), ShapeError);
        assert.throws(() => tg.zeros([2], { dtype: "int32" }).mul_(1.5), DTypeError);
        assert.throws(() => tg.zeros([2]).add_(1, { alpah: 2 } as any), /add_: unknown option "alpah"/);
      }),
    );
  });
}
