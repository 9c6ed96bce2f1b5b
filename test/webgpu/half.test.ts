// float16 and bfloat16 on the WebGPU backend: their values live in float32 GPU memory like on the
// CPU backends, created and moved rounded on the host; a cast that must round on the device is a
// DTypeError naming the CPU route (WGSL's f16 is an optional feature, and torch's rounding is done
// once, on the CPU). Also packed sequences on WebGPU (their batch sizes stay on the CPU).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn } from "tensorgrad";
import { webgpuSkipReason } from "../helpers/webgpu.js";

const initial = tg.getBackend().name;
const gpu = (await webgpuSkipReason("WebGPU tests")) === null;

describe("float16 / bfloat16 on WebGPU", { skip: !gpu }, () => {
  before(() => tg.setBackend("webgpu"));
  after(() => tg.setBackend(initial));

  it("creation rounds on the host and keeps the dtype; arithmetic gives float32", async () => {
    const h = tg.tensor([1.5, 2.7, 65520, 1e-8], { dtype: "float16" });
    assert.equal(h.storage.backend.name, "webgpu");
    assert.equal(h.dtype, "float16");
    assert.deepEqual(Array.from(await h.data()), [1.5, 2.69921875, Infinity, 0]);
    assert.equal(h.reshape([2, 2]).dtype, "float16");
    const s = h.add(1);
    assert.equal(s.dtype, "float32");
    assert.deepEqual(Array.from(await s.data()), [2.5, 3.69921875, Infinity, 1]);
    assert.equal(tg.zeros([3], { dtype: "bfloat16" }).dtype, "bfloat16");
  });

  it("moving to and from the GPU keeps the dtype and the values", async () => {
    await tg.setBackend(initial);
    const b = tg.tensor([0.1, -3.3], { dtype: "bfloat16" });
    await tg.setBackend("webgpu");
    const up = b.toBackend("webgpu");
    assert.deepEqual([up.storage.backend.name, up.dtype], ["webgpu", "bfloat16"]);
    const down = await up.cpu();
    assert.equal(down.dtype, "bfloat16");
    assert.deepEqual(Array.from(down.toTypedArray()), Array.from(b.toTypedArray()));
    assert.equal(up.float().dtype, "float32");
  });

  it("casts that round on the device are DTypeErrors naming the CPU route", () => {
    const x = tg.tensor([0.1, 0.2]);
    assert.throws(
      () => x.half(),
      (e: Error) =>
        e instanceof tg.DTypeError &&
        e.message.startsWith('to: a cast to float16 rounds on the CPU, and this tensor is on the "webgpu" backend; cast on the CPU'),
    );
    assert.throws(() => x.to("bfloat16"), tg.DTypeError);
    const h = tg.zeros([2], { dtype: "float16" });
    assert.throws(() => h.add_(x), tg.DTypeError);
  });

  it("module.half() on GPU state is a DTypeError; convert on the CPU first", () => {
    const m = new nn.Linear(2, 2);
    assert.throws(
      () => m.half(),
      (e: Error) => e instanceof tg.DTypeError && /half: rounding to float16 runs on the CPU/.test(e.message),
    );
  });
});

describe("packed sequences on WebGPU", { skip: !gpu }, () => {
  before(() => tg.setBackend("webgpu"));
  after(() => tg.setBackend(initial));
  it("a GRU runs on a packed batch; batchSizes stay on the CPU as torch's; padding back restores the order", async () => {
    tg.manualSeed(4);
    const gru = new nn.GRU(2, 3);
    const x = tg.randn([4, 3, 2]);
    const packed = nn.utils.rnn.packPaddedSequence(x, [2, 4, 1], { enforceSorted: false });
    assert.deepEqual(packed.batchSizes.toArray(), [3, 2, 1, 1]);
    const [out, h] = gru.forward(packed);
    const [padded, lengths] = nn.utils.rnn.padPackedSequence(out);
    assert.deepEqual(await lengths.array(), [2, 4, 1]);
    // Sequence 1 (length 4) run alone gives the same output and final state.
    const [alone, hAlone] = gru.forward(x.slice(1, 1, 2));
    const a = await padded.slice(1, 1, 2).data(),
      b = await alone.data();
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5));
    const hh = await h.slice(1, 1, 2).data(),
      hb = await hAlone.data();
    hh.forEach((v, i) => assert.ok(Math.abs(v - hb[i]) < 1e-5));
  });
});
