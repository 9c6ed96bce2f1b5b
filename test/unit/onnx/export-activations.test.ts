// The remaining built-in activations and shape layers through ONNX Runtime: each exported with a
// dynamic batch and matched to 1e-5 at batch 1, 3 and 8 (inputs spread over [-4, 4] so every
// piece of a piecewise function is hit).

import { describe, it } from "node:test";
import * as tg from "tensorgrad";
import { nn } from "tensorgrad";
import { check } from "./export-check.js";

const spread = (shape: number[]) => tg.randn(shape).mul(2.5);

describe("exportOnnx → ONNX Runtime: more activations and shape layers", () => {
  const layers: [string, () => nn.Module, number[]][] = [
    ["ReLU6", () => new nn.ReLU6(), [2, 12]],
    ["Hardtanh(-2, 1.5)", () => new nn.Hardtanh(-2, 1.5), [2, 12]],
    ["Hardsigmoid", () => new nn.Hardsigmoid(), [2, 12]],
    ["Hardswish", () => new nn.Hardswish(), [2, 12]],
    ["SELU", () => new nn.SELU(), [2, 12]],
    ["CELU(0.5)", () => new nn.CELU(0.5), [2, 12]],
    ["Mish", () => new nn.Mish(), [2, 12]],
    ["LogSigmoid", () => new nn.LogSigmoid(), [2, 12]],
    ["Softsign", () => new nn.Softsign(), [2, 12]],
    ["Softmin(1)", () => new nn.Softmin(1), [2, 12]],
    ["GLU", () => new nn.GLU(), [2, 12]],
    ["GLU(1) on [N, C, L]", () => new nn.GLU(1), [2, 6, 5]],
    ["PReLU, one slope", () => new nn.PReLU(), [2, 12]],
    ["PReLU, a slope per channel", () => new nn.PReLU(3, 0.1), [2, 3, 4, 4]],
    ["Unflatten", () => new nn.Unflatten(1, [3, 4]), [2, 12]],
    ["PositionalEncoding (batch first)", () => new nn.PositionalEncoding(8, { batchFirst: true, maxLen: 20 }), [2, 5, 8]],
  ];
  for (const [name, make, shape] of layers) {
    it(`${name}: ONNX Runtime matches at batch 1, 3 and 8 (dynamic batch)`, async () => {
      tg.manualSeed(21);
      const runs = [1, 3, 8].map((b) => [spread([b, ...shape.slice(1)])]);
      await check(make(), [spread(shape)], runs, { dynamicBatch: true });
    });
  }

  it("PositionalEncoding (sequence first): the length is dynamic too", async () => {
    tg.manualSeed(22);
    const runs = [
      [1, 1],
      [7, 3],
      [12, 8],
    ].map(([t, b]) => [tg.randn([t, b, 8])]);
    await check(new nn.PositionalEncoding(8, { maxLen: 16 }), [tg.randn([5, 2, 8])], runs, {
      dynamicAxes: { input_0: { 0: "time", 1: "batch" } },
    });
  });
});
