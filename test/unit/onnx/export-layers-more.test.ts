// exportOnnx checked by ONNX Runtime for the normalisation, resampling, padding, pooling, transposed
// convolution, recurrent-cell and encoder-decoder layers and the tensor ops (einsum, prod, cumprod,
// normalize, scatterAdd) a custom forward may use; modules with hooks; names of inputs and outputs.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, io, Tensor, ValueError, UnsupportedOpError } from "tensorgrad";
import { check, countOps } from "./export-check.js";
import { decodeModel } from "../../../src/io/onnx/index.js";
// Not public: the ONNX importer's ScatterElements runs on it, so an imported model exports it again.
import { scatterAdd } from "../../../src/ops/index.js";

const F = nn.functional;

/** A module whose forward is `f` (tensor code, traced primitive by primitive). */
class Fn extends nn.Module {
  constructor(private readonly f: (...xs: Tensor[]) => Tensor | Tensor[]) {
    super();
  }
  forward(...xs: Tensor[]): Tensor | Tensor[] {
    return this.f(...xs);
  }
}

/** Exports on inputs of `shapes` with a dynamic batch and checks ONNX Runtime at batch 1, 3 and 8. */
async function checkBatched(m: nn.Module, shapes: number[][], opts: io.ExportOnnxOptions = {}): Promise<Uint8Array> {
  const at = (b: number) => shapes.map((s) => tg.randn([b, ...s.slice(1)]));
  return check(
    m,
    shapes.map((s) => tg.randn(s)),
    [at(1), at(3), at(8)],
    { dynamicBatch: true, ...opts },
  );
}

