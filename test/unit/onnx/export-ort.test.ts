// exportOnnx checked by ONNX Runtime: each layer and example model is exported, run by ONNX Runtime
// (onnxruntime-web) and compared with tensorgrad's own eval-mode output to 1e-5 relative; models
// exported with a dynamic batch axis are run at several batch sizes.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, io, Tensor } from "tensorgrad";

const F = nn.functional;
import { check, batches, countOps } from "./export-check.js";

/** Puts non-trivial running statistics into every BatchNorm by a few training-mode forwards. */
function warmBatchNorm(model: nn.Module, shape: number[]): void {
  model.train();
  tg.noGrad(() => {
    for (let i = 0; i < 3; i++) model.forward(tg.randn(shape).mul(2).add(0.5));
  });
}

class Residual extends nn.Module {
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly conv2: nn.Conv2d;
  constructor() {
    super();
    this.conv1 = this.registerModule("conv1", new nn.Conv2d(4, 4, 3, { padding: 1 }));
    this.bn1 = this.registerModule("bn1", new nn.BatchNorm2d(4));
    this.conv2 = this.registerModule("conv2", new nn.Conv2d(4, 4, 3, { padding: 1, bias: false }));
  }
  forward(x: Tensor): Tensor {
    return this.conv2
      .forward(this.bn1.forward(this.conv1.forward(x)).relu())
      .add(x)
      .relu();
  }
}

/** Tensor code in a custom forward, exported primitive by primitive. */
class Custom extends nn.Module {
  readonly fc: nn.Linear;
  constructor() {
    super();
    this.fc = this.registerModule("fc", new nn.Linear(6, 6));
  }
  forward(x: Tensor): Tensor {
    const h = this.fc.forward(x);
    const centred = h.sub(h.mean(-1, true)).div(h.std(-1, true).add(1e-3));
    const gate = tg.where(centred.gt(0), centred.exp().log1p(), centred.mul(0.5).tanh());
    const both = tg.cat([gate, x.slice(1, 0, 3).pow(2)], 1);
    return both.transpose(0, 1).transpose(0, 1).max(1, true).add(both.sum(1, true)).clamp(-5, 5).add(both.softmax(1));
  }
}

