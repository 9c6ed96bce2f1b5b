// WGSL reductions against the reference backend: short rows (a thread each) and long rows (a
// workgroup each), float32 and int32, NaN and ±∞, ties (first index wins), and transposed, offset,
// flipped and broadcast inputs.

import { describe, it, after } from "node:test";
import type { ReduceKernel } from "../../src/backend/kernel-table.js";
import { createWebGpuBackend } from "../../src/backend/webgpu/index.js";
import { gpuDevice } from "../helpers/webgpu.js";
import { assertMatches, runOnBoth, seeded, type ViewLayout } from "../helpers/webgpu-compare.js";

const device = await gpuDevice();
const KINDS: ReduceKernel[] = ["sum", "max", "min", "argmax", "argmin"];
// Float32 sums differ from the float64 reference by rounding: the test data are O(1), rows up to 10⁵.
const SUM_TOL = { rtol: 1e-5, atol: 1e-4 };

describe("WebGPU reductions", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  after(() => be.runtime.flush());
  const r = seeded(3);

  async function check(kind: ReduceKernel, dtype: "float32" | "int32", data: number[], view: ViewLayout, R: number, what: string) {
    const O = view.shape.reduce((a, b) => a * b, 1) / R;
    const outDType = kind.startsWith("arg") ? "int32" : dtype;
    const { gpu, ref } = await runOnBoth(
      be,
      kind,
      { dtype: outDType, data: new Array(O + 2).fill(-9), view: { offset: 1, shape: [O], strides: [1] } },
      [{ dtype, data, view }],
      { reduceSize: R },
    );
    assertMatches(gpu, ref, `${kind} ${dtype} ${what}`, kind === "sum" && dtype === "float32" ? SUM_TOL : {});
  }

  for (const R of [1, 5, 64, 300]) {
    it(`rows of ${R}: float32 with NaN, ±∞ and ties, and int32`, async () => {
      const O = 7;
      const data = Array.from({ length: O * R }, () => Math.round(r(-8, 8)) / 4);
      // Row 1 holds a NaN late, row 2 two NaNs, row 3 ±∞, row 4 only equal values (-0 and 0), row 5 -∞ only.
      if (R > 2) {
        data[R + R - 2] = NaN;
        data[2 * R + 1] = NaN;
        data[2 * R + R - 1] = NaN;
        data[3 * R] = Infinity;
        data[3 * R + R - 1] = -Infinity;
        for (let i = 0; i < R; i++) data[4 * R + i] = i % 2 ? 0 : -0;
        for (let i = 0; i < R; i++) data[5 * R + i] = -Infinity;
      }
      const view = { offset: 0, shape: [O, R], strides: [R, 1] };
      for (const kind of KINDS) {
        await check(kind, "float32", data, view, R, `[${O}, ${R}]`);
        const ints = data.map((v) => (Number.isFinite(v) ? Math.round(v * 1e6) : v > 0 ? 2147483647 : -2147483648));
        await check(kind, "int32", ints, view, R, `[${O}, ${R}]`);
      }
    });
  }

  it("int32 sums wrap as the reference's int32 store", async () => {
    const data = [2147483647, 1, 2147483647, 2147483647, -2147483648, -1, 5, 6];
    for (const R of [2, 4, 8]) await check("sum", "int32", data, { offset: 0, shape: [8 / R, R], strides: [R, 1] }, R, `R ${R}`);
  });

  it("reads transposed, offset, flipped and broadcast inputs, and reduces several trailing dims", async () => {
    const data = Array.from({ length: 400 }, () => r(-1, 1));
    data[37] = data[12]!; // a tie across rows of the transposed view
    const views: [ViewLayout, number][] = [
      [{ offset: 3, shape: [5, 70], strides: [1, 5] }, 70], // reduce over a transposed dim (long rows)
      [{ offset: 3, shape: [5, 7], strides: [1, 5] }, 7], // short rows
      [{ offset: 399, shape: [4, 90], strides: [-90, -1] }, 90], // flipped
      [{ offset: 10, shape: [6, 100], strides: [1, 0] }, 100], // broadcast row: every element equal
      [{ offset: 0, shape: [3, 4, 5, 6], strides: [120, 1, 4, 20] }, 30], // two reduced dims, permuted
      [{ offset: 5, shape: [2, 3], strides: [0, 7] }, 3],
    ];
    for (const [view, R] of views) for (const kind of KINDS) await check(kind, "float32", data, view, R, JSON.stringify(view));
  });

  it("rows long enough to be split over workgroups (ties and NaNs in different chunks), and empty sums", async () => {
    const data = Array.from({ length: 100000 }, () => r(-1, 1));
    data[77777] = 5;
    data[88888] = 5;
    for (const kind of KINDS) await check(kind, "float32", data, { offset: 0, shape: [100000], strides: [1] }, 100000, "long");
    // Three rows of 20000: row 1 with NaNs in two chunks, row 2 with its extremes tied across chunks.
    data[20000 + 15000] = NaN;
    data[20000 + 3000] = NaN;
    data[40000 + 19999] = -7;
    data[40000 + 100] = -7;
    for (const kind of KINDS) {
      await check(kind, "float32", data, { offset: 0, shape: [3, 20000], strides: [20000, 1] }, 20000, "split rows");
      await check(
        kind,
        "int32",
        data.map((v) => (Number.isNaN(v) ? 0 : Math.round(v * 1000))),
        { offset: 99999, shape: [3, 20000], strides: [-20000, -1] },
        20000,
        "split rows, flipped",
      );
    }
    const { gpu, ref } = await runOnBoth(
      be,
      "sum",
      { dtype: "float32", data: [7, 7, 7], view: { offset: 0, shape: [3], strides: [1] } },
      [{ dtype: "float32", data: [1], view: { offset: 0, shape: [3, 0], strides: [0, 1] } }],
      { reduceSize: 0 },
    );
    assertMatches(gpu, ref, "empty sum");
  });
});
