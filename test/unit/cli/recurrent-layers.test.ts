// LSTM and GRU layers in described networks: the parameter count computed without building equals
// the built model's, outputs have the shapes walkLayers promises, and mistakes name the layer.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../../../src/index.js";
import { walkLayers, type LayerSpec } from "../../../cli/layers.js";
import { buildModel } from "../../../cli/model.js";

const cases: { inputShape: number[]; layers: LayerSpec[]; parameters: number; keys: string[] }[] = [
  // LSTM: 4·8·(1 + 8) + 2·4·8 = 352; output linear 8·2 + 2 = 18.
  {
    inputShape: [10, 1],
    layers: [{ type: "lstm", hidden: 8 }],
    parameters: 370,
    keys: ["1.rnn.weight_ih_l0", "1.rnn.weight_hh_l0", "1.rnn.bias_ih_l0", "1.rnn.bias_hh_l0", "2.weight", "2.bias"],
  },
  // GRU, 2 layers, bidirectional: 2·(3·4·(1 + 4) + 24) + 2·(3·4·(8 + 4) + 24) = 504; linear 8·2 + 2 = 18.
  { inputShape: [10, 1], layers: [{ type: "gru", hidden: 4, layers: 2, bidirectional: true }], parameters: 522, keys: [] },
  // Sequences out, then an LSTM, then flatten is not needed: 4·6·(3 + 6) + 48 = 264; 4·5·(6 + 5) + 40 = 260; linear 5·2 + 2 = 12.
  {
    inputShape: [7, 3],
    layers: [
      { type: "lstm", hidden: 6, returnSequences: true },
      { type: "lstm", hidden: 5 },
    ],
    parameters: 536,
    keys: [],
  },
  // Every step's output flattened: [7, 4] → 28 features; GRU 3·4·(3 + 4) + 24 = 108; linear 28·2 + 2 = 58.
  { inputShape: [7, 3], layers: [{ type: "gru", hidden: 4, returnSequences: true }, { type: "flatten" }], parameters: 166, keys: [] },
];

test("recurrent layers: counted parameters equal the built model's, and the forward gives [N, outputs]", () => {
  for (const c of cases) {
    const inputSize = c.inputShape[0] * c.inputShape[1];
    const walked = walkLayers(c.inputShape, c.layers, 2, (i) => `layer ${i}`, false);
    assert.equal(walked.parameters, c.parameters, JSON.stringify(c.layers));
    tg.manualSeed(0);
    const model = buildModel({ type: "layers", preset: "t", inputSize, inputShape: c.inputShape, layers: c.layers, outputs: 2 });
    assert.equal(model.numParameters(), c.parameters);
    if (c.keys.length) assert.deepEqual(Object.keys(model.stateDict()), c.keys);
    model.eval();
    assert.deepEqual(model.forward(tg.randn([5, inputSize])).shape, [5, 2]);
  }
});

test("a recurrent layer on flat features or images is named with the shape it needs", () => {
  assert.throws(() => walkLayers([12], [{ type: "lstm", hidden: 4 }], 2, (i) => `f.yaml: layers.${i}`, false), {
    name: "CliError",
    message:
      "f.yaml: layers.0: lstm needs sequences [steps, features], but its input is [12]; give the model file an inputShape such as [12, 1]",
  });
  assert.throws(() => walkLayers([1, 8, 8], [{ type: "gru", hidden: 4 }], 2, (i) => `layers.${i}`, false), {
    name: "CliError",
    message:
      "layers.0: gru needs sequences [steps, features], but its input is [1, 8, 8]; give the model file an inputShape such as [steps, features]",
  });
});
