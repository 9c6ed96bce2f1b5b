// matmul's VJP for a transposed right operand (linear's `weight.T`): the weight's gradient comes out
// contiguous (the optimizer would otherwise copy it every step) and holds Gᵀ·X, as before.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

function seq(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.round(((s / 2 ** 32) * 4 - 2) * 64) / 64); // exact in float32: sums are exact too
  }
  return out;
}

describe("matmul gradient of a transposed weight", () => {
  for (const backend of ["js", "wasm"]) {
    it(`is contiguous and equals Gᵀ·X (${backend})`, () => {
      tg.setBackend(backend);
      try {
        const [B, I, O] = [5, 3, 4];
        const xs = seq(B * I, 1),
          ws = seq(O * I, 2),
          gs = seq(B * O, 3);
        const x = tg.tensor(xs, { shape: [B, I] });
        const w = tg.tensor(ws, { shape: [O, I], requiresGrad: true });
        x.matmul(w.T).backward(tg.tensor(gs, { shape: [B, O] }));
        const grad = w.grad!;
        assert.deepEqual(grad.shape, [O, I]);
        assert.equal(grad.isContiguous, true, "weight gradient is contiguous");
        const want: number[] = [];
        for (let o = 0; o < O; o++) {
          for (let i = 0; i < I; i++) {
            let acc = 0;
            for (let b = 0; b < B; b++) acc += gs[b * O + o]! * xs[b * I + i]!;
            want.push(acc);
          }
        }
        assertClose(grad.toFloat32Array(), want, { rtol: 0, atol: 0, what: "dL/dW" });
        // A plain (non-transposed) right operand keeps the usual Aᵀ·G path.
        const v = tg.tensor(ws, { shape: [I, O], requiresGrad: true });
        x.matmul(v).backward(tg.tensor(gs, { shape: [B, O] }));
        assert.equal(v.grad!.isContiguous, true);
        assert.deepEqual(v.grad!.shape, [I, O]);
      } finally {
        tg.setBackend("wasm");
      }
    });
  }
});
