// MultiheadAttention and scaledDotProductAttention against PyTorch (fixtures/seq.json): outputs,
// attention weights, and the gradients of query/key/value and every parameter under random upstream
// gradients, for self/cross attention, kdim/vdim, bool and additive masks, batch-first and
// unbatched inputs. Also keys/repr, init statistics, gradcheck and errors.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, ShapeError, ValueError, type Tensor } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";
import { expectClose, expectParamGrads, fixtures, stateOf, toTensor, weightedSum, type Desc, type SeqRecord } from "./seq-fixtures.js";

const F = nn.functional;

function throwsExactly(fn: () => unknown, cls: new (...a: any[]) => Error, message: string): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e.constructor.name}: ${e.message}`);
    assert.equal(e.message, message);
    return true;
  });
}

function forwardOptions(fwd: Record<string, SeqRecord | boolean | number>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fwd).map(([k, v]) => [k, typeof v === "object" ? toTensor(v) : v]));
}

describe("MultiheadAttention matches PyTorch", () => {
  for (const c of fixtures.attention) {
    {
      it(c.id, () => {
        const [E, H] = c.desc.args as [number, number];
        const mha = new nn.MultiheadAttention(E, H, c.desc.opts ?? {});
        assert.deepEqual(Object.keys(mha.stateDict()), Object.keys(c.state), "state-dict keys in torch's order");
        mha.loadStateDict(stateOf(c.state));
        mha.eval();
        const q = toTensor(c.query, { requiresGrad: true });
        const k = c.self ? q : toTensor(c.key!, { requiresGrad: true });
        const v = c.self ? q : toTensor(c.value!, { requiresGrad: true });
        const [out, w] = mha.forward(q, k, v, forwardOptions(c.forward));
        expectClose(out, c.outputs[0], `${c.id} output`);
        if (c.outputs.length > 1) expectClose(w, c.outputs[1], `${c.id} weights`);
        else assert.equal(w, null, "needWeights: false gives null weights");
        weightedSum(w ? [out, w] : [out], c.gradOutputs).backward();
        expectClose(q.grad, c.queryGrad, `${c.id} query grad`);
        if (!c.self) {
          expectClose(k.grad, c.keyGrad!, `${c.id} key grad`);
          expectClose(v.grad, c.valueGrad!, `${c.id} value grad`);
        }
        expectParamGrads(mha.namedParameters(), c.paramGrads, c.id);
      });
    }
  }
});

describe("scaledDotProductAttention matches PyTorch 2's definition", () => {
  for (const c of fixtures.sdpa) {
    {
      it(c.id, () => {
        const [q, k, v] = c.inputs.map((r) => toTensor(r, { requiresGrad: true }));
        const opts = { ...c.forward, attnMask: c.forward.attnMask ? toTensor(c.forward.attnMask) : null };
        const out = F.scaledDotProductAttention(q, k, v, opts);
        expectClose(out, c.output, `${c.id} output`);
        out.backward(toTensor(c.gradOutput));
        [q, k, v].forEach((t, i) => expectClose(t.grad, c.grads[i], `${c.id} grad of input ${i}`));
      });
    }
  }
});

describe("MultiheadAttention: keys, repr, initialisation", () => {
  for (const [id, make] of [
    ["mha", () => new nn.MultiheadAttention(16, 4)],
    ["mha-kdim-vdim-nobias", () => new nn.MultiheadAttention(16, 4, { kdim: 8, vdim: 12, bias: false })],
  ] as const) {
    it(id, () => {
      const m = make();
      const want = fixtures.keys[id];
      assert.deepEqual(
        Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]]),
        want.stateDict,
      );
      assert.equal(m.toString(), want.repr);
      assert.equal(m.numParameters(), want.numParameters);
    });
  }
  function expectUniform(t: Tensor, bound: number, what: string): void {
    const v = t.toFloat32Array();
    const maxAbs = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    assert.ok(maxAbs <= bound && maxAbs > 0.9 * bound, `${what}: max |w| ${maxAbs}, bound ${bound}`);
    const variance = v.reduce((a, x) => a + x * x, 0) / v.length;
    assert.ok(Math.abs(variance / ((bound * bound) / 3) - 1) < 0.08, `${what}: variance ${variance}, expected ${(bound * bound) / 3}`);
  }
  it("xavier-uniform in_proj_weight (as one [3E, E] matrix), zero biases, Linear-default out_proj.weight", () => {
    tg.manualSeed(4);
    const E = 64;
    const m = new nn.MultiheadAttention(E, 8);
    expectUniform(m.inProjWeight!, Math.sqrt(6 / (E + 3 * E)), "in_proj_weight");
    expectUniform(m.outProj.weight, 1 / Math.sqrt(E), "out_proj.weight");
    assert.ok(
      m.inProjBias!.toFloat32Array().every((x) => x === 0),
      "in_proj_bias is zero",
    );
    assert.ok(
      m.outProj.bias!.toFloat32Array().every((x) => x === 0),
      "out_proj.bias is zero",
    );
  });
  it("separate q/k/v projections are each xavier-uniform", () => {
    tg.manualSeed(4);
    const m = new nn.MultiheadAttention(64, 8, { kdim: 32, vdim: 96 });
    expectUniform(m.qProjWeight!, Math.sqrt(6 / 128), "q_proj_weight");
    expectUniform(m.kProjWeight!, Math.sqrt(6 / 96), "k_proj_weight");
    expectUniform(m.vProjWeight!, Math.sqrt(6 / 160), "v_proj_weight");
  });
});

describe("attention masks and options", () => {
  tg.manualSeed(9);
  const mha = new nn.MultiheadAttention(8, 2).eval();
  const x = tg.randn([5, 3, 8]);
  const causalBool = tg
    .arange(5)
    .reshape([5, 1])
    .lt(tg.arange(5).reshape([1, 5])); // true above the diagonal
  const [ref, refW] = mha.forward(x, x, x, { attnMask: nn.generateSquareSubsequentMask(5) });

  it("a causal mask as additive -inf, bool, or isCausal gives the same result", () => {
    assert.equal(causalBool.dtype, "bool");
    for (const opts of [{ attnMask: causalBool }, { isCausal: true }, { attnMask: causalBool, isCausal: true }]) {
      const [out, w] = mha.forward(x, x, x, opts);
      assertClose(out.toFloat32Array(), ref.toFloat32Array(), { what: JSON.stringify(Object.keys(opts)) });
      assertClose(w!.toFloat32Array(), refW!.toFloat32Array());
    }
    const w = refW!.toArray() as number[][][];
    assert.equal(w[0][0][1], 0, "no weight on future keys");
    assertClose([w[1][2].reduce((a, b) => a + b, 0)], [1], { what: "rows sum to 1" });
  });
  it("as torch, a 0/1 float mask is added to the scores, not read as bool, and an int32 mask is a DTypeError", () => {
    const [added] = mha.forward(x, x, x, { attnMask: causalBool.float() });
    assert.notDeepEqual(added.toFloat32Array(), ref.toFloat32Array(), "a float 0/1 mask does not mask");
    throwsExactly(
      () => mha.forward(x, x, x, { attnMask: causalBool.int() }),
      tg.DTypeError,
      "MultiheadAttention(8, 2): attnMask must be bool (true = not allowed to attend) or floating point (added to the scores), got int32; pass a bool tensor (e.g. attnMask.bool())",
    );
    throwsExactly(
      () => mha.forward(x, x, x, { keyPaddingMask: tg.zeros([3, 5], { dtype: "int32" }) }),
      tg.DTypeError,
      "MultiheadAttention(8, 2): keyPaddingMask must be bool (true = not allowed to attend) or floating point (added to the scores), got int32; pass a bool tensor (e.g. keyPaddingMask.bool())",
    );
    throwsExactly(
      () =>
        F.scaledDotProductAttention(tg.zeros([2, 3]), tg.zeros([2, 3]), tg.zeros([2, 3]), {
          attnMask: tg.ones([2, 2], { dtype: "int32" }),
        }),
      tg.DTypeError,
      "scaledDotProductAttention: attnMask must be bool (true = may attend) or floating point (added to the scores), got int32; pass a bool tensor (e.g. attnMask.bool())",
    );
  });
  it("isCausal in scaledDotProductAttention equals a bool lower-triangular 'attend' mask", () => {
    const [q, k, v] = [tg.randn([2, 4, 3]), tg.randn([2, 4, 3]), tg.randn([2, 4, 2])];
    const attend = tg
      .arange(4)
      .reshape([4, 1])
      .ge(tg.arange(4).reshape([1, 4]));
    assertClose(
      F.scaledDotProductAttention(q, k, v, { isCausal: true }).toFloat32Array(),
      F.scaledDotProductAttention(q, k, v, { attnMask: attend }).toFloat32Array(),
    );
  });
  it("the functional form with the module's weights gives the module's result", () => {
    const [out, w] = F.multiHeadAttentionForward(x, x, x, {
      numHeads: 2,
      inProjWeight: mha.inProjWeight,
      inProjBias: mha.inProjBias,
      outProjWeight: mha.outProj.weight,
      outProjBias: mha.outProj.bias,
      attnMask: causalBool,
      training: false,
    });
    assert.deepEqual(out.toFloat32Array(), ref.toFloat32Array());
    assert.deepEqual(w!.toFloat32Array(), refW!.toFloat32Array());
  });
  it("dropout on the attention weights in train mode only", () => {
    tg.manualSeed(1);
    const drop = new nn.MultiheadAttention(8, 2, { dropout: 0.5 });
    drop.loadStateDict(mha.stateDict());
    const [, w] = drop.forward(x, x, x, { averageAttnWeights: false });
    const vals = w!.toFloat32Array();
    assert.ok(
      vals.some((v) => v === 0),
      "some weights dropped",
    );
    const [evalOut, evalW] = drop.eval().forward(x, x, x);
    assertClose(evalOut.toFloat32Array(), mha.forward(x, x, x)[0].toFloat32Array(), { what: "eval mode ignores dropout" });
    assert.ok(evalW!.toFloat32Array().every((v) => v > 0));
  });
  it("batchFirst equals the time-major layer on transposed input", () => {
    const bf = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    bf.loadStateDict(mha.stateDict());
    const xb = x.transpose(0, 1);
    const [out, w] = bf.forward(xb, xb, xb);
    const [out2, w2] = mha.forward(x, x, x);
    assertClose(out.transpose(0, 1).toFloat32Array(), out2.toFloat32Array());
    assert.deepEqual(w!.toFloat32Array(), w2!.toFloat32Array());
  });
});

describe("attention gradients pass gradcheck in float64", () => {
  it("multiHeadAttentionForward: cross attention with masks, every weight", () => {
    tg.manualSeed(12);
    const f64 = (shape: number[]) => tg.randn(shape, { dtype: "float64" }).mul(0.5);
    const E = 4,
      L = 2,
      S = 3,
      N = 2;
    const inputs = [f64([L, N, E]), f64([S, N, E]), f64([S, N, E]), f64([3 * E, E]), f64([3 * E]), f64([E, E]), f64([E])];
    const attnMask = tg.tensor([
      [false, false, true],
      [false, true, false],
    ]);
    const keyPaddingMask = tg.tensor([
      [false, false, false],
      [true, false, false],
    ]);
    const fn = (q: Tensor, k: Tensor, v: Tensor, wIn: Tensor, bIn: Tensor, wOut: Tensor, bOut: Tensor) => {
      const [out, w] = F.multiHeadAttentionForward(q, k, v, {
        numHeads: 2,
        inProjWeight: wIn,
        inProjBias: bIn,
        outProjWeight: wOut,
        outProjBias: bOut,
        attnMask,
        keyPaddingMask,
        averageAttnWeights: false,
      });
      return tg.cat([out.flatten(), w!.flatten()]);
    };
    assert.equal(tg.gradcheck(fn, inputs), true);
  });
  it("multiHeadAttentionForward: separate projections (kdim, vdim), self attention path", () => {
    tg.manualSeed(13);
    const f64 = (shape: number[]) => tg.randn(shape, { dtype: "float64" }).mul(0.5);
    const inputs = [f64([3, 1, 4]), f64([2, 1, 3]), f64([2, 1, 5]), f64([4, 4]), f64([4, 3]), f64([4, 5]), f64([4, 4])];
    const fn = (q: Tensor, k: Tensor, v: Tensor, wq: Tensor, wk: Tensor, wv: Tensor, wo: Tensor) =>
      F.multiHeadAttentionForward(q, k, v, { numHeads: 1, qProjWeight: wq, kProjWeight: wk, vProjWeight: wv, outProjWeight: wo })[0];
    assert.equal(tg.gradcheck(fn, inputs), true);
    const self = (x: Tensor, w: Tensor, wo: Tensor) =>
      F.multiHeadAttentionForward(x, x, x, { numHeads: 2, inProjWeight: w, outProjWeight: wo, isCausal: true })[0];
    assert.equal(tg.gradcheck(self, [f64([3, 2, 4]), f64([12, 4]), f64([4, 4])]), true);
  });
  it("scaledDotProductAttention with an additive mask", () => {
    tg.manualSeed(14);
    const f64 = (shape: number[]) => tg.randn(shape, { dtype: "float64" });
    const mask = tg.randn([1, 2, 3], { dtype: "float64" });
    assert.equal(
      tg.gradcheck(
        (q, k, v, m) => F.scaledDotProductAttention(q, k, v, { attnMask: m, scale: 0.7 }),
        [f64([2, 2, 4]), f64([2, 3, 4]), f64([2, 3, 2]), mask],
      ),
      true,
    );
  });
});

describe("attention errors name the layer and the expected shape", () => {
  const mha = new nn.MultiheadAttention(8, 2);
  const x = tg.zeros([5, 3, 8]);
  it("inputs", () => {
    throwsExactly(
      () => mha.forward(tg.zeros([5, 3, 6]), x, x),
      ShapeError,
      "MultiheadAttention(8, 2): expected query [L, N, 8], got [5, 3, 6]",
    );
    throwsExactly(
      () => mha.forward(tg.zeros([8]), x, x),
      ShapeError,
      "MultiheadAttention(8, 2): expected query [L, N, 8] (or [L, 8] unbatched), got [8]",
    );
    throwsExactly(
      () => mha.forward(x, tg.zeros([5, 8]), x),
      ShapeError,
      "MultiheadAttention(8, 2): for a batched (3-D) query, key and value must be 3-D too, got key [5, 8] and value [5, 3, 8]",
    );
    throwsExactly(
      () => mha.forward(x, tg.zeros([4, 3, 8]), x),
      ShapeError,
      "MultiheadAttention(8, 2): key [4, 3, 8] and value [5, 3, 8] must agree in sequence length and batch size",
    );
    throwsExactly(
      () => mha.forward(x, tg.zeros([4, 2, 8]), tg.zeros([4, 2, 8])),
      ShapeError,
      "MultiheadAttention(8, 2): query [5, 3, 8] and key [4, 2, 8] have different batch sizes",
    );
    const kv = new nn.MultiheadAttention(8, 2, { kdim: 4, vdim: 6, batchFirst: true });
    throwsExactly(
      () => kv.forward(tg.zeros([3, 5, 8]), tg.zeros([3, 7, 5]), tg.zeros([3, 7, 6])),
      ShapeError,
      "MultiheadAttention(8, 2): expected key [N, S, 4], got [3, 7, 5]",
    );
  });
  it("masks", () => {
    throwsExactly(
      () => mha.forward(x, x, x, { attnMask: tg.zeros([5, 4]) }),
      ShapeError,
      "MultiheadAttention(8, 2): expected attnMask [L, S] = [5, 5] or [N·numHeads, L, S] = [6, 5, 5], got [5, 4]",
    );
    throwsExactly(
      () => mha.forward(x, x, x, { keyPaddingMask: tg.zeros([5, 3]) }),
      ShapeError,
      "MultiheadAttention(8, 2): expected keyPaddingMask [N, S] = [3, 5], got [5, 3]",
    );
    throwsExactly(
      () => mha.forward(tg.zeros([5, 8]), tg.zeros([5, 8]), tg.zeros([5, 8]), { keyPaddingMask: tg.zeros([1, 5]) }),
      ShapeError,
      "MultiheadAttention(8, 2): expected keyPaddingMask [S] = [5], got [1, 5]",
    );
    throwsExactly(
      () => F.scaledDotProductAttention(tg.zeros([2, 3, 4]), tg.zeros([2, 5, 4]), tg.zeros([2, 5, 4]), { attnMask: tg.zeros([3, 4]) }),
      ShapeError,
      "scaledDotProductAttention: attnMask [3, 4] cannot be broadcast to the scores [..., 3, 5]",
    );
    throwsExactly(
      () =>
        F.scaledDotProductAttention(tg.zeros([2, 3, 4]), tg.zeros([2, 5, 4]), tg.zeros([2, 5, 4]), {
          attnMask: tg.zeros([3, 5]),
          isCausal: true,
        }),
      ValueError,
      "scaledDotProductAttention: pass either attnMask or isCausal, not both",
    );
    throwsExactly(
      () => F.scaledDotProductAttention(tg.zeros([2, 3, 4]), tg.zeros([2, 5, 3]), tg.zeros([2, 5, 4])),
      ShapeError,
      "scaledDotProductAttention: key [2, 5, 3] does not fit query [2, 3, 4] (expected key [..., S, 4])",
    );
  });
  it("constructor arguments", () => {
    throwsExactly(() => new nn.MultiheadAttention(10, 3), ValueError, "MultiheadAttention: embedDim 10 must be divisible by numHeads 3");
    throwsExactly(
      () => new nn.MultiheadAttention(8, 2, { dropout: -0.1 }),
      ValueError,
      "MultiheadAttention: dropout must be between 0 and 1, got -0.1",
    );
  });
});