describe("exportOnnx → ONNX Runtime: norms, resampling, padding, pooling, transposed convolution", () => {
  tg.manualSeed(21);
  const layers: [string, () => nn.Module, number[]][] = [
    ["GroupNorm", () => new nn.GroupNorm(2, 4), [2, 4, 5, 5]],
    ["GroupNorm without affine on [N, C, L]", () => new nn.GroupNorm(3, 6, { affine: false }), [2, 6, 7]],
    ["InstanceNorm1d", () => new nn.InstanceNorm1d(3), [2, 3, 7]],
    ["InstanceNorm2d affine", () => new nn.InstanceNorm2d(3, { affine: true }), [2, 3, 5, 4]],
    ["Upsample nearest ×2", () => new nn.Upsample({ scaleFactor: 2 }), [2, 3, 4, 5]],
    ["Upsample bilinear ×2", () => new nn.Upsample({ scaleFactor: 2, mode: "bilinear" }), [2, 3, 4, 4]],
    [
      "Upsample bilinear to a size, alignCorners",
      () => new nn.Upsample({ size: [7, 5], mode: "bilinear", alignCorners: true }),
      [2, 3, 4, 4],
    ],
    ["Upsample linear ×3", () => new nn.Upsample({ scaleFactor: 3, mode: "linear" }), [2, 3, 4]],
    ["ZeroPad2d", () => new nn.ZeroPad2d([1, 2, 0, 1]), [2, 3, 4, 4]],
    ["ConstantPad1d", () => new nn.ConstantPad1d(2, 0.5), [2, 3, 4]],
    ["ConstantPad2d", () => new nn.ConstantPad2d([0, 1, 2, 3], -1), [2, 3, 4, 4]],
    ["ReflectionPad1d", () => new nn.ReflectionPad1d([2, 1]), [2, 3, 5]],
    ["ReflectionPad2d", () => new nn.ReflectionPad2d(1), [2, 3, 4, 4]],
    ["ReplicationPad1d", () => new nn.ReplicationPad1d([1, 2]), [2, 3, 4]],
    ["ReplicationPad2d", () => new nn.ReplicationPad2d([2, 0, 1, 1]), [2, 3, 4, 4]],
    ["Conv2d paddingMode reflect", () => new nn.Conv2d(3, 2, 3, { padding: 1, paddingMode: "reflect" }), [2, 3, 5, 6]],
    ["Conv1d paddingMode circular, same", () => new nn.Conv1d(3, 2, 4, { padding: "same", paddingMode: "circular" }), [2, 3, 7]],
    ["PixelShuffle", () => new nn.PixelShuffle(2), [2, 8, 3, 3]],
    ["PixelUnshuffle", () => new nn.PixelUnshuffle(2), [2, 2, 4, 6]],
    ["MaxPool1d", () => new nn.MaxPool1d(3, { stride: 2, padding: 1 }), [2, 3, 9]],
    ["AvgPool1d", () => new nn.AvgPool1d(3, { stride: 2 }), [2, 3, 9]],
    ["AdaptiveAvgPool1d dividing", () => new nn.AdaptiveAvgPool1d(3), [2, 3, 9]],
    ["AdaptiveAvgPool1d uneven", () => new nn.AdaptiveAvgPool1d(4), [2, 3, 9]],
    ["AdaptiveMaxPool1d", () => new nn.AdaptiveMaxPool1d(4), [2, 3, 9]],
    ["AdaptiveMaxPool2d", () => new nn.AdaptiveMaxPool2d([2, 3]), [2, 3, 6, 7]],
    ["AdaptiveMaxPool2d(1)", () => new nn.AdaptiveMaxPool2d(1), [2, 3, 6, 6]],
    ["CosineSimilarity", () => new Fn((x) => new nn.CosineSimilarity().forward(x, x.flip(1))), [2, 5]],
    ["PairwiseDistance", () => new Fn((x) => new nn.PairwiseDistance().forward(x, x.mul(0.5))), [2, 5]],
  ];
  for (const [name, make, shape] of layers) {
    it(`${name}: ONNX Runtime matches at batch 1, 3 and 8 (dynamic batch)`, async () => {
      await checkBatched(make(), [shape]);
    });
  }

  for (const [name, make, shape] of [
    ["ConvTranspose1d", () => new nn.ConvTranspose1d(3, 2, 3, { stride: 2 }), [2, 3, 5]],
    ["ConvTranspose1d without bias, padded", () => new nn.ConvTranspose1d(3, 2, 4, { stride: 2, padding: 1, bias: false }), [2, 3, 5]],
    ["ConvTranspose2d", () => new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }), [2, 3, 5, 5]],
    [
      "ConvTranspose2d grouped, dilated, uneven",
      () => new nn.ConvTranspose2d(4, 6, [3, 2], { stride: [2, 3], padding: [1, 0], dilation: 2, groups: 2, outputPadding: [1, 2] }),
      [2, 4, 5, 4],
    ],
  ] as [string, () => nn.Module, number[]][]) {
    it(`${name}: one ConvTranspose node, ONNX Runtime matches at batch 1, 3 and 8`, async () => {
      const bytes = await checkBatched(make(), [shape]);
      assert.equal(countOps(bytes, "ConvTranspose"), 1);
      assert.equal(countOps(bytes, "Conv"), 0);
    });
  }

  it("F.convTranspose2d in a custom forward, and on unbatched input", async () => {
    const w = tg.randn([3, 2, 2, 2]);
    const bias = tg.randn([2]);
    await checkBatched(new Fn((x) => F.convTranspose2d(x, w, bias, { stride: 2 })), [[2, 3, 4, 4]]);
    const bytes = await check(new nn.ConvTranspose1d(3, 4, 2), [tg.randn([3, 6])], [[tg.randn([3, 6])]]);
    assert.equal(countOps(bytes, "ConvTranspose"), 1);
  });

  // Squeeze/Unsqueeze rather than Reshape for size-1 dims, so the 1-d pools (2-d pools over a
  // height of 1) keep their length dynamic too.
  for (const [name, make, shape] of [
    ["GroupNorm", () => new nn.GroupNorm(2, 4), [2, 4, 5, 5]],
    ["InstanceNorm2d", () => new nn.InstanceNorm2d(4, { affine: true }), [2, 4, 5, 5]],
    ["ConvTranspose2d", () => new nn.ConvTranspose2d(4, 2, 3, { stride: 2 }), [2, 4, 5, 5]],
    ["PixelShuffle", () => new nn.PixelShuffle(2), [2, 4, 5, 5]],
    ["ZeroPad2d", () => new nn.ZeroPad2d([1, 0, 2, 1]), [2, 4, 5, 5]],
    ["MaxPool1d", () => new nn.MaxPool1d(2), [2, 4, 6]],
    ["AvgPool1d", () => new nn.AvgPool1d(3, { stride: 2, padding: 1 }), [2, 4, 7]],
  ] as [string, () => nn.Module, number[]][]) {
    it(`${name}: batch and spatial dims all dynamic`, async () => {
      const axes: Record<number, string> = shape.length === 4 ? { 0: "batch", 2: "height", 3: "width" } : { 0: "batch", 2: "length" };
      const at = (k: number) => [tg.randn(shape.map((d, i) => (i === 0 ? k : i >= 2 ? d + 2 * k + i : d)))];
      const m = make();
      const runs = [at(1), at(3)];
      const bytes = await check(m, [tg.randn(shape)], runs, { dynamicAxes: { input_0: axes } });
      const { inputs, outputs } = decodeModel(bytes).graph;
      assert.deepEqual(
        inputs[0].shape,
        shape.map((d, i) => axes[i] ?? d),
      );
      // The declared output shape holds at every size: a fixed dim only where the output never moves.
      for (const [x] of runs) {
        const y = tg.noGrad(() => m.forward(x)) as Tensor;
        outputs[0].shape!.forEach((d, i) =>
          assert.ok(typeof d !== "number" || d === y.shape[i], `output dim ${i} declared ${d}, is ${y.shape[i]}`),
        );
      }
    });
  }

  // Upsample becomes one Resize node where ONNX Runtime picks torch's source pixels: the spatial
  // dims may then be dynamic too.
  for (const [name, opts, shape, resize] of [
    ["nearest ×2", { scaleFactor: 2 }, [2, 3, 4, 5], true],
    ["nearest ×3 on [N, C, L]", { scaleFactor: 3 }, [2, 3, 5], true],
    ["nearest [×2, ×3]", { scaleFactor: [2, 3] }, [2, 3, 4, 5], true],
    ["nearest-exact ×3", { scaleFactor: 3, mode: "nearest-exact" }, [2, 3, 4, 5], true],
    ["nearest to a multiple of the size", { size: [8, 15] }, [2, 3, 4, 5], true],
    ["bilinear ×2", { scaleFactor: 2, mode: "bilinear" }, [2, 3, 4, 5], true],
    ["bilinear ×0.5 (downsampling)", { scaleFactor: 0.5, mode: "bilinear" }, [2, 3, 8, 6], true],
    ["linear ×4", { scaleFactor: 4, mode: "linear" }, [2, 3, 5], true],
    ["bilinear to twice the size", { size: [8, 10], mode: "bilinear" }, [2, 3, 4, 5], true],
    ["nearest ×1.5", { scaleFactor: 1.5 }, [2, 3, 4, 5], false],
    ["bilinear ×2.5", { scaleFactor: 2.5, mode: "bilinear" }, [2, 3, 4, 5], false],
    ["bilinear ×2, alignCorners", { scaleFactor: 2, mode: "bilinear", alignCorners: true }, [2, 3, 4, 5], false],
    ["bilinear to a size, alignCorners", { size: [7, 9], mode: "bilinear", alignCorners: true }, [2, 3, 4, 5], false],
    ["linear to a size of 1", { size: 1, mode: "linear" }, [2, 3, 5], false],
  ] as [string, nn.functional.InterpolateOptions, number[], boolean][]) {
    const what = resize
      ? "one Resize node, ONNX Runtime matches at other batch and spatial sizes"
      : "traced as gathers (exact), ONNX Runtime matches at other batch sizes";
    it(`Upsample ${name}: ${what}`, async () => {
      const m = new nn.Upsample(opts);
      const axes: Record<number, string> = { 0: "batch" };
      const spatialDynamic = resize && opts.size === undefined;
      if (spatialDynamic) shape.slice(2).forEach((_, i) => (axes[2 + i] = `s${i}`));
      const at = (k: number) => [tg.randn(shape.map((d, i) => (i === 0 ? k : spatialDynamic && i >= 2 ? d + k + i : d)))];
      const bytes = await check(m, [tg.randn(shape)], [at(1), at(3)], { dynamicAxes: { input_0: axes } });
      assert.equal(countOps(bytes, "Resize"), resize ? 1 : 0);
    });
  }

  it("Upsample nearest ×1.5 and reflection padding with a dynamic spatial dim are an UnsupportedOpError naming the dim", () => {
    for (const m of [new nn.Upsample({ scaleFactor: 1.5 }), new nn.ReflectionPad2d(1)]) {
      assert.throws(
        () => io.exportOnnx(m, [tg.randn([2, 3, 4, 4])], null, { dynamicAxes: { input_0: { 3: "width" } } }),
        (e: unknown) => e instanceof UnsupportedOpError && /changes with dynamic dim "width"/.test((e as Error).message),
      );
    }
  });

  it("F.pad circular and F.interpolate nearest in a custom forward", async () => {
    await checkBatched(new Fn((x) => F.interpolate(F.pad(x, [1, 1, 2, 0], { mode: "circular" }), { scaleFactor: 2 })), [[2, 3, 4, 4]]);
  });
});