describe("exportOnnx → ONNX Runtime, layer by layer", () => {
  tg.manualSeed(0);
  const layers: [string, () => nn.Module, number[]][] = [
    ["Linear", () => new nn.Linear(5, 3), [2, 5]],
    ["Linear on 3-D input", () => new nn.Linear(5, 3), [2, 4, 5]],
    ["Linear without bias", () => new nn.Linear(5, 3, { bias: false }), [2, 5]],
    ["ReLU", () => new nn.ReLU(), [2, 5]],
    ["Sigmoid", () => new nn.Sigmoid(), [2, 5]],
    ["Tanh", () => new nn.Tanh(), [2, 5]],
    ["LeakyReLU", () => new nn.LeakyReLU(0.2), [2, 5]],
    ["ELU", () => new nn.ELU(0.7), [2, 5]],
    ["GELU", () => new nn.GELU(), [2, 5]],
    ["GELU tanh", () => new nn.GELU({ approximate: "tanh" }), [2, 5]],
    ["Softplus", () => new nn.Softplus(), [2, 5]],
    ["Softplus beta 2", () => new nn.Softplus({ beta: 2 }), [2, 5]],
    ["SiLU", () => new nn.SiLU(), [2, 5]],
    ["Softmax", () => new nn.Softmax(1), [2, 5]],
    ["LogSoftmax", () => new nn.LogSoftmax(-1), [2, 5]],
    ["Identity", () => new nn.Identity(), [2, 5]],
    ["Dropout (identity in eval)", () => new nn.Dropout(0.5), [2, 5]],
    ["Flatten", () => new nn.Flatten(), [2, 3, 4, 2]],
    ["Flatten(2)", () => new nn.Flatten(2), [2, 3, 4, 2]],
    ["Conv1d", () => new nn.Conv1d(3, 4, 3, { stride: 2, padding: 1 }), [2, 3, 9]],
    ["Conv2d", () => new nn.Conv2d(3, 4, 3, { padding: 1 }), [2, 3, 7, 6]],
    ["Conv2d same, dilated, grouped", () => new nn.Conv2d(4, 6, 4, { padding: "same", dilation: 2, groups: 2 }), [2, 4, 9, 9]],
    ["Conv2d strided", () => new nn.Conv2d(3, 2, [3, 2], { stride: [2, 1], padding: [1, 0] }), [2, 3, 8, 7]],
    ["MaxPool2d", () => new nn.MaxPool2d(2), [2, 3, 6, 6]],
    ["MaxPool2d padded, ceil", () => new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), [2, 3, 8, 8]],
    ["AvgPool2d", () => new nn.AvgPool2d(3, { stride: 2, padding: 1 }), [2, 3, 7, 7]],
    ["AvgPool2d without pad count", () => new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), [2, 3, 7, 7]],
    ["AdaptiveAvgPool2d(1)", () => new nn.AdaptiveAvgPool2d(1), [2, 3, 5, 5]],
    ["AdaptiveAvgPool2d(2)", () => new nn.AdaptiveAvgPool2d(2), [2, 3, 6, 4]],
    ["LayerNorm", () => new nn.LayerNorm(6), [2, 3, 6]],
    ["LayerNorm without affine", () => new nn.LayerNorm([3, 6], { elementwiseAffine: false }), [2, 3, 6]],
    ["MultiheadAttention (batch first)", () => new SelfAttention(), [2, 5, 8]],
    [
      "TransformerEncoderLayer (batch first)",
      () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }),
      [2, 5, 8],
    ],
    ["Residual CNN block", () => new Residual(), [2, 4, 6, 6]],
    ["custom forward", () => new Custom(), [4, 6]],
  ];
  for (const [name, make, shape] of layers) {
    it(`${name}: ONNX Runtime matches at batch 1, 3 and 8 (dynamic batch)`, async () => {
      const m = make();
      await check(m, [tg.randn(shape)], batches(shape), { dynamicBatch: true });
    });
  }

  for (const [name, make, shape] of [
    ["BatchNorm1d", () => new nn.BatchNorm1d(5), [4, 5]],
    ["BatchNorm1d on [N, C, L]", () => new nn.BatchNorm1d(3), [4, 3, 6]],
    ["BatchNorm2d", () => new nn.BatchNorm2d(3), [4, 3, 5, 5]],
    ["BatchNorm2d without affine", () => new nn.BatchNorm2d(3, { affine: false }), [4, 3, 5, 5]],
  ] as [string, () => nn.Module, number[]][]) {
    it(`${name}: running statistics are exported (eval mode)`, async () => {
      const m = make();
      warmBatchNorm(m, shape);
      await check(m, [tg.randn(shape)], batches(shape), { dynamicBatch: true });
    });
  }

  it("Embedding takes int32 indices", async () => {
    const m = new nn.Embedding(10, 4);
    const idx = (b: number) => tg.randint(0, 10, [b, 3], { dtype: "int32" });
    await check(m, [idx(2)], [[idx(1)], [idx(5)]], { dynamicBatch: true });
  });

  // Recurrent layers become ONNX's LSTM/GRU/RNN nodes: batch size and sequence length stay dynamic.
  for (const [name, make, batchFirst] of [
    ["LSTM", () => new nn.LSTM(4, 6, { batchFirst: true }), true],
    ["GRU, two layers", () => new nn.GRU(4, 6, { batchFirst: true, numLayers: 2 }), true],
    ["RNN, bidirectional, relu, sequence first", () => new nn.RNN(4, 6, { bidirectional: true, nonlinearity: "relu" }), false],
    ["LSTM, two bidirectional layers without bias", () => new nn.LSTM(4, 3, { numLayers: 2, bidirectional: true, bias: false }), false],
  ] as [string, () => nn.Module, boolean][]) {
    it(`${name}: output and final states match at other batch sizes and lengths`, async () => {
      const m = make();
      const shape = (batch: number, time: number) => (batchFirst ? [batch, time, 4] : [time, batch, 4]);
      const axes = batchFirst ? { 0: "batch", 1: "time" } : { 0: "time", 1: "batch" };
      const runs = [
        [1, 5],
        [3, 2],
        [8, 7],
      ].map(([b, t]) => [tg.randn(shape(b, t))]);
      await check(m, [tg.randn(shape(2, 4))], runs, { dynamicAxes: { input_0: axes } });
    });
  }

  it("LSTM with initial states as graph inputs", async () => {
    const lstm = new nn.LSTM(3, 5, { numLayers: 2, batchFirst: true });
    const wrapped = new (class extends nn.Module {
      constructor() {
        super();
        this.registerModule("lstm", lstm);
      }
      forward(x: Tensor, h0: Tensor, c0: Tensor) {
        return lstm.forward(x, [h0, c0]);
      }
    })();
    const inputs = (b: number) => [tg.randn([b, 4, 3]), tg.randn([2, b, 5]), tg.randn([2, b, 5])];
    const axes = { 0: "batch" };
    await check(wrapped, inputs(2), [inputs(1), inputs(6)], {
      dynamicAxes: { input_0: axes, input_1: { 1: "batch" }, input_2: { 1: "batch" } },
    });
  });

  it("TransformerEncoder: batch size and sequence length both dynamic", async () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, normFirst: true, activation: "gelu" });
    const encoder = new nn.TransformerEncoder(layer, 2);
    const runs = [
      [1, 3],
      [4, 9],
    ].map(([b, t]) => [tg.randn([b, t, 8])]);
    await check(encoder, [tg.randn([2, 5, 8])], runs, { dynamicAxes: { input_0: { 0: "batch", 1: "time" } } });
  });

  // Unbatched sequences [T, I] become the same single ONNX nodes (a batch of one inside the graph),
  // so the length stays dynamic instead of being unrolled step by step.
  for (const [name, make, layers, op] of [
    ["GRU", () => new nn.GRU(4, 6), 1, "GRU"],
    ["LSTM, two layers, batchFirst (ignored unbatched, as torch)", () => new nn.LSTM(4, 3, { numLayers: 2, batchFirst: true }), 2, "LSTM"],
    ["RNN, bidirectional, relu", () => new nn.RNN(4, 5, { bidirectional: true, nonlinearity: "relu" }), 1, "RNN"],
  ] as [string, () => nn.Module, number, string][]) {
    it(`unbatched ${name}: one ${op} node per layer, ONNX Runtime matches at other lengths`, async () => {
      tg.manualSeed(9);
      const m = make();
      const runs = [1, 3, 9].map((t) => [tg.randn([t, 4])]);
      const bytes = await check(m, [tg.randn([5, 4])], runs, { dynamicAxes: { input_0: { 0: "time" } } });
      assert.equal(countOps(bytes, op), layers, `${op} nodes`);
    });
  }

  it("unbatched LSTM with initial states [L·D, H] as graph inputs", async () => {
    tg.manualSeed(10);
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    const wrapped = new (class extends nn.Module {
      constructor() {
        super();
        this.registerModule("lstm", lstm);
      }
      forward(x: Tensor, h0: Tensor, c0: Tensor) {
        return lstm.forward(x, [h0, c0]);
      }
    })();
    const inputs = (t: number) => [tg.randn([t, 3]), tg.randn([4, 4]), tg.randn([4, 4])];
    await check(wrapped, inputs(5), [inputs(2), inputs(7)], { dynamicAxes: { input_0: { 0: "time" } } });
  });
});

