// Variable-length sequences against PyTorch (fixtures/packed.json, made by gen_packed.py):
// packPaddedSequence / padPackedSequence / padSequence / packSequence, RNN/LSTM/GRU on a
// PackedSequence (values, final states at each sequence's own last step, every gradient), and LSTM
// projSize. Also gradcheck of the packed recurrence in float64 and the errors for bad input.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { nn, ShapeError, ValueError, type Tensor } from "tensorgrad";
import { packedRecurrentForward } from "../../../src/nn/layers/recurrent-packed.js";
import type { CellWeights, RecurrentMode } from "../../../src/nn/layers/recurrent-forward.js";
import { expectClose, expectParamGrads, stateOf, toTensor, weightedSum, type Desc, type SeqRecord } from "./seq-fixtures.js";

const { rnn } = nn.utils;

interface PackedRec {
  data: SeqRecord;
  batchSizes: SeqRecord;
  sortedIndices: SeqRecord | null;
  unsortedIndices: SeqRecord | null;
}
interface PackCase {
  id: string;
  input: SeqRecord;
  lengths: number[];
  batchFirst: boolean;
  enforceSorted: boolean;
  totalLength: number | null;
  paddingValue: number;
  packed: PackedRec;
  padded: SeqRecord;
  paddedLengths: SeqRecord;
  gradPadded: SeqRecord;
  inputGrad: SeqRecord;
}
interface RecCase {
  id: string;
  desc: Desc;
  lengths: number[];
  enforceSorted: boolean;
  state: Record<string, SeqRecord>;
  input: SeqRecord;
  packedOutput: PackedRec;
  padded: SeqRecord;
  outputs: SeqRecord[];
  gradOutputs: SeqRecord[];
  inputGrad: SeqRecord;
  paramGrads: Record<string, SeqRecord>;
  initial?: SeqRecord[];
  initialGrads?: SeqRecord[];
}
interface ProjCase extends Omit<RecCase, "lengths" | "enforceSorted" | "packedOutput" | "padded"> {
  keys: [string, number[]][];
  repr: string;
}
const fx: {
  pack: PackCase[];
  padSequence: { sequences: SeqRecord[]; padded: SeqRecord; paddedBatchFirst: SeqRecord; packed: PackedRec };
  recurrent: RecCase[];
  proj: ProjCase[];
  torchLoad: { lstmProj: string; linearHalf: string; linearHalfDtypes: Record<string, string> };
} = JSON.parse(readFileSync(new URL("../../fixtures/packed.json", import.meta.url), "utf8"));

function ints(t: Tensor | null): number[] | null {
  return t === null ? null : Array.from(t.toTypedArray());
}

function expectPacked(p: nn.PackedSequence, rec: PackedRec, what: string): void {
  expectClose(p.data, rec.data, `${what} data`);
  assert.deepEqual(ints(p.batchSizes), rec.batchSizes.values, `${what} batchSizes`);
  assert.equal(p.batchSizes.dtype, "int32");
  assert.deepEqual(ints(p.sortedIndices), rec.sortedIndices?.values ?? null, `${what} sortedIndices`);
  assert.deepEqual(ints(p.unsortedIndices), rec.unsortedIndices?.values ?? null, `${what} unsortedIndices`);
}

function build(desc: Desc): nn.RNN | nn.LSTM | nn.GRU {
  const Cls = { RNN: nn.RNN, LSTM: nn.LSTM, GRU: nn.GRU }[desc.layer as "RNN" | "LSTM" | "GRU"];
  return new Cls(...(desc.args as [number, number]), desc.opts ?? {});
}

