// Options PyTorch users pass that tensorgrad used to ignore (trap 9 of the fidelity list): each
// gives PyTorch's numbers (test/fixtures/fidelity.json) on every backend, and the 0-d promotion rule.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, optim, ValueError, type Tensor } from "tensorgrad";
import { fidelity, fromRec, close, onBackend } from "./fixtures.js";

const F = nn.functional;
const o = fidelity.options;

for (const backend of tg.listBackends()) {
  describe(`options as PyTorch's (${backend})`, () => {
    const on = onBackend(backend);
    const x = () => fromRec(o.x);
    const y = () => fromRec(o.y);

    it(
      "var/std: unbiased and correction",
      on(() => {
        close(x().var(undefined, { unbiased: false }), o.varUnbiasedFalse);
        close(x().var(1, { correction: 0 }), o.varCorrection0Dim);
        close(x().var(0, { correction: 2 }), o.varCorrection2Dim);
        close(x().std(1, { unbiased: false, keepdim: true }), o.stdUnbiasedFalseDim);
        const xg = fromRec(o.x, { requiresGrad: true });
        tg.var(xg, 0, { correction: 2 }).sum().backward();
        close(xg.grad!, o.varCorrection2DimGrad, 1e-5);
        assert.throws(() => x().var(0, { unbiased: true, correction: 0 }), ValueError);
        assert.throws(() => x().std(0, { ddof: 1 } as any), /std: unknown option "ddof"/);
      }),
    );

    it(
      "norm(p) and norm(p, dim) with their gradients",
      on(() => {
        close(x().norm(1), o.norm1);
        close(x().norm(Infinity), o.normInf);
        close(x().norm(3, 1), o.norm3Dim, 1e-5);
        close(x().norm(2, 0, true), o.norm2DimKeep);
        let xg = fromRec(o.x, { requiresGrad: true });
        xg.norm(3, 1).sum().backward();
        close(xg.grad!, o.norm3DimGrad, 1e-5);
        xg = fromRec(o.x, { requiresGrad: true });
        xg.norm(1).backward();
        close(xg.grad!, o.norm1Grad);
        const z = tg.zeros([3], { requiresGrad: true });
        z.norm().backward();
        assert.deepEqual(z.grad!.toArray(), [0, 0, 0]);
      }),
    );

    it(
      "add and sub with alpha",
      on(() => {
        close(tg.sub(x(), y(), { alpha: 2.5 }), o.subAlpha);
        close(x().add(y(), { alpha: -0.5 }), o.addAlpha);
        assert.throws(() => x().sub(y(), { alhpa: 2 } as any), /sub: unknown option "alhpa"/);
      }),
    );

    it(
      "softmax with dtype",
      on(() => {
        const s = F.softmax(x(), 1, { dtype: "float64" });
        assert.equal(s.dtype, o.softmaxFloat64.dtype.replace("torch.", ""));
        close(s, o.softmaxFloat64, 1e-12);
        assert.throws(() => F.softmax(x(), 1, { dtype: "half" as never }), /softmax: unknown dtype "half"/);
      }),
    );

    it(
      "embedding maxNorm renormalises the looked-up rows in place",
      on(() => {
        const e = o.embeddingMaxNorm;
        const w = fromRec(e.weight);
        const out = F.embedding(tg.tensor(e.index, { dtype: "int32" }), w, { maxNorm: 1 });
        close(out, e.output, 1e-6);
        close(w, e.weightAfter, 1e-6);
        assert.equal(w.version, 2); // both distinct rows looked up were longer than 1: one write each
        const layer = new nn.Embedding(4, 3, { maxNorm: 1 });
        tg.noGrad(() => layer.weight.copy_(fromRec(e.weight)));
        close(layer.forward(tg.tensor(e.index, { dtype: "int32" })), e.output, 1e-6);
        assert.equal(layer.toString(), "Embedding(4, 3, max_norm=1.0)");
      }),
    );

    it(
      "maxPool2d returnIndices",
      on(() => {
        const m = o.maxPool2dIndices;
        const [values, indices] = F.maxPool2d(fromRec(m.input), 2, { returnIndices: true });
        close(values, m.values);
        assert.equal(indices.dtype, "int32");
        assert.deepEqual([...indices.shape], m.shape);
        assert.deepEqual(Array.from(indices.toTypedArray()), m.indices);
        // The module form returns the same pair, as torch.nn.MaxPool2d(return_indices=True).
        const [mv, mi] = new nn.MaxPool2d(2, { returnIndices: true }).forward(fromRec(m.input));
        close(mv, m.values);
        assert.deepEqual(Array.from(mi.toTypedArray()), m.indices);
        assert.throws(
          () => new nn.MaxPool2d(2, { returnIndices: 1 } as any),
          (e: unknown) => e instanceof tg.ValueError && /MaxPool2d: returnIndices must be true or false, got 1/.test((e as Error).message),
        );
      }),
    );

    it(
      "a 0-d tensor does not promote within its category",
      on(() => {
        const name = (t: Tensor) => `torch.${t.dtype}`;
        const f64 = tg.tensor(2, { dtype: "float64" });
        const p = o.promotion;
        assert.equal(name(tg.ones([3]).add(f64)), p.f32PlusF64Scalar);
        assert.equal(name(f64.add(tg.ones([3]))), p.f64ScalarPlusF32);
        assert.equal(name(tg.ones([3], { dtype: "int32" }).add(f64)), p.i32PlusF64Scalar);
        assert.equal(name(tg.tensor(1).add(f64)), p.f32ScalarPlusF64Scalar);
        assert.equal(name(tg.tensor(1, { dtype: "int32" }).add(tg.ones([3]))), p.i32ScalarPlusF32);
        assert.equal(name(tg.maximum(tg.ones([3]), f64)), p.maxF32F64Scalar);
        assert.equal(name(tg.ones([3]).div(f64)), p.divF32F64Scalar);
        assert.deepEqual(tg.ones([3]).add(f64).toArray(), [3, 3, 3]);
        // The gradient of the 0-d float64 operand comes back as float64.
        const s = tg.tensor(2, { dtype: "float64", requiresGrad: true });
        tg.ones([3]).mul(s).sum().backward();
        assert.equal(s.grad!.dtype, "float64");
        assert.equal(s.grad!.item(), 3);
      }),
    );
  });
}

