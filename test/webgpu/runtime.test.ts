// The WebGPU runtime on its own: strided dispatch, large launches over a 2-D grid, in-place kernels
// whose output buffer is also an input, and read-back.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { createWebGpuBackend } from "../../src/backend/webgpu/index.js";
import { gpuDevice } from "../helpers/webgpu.js";

const device = await gpuDevice();

describe("WebGPU runtime", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  const rt = be.runtime;
  after(() => rt.flush());

  it("runs a unary kernel through a transposed view", async () => {
    const x = rt.alloc("float32", 6, false);
    rt.write(x, 0, Float32Array.from([1, -2, 3, -4, 5, -6]));
    const out = rt.alloc("float32", 6);
    be.kernel("neg")!(
      { storage: out, offset: 0, shape: [2, 3], strides: [3, 1] },
      [{ storage: x, offset: 0, shape: [2, 3], strides: [1, 2] }],
      undefined,
    );
    assert.deepEqual([...(await rt.read(out, 0, 6))], [-1, -3, -5, 2, 4, 6]);
  });

  it("covers launches wider than one grid row and reads a slice back", async () => {
    const n = 70000 * 256 + 3;
    const x = rt.alloc("float32", n, false);
    rt.write(
      x,
      0,
      Float32Array.from({ length: n }, (_, i) => i % 1000),
    );
    const out = rt.alloc("float32", n);
    be.kernel("sqrt")!(
      { storage: out, offset: 0, shape: [n], strides: [1] },
      [{ storage: x, offset: 0, shape: [n], strides: [1] }],
      undefined,
    );
    const tail = await rt.read(out, n - 3, 3);
    assert.deepEqual([...tail], [...Float32Array.from([(n - 3) % 1000, (n - 2) % 1000, (n - 1) % 1000].map(Math.sqrt))]);
  });

  it("reads an input that is also the output from a copy", async () => {
    const x = rt.alloc("float32", 4, false);
    rt.write(x, 0, Float32Array.from([0, 1, 2, 3]));
    // out[i] = -x[3 - i] in place: without the copy the second half would read negated values.
    be.kernel("neg")!(
      { storage: x, offset: 0, shape: [4], strides: [1] },
      [{ storage: x, offset: 3, shape: [4], strides: [-1] }],
      undefined,
    );
    assert.deepEqual([...(await rt.read(x, 0, 4))], [-3, -2, -1, -0]);
  });
});
