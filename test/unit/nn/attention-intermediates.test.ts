// Attention and dropout hand their internal tensors (scaled queries, scores, pre-dropout weights,
// packed projections, dropout masks) to backward to free with the graph. On the wasm backend that
// memory is reused by later allocations, so freeing anything a caller can still hold (the outputs, the
// returned attention weights) would change it: the same layers, seed and data must give the js
// backend's values and gradients, with what each step returned read only after the later steps.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, type Tensor } from "tensorgrad";

function run(backend: "js" | "wasm"): number[][] {
  tg.setBackend(backend);
  tg.manualSeed(11);
  const layer = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, dropout: 0.2, batchFirst: true });
  const mha = new nn.MultiheadAttention(16, 2, { dropout: 0.3, batchFirst: true });
  const x = tg.randn([3, 5, 16]).requiresGrad_(true);
  const pad = tg.tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0], [0, 1, 1, 1, 1]], { dtype: "int32" });
  const held: Tensor[] = [];
  const grads: number[][] = [];
  for (let step = 0; step < 3; step++) {
    const out = layer.forward(x, { srcKeyPaddingMask: pad, srcMask: step === 1 ? nn.generateSquareSubsequentMask(5) : null }) as Tensor;
    const [attn, weights] = mha.forward(out, out, out, { needWeights: true, averageAttnWeights: step === 1 }) as [Tensor, Tensor];
    const loss = attn.mul(tg.randn(attn.shape)).sum().add(weights.mul(tg.randn(weights.shape)).sum());
    loss.backward(null, { retainGraph: step === 1 });
    if (step === 1) loss.backward();
    held.push(out, attn, weights);
    grads.push(...[x, ...layer.parameters(), ...mha.parameters()].map((p) => Array.from(p.grad!.toFloat32Array())));
    for (const p of [x, ...layer.parameters(), ...mha.parameters()]) p.grad = null;
  }
  return [...held.map((t) => Array.from(t.toFloat32Array())), ...grads];
}

describe("attention's freed intermediates (wasm backend)", () => {
  it("leave values and gradients equal to the js backend's", () => {
    const ref = run("js"), wasm = run("wasm");
    tg.setBackend("js");
    assert.equal(wasm.length, ref.length);
    wasm.forEach((v, k) => v.forEach((a, i) => {
      const b = ref[k]![i]!;
      assert.ok(Math.abs(a - b) <= 1e-4 + 1e-4 * Math.abs(b), `value ${k}[${i}]: ${a} vs ${b}`);
    }));
  });
});
