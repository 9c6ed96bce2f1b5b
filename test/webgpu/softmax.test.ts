// WGSL softmax / logSoftmax against the reference backend: short rows (a thread each) and long rows
// (a workgroup each), any dim of 2-D and 3-D inputs, transposed and flipped inputs, and rows
// holding NaN, +∞ or only -∞ (NaN throughout, as torch).

import { describe, it, after } from "node:test";
import { createWebGpuBackend } from "../../src/backend/webgpu/index.js";
import { gpuDevice } from "../helpers/webgpu.js";
import { assertMatches, contiguous, runOnBoth, seeded, type ViewLayout } from "../helpers/webgpu-compare.js";

const device = await gpuDevice();
// A few float32 ulps of the result (softmax) or of the row's log-sum (logSoftmax).
const TOL = { rtol: 2e-6, atol: 2e-6 };

describe("WebGPU softmax", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  after(() => be.runtime.flush());
  const r = seeded(5);

  async function check(data: number[], view: ViewLayout, dim: number, what: string) {
    const n = view.shape.reduce((a, b) => a * b, 1);
    for (const log of [false, true]) {
      const { gpu, ref } = await runOnBoth(
        be,
        "softmax",
        { dtype: "float32", data: new Array(n + 2).fill(-7), view: contiguous(view.shape, 2) },
        [{ dtype: "float32", data, view }],
        { dim, log },
      );
      assertMatches(gpu, ref, `${log ? "logSoftmax" : "softmax"} ${what} dim ${dim}`, TOL);
    }
  }

  it("every dim of 2-D and 3-D inputs, short and long rows", async () => {
    for (const shape of [
      [5, 7],
      [2, 300],
      [3, 100, 4],
      [1, 1],
      [4, 1, 65],
    ]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Array.from({ length: n }, () => r(-10, 10));
      for (let dim = 0; dim < shape.length; dim++) await check(data, contiguous(shape), dim, JSON.stringify(shape));
    }
  });

  it("empty inputs launch nothing", async () => {
    await check([4], { offset: 0, shape: [0, 3], strides: [3, 1] }, 1, "empty rows");
    await check([4], { offset: 0, shape: [3, 0], strides: [0, 1] }, 1, "empty row length");
  });

  it("transposed, offset and flipped inputs", async () => {
    const data = Array.from({ length: 900 }, () => r(-5, 5));
    await check(data, { offset: 4, shape: [8, 70], strides: [1, 12] }, 1, "transposed");
    await check(data, { offset: 899, shape: [6, 9], strides: [-9, -1] }, 0, "flipped");
    await check(data, { offset: 3, shape: [3, 80], strides: [0, 2] }, 1, "broadcast rows");
  });

  it("rows with NaN, +∞, -∞ and only -∞", async () => {
    for (const n of [6, 100]) {
      const rows = [
        Array.from({ length: n }, (_, i) => (i === 3 ? NaN : i)),
        Array.from({ length: n }, (_, i) => (i === 2 ? Infinity : -i)),
        Array.from({ length: n }, (_, i) => (i % 2 ? -Infinity : i / 10)),
        Array.from({ length: n }, () => -Infinity),
        Array.from({ length: n }, () => 1e30),
      ];
      await check(rows.flat(), contiguous([rows.length, n]), 1, `specials n ${n}`);
    }
  });
});