describe("exportOnnx → ONNX Runtime: recurrent cells and the encoder-decoder transformer", () => {
  tg.manualSeed(22);
  for (const [name, make] of [
    ["RNNCell", () => new nn.RNNCell(4, 5)],
    ["RNNCell relu", () => new nn.RNNCell(4, 5, { nonlinearity: "relu" })],
    ["LSTMCell", () => new nn.LSTMCell(4, 5)],
    ["GRUCell", () => new nn.GRUCell(4, 5)],
    ["GRUCell without bias", () => new nn.GRUCell(4, 5, { bias: false })],
  ] as [string, () => nn.Module][]) {
    it(`${name}: a zero initial state, and a given one, match at batch 1, 3 and 8`, async () => {
      await checkBatched(make(), [[2, 4]]);
      const cell = make();
      const isLstm = cell instanceof nn.LSTMCell;
      const withState = new Fn((x, h, c) => (isLstm ? (cell as nn.LSTMCell).forward(x, [h, c]) : (cell as nn.GRUCell).forward(x, h)));
      withState.registerModule("cell", cell);
      await checkBatched(
        withState,
        isLstm
          ? [
              [2, 4],
              [2, 5],
              [2, 5],
            ]
          : [
              [2, 4],
              [2, 5],
            ],
      );
    });
  }

  it("an LSTMCell unrolled over a fixed number of steps", async () => {
    const cell = new nn.LSTMCell(3, 4);
    const m = new Fn((x) => {
      let state: [Tensor, Tensor] | null = null;
      for (let t = 0; t < x.shape[1]; t++) state = cell.forward(x.slice(1, t, t + 1).squeeze(1), state);
      return state![0];
    });
    m.registerModule("cell", cell);
    await checkBatched(m, [[2, 4, 3]]);
  });

  it("TransformerDecoderLayer and TransformerDecoder (batch first, causal mask)", async () => {
    const layer = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    await checkBatched(layer, [
      [2, 5, 8],
      [2, 4, 8],
    ]);
    const decoder = new nn.TransformerDecoder(
      new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, normFirst: true }),
      2,
    );
    const mask = nn.generateSquareSubsequentMask(5);
    const m = new Fn((tgt, memory) => decoder.forward(tgt, memory, { tgtMask: mask }));
    m.registerModule("decoder", decoder);
    await checkBatched(m, [
      [2, 5, 8],
      [2, 3, 8],
    ]);
  });

  it("causal masks follow a dynamic length: generateSquareSubsequentMask(T), an encoder with isCausal, scaledDotProductAttention with isCausal", async () => {
    tg.manualSeed(26);
    const decoder = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 2);
    const gpt = new Fn((tgt, memory) => decoder.forward(tgt, memory, { tgtMask: nn.generateSquareSubsequentMask(tgt.shape[1]) }));
    gpt.registerModule("decoder", decoder);
    const pair = ([b, t, s]: number[]) => [tg.randn([b, t, 8]), tg.randn([b, s, 8])];
    await check(
      gpt,
      pair([2, 5, 4]),
      [
        [1, 1, 2],
        [3, 9, 6],
      ].map(pair),
      { dynamicAxes: { input_0: { 0: "batch", 1: "time" }, input_1: { 0: "batch", 1: "memory" } } },
    );
    const encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 1);
    const causalEncoder = new Fn((x) => encoder.forward(x, { mask: nn.generateSquareSubsequentMask(x.shape[1]), isCausal: true }));
    causalEncoder.registerModule("encoder", encoder);
    const sdpa = new Fn((q) => nn.functional.scaledDotProductAttention(q, q.mul(0.5), q.sin(), { isCausal: true }));
    const runs = [
      [1, 2],
      [3, 7],
    ].map(([b, t]) => [tg.randn([b, t, 8])]);
    for (const m of [causalEncoder, sdpa])
      await check(m, [tg.randn([2, 4, 8])], runs, { dynamicAxes: { input_0: { 0: "batch", 1: "time" } } });
  });

  it("Transformer (sequence first): batch dynamic on both inputs", async () => {
    const model = new nn.Transformer(8, 2, { numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
    const inputs = (b: number) => [tg.randn([5, b, 8]), tg.randn([4, b, 8])];
    const axes = { 1: "batch" };
    await check(model, inputs(2), [inputs(1), inputs(6)], { dynamicAxes: { input_0: axes, input_1: axes } });
  });
});

