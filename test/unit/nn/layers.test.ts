// Every nn layer against PyTorch (fixtures/nn.json): torch's parameters and buffers are loaded with
// loadStateDict, then forward output, input gradient and parameter gradients (random upstream
// gradient) are compared in train or eval mode, and the buffers after one and two forwards.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { assertTensorClose } from "../../helpers/assert.js";
import { buildLayer, fixtures, stateOf, toTensor, type TensorRecord } from "./nn-fixtures.js";

const tol = { rtol: 1e-4, atol: 2e-5 };

function expectState(actual: Record<string, tg.Tensor>, expected: Record<string, TensorRecord>, what: string): void {
  assert.deepEqual(Object.keys(actual), Object.keys(expected), `${what}: state-dict keys`);
  for (const [k, rec] of Object.entries(expected)) {
    assert.equal(actual[k].dtype, rec.dtype ?? "float32", `${what}: dtype of ${k}`);
    assertTensorClose(actual[k], rec.values, rec.shape, { ...tol, what: `${what} ${k}` });
  }
}

describe("nn layers match PyTorch", () => {
  for (const c of fixtures.layers) {
    it(`${c.id} (${c.mode})`, () => {
      const layer = buildLayer(c.desc);
      layer.loadStateDict(stateOf(c.state));
      layer.train(c.mode === "train");
      const x = toTensor(c.input, { requiresGrad: true });
      const out = layer.forward(x);
      assertTensorClose(out, c.output.values, c.output.shape, { ...tol, what: `${c.id} output` });
      out.backward(toTensor(c.gradOutput));
      if (c.inputGrad) assertTensorClose(x.grad!, c.inputGrad.values, c.inputGrad.shape, { ...tol, what: `${c.id} input grad` });
      const grads = Object.fromEntries(layer.namedParameters().map(([k, p]) => [k, p.grad]));
      assert.deepEqual(Object.keys(grads).sort(), Object.keys(c.paramGrads).sort(), `${c.id}: parameters with gradients`);
      for (const [k, rec] of Object.entries(c.paramGrads)) {
        assertTensorClose(grads[k]!, rec.values, rec.shape, { ...tol, what: `${c.id} grad of ${k}` });
      }
      expectState(layer.stateDict(), c.stateAfter, `${c.id} after forward`);
      if (c.second && c.stateAfterSecond) {
        tg.noGrad(() => layer.forward(toTensor(c.second!)));
        expectState(layer.stateDict(), c.stateAfterSecond, `${c.id} after a second forward`);
      }
    });
  }
});
