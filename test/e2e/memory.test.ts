// Users never call dispose: 10,000 forward/backward steps of a small two-layer network, written
// naively, must leave the heap where it was after warm-up (the graph is released by backward(),
// intermediates go to the garbage collector, and wasm memory is a bounded cache over them).

import { hostData } from "../../src/backend/backend.js";
import { it } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import * as tg from "tensorgrad";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/**
 * The size of the wasm backend's memory (0 on the reference backend, whose tensors live on the JS
 * heap): past its budget the backend evicts least recently used blocks instead of growing, so after
 * warm-up this must not move at all.
 */
function wasmBytes(): number {
  const be = tg.getBackend() as { memoryStats?: () => { memoryBytes: number } };
  return be.memoryStats?.().memoryBytes ?? 0;
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

it("10,000 training steps keep a flat heap", (t) => {
  tg.manualSeed(0);
  const x = tg.randn([32, 16]);
  const y = tg.randn([32, 1]);
  const w1 = tg.randn([16, 32]).mul(0.1).requiresGrad_();
  const b1 = tg.zeros([32], { requiresGrad: true });
  const w2 = tg.randn([32, 1]).mul(0.1).requiresGrad_();
  const params = [w1, b1, w2];
  const step = () => {
    const loss = x.matmul(w1).add(b1).relu().matmul(w2).sub(y).pow(2).mean();
    loss.backward();
    tg.noGrad(() => {
      for (const p of params) {
        const d = hostData(p.storage),
          g = hostData(p.grad!.storage);
        for (let i = 0; i < d.length; i++) d[i] -= 0.01 * g[i];
        p.grad = null;
      }
    });
    return loss.item();
  };
  let first = 0,
    last = 0;
  for (let i = 0; i < 1000; i++) first = step();
  const wasmBefore = wasmBytes();
  const before = heapAfterGc();
  for (let i = 0; i < 9000; i++) last = step();
  const wasmAfter = wasmBytes();
  const after = heapAfterGc();
  assert.equal(wasmAfter, wasmBefore, `wasm memory grew from ${wasmBefore} to ${wasmAfter} bytes`);
  assert.ok(last < first, `loss should go down: ${first} → ${last}`);
  const growth = (after - before) / 1024;
  t.diagnostic(
    `heap ${(before / 1048576).toFixed(2)} MiB after 1,000 steps, ${(after / 1048576).toFixed(2)} MiB after 10,000 (backend ${tg.getBackend().name}); wasm memory ${wasmBefore} → ${wasmAfter} bytes`,
  );
  assert.ok(growth < 512, `heap grew by ${growth.toFixed(0)} KiB over 9,000 steps (before ${(before / 1048576).toFixed(1)} MiB)`);
});