describe("exportOnnx → ONNX Runtime: tensor ops in a custom forward", () => {
  tg.manualSeed(23);
  const ops: [string, (...xs: Tensor[]) => Tensor, number[][]][] = [
    [
      "einsum batched matmul",
      (a, b) => tg.einsum("bij,bjk->bik", a, b),
      [
        [2, 3, 4],
        [2, 4, 5],
      ],
    ],
    [
      "einsum with a repeated index and a sum",
      (a, b) => tg.einsum("bii,bj->bj", a, b),
      [
        [2, 3, 3],
        [2, 4],
      ],
    ],
    [
      "einsum with ellipsis",
      (a, b) => tg.einsum("...ij,jk->...ik", a, b.slice(0, 0, 1).squeeze(0)),
      [
        [2, 3, 4],
        [2, 4, 5],
      ],
    ],
    ["prod along a dim", (x) => tg.prod(x, 1), [[2, 3, 4]]],
    ["prod keepdim", (x) => tg.prod(x, -1, true), [[2, 3, 4]]],
    ["cumprod", (x) => tg.cumprod(x, 2), [[2, 3, 5]]],
    ["normalize", (x) => F.normalize(x, { dim: 1 }), [[2, 5]]],
    ["normalize p=1 over the last dim", (x) => F.normalize(x, { p: 1, dim: -1 }), [[2, 3, 4]]],
    [
      "cosineSimilarity",
      (a, b) => F.cosineSimilarity(a, b, { dim: 1 }),
      [
        [2, 6],
        [2, 6],
      ],
    ],
    // Halves (k/2) check that Round is half to even in both; trunc and frac have no ONNX op of their own.
    [
      "round, trunc and frac on halves",
      (x) => {
        const h = x.mul(4).round().div(2);
        return tg.cat([tg.round(h), tg.trunc(h.mul(1.5)), tg.frac(h.mul(1.5))], 1);
      },
      [[2, 6]],
    ],
    [
      "log2, log10, exp2, remainder",
      (x) => tg.cat([tg.log2(x.abs().add(0.1)), tg.log10(x.abs().add(0.1)), tg.exp2(x), tg.remainder(x, 0.7)], 1),
      [[2, 5]],
    ],
    [
      "tan, asin, acos, atan, sinh, cosh, asinh, atanh",
      (x) => {
        const u = x.tanh().mul(0.9);
        return tg.cat([tg.tan(u), tg.asin(u), tg.acos(u), tg.atan(x), tg.sinh(x), tg.cosh(x), tg.asinh(x), tg.atanh(u)], 1);
      },
      [[2, 4]],
    ],
  ];
  for (const [name, f, shapes] of ops) {
    it(`${name}: ONNX Runtime matches at batch 1, 3 and 8`, async () => {
      await checkBatched(new Fn(f), shapes);
    });
  }

  it("a causal mask made in the forward from the dynamic length (triu of a full square), and tril over the batch", async () => {
    const causal = new Fn((x) => {
      const T = x.shape[1];
      return x
        .matmul(x.transpose(1, 2))
        .add(tg.triu(tg.full([T, T], -1e9), 1))
        .softmax(-1);
    });
    const runs = [
      [1, 2],
      [3, 7],
    ].map(([b, t]) => [tg.randn([b, t, 3])]);
    await check(causal, [tg.randn([2, 4, 3])], runs, { dynamicAxes: { input_0: { 0: "batch", 1: "time" } } });
    // Row indices [B, 1] against column indices [1, 4]: at B = 4 both hold 4 values, and still broadcast.
    await check(new Fn((x) => tg.tril(x)), [tg.randn([2, 4])], [[tg.randn([4, 4])], [tg.randn([6, 4])]], { dynamicBatch: true });
  });

  it("prod is one ReduceProd node, also over every element with a dynamic batch, and at opset 13", async () => {
    for (const opsetVersion of [13, 17, 18]) {
      const bytes = await checkBatched(new Fn((x) => tg.prod(x.mul(0.9))), [[2, 3, 4]], { opsetVersion });
      assert.equal(countOps(bytes, "ReduceProd"), 1, `opset ${opsetVersion}`);
      assert.equal(countOps(bytes, "Slice"), 0, `opset ${opsetVersion}`);
    }
  });

  it("scatterAdd becomes ScatterElements with reduction add (opset 16 and later)", async () => {
    const index = tg.tensor(
      [
        [0, 2, 0],
        [1, 1, 3],
      ],
      { dtype: "int32" },
    );
    const m = new Fn((x) => scatterAdd(x, 1, index, [2, 4]));
    const bytes = await check(m, [tg.randn([2, 3])], [[tg.randn([2, 3])]]);
    assert.equal(countOps(bytes, "ScatterElements"), 1);
    assert.throws(
      () => io.exportOnnx(m, [tg.randn([2, 3])], null, { opsetVersion: 15 }),
      (e: unknown) => e instanceof UnsupportedOpError && e.op === "scatterAdd" && /opset 16/.test((e as Error).message),
    );
  });
});

