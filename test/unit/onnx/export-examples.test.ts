// The example models through ONNX Runtime: every model preset of the command line, and the networks
// the programs in examples/ train (written out again here: those programs train when imported),
// exported with a dynamic batch (and length, for the forecaster) and matched at several sizes.

import { describe, it } from "node:test";
import * as tg from "tensorgrad";
import { nn, Tensor } from "tensorgrad";
import { buildModel, modelConfig, PRESETS } from "../../../cli/model.js";
import { batches, check } from "./export-check.js";

/** examples/lstm-forecast.ts: the next value of a wave from the LSTM's last step. */
class Forecaster extends nn.Module {
  readonly lstm = this.registerModule("lstm", new nn.LSTM(1, 24, { batchFirst: true }));
  readonly head = this.registerModule("head", new nn.Linear(24, 1));
  forward(x: Tensor): Tensor {
    const [out] = this.lstm.forward(x);
    return this.head.forward(out.slice(1, x.shape[1] - 1, x.shape[1]).squeeze(1));
  }
}

/** examples/transformer-sort.ts: token and position embeddings, a 2-layer encoder, a vocabulary head. */
class Sorter extends nn.Module {
  readonly tok = this.registerModule("tok", new nn.Embedding(10, 32));
  readonly pos = this.registerModule("pos", new nn.Embedding(6, 32));
  readonly encoder = this.registerModule(
    "encoder",
    new nn.TransformerEncoder(new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, dropout: 0, batchFirst: true }), 2),
  );
  readonly head = this.registerModule("head", new nn.Linear(32, 10));
  forward(tokens: Tensor): Tensor {
    const positions = tg.arange(6, { dtype: "int32" }).unsqueeze(0).expand([tokens.shape[0], 6]);
    return this.head.forward(this.encoder.forward(this.tok.forward(tokens).add(this.pos.forward(positions))));
  }
}

describe("exportOnnx → ONNX Runtime: the command line's model presets", () => {
  for (const preset of [...Object.keys(PRESETS), "cnn"]) {
    it(`${preset}: ONNX Runtime matches at batch 1, 3 and 8 (dynamic batch)`, async () => {
      tg.manualSeed(11);
      const model = buildModel(modelConfig({ model: preset }, 784, 10) as Parameters<typeof buildModel>[0]);
      await check(model, [tg.randn([2, 784])], batches([2, 784]), { dynamicBatch: true });
    });
  }
});

describe("exportOnnx → ONNX Runtime: the networks of examples/", () => {
  it("mnist.ts's CNN at batch 1, 3 and 8", async () => {
    tg.manualSeed(12);
    const cnn = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(8, 16, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(16 * 7 * 7, 32),
      new nn.ReLU(),
      new nn.Linear(32, 10),
    );
    await check(cnn, [tg.randn([2, 1, 28, 28])], batches([2, 1, 28, 28]), { dynamicBatch: true });
  });

  it("transfer-learning.ts's feature extractor and new head at batch 1, 3 and 8", async () => {
    tg.manualSeed(13);
    const features = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU());
    await check(new nn.Sequential(features, new nn.Linear(64, 2)), [tg.randn([2, 784])], batches([2, 784]), { dynamicBatch: true });
  });

  it("lstm-forecast.ts's forecaster: batch and length both dynamic", async () => {
    tg.manualSeed(14);
    const runs = [
      [1, 24],
      [3, 5],
      [8, 40],
    ].map(([b, t]) => [tg.randn([b, t, 1])]);
    await check(new Forecaster(), [tg.randn([2, 24, 1])], runs, { dynamicAxes: { input_0: { 0: "batch", 1: "time" } } });
  });

  it("transformer-sort.ts's sorter on int32 tokens at batch 1, 3 and 8", async () => {
    tg.manualSeed(15);
    const tokens = (b: number) => tg.randint(0, 10, [b, 6], { dtype: "int32" });
    await check(new Sorter(), [tokens(2)], [[tokens(1)], [tokens(3)], [tokens(8)]], { dynamicBatch: true });
  });
});