describe("an unknown option key is a ValueError naming the function and the key", () => {
  const x = () => tg.randn([2, 3, 4, 4]);
  const CASES: [string, () => unknown][] = [
    ["conv2d", () => F.conv2d(x(), tg.randn([2, 3, 3, 3]), null, { padding_mode: "zeros" } as any)],
    ["maxPool2d", () => F.maxPool2d(x(), 2, { ceil_mode: true } as any)],
    ["crossEntropy", () => F.crossEntropy(tg.randn([2, 3]), tg.tensor([0, 1], { dtype: "int32" }), { label_smoothing: 0.1 } as any)],
    ["mseLoss", () => F.mseLoss(tg.randn([2]), tg.randn([2]), { reduce: false } as any)],
    ["huberLoss", () => F.huberLoss(tg.randn([2]), tg.randn([2]), { beta: 0.5 } as any)],
    ["smoothL1Loss", () => F.smoothL1Loss(tg.randn([2]), tg.randn([2]), { delta: 0.5 } as any)],
    ["avgPool2d", () => F.avgPool2d(x(), 2, { count_include_pad: false } as any)],
    ["AvgPool2d", () => new nn.AvgPool2d(2, { count_include_pad: false } as any)],
    ["CrossEntropyLoss", () => new nn.CrossEntropyLoss({ label_smoothing: 0.1 } as any)],
    ["NLLLoss", () => new nn.NLLLoss({ ignore_index: 0 } as any)],
    ["MSELoss", () => new nn.MSELoss({ reduce: false } as any)],
    ["BCEWithLogitsLoss", () => new nn.BCEWithLogitsLoss({ pos_weight: tg.ones([1]) } as any)],
    ["KLDivLoss", () => new nn.KLDivLoss({ log_target: true } as any)],
    ["gelu", () => F.gelu(tg.randn([2]), { approx: "tanh" } as any)],
    ["softplus", () => F.softplus(tg.randn([2]), { betta: 2 } as any)],
    ["layerNorm", () => F.layerNorm(tg.randn([2, 3]), 3, { epsilon: 1e-3 } as any)],
    ["Linear", () => new nn.Linear(2, 3, { bias: false, device: "cpu" } as any)],
    ["Conv2d", () => new nn.Conv2d(3, 2, 3, { padding_mode: "reflect" } as any)],
    ["BatchNorm1d", () => new nn.BatchNorm1d(3, { track_running_stats: false } as any)],
    ["LSTM", () => new nn.LSTM(3, 4, { proj_size: 2 } as any)],
    ["MultiheadAttention", () => new nn.MultiheadAttention(4, 2, { addZeroAttn: true } as any)],
    ["MultiheadAttention", () => new nn.MultiheadAttention(4, 2, { addBiasKv: true } as any)],
    ["TransformerEncoderLayer", () => new nn.TransformerEncoderLayer(4, 2, { dim_feedforward: 8 } as any)],
    ["embedding", () => F.embedding(tg.tensor([0], { dtype: "int32" }), tg.randn([2, 2]), { scaleGradByFreq: true } as any)],
    ["init.kaimingUniform", () => nn.init.kaimingUniform(tg.zeros([2, 2]), { gain: 2 } as any)],
    ["gradcheck", () => tg.gradcheck((a) => a.sum(), [tg.randn([2], { dtype: "float64", requiresGrad: true })], { tol: 1 } as any)],
    ["loadStateDict", () => new nn.Linear(1, 1).loadStateDict({}, { strict: false, assign: true } as any)],
  ];
  it("an options object where torch takes a number positionally (F.elu(x, { alpha })) is a ValueError naming the op", () => {
    const v = tg.tensor([-1, 1]);
    const cases: [string, () => unknown][] = [
      ["elu: alpha", () => F.elu(v, { alpha: 0.5 } as any)],
      ["leakyRelu: negative slope", () => F.leakyRelu(v, { negativeSlope: 0.2 } as any)],
      ["elu: alpha", () => new nn.ELU({ alpha: 0.5 } as any).forward(v)],
      ["celu: alpha", () => F.celu(v, { alpha: 2 } as any)],
      ["add: expected a Tensor or a number", () => v.add("1" as any)],
    ];
    for (const [start, call] of cases) {
      assert.throws(call, (e: unknown) => e instanceof ValueError && (e as Error).message.startsWith(start), start);
    }
  });

  it("an optimizer given a number (torch's positional lr) rather than options", () => {
    for (const make of [
      () => new optim.Adam([tg.zeros([1], { requiresGrad: true })], 0.1 as any),
      () => new optim.SGD([tg.zeros([1], { requiresGrad: true })], 0.1 as any),
    ]) {
      assert.throws(
        make,
        (e: unknown) =>
          e instanceof ValueError && /^(Adam|SGD): options must be an object, as \{ lr: 0.1 \}, got number$/.test((e as Error).message),
      );
    }
    assert.throws(
      () => F.avgPool2d(x(), 2, 1 as any),
      (e: unknown) => e instanceof ValueError && /^avgPool2d: options must be an object/.test((e as Error).message),
    );
  });
  for (const [name, call] of CASES) {
    it(name, () =>
      assert.throws(call, (e: unknown) => e instanceof ValueError && (e as Error).message.startsWith(`${name}: unknown option`)),
    );
  }
});
