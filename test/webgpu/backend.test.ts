// The WebGPU backend through the public API in Node (Dawn on SwiftShader here): selecting it, the
// awaited reads, the typed errors of synchronous reads and float64, tensors moving between backends,
// and GPU memory returned by transient regions without the collector.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { webgpuSkipReason } from "../helpers/webgpu.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/index.js";

const initial = tg.getBackend().name;

/** The WebGPU backend, or null (with the reason printed) where this machine has no adapter and no SwiftShader. */
async function open(): Promise<WebGpuBackend | null> {
  if ((await webgpuSkipReason("WebGPU tests")) !== null) return null;
  await tg.setBackend("webgpu");
  const backend = tg.getBackend() as WebGpuBackend;
  await tg.setBackend(initial);
  return backend;
}
const gpu = await open();

function throwsTyped(fn: () => unknown, cls: Function, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    if (typeof message === "string") assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return true;
  });
}

describe("WebGPU backend", { skip: gpu === null }, () => {
  before(() => tg.setBackend("webgpu"));
  after(() => tg.setBackend(initial));

  it("is selected by setBackend and names its adapter", () => {
    assert.equal(tg.getBackend().name, "webgpu");
    assert.ok(tg.listBackends().includes("webgpu"));
    assert.equal(typeof gpu!.adapterInfo?.architecture, "string");
  });

  it("reads values back with await data(), array() and itemAsync(), views included", async () => {
    const x = tg.tensor([
      [1, -2, 3],
      [4, 5, -6],
    ]);
    assert.equal(x.storage.backend.name, "webgpu");
    const y = x.neg();
    assert.deepEqual(await y.data(), Float32Array.of(-1, 2, -3, -4, -5, 6));
    assert.deepEqual(await x.T.array(), [
      [1, 4],
      [-2, 5],
      [3, -6],
    ]);
    assert.deepEqual(await x.slice(1, 1, 3).array(), [
      [-2, 3],
      [5, -6],
    ]);
    assert.equal(await x.reshape([6]).slice(0, 4, 5).reshape([]).itemAsync(), 5);
    const labels = tg.tensor(Int32Array.of(7, -1, 2 ** 30));
    const read = await labels.data();
    assert.ok(read instanceof Int32Array);
    assert.deepEqual([...read], [7, -1, 2 ** 30]);
    assert.deepEqual(await tg.zeros([0, 3]).array(), []);
  });

  it("synchronous reads are AsyncReadErrors naming the awaited read", () => {
    const t = tg.tensor([1.5]);
    const sync: [() => unknown, string, string][] = [
      [() => t.item(), "item", "itemAsync"],
      [() => t.toArray(), "toArray", "array"],
      [() => t.toTypedArray(), "toTypedArray", "data"],
      [() => t.toFloat32Array(), "toFloat32Array", "data"],
      [() => t.toString(), "read", "data"],
    ];
    for (const [fn, method, awaited] of sync) {
      throwsTyped(
        fn,
        tg.AsyncReadError,
        `${method}: this tensor lives on the "webgpu" backend, whose memory cannot be read synchronously; use \`await t.${awaited}()\` (or \`await t.cpu()\` for a copy on the CPU)`,
      );
    }
  });

  it("float64 tensors are DTypeErrors: WGSL has no f64", () => {
    const msg =
      "float64 tensors cannot live on the WebGPU backend: WGSL has no 64-bit floats; use float32 (t.float()), or a CPU backend for float64 work";
    throwsTyped(() => tg.zeros([2], { dtype: "float64" }), tg.DTypeError, `zeros: ${msg}`);
    throwsTyped(() => tg.tensor([1, 2], { dtype: "float64" }), tg.DTypeError, `tensor: ${msg}`);
  });

  it("a host tensor used while WebGPU is current is uploaded; the result lives on the GPU", async () => {
    await tg.setBackend(initial);
    const h = tg.tensor([1, 4, 9]);
    await tg.setBackend("webgpu");
    const r = h.sqrt();
    assert.equal(r.storage.backend.name, "webgpu");
    assert.deepEqual(await r.data(), Float32Array.of(1, 2, 3));
    // The host tensor itself still reads synchronously.
    assert.deepEqual(h.toArray(), [1, 4, 9]);
  });

  it("moves tensors between backends: toBackend up, await cpu() down; a GPU tensor in a CPU kernel is an AsyncReadError", async () => {
    const g = tg.tensor([
      [1, 2],
      [3, 4],
    ]).T;
    await tg.setBackend(initial);
    throwsTyped(
      () => g.neg(),
      tg.AsyncReadError,
      /a tensor on the "webgpu" backend was used where its values must be read synchronously.*`await t\.data\(\)`.*`await t\.cpu\(\)`/,
    );
    throwsTyped(
      () => g.toBackend(initial),
      tg.AsyncReadError,
      /toBackend\("[a-z]+"\): this tensor lives on the "webgpu" backend.*`await t\.cpu\(\)`/,
    );
    const c = await g.cpu();
    assert.equal(c.storage.backend.name, initial);
    assert.deepEqual(c.toArray(), [
      [1, 3],
      [2, 4],
    ]);
    const up = c.toBackend("webgpu");
    assert.equal(up.storage.backend.name, "webgpu");
    assert.deepEqual(await up.array(), [
      [1, 3],
      [2, 4],
    ]);
    assert.equal(up.toBackend("webgpu"), up);
    await tg.setBackend("webgpu");
  });

  it("a transient region returns its temporaries to the pool: 30 rounds allocate no new GPU memory", () => {
    const rt = gpu!.runtime;
    const round = (): void => {
      const region = gpu!.transient!();
      const keep = gpu!.alloc("float32", 1000);
      for (let i = 0; i < 5; i++) gpu!.alloc("float32", 4096 * (i + 1));
      region.close(new Set([keep]));
      gpu!.release!(keep);
      // Freed buffers rejoin the pool once the work queued with them is submitted (a step's read does it).
      rt.flush();
    };
    round();
    const allocated = rt.bytesAllocated;
    for (let i = 0; i < 30; i++) round();
    assert.equal(rt.bytesAllocated, allocated);
  });
});