describe("packPaddedSequence / padPackedSequence match PyTorch", () => {
  for (const c of fx.pack) {
    it(c.id, () => {
      const x = toTensor(c.input, { requiresGrad: true });
      const p = rnn.packPaddedSequence(x, c.lengths, { batchFirst: c.batchFirst, enforceSorted: c.enforceSorted });
      assert.ok(p instanceof nn.PackedSequence);
      expectPacked(p, c.packed, c.id);
      const [padded, lengths] = rnn.padPackedSequence(p, {
        batchFirst: c.batchFirst,
        paddingValue: c.paddingValue,
        totalLength: c.totalLength ?? undefined,
      });
      expectClose(padded, c.padded, `${c.id} padded`);
      assert.deepEqual(ints(lengths), c.paddedLengths.values);
      assert.equal(lengths.dtype, "int32");
      padded.mul(toTensor(c.gradPadded)).sum().backward();
      expectClose(x.grad, c.inputGrad, `${c.id} input grad`);
    });
  }
  it("lengths may be an int32 tensor", () => {
    const c = fx.pack[0];
    const p = rnn.packPaddedSequence(toTensor(c.input), tg.tensor(c.lengths, { dtype: "int32" }));
    expectPacked(p, c.packed, "tensor lengths");
  });
  it("padSequence and packSequence", () => {
    const s = fx.padSequence;
    const seqs = s.sequences.map((r) => toTensor(r));
    expectClose(rnn.padSequence(seqs, { paddingValue: 7 }), s.padded, "padSequence");
    expectClose(rnn.padSequence(seqs, { batchFirst: true }), s.paddedBatchFirst, "padSequence batchFirst");
    expectPacked(rnn.packSequence(seqs, { enforceSorted: false }), s.packed, "packSequence");
  });
  it("unpadSequence and unpackSequence give the sequences back, in order, with gradients", () => {
    const seqs = fx.padSequence.sequences.map((r) => toTensor(r, { requiresGrad: true }));
    const lens = seqs.map((t) => t.shape[0]);
    const back = rnn.unpackSequence(rnn.packSequence(seqs, { enforceSorted: false }));
    const fromPadded = rnn.unpadSequence(rnn.padSequence(seqs, { batchFirst: true }), lens, { batchFirst: true });
    for (const got of [back, fromPadded]) {
      assert.equal(got.length, seqs.length);
      got.forEach((t, i) => assert.deepEqual(t.toArray(), seqs[i].toArray()));
    }
    back
      .map((t, i) => t.sum().mul(i + 1))
      .reduce((a, b) => a.add(b))
      .backward();
    seqs.forEach((s, i) => assert.deepEqual(Array.from(s.grad!.toTypedArray()), new Array(s.size).fill(i + 1)));
  });
});

describe("RNN / LSTM / GRU on a PackedSequence match PyTorch", () => {
  for (const c of fx.recurrent) {
    it(c.id, () => {
      const layer = build(c.desc);
      layer.loadStateDict(stateOf(c.state));
      layer.eval();
      const x = toTensor(c.input, { requiresGrad: true });
      const bf = layer.batchFirst;
      const packed = rnn.packPaddedSequence(x, c.lengths, { batchFirst: bf, enforceSorted: c.enforceSorted });
      const init = c.initial?.map((r) => toTensor(r, { requiresGrad: true }));
      let out: nn.PackedSequence;
      let finals: Tensor[];
      if (layer instanceof nn.LSTM) {
        const [o, [h, cc]] = layer.forward(packed, init ? [init[0], init[1]] : undefined);
        [out, finals] = [o, [h, cc]];
      } else {
        const [o, h] = layer.forward(packed, init?.[0]);
        [out, finals] = [o, [h]];
      }
      assert.ok(out instanceof nn.PackedSequence);
      expectPacked(out, c.packedOutput, `${c.id} output`);
      const [padded] = rnn.padPackedSequence(out, { batchFirst: bf });
      expectClose(padded, c.padded, `${c.id} padded output`);
      const outs = [out.data, ...finals];
      outs.forEach((o, i) => expectClose(o, c.outputs[i], `${c.id} ${["output", "hN", "cN"][i]}`));
      weightedSum(outs, c.gradOutputs).backward();
      expectClose(x.grad, c.inputGrad, `${c.id} input grad`);
      init?.forEach((t, i) => expectClose(t.grad, c.initialGrads![i], `${c.id} grad of ${["h0", "c0"][i]}`));
      expectParamGrads(layer.namedParameters(), c.paramGrads, c.id);
    });
  }
});