class SelfAttention extends nn.Module {
  readonly attn: nn.MultiheadAttention;
  constructor() {
    super();
    this.attn = this.registerModule("attn", new nn.MultiheadAttention(8, 2, { batchFirst: true }));
  }
  forward(x: Tensor): Tensor[] {
    return this.attn.forward(x, x, x) as Tensor[];
  }
}

/** LeNet written the functional way: F.conv2d / F.maxPool2d / F.avgPool2d in a custom forward. */
class FunctionalLeNet extends nn.Module {
  readonly w1: nn.Parameter;
  readonly b1: nn.Parameter;
  readonly w2: nn.Parameter;
  readonly fc: nn.Linear;
  constructor() {
    super();
    this.w1 = this.registerParameter("w1", tg.randn([4, 1, 3, 3]).mul(0.3));
    this.b1 = this.registerParameter("b1", tg.randn([4]).mul(0.1));
    this.w2 = this.registerParameter("w2", tg.randn([6, 2, 3, 3]).mul(0.3));
    this.fc = this.registerModule("fc", new nn.Linear(6, 3));
  }
  forward(x: Tensor): Tensor {
    let h = F.maxPool2d(F.conv2d(x, this.w1, this.b1, { padding: 1 }).relu(), 2);
    h = F.avgPool2d(F.conv2d(h, this.w2, null, { groups: 2, padding: "same" }), 3, { stride: 1, padding: 1, countIncludePad: false });
    return this.fc.forward(F.maxPool2d(h, 2, { ceilMode: true }).mean([2, 3]));
  }
}