describe("exportOnnx: ops with no ONNX form", () => {
  for (const [op, f] of [
    ["unfold", (x: Tensor) => F.unfold(x, 2)],
    ["maxPool2dIndices", (x: Tensor) => (F.maxPool2d(x, 2, { returnIndices: true }) as Tensor[])[1].to("float32")],
  ] as const) {
    it(`${op} is an UnsupportedOpError naming the op and the module`, () => {
      const m = new nn.Sequential(new Fn(f));
      assert.throws(
        () => io.exportOnnx(m, [tg.randn([1, 2, 4, 4])]),
        (e: unknown) =>
          e instanceof UnsupportedOpError &&
          e.op === op &&
          e.where === "0" &&
          new RegExp(`op "${op}" in module "0"`).test((e as Error).message),
      );
    });
  }

  it("packPaddedSequence with a lengths tensor is an UnsupportedOpError naming it and the module; number[] lengths export as fixed", async () => {
    tg.manualSeed(25);
    class Packed extends nn.Module {
      readonly lstm = this.registerModule("lstm", new nn.LSTM(3, 4, { batchFirst: true }));
      constructor(readonly fixed?: number[]) {
        super();
      }
      forward(x: Tensor, lens: Tensor): Tensor {
        const packed = nn.utils.rnn.packPaddedSequence(x, this.fixed ?? lens, { batchFirst: true, enforceSorted: false });
        const [out] = this.lstm.forward(packed) as [nn.PackedSequence, unknown];
        return nn.utils.rnn.padPackedSequence(out, { batchFirst: true, totalLength: x.shape[1] })[0];
      }
    }
    class Outer extends nn.Module {
      readonly rnn = this.registerModule("rnn", new Packed());
      forward(x: Tensor, lens: Tensor): Tensor {
        return this.rnn.forward(x, lens).relu();
      }
    }
    const x = tg.randn([2, 5, 3]);
    const lens = tg.tensor([3, 5], { dtype: "int32" });
    assert.throws(
      () => io.exportOnnx(new Outer(), [x, lens]),
      (e: unknown) =>
        e instanceof UnsupportedOpError &&
        e.op === "packPaddedSequence" &&
        e.where === "rnn" &&
        /op "packPaddedSequence" in module "rnn" has no ONNX export \(its lengths tensor is read in JavaScript/.test((e as Error).message),
    );
    // Lengths given as numbers are constants of the model: the graph keeps them, and ONNX Runtime agrees.
    await check(new Packed([3, 5]), [x, lens], [[tg.randn([2, 5, 3]), lens]]);
  });
});

describe("exportOnnx: modules with hooks", () => {
  it("a pre-hook changing the input and a forward hook changing the output are in the graph", async () => {
    tg.manualSeed(24);
    const conv = new nn.Conv2d(3, 4, 3);
    conv.registerForwardPreHook((_m, args) => [(args[0] as Tensor).add(1)]);
    conv.registerForwardHook((_m, _args, out: Tensor) => out.mul(2));
    const seen: number[][] = [];
    const relu = new nn.ReLU();
    relu.registerForwardHook((_m, _args, out: Tensor) => void seen.push([...out.shape]));
    const bytes = await checkBatched(new nn.Sequential(conv, relu), [[2, 3, 6, 6]]);
    assert.equal(countOps(bytes, "Conv"), 1, "the hooked layer is still one Conv node");
    assert.ok(seen.length > 0, "hooks ran while tracing");
  });

  it("a hooked model root", async () => {
    const fc = new nn.Linear(3, 4);
    fc.registerForwardHook((_m, _args, out: Tensor) => out.tanh());
    const bytes = await checkBatched(fc, [[2, 3]]);
    assert.equal(countOps(bytes, "Tanh"), 1);
  });
});

describe("exportOnnx: input and output names", () => {
  const two = new Fn((a, b) => [a.add(b), a.mul(b)]);
  const xs = () => [tg.randn([2, 3]), tg.randn([2, 3])];
  for (const [what, opts, message] of [
    ["two inputs", { inputNames: ["x", "x"] }, /duplicate name "x" \(input 0 and input 1\)/],
    ["two outputs", { outputNames: ["y", "y"] }, /duplicate name "y" \(output 0 and output 1\)/],
    ["an input and an output", { inputNames: ["a", "b"], outputNames: ["b"] }, /duplicate name "b" \(input 1 and output 0\)/],
    ["a given name and a default one", { inputNames: ["input_1"] }, /duplicate name "input_1" \(input 0 and input 1\)/],
  ] as [string, io.ExportOnnxOptions, RegExp][]) {
    it(`the same name for ${what} is a ValueError naming it`, () => {
      assert.throws(
        () => io.exportOnnx(two, xs(), null, { ...opts, dynamicAxes: { x: { 0: "batch" } } }),
        (e: unknown) => e instanceof ValueError && message.test((e as Error).message),
      );
    });
  }

  it("an empty or non-string name is a ValueError", () => {
    assert.throws(
      () => io.exportOnnx(two, xs(), null, { inputNames: [""] }),
      (e: unknown) => e instanceof ValueError && /inputNames\[0\]/.test((e as Error).message),
    );
    assert.throws(
      () => io.exportOnnx(two, xs(), null, { outputNames: [3 as unknown as string] }),
      (e: unknown) => e instanceof ValueError && /outputNames\[0\]/.test((e as Error).message),
    );
  });

  it("dynamicAxes reach the input they name; an output may take a weight's or a default's name", async () => {
    tg.manualSeed(25);
    const fc = new nn.Linear(3, 3);
    const m = new Fn((a, b) => [fc.forward(a).add(b.sum(0, true)), b.mul(2)]);
    m.registerModule("fc", fc);
    // Only "seq" (input 1, dim 0) is dynamic: input 1 runs at lengths 1 and 6 while input 0 stays [2, 3].
    const opts = { inputNames: ["first", "second"], outputNames: ["fc.weight", "input_0"], dynamicAxes: { second: { 0: "seq" } } };
    const bytes = await check(
      m,
      [tg.randn([2, 3]), tg.randn([4, 3])],
      [
        [tg.randn([2, 3]), tg.randn([1, 3])],
        [tg.randn([2, 3]), tg.randn([6, 3])],
      ],
      opts,
    );
    const model = decodeModel(bytes);
    assert.deepEqual(
      model.graph.inputs.map((i) => [i.name, i.shape]),
      [
        ["first", [2, 3]],
        ["second", ["seq", 3]],
      ],
    );
    assert.deepEqual(
      model.graph.outputs.map((o) => [o.name, o.shape]),
      [
        ["fc.weight", [2, 3]],
        ["input_0", ["seq", 3]],
      ],
    );
  });
});
