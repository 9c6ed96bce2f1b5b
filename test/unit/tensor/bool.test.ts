// The bool dtype as PyTorch's torch.bool: creation and casts, reading and printing, promotion,
// the ops PyTorch refuses on bool (with the exact error types), masks that must be bool, autograd,
// safetensors round trips, and MultiheadAttention with a bool and a float mask against PyTorch
// (fixtures/bool.json, made by fixtures/gen_bool.py). Run on every host backend.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { nn, io, type Tensor, DTypeError } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

type Rec = { shape: number[]; values: number[] };
const fixture = JSON.parse(readFileSync(new URL("../../fixtures/bool.json", import.meta.url), "utf8"));
const fromRec = (r: Rec, dtype: tg.DType = "float32") => tg.tensor(Float64Array.from(r.values), { shape: r.shape, dtype });

/** Asserts `fn` throws a DTypeError whose message matches every pattern. */
function dtypeError(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DTypeError, `expected a DTypeError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  });
}

for (const backend of tg.listBackends().filter((b) => b !== "webgpu")) {
  describe(`bool tensors (${backend})`, () => {
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
      'tensor() infers bool from booleans; dtype "bool" converts non-zero and NaN to true, as torch',
      on(() => {
        const b = tg.tensor([
          [true, false],
          [false, true],
        ]);
        assert.equal(b.dtype, "bool");
        assert.deepEqual(b.toArray(), [
          [true, false],
          [false, true],
        ]);
        assert.equal(tg.tensor(true).dtype, "bool");
        assert.equal(tg.tensor([1, true]).dtype, "float32", "numbers mixed in: float32");
        assert.deepEqual(tg.tensor([0, 0.5, -2, NaN, -0], { dtype: "bool" }).toArray(), [false, true, true, true, false]);
        assert.deepEqual(tg.tensor(new Float32Array([0, 0.25, NaN]), { dtype: "bool" }).toArray(), [false, true, true]);
        assert.deepEqual(tg.full([2], 0.3, { dtype: "bool" }).toArray(), [true, true]);
        assert.deepEqual(tg.zeros([2], { dtype: "bool" }).toArray(), [false, false]);
        assert.deepEqual(tg.ones([1], { dtype: "bool" }).toArray(), [true]);
        assert.deepEqual(tg.zerosLike(b).toArray(), [
          [false, false],
          [false, false],
        ]);
        assert.equal(tg.onesLike(tg.zeros([2]), { dtype: "bool" }).dtype, "bool");
        assert.deepEqual(tg.tensor([0, 0.5, NaN, -1]).bool().toArray(), [false, true, true, true]);
        assert.deepEqual(tg.tensor([3, 0], { dtype: "int32" }).to("bool").toArray(), [true, false]);
        assert.deepEqual(b.float().toArray(), [
          [1, 0],
          [0, 1],
        ]);
        assert.equal(b.int().dtype, "int32");
        assert.equal(b.to("bool"), b);
        dtypeError(() => tg.tensor([1], { dtype: "uint8" as tg.DType }), /unknown dtype "uint8"/, /"bool"/);
      }),
    );

    it(
      "reads as 0/1 in an Int32Array, JS booleans from toArray/array, 1 or 0 from item, and prints true/false",
      on(async () => {
        const b = tg.tensor([true, false, true]);
        assert.ok(b.toTypedArray() instanceof Int32Array);
        assert.deepEqual(Array.from(b.toTypedArray()), [1, 0, 1]);
        assert.deepEqual(Array.from(await b.data()), [1, 0, 1]);
        assert.deepEqual(await b.array(), [true, false, true]);
        assert.equal(b.any().item(), 1);
        assert.equal(tg.tensor(false).item(), 0);
        assert.equal(await tg.tensor(true).itemAsync(), 1);
        assert.equal(String(b), "tensor([true, false, true])");
        assert.equal(String(tg.tensor([[true], [false]])), "tensor([[true],\n        [false]])");
        assert.deepEqual(b.transpose(0, 0).toArray(), [true, false, true]);
        assert.deepEqual(
          tg
            .tensor([
              [true, false],
              [false, false],
            ])
            .T.contiguous()
            .toArray(),
          [
            [true, false],
            [false, false],
          ],
        );
      }),
    );

    it(
      "comparisons, isnan/isinf/isfinite, any/all and logical ops give bool, and do not require grad",
      on(() => {
        const x = tg.tensor([1, -2, NaN, Infinity], { requiresGrad: true });
        for (const t of [
          x.gt(0),
          x.ge(0),
          x.lt(0),
          x.le(0),
          x.eq(1),
          x.ne(1),
          tg.gt(x, 0),
          x.isnan(),
          x.isinf(),
          x.isfinite(),
          x.any(),
          x.all(0),
          x.logicalNot(),
        ]) {
          assert.equal(t.dtype, "bool");
          assert.equal(t.requiresGrad, false);
        }
        assert.deepEqual(x.gt(0).toArray(), [true, false, false, true]);
        assert.deepEqual(x.isfinite().toArray(), [true, true, false, false]);
        assert.deepEqual(tg.tensor([true, false]).isinf().toArray(), [false, false]);
        assert.deepEqual(tg.logicalAnd(tg.tensor([true, true, false]), tg.tensor([2, 0, 1])).toArray(), [true, false, false]);
        assert.deepEqual(tg.logicalOr(tg.tensor([true, false, false]), tg.tensor([0, 0, -1])).toArray(), [true, false, true]);
        assert.deepEqual(tg.logicalXor(tg.tensor([true, false]), tg.tensor([true, true])).toArray(), [false, true]);
      }),
    );

    it(
      "promotes as torch.result_type: bool < int32 < float; a plain integer gives int32, a fraction float32",
      on(() => {
        const b = tg.tensor([true, false, true]);
        const cases: [Tensor, string, unknown][] = [
          [b.add(b), "bool", [true, false, true]],
          [b.add(tg.tensor([true, true, false])), "bool", [true, true, true]],
          [b.mul(tg.tensor([true, true, false])), "bool", [true, false, false]],
          [b.maximum(tg.tensor([false, true, false])), "bool", [true, true, true]],
          [b.div(tg.tensor([true, true, true])), "float32", [1, 0, 1]],
          [b.add(2), "int32", [3, 2, 3]],
          [b.mul(1.5), "float32", [1.5, 0, 1.5]],
          [b.add(tg.tensor([1, 2, 3], { dtype: "int32" })), "int32", [2, 2, 4]],
          [b.mul(tg.tensor([0.5, 0.5, 0.5])), "float32", [0.5, 0, 0.5]],
          [b.add(tg.tensor(0.5, { dtype: "float64" })), "float64", [1.5, 0.5, 1.5]],
          [b.exp(), "float32", [Math.fround(Math.E), 1, Math.fround(Math.E)]],
          [b.square(), "int32", [1, 0, 1]],
          [b.sign(), "bool", [true, false, true]],
          [tg.cat([b, tg.tensor([0.5])]), "float32", [1, 0, 1, 0.5]],
          [tg.cat([b, tg.tensor([7], { dtype: "int32" })]), "int32", [1, 0, 1, 7]],
          [
            tg.stack([b, b]),
            "bool",
            [
              [true, false, true],
              [true, false, true],
            ],
          ],
          [tg.where(b, b, tg.tensor([false, true, false])), "bool", [true, true, true]],
          [b.eq(tg.tensor([1, 0, 0])), "bool", [true, true, false]],
        ];
        for (const [t, dtype, values] of cases) {
          assert.equal(t.dtype, dtype);
          assert.deepEqual(t.toArray(), values);
        }
      }),
    );

    it(
      "reductions: sum/prod/cumsum count in int32, max/min/sort keep bool, mean/var/std/argmax are DTypeErrors as in torch",
      on(() => {
        const b = tg.tensor([
          [true, false, true],
          [true, true, true],
        ]);
        assert.deepEqual([b.sum().dtype, b.sum().item()], ["int32", 5]);
        assert.deepEqual(b.sum(1).toArray(), [2, 3]);
        assert.deepEqual([b.prod(1).dtype, b.prod(1).toArray()], ["int32", [0, 1]]);
        assert.deepEqual(
          [b.cumsum(1).dtype, b.cumsum(1).toArray()],
          [
            "int32",
            [
              [1, 1, 2],
              [1, 2, 3],
            ],
          ],
        );
        assert.deepEqual([b.max(1).dtype, b.max(1).toArray()], ["bool", [true, true]]);
        assert.deepEqual(b.min().toArray(), false);
        const [values, idx] = b.sort(1);
        assert.deepEqual(
          [values.dtype, values.toArray(), idx.toArray()],
          [
            "bool",
            [
              [false, true, true],
              [true, true, true],
            ],
            [
              [1, 0, 2],
              [0, 1, 2],
            ],
          ],
        );
        dtypeError(() => b.mean(), /^mean: expected a floating-point tensor, got bool/);
        dtypeError(() => b.var(), /^var: expected a floating-point tensor, got bool/);
        dtypeError(() => b.std(), /^std: expected a floating-point tensor, got bool/);
        dtypeError(() => b.argmax(), /^argmax: not supported for bool tensors/);
      }),
    );

    it(
      "refuses what torch refuses on bool: sub, neg, pow and float-only unary maths, each a DTypeError naming the op",
      on(() => {
        const b = tg.tensor([true, false]);
        dtypeError(() => b.sub(b), /^sub: subtracting two bool tensors is not supported/, /logicalXor/);
        dtypeError(() => b.neg(), /^neg: negation of a bool tensor is not supported/, /logicalNot/);
        dtypeError(() => b.pow(b), /^pow: not supported for bool tensors/);
        for (const op of ["abs", "relu", "floor", "round"] as const)
          dtypeError(() => b[op](), new RegExp(`^${op}: not supported for bool tensors`));
        assert.deepEqual(b.sub(1).toArray(), [0, -1], "a number makes it int32 first, as torch");
      }),
    );

    it(
      "maskedFill, maskedSelect and where take bool masks only, as torch (a 0/1 float or int32 mask is a DTypeError)",
      on(() => {
        const x = tg.tensor([1, 2, 3]);
        assert.deepEqual(x.maskedFill(tg.tensor([false, true, false]), -1).toArray(), [1, -1, 3]);
        assert.deepEqual(x.maskedFill(x.gt(1.5), 0).toArray(), [1, 0, 0]);
        assert.deepEqual(tg.where(x.lt(2), x, 10).toArray(), [1, 10, 10]);
        for (const mask of [tg.tensor([0, 1, 0]), tg.tensor([0, 1, 0], { dtype: "int32" })]) {
          dtypeError(() => x.maskedFill(mask, 0), /^maskedFill: expected a bool mask, got (float32|int32)/, /\.bool\(\)/);
          dtypeError(() => x.maskedSelect(mask), /^maskedSelect: expected a bool mask/);
          dtypeError(() => tg.where(mask, x, 0), /^where: expected a bool condition, got (float32|int32)/, /condition\.bool\(\)/);
        }
        // A mask that does not broadcast is maskedFill's ShapeError, not where's.
        assert.throws(() => x.maskedFill(tg.tensor([true, false]), 0), {
          name: "ShapeError",
          message: /^maskedFill: shapes \[3\] and \[2\]/,
        });
      }),
    );

    it(
      "never requires grad, and a mask in a differentiable expression passes the gradient only where it is true",
      on(() => {
        dtypeError(() => {
          tg.tensor([true]).requiresGrad = true;
        }, /only floating-point tensors can require gradients, got bool/);
        dtypeError(() => tg.tensor([true], { requiresGrad: true }), /got bool/);
        const w = tg.tensor([1, -2, 3], { requiresGrad: true });
        const m = w.gt(0);
        w.mul(m).sum().backward();
        assert.deepEqual(w.grad!.toArray(), [1, 0, 1]);
      }),
    );

    it(
      "in place: fill_/copy_ convert to bool, add_/mul_ of bools stay bool, an int32 result is a DTypeError (as torch)",
      on(() => {
        const b = tg.tensor([true, false, false]);
        assert.deepEqual(b.fill_(0.5).toArray(), [true, true, true]);
        assert.deepEqual(b.copy_(tg.tensor([0, NaN, 2])).toArray(), [false, true, true]);
        assert.deepEqual(b.add_(tg.tensor([true, false, false])).toArray(), [true, true, true]);
        assert.deepEqual(b.mul_(tg.tensor([false, true, true])).toArray(), [false, true, true]);
        assert.equal(b.dtype, "bool");
        dtypeError(() => b.add_(1), /^add_: a int32 result cannot be written into a bool tensor in place$/);
      }),
    );

    it(
      "keeps its dtype through DataLoader batches, backend moves and Module.half()",
      on(() => {
        const masks = tg.tensor([
          [true, false],
          [false, true],
          [true, true],
        ]);
        const [batch] = [...new tg.data.DataLoader(new tg.data.TensorDataset(masks), { batchSize: 2 })][0]!;
        assert.deepEqual(
          [batch!.dtype, batch!.toArray()],
          [
            "bool",
            [
              [true, false],
              [false, true],
            ],
          ],
        );
        const other = backend === "js" ? "wasm" : "js";
        assert.deepEqual([masks.toBackend(other).dtype, masks.toBackend(other).toArray()], ["bool", masks.toArray()]);
        class Masked extends nn.Module {
          readonly keep = this.registerBuffer("keep", tg.tensor([true, false]));
          readonly w = this.registerParameter("w", tg.ones([2]));
          forward(x: Tensor): Tensor {
            return x.mul(this.w).mul(this.keep);
          }
        }
        const m = new Masked().half();
        assert.deepEqual([m.w.dtype, m.keep.dtype], ["float16", "bool"]);
      }),
    );

    it(
      "survives safetensors and state dicts with its dtype",
      on(() => {
        const mask = tg.tensor([
          [true, false, true],
          [false, false, true],
        ]);
        const bytes = io.saveSafetensors({ mask, w: tg.ones([2]) });
        const { tensors } = io.loadSafetensors(bytes);
        assert.equal(tensors.mask!.dtype, "bool");
        assert.deepEqual(tensors.mask!.toArray(), mask.toArray());
        class WithMask extends nn.Module {
          readonly keep = this.registerBuffer("keep", tg.tensor([true, false]));
          forward(x: Tensor): Tensor {
            return x.mul(this.keep);
          }
        }
        const a = new WithMask(),
          b2 = new WithMask();
        b2.loadStateDict({ keep: tg.tensor([false, true]) });
        assert.deepEqual([b2.keep.dtype, b2.keep.toArray()], ["bool", [false, true]]);
        assert.equal(a.stateDict().keep!.dtype, "bool");
      }),
    );

    it(
      "MultiheadAttention reads a bool mask as 'not allowed' and adds a float 0/1 mask, both as PyTorch",
      on(() => {
        const f = fixture.mha;
        const mha = new nn.MultiheadAttention(f.embedDim, f.numHeads).eval();
        mha.loadStateDict(Object.fromEntries(Object.entries(f.state as Record<string, Rec>).map(([k, v]) => [k, fromRec(v)])));
        const q = fromRec(f.query),
          kv = fromRec(f.keyValue);
        const attnMask = fromRec(f.attnMask, "bool"),
          keyPaddingMask = fromRec(f.keyPaddingMask, "bool");
        const cases = [
          ["bool", { attnMask, keyPaddingMask }],
          ["float", { attnMask: attnMask.float(), keyPaddingMask }],
          ["floatOnly", { attnMask: attnMask.float() }],
        ] as const;
        for (const [kind, masks] of cases) {
          const [out, w] = mha.forward(q, kv, kv, masks);
          assertClose(out.toFloat32Array(), f.cases[kind].output.values, { rtol: 1e-4, atol: 2e-5, what: `${kind} mask output` });
          assertClose(w!.toFloat32Array(), f.cases[kind].weights.values, { rtol: 1e-4, atol: 2e-5, what: `${kind} mask weights` });
        }
      }),
    );
  });
}