describe("exportOnnx → ONNX Runtime, example models", () => {
  it("F.conv2d and pools in a custom forward become Conv and pool nodes", async () => {
    tg.manualSeed(5);
    await check(new FunctionalLeNet(), [tg.randn([2, 1, 9, 9])], batches([2, 1, 9, 9]), { dynamicBatch: true });
  });

  it("conv and pool layers on unbatched input", async () => {
    const m = new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.MaxPool2d(2), new nn.AvgPool2d(2));
    await check(m, [tg.randn([2, 8, 8])], [[tg.randn([2, 8, 8])]]);
    await check(new nn.Conv1d(3, 2, 3), [tg.randn([3, 7])], [[tg.randn([3, 7])]]);
  });

  it("an MLP with dropout, at batch sizes 1, 3 and 8", async () => {
    tg.manualSeed(1);
    const mlp = new nn.Sequential(
      new nn.Flatten(),
      new nn.Linear(12, 16),
      new nn.ReLU(),
      new nn.Dropout(0.3),
      new nn.Linear(16, 4),
      new nn.LogSoftmax(1),
    );
    await check(mlp, [tg.randn([2, 3, 4])], batches([2, 3, 4]), { dynamicBatch: true, inputNames: ["pixels"], outputNames: ["logp"] });
  });

  for (const opset of [13, 18, 23]) {
    it(`opset ${opset}: tensor code and a transformer layer (reductions before and after their axes moved to inputs)`, async () => {
      tg.manualSeed(4);
      await check(new Custom(), [tg.randn([4, 6])], batches([4, 6]), { dynamicBatch: true, opsetVersion: opset });
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
      await check(layer, [tg.randn([2, 3, 8])], batches([2, 3, 8]), { dynamicBatch: true, opsetVersion: opset });
    });
  }

  it("a CNN with batch norm, pooling and a residual block", async () => {
    tg.manualSeed(2);
    const cnn = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new Residual(),
      new nn.AdaptiveAvgPool2d(1),
      new nn.Flatten(),
      new nn.Linear(4, 3),
    );
    warmBatchNorm(cnn, [6, 1, 8, 8]);
    await check(cnn, [tg.randn([2, 1, 8, 8])], batches([2, 1, 8, 8]), { dynamicBatch: true });
  });
});