describe("LSTM projSize matches PyTorch", () => {
  for (const c of fx.proj) {
    it(c.id, () => {
      const layer = build(c.desc) as nn.LSTM;
      assert.deepEqual(
        Object.entries(layer.stateDict()).map(([k, v]) => [k, [...v.shape]]),
        c.keys,
        "state-dict keys and shapes in torch's order",
      );
      assert.equal(layer.toString(), c.repr);
      layer.loadStateDict(stateOf(c.state), { strict: true });
      layer.eval();
      const x = toTensor(c.input, { requiresGrad: true });
      const init = c.initial?.map((r) => toTensor(r, { requiresGrad: true }));
      const [out, [h, cc]] = layer.forward(x, init ? [init[0], init[1]] : undefined);
      [out, h, cc].forEach((o, i) => expectClose(o, c.outputs[i], `${c.id} ${["output", "hN", "cN"][i]}`));
      weightedSum([out, h, cc], c.gradOutputs).backward();
      expectClose(x.grad, c.inputGrad, `${c.id} input grad`);
      init?.forEach((t, i) => expectClose(t.grad, c.initialGrads![i], `${c.id} grad of ${["h0", "c0"][i]}`));
      expectParamGrads(layer.namedParameters(), c.paramGrads, c.id);
    });
  }
  it("PyTorch loaded tensorgrad's safetensors of a projSize LSTM and of a half() model with strict=True (gen_packed.py)", () => {
    assert.equal(fx.torchLoad.lstmProj, "<All keys matched successfully>");
    assert.equal(fx.torchLoad.linearHalf, "<All keys matched successfully>");
    assert.deepEqual(fx.torchLoad.linearHalfDtypes, { bias: "torch.float16", weight: "torch.float16" });
    // The files it read are what these produce (test/fixtures/write_packed_models.ts).
    const saved = tg.io.loadSafetensors(tg.io.saveSafetensors(new nn.Linear(3, 2).half().stateDict())).tensors;
    assert.deepEqual(Object.fromEntries(Object.entries(saved).map(([k, v]) => [k, v.dtype])), { bias: "float16", weight: "float16" });
  });
  it("rejects projSize >= hiddenSize, negative projSize, and projSize on GRU", () => {
    assert.throws(
      () => new nn.LSTM(3, 4, { projSize: 4 }),
      (e: Error) =>
        e instanceof ValueError && e.message === "LSTM: projSize must be smaller than hiddenSize, got projSize 4 and hiddenSize 4",
    );
    assert.throws(() => new nn.LSTM(3, 4, { projSize: -1 }), ValueError);
    assert.throws(() => new nn.GRU(3, 4, { projSize: 2 } as never), /GRU: unknown option "projSize"/);
  });
  it("names the projected size in a bad h0's error", () => {
    const layer = new nn.LSTM(3, 4, { projSize: 2 });
    assert.throws(
      () => layer.forward(tg.zeros([5, 2, 3]), [tg.zeros([1, 2, 4]), tg.zeros([1, 2, 4])]),
      (e: Error) =>
        e instanceof ShapeError && e.message === "LSTM(3, 4): expected h0 [1, 2, 2] (numLayers·directions, batch, projSize), got [1, 2, 4]",
    );
  });
});

describe("the packed recurrence passes gradcheck in float64", () => {
  const modes: [RecurrentMode, number, boolean, boolean][] = [
    ["LSTM", 2, true, false],
    ["GRU", 1, true, false],
    ["RNN_TANH", 1, false, false],
    ["LSTM", 1, true, true],
  ];
  for (const [mode, numLayers, bidirectional, proj] of modes) {
    it(`${mode}, ${numLayers} layer(s)${bidirectional ? ", bidirectional" : ""}${proj ? ", projSize 1" : ""}, lengths [3, 2, 2, 1]`, () => {
      tg.manualSeed(5);
      const I = 2,
        H = 2,
        P = proj ? 1 : H,
        D = bidirectional ? 2 : 1,
        sizes = [4, 3, 1];
      const G = { LSTM: 4, GRU: 3, RNN_TANH: 1, RNN_RELU: 1 }[mode] * H;
      const f64 = (shape: number[]) => tg.randn(shape, { dtype: "float64" }).mul(0.6);
      const per = proj ? 5 : 4;
      const flat: Tensor[] = [];
      for (let l = 0; l < numLayers; l++) {
        for (let d = 0; d < D; d++)
          flat.push(f64([G, l === 0 ? I : P * D]), f64([G, P]), f64([G]), f64([G]), ...(proj ? [f64([P, H])] : []));
      }
      const data = f64([8, I]);
      const h0 = f64([numLayers * D, 4, P]);
      const c0 = f64([numLayers * D, 4, H]);
      const fn = (xx: Tensor, hh: Tensor, cc: Tensor, ...w: Tensor[]) => {
        const cells: CellWeights[] = [];
        for (let i = 0; i < w.length; i += per)
          cells.push({ wIh: w[i], wHh: w[i + 1], bIh: w[i + 2], bHh: w[i + 3], wHr: proj ? w[i + 4] : null });
        const cfg = { mode, numLayers, bidirectional, dropout: 0, training: false };
        const r = packedRecurrentForward(cfg, xx, sizes, hh, mode === "LSTM" ? cc : null, cells);
        return tg.cat([r.output.flatten(), r.hN.flatten(), ...(r.cN ? [r.cN.flatten()] : [])]);
      };
      assert.equal(tg.gradcheck(fn, [data, h0, c0, ...flat]), true);
    });
  }
  it("pack and pad pass gradcheck", () => {
    const x = tg.randn([4, 3, 2], { dtype: "float64" });
    const fn = (t: Tensor) => rnn.padPackedSequence(rnn.packPaddedSequence(t, [2, 4, 1], { enforceSorted: false }), { paddingValue: 3 })[0];
    assert.equal(tg.gradcheck(fn, [x]), true);
  });
});

