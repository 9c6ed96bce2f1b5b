// WGSL cumsum and argsort against the reference backend: short and long rows, reverse and
// descending, float32 and int32, strided inputs, and argsort's order of ties (stable), -0 and 0
// (equal), ±∞ and NaN (largest).

import { describe, it, after } from "node:test";
import { createWebGpuBackend } from "../../src/backend/webgpu/index.js";
import { gpuDevice } from "../helpers/webgpu.js";
import { assertMatches, contiguous, runOnBoth, seeded, type ViewLayout } from "../helpers/webgpu-compare.js";

const device = await gpuDevice();

describe("WebGPU cumsum and argsort", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  after(() => be.runtime.flush());
  const r = seeded(9);

  async function check(
    kind: "cumsum" | "argsort",
    dtype: "float32" | "int32",
    data: number[],
    view: ViewLayout,
    flag: boolean,
    what: string,
  ) {
    const R = view.shape[view.shape.length - 1]!;
    const n = view.shape.reduce((a, b) => a * b, 1);
    const outDType = kind === "argsort" ? "int32" : dtype;
    const params = kind === "argsort" ? { rowSize: R, descending: flag } : { rowSize: R, reverse: flag };
    const { gpu, ref } = await runOnBoth(
      be,
      kind,
      { dtype: outDType, data: new Array(n + 1).fill(-3), view: contiguous(view.shape, 1) },
      [{ dtype, data, view }],
      params as never,
    );
    // Float32 running sums against the reference's float64 ones: values O(1), rows up to 3000.
    assertMatches(gpu, ref, `${kind} ${dtype} ${what} ${flag}`, kind === "cumsum" && dtype === "float32" ? { rtol: 1e-5, atol: 1e-4 } : {});
  }

  for (const R of [1, 5, 64, 300, 3000]) {
    it(`rows of ${R}: float32 and int32, both directions`, async () => {
      const rows = R > 1000 ? 2 : 5;
      // Few distinct values, so that sorts see many ties.
      const data = Array.from({ length: rows * R }, () => Math.round(r(-6, 6)) / 2);
      for (const flag of [false, true]) {
        for (const kind of ["cumsum", "argsort"] as const) {
          await check(kind, "float32", data, contiguous([rows, R]), flag, `[${rows}, ${R}]`);
          await check(
            kind,
            "int32",
            data.map((v) => v * 1000003),
            contiguous([rows, R]),
            flag,
            `[${rows}, ${R}]`,
          );
        }
      }
    });
  }

  it("argsort orders NaN last (first descending), -0 equal to 0, ±∞, int32 extremes, stably", async () => {
    const data = [3, NaN, -0, Infinity, 0, -Infinity, 1, NaN, -0, 3, -1e30, 1e-30, -1e-30, 0, NaN, 2];
    for (const descending of [false, true]) {
      await check("argsort", "float32", data, contiguous([16]), descending, "specials");
      await check("argsort", "float32", data, contiguous([2, 8]), descending, "specials in rows");
      await check(
        "argsort",
        "int32",
        [5, -2147483648, 2147483647, 0, 5, -1, 2147483647, -2147483648],
        contiguous([8]),
        descending,
        "int extremes",
      );
    }
  });

  it("strided inputs: transposed, flipped and broadcast rows", async () => {
    const data = Array.from({ length: 600 }, () => Math.round(r(-10, 10)));
    const views: ViewLayout[] = [
      { offset: 2, shape: [6, 90], strides: [1, 6] },
      { offset: 599, shape: [4, 70], strides: [-70, -1] },
      { offset: 1, shape: [3, 7], strides: [0, 3] },
    ];
    for (const view of views) {
      for (const flag of [false, true]) {
        await check("cumsum", "float32", data, view, flag, JSON.stringify(view));
        await check("argsort", "float32", data, view, flag, JSON.stringify(view));
      }
    }
  });

  it("empty inputs launch nothing", async () => {
    for (const view of [
      { offset: 0, shape: [0, 4], strides: [4, 1] },
      { offset: 0, shape: [3, 0], strides: [0, 1] },
    ]) {
      for (const kind of ["cumsum", "argsort"] as const) await check(kind, "float32", [1], view, false, "empty");
    }
  });

  it("int32 running sums wrap", async () => {
    await check("cumsum", "int32", [2147483647, 1, 2147483647, 5, -2147483648, -2147483648], contiguous([6]), false, "wrap");
  });
});
