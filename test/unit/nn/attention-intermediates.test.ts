// Transformer layers, attention and dropout hand their internal tensors (scaled queries, scores,
// pre-dropout weights, packed projections, dropout masks, the activations between built-in parts) to
// backward to free with the graph. On the wasm backend that memory is reused by later allocations,
// so freeing anything a caller can still hold (outputs, returned attention weights, what a forward
// hook captured) would change it: the same modules, seed and data must give the js backend's values
// and gradients, with what each step returned or captured read only after the later steps.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, type Tensor } from "tensorgrad";

function run(backend: "js" | "wasm", normFirst: boolean, hooked: boolean): number[][] {
  tg.setBackend(backend);
  tg.manualSeed(11);
  const layer = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, dropout: 0.2, batchFirst: true, normFirst });
  const encoder = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(16) });
  const mha = new nn.MultiheadAttention(16, 2, { dropout: 0.3, batchFirst: true });
  const held: Tensor[] = [];
  if (hooked) {
    // Activations captured inside a layer and between the encoder's layers.
    encoder.layers.at(0).linear1.registerForwardHook((_m, _a, out) => void held.push(out as Tensor));
    encoder.layers.at(0).registerForwardHook((_m, _a, out) => void held.push(out as Tensor));
    encoder.layers.at(1).selfAttn.registerForwardHook((_m, _a, out) => void held.push((out as Tensor[])[0]!));
  }
  const x = tg.randn([3, 5, 16]).requiresGrad_(true);
  const pad = tg
    .tensor([
      [0, 0, 0, 1, 1],
      [0, 0, 0, 0, 0],
      [0, 1, 1, 1, 1],
    ])
    .bool();
  const params = [x, ...encoder.parameters(), ...mha.parameters()];
  const grads: number[][] = [];
  for (let step = 0; step < 3; step++) {
    const out = encoder.forward(x, { srcKeyPaddingMask: pad, mask: step === 1 ? nn.generateSquareSubsequentMask(5) : null });
    const [attn, weights] = mha.forward(out, out, out, { needWeights: true, averageAttnWeights: step === 1 }) as [Tensor, Tensor];
    const loss = attn
      .mul(tg.randn(attn.shape))
      .sum()
      .add(weights.mul(tg.randn(weights.shape)).sum());
    loss.backward(null, { retainGraph: step === 1 });
    if (step === 1) loss.backward();
    held.push(out, attn, weights);
    grads.push(...params.map((p) => Array.from(p.grad!.toFloat32Array())));
    for (const p of params) p.grad = null;
  }
  return [...held.map((t) => Array.from(t.toFloat32Array())), ...grads];
}

describe("internal tensors freed by backward (wasm backend)", () => {
  for (const [normFirst, hooked] of [
    [false, false],
    [true, false],
    [false, true],
  ]) {
    it(`leave values and gradients equal to the js backend's (normFirst ${normFirst}, forward hooks ${hooked})`, () => {
      const ref = run("js", normFirst, hooked),
        wasm = run("wasm", normFirst, hooked);
      tg.setBackend("js");
      assert.equal(wasm.length, ref.length);
      wasm.forEach((v, k) =>
        v.forEach((a, i) => {
          const b = ref[k]![i]!;
          assert.ok(Math.abs(a - b) <= 1e-4 + 1e-4 * Math.abs(b), `value ${k}[${i}]: ${a} vs ${b}`);
        }),
      );
    });
  }
});