describe("packed sequences: equal lengths give the dense result; errors", () => {
  it("a PackedSequence of full-length sequences gives the padded layer's output and states", () => {
    tg.manualSeed(2);
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
    const x = tg.randn([2, 5, 3]);
    const [dense, [h, c]] = lstm.forward(x);
    const [out, [hp, cp]] = lstm.forward(rnn.packPaddedSequence(x, [5, 5], { batchFirst: true }));
    const [padded] = rnn.padPackedSequence(out, { batchFirst: true });
    for (const [a, b] of [
      [dense, padded],
      [h, hp],
      [c, cp],
    ]) {
      assert.deepEqual([...a.shape], [...b.shape]);
      a.toFloat32Array().forEach((v, i) => assert.ok(Math.abs(v - b.toFloat32Array()[i]) < 1e-6));
    }
  });
  it("bad lengths are typed errors naming the function", () => {
    const x = tg.zeros([4, 3, 2]);
    assert.throws(
      () => rnn.packPaddedSequence(x, [2, 3, 1]),
      (e: Error) =>
        e instanceof ValueError &&
        e.message ===
          "packPaddedSequence: lengths must be in decreasing order when enforceSorted is true, got [2, 3, 1]; pass enforceSorted: false to sort them",
    );
    assert.throws(
      () => rnn.packPaddedSequence(x, [3, 0, 1]),
      (e: Error) => e instanceof ValueError && /every length must be a positive integer/.test(e.message),
    );
    assert.throws(
      () => rnn.packPaddedSequence(x, [5, 1, 1]),
      (e: Error) =>
        e instanceof ShapeError && e.message === "packPaddedSequence: a length of 5 exceeds the 4 time steps of input [4, 3, 2]",
    );
    assert.throws(
      () => rnn.packPaddedSequence(x, [3, 1]),
      (e: Error) =>
        e instanceof ShapeError && e.message === "packPaddedSequence: expected 3 lengths (the batch size of input [4, 3, 2]), got 2",
    );
    assert.throws(() => rnn.packPaddedSequence(x, [3, 2, 1], { batch_first: true } as never), /unknown option "batch_first"/);
    const p = rnn.packPaddedSequence(x, [3, 2, 1]);
    assert.throws(() => rnn.padPackedSequence(p, { totalLength: 2 }), ValueError);
    assert.throws(() => rnn.padSequence([tg.zeros([2, 3]), tg.zeros([2, 4])]), ShapeError);
    assert.throws(
      () => new nn.PackedSequence(tg.zeros([5, 2]), [3, 3]),
      (e: Error) => e instanceof ShapeError && /Σ batchSizes = 6 rows/.test(e.message),
    );
    assert.throws(() => new nn.PackedSequence(tg.zeros([5, 2]), [2, 3]), ValueError);
  });
  it("a layer rejects packed data of the wrong width", () => {
    const gru = new nn.GRU(3, 4);
    const p = rnn.packPaddedSequence(tg.zeros([2, 2, 5]), [2, 1]);
    assert.throws(
      () => gru.forward(p),
      (e: Error) => e instanceof ShapeError && e.message === "GRU(3, 4): expected packed data [Σ lengths, 3], got [3, 5]",
    );
  });
});
