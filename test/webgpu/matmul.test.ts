// WGSL matmul and linear against the reference backend: sizes on and off the 64×64 tiles, every
// transpose through strides, offsets and flipped operands, broadcast batch dims (stride 0), K = 0,
// and linear with and without a (strided) bias on 1-D, 2-D and 3-D inputs.

import { describe, it, after } from "node:test";
import { createWebGpuBackend } from "../../src/backend/webgpu/index.js";
import { gpuDevice } from "../helpers/webgpu.js";
import { assertMatches, contiguous, runOnBoth, seeded, type ViewLayout, type Operand } from "../helpers/webgpu-compare.js";

const device = await gpuDevice();
// Float32 accumulation against the reference's float64: inputs in [-1, 1), K ≤ 300.
const TOL = { rtol: 1e-5, atol: 2e-5 };

describe("WebGPU matmul and linear", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  after(() => be.runtime.flush());
  const r = seeded(11);
  const rand = (n: number) => Array.from({ length: n }, () => r(-1, 1));

  /** A [rows, cols] matrix stored row-major, or column-major (a transposed view), optionally flipped. */
  function matrix(rows: number, cols: number, layout: "row" | "col" | "flip", pad = 3): Operand {
    const data = rand(rows * cols + pad);
    const view: ViewLayout =
      layout === "row"
        ? { offset: pad, shape: [rows, cols], strides: [cols, 1] }
        : layout === "col"
          ? { offset: pad, shape: [rows, cols], strides: [1, rows] }
          : { offset: pad + rows * cols - 1, shape: [rows, cols], strides: [-cols, -1] };
    return { dtype: "float32", data, view };
  }

  async function mm(a: Operand, b: Operand, outShape: number[], what: string) {
    const n = outShape.reduce((x, y) => x * y, 1);
    const { gpu, ref } = await runOnBoth(
      be,
      "matmul",
      { dtype: "float32", data: new Array(n + 1).fill(-5), view: contiguous(outShape, 1) },
      [a, b],
      undefined,
    );
    assertMatches(gpu, ref, what, TOL);
  }

  it("2-D products on and off tile edges, with every transpose and flipped operands", async () => {
    // Every layout pair on a size that leaves partial tiles in M, N and K; the other sizes once each way.
    for (const la of ["row", "col", "flip"] as const) {
      for (const lb of ["row", "col", "flip"] as const)
        await mm(matrix(65, 17, la), matrix(17, 129, lb), [65, 129], `65x17x129 A ${la} B ${lb}`);
    }
    const sizes = [
      [1, 1, 1],
      [3, 5, 2],
      [64, 16, 64],
      [130, 70, 33],
      [7, 300, 5],
    ] as const;
    for (const [M, K, N] of sizes) {
      await mm(matrix(M, K, "row"), matrix(K, N, "row"), [M, N], `${M}x${K}x${N} row, row`);
      await mm(matrix(M, K, "col"), matrix(K, N, "col"), [M, N], `${M}x${K}x${N} col, col`);
    }
  });

  it("K = 0 gives zeros", async () => {
    await mm(
      { dtype: "float32", data: [1], view: { offset: 0, shape: [3, 0], strides: [0, 1] } },
      { dtype: "float32", data: [1], view: { offset: 0, shape: [0, 4], strides: [4, 1] } },
      [3, 4],
      "K = 0",
    );
  });

  it("batched products with broadcast batch dims (stride 0), folded and unfolded", async () => {
    const [M, K, N] = [9, 20, 70];
    const a = rand(2 * 3 * M * K),
      b = rand(3 * K * N + 5);
    // [2, 3, M, K] @ [3, K, N] broadcast over the first dim
    await mm(
      { dtype: "float32", data: a, view: contiguous([2, 3, M, K]) },
      { dtype: "float32", data: b, view: { offset: 5, shape: [2, 3, K, N], strides: [0, K * N, N, 1] } },
      [2, 3, M, N],
      "B broadcast over dim 0",
    );
    // [2, 3, M, K] @ [K, N]: B broadcast over both batch dims folds into one product of 54 rows
    await mm(
      { dtype: "float32", data: a, view: contiguous([2, 3, M, K]) },
      { dtype: "float32", data: b, view: { offset: 0, shape: [2, 3, K, N], strides: [0, 0, N, 1] } },
      [2, 3, M, N],
      "folded",
    );
    // A broadcast, B batched and transposed
    await mm(
      { dtype: "float32", data: a, view: { offset: 7, shape: [3, M, K], strides: [0, 1, M] } },
      { dtype: "float32", data: b, view: { offset: 0, shape: [3, K, N], strides: [K * N, 1, K] } },
      [3, M, N],
      "A broadcast, B transposed",
    );
    // batch dims in a permuted order, size-1 batch dim
    await mm(
      { dtype: "float32", data: a, view: { offset: 0, shape: [3, 1, 2, M, K], strides: [M * K, 99, 3 * M * K, K, 1] } },
      { dtype: "float32", data: b, view: { offset: 1, shape: [3, 1, 2, K, N], strides: [K * N, 0, 0, N, 1] } },
      [3, 1, 2, M, N],
      "permuted batch",
    );
  });

  it("a 256×256×256 product", async () => {
    await mm(matrix(256, 256, "row"), matrix(256, 256, "col"), [256, 256], "256 cube");
  });

  async function lin(x: Operand, w: Operand, bias: Operand | null, outShape: number[], what: string) {
    const n = outShape.reduce((p, q) => p * q, 1);
    const { gpu, ref } = await runOnBoth(
      be,
      "linear",
      { dtype: "float32", data: new Array(n).fill(-5), view: contiguous(outShape) },
      bias ? [x, w, bias] : [x, w],
      undefined,
    );
    assertMatches(gpu, ref, what, TOL);
  }

  it("linear on 1-D, 2-D and 3-D inputs, with a strided bias or none, and a transposed weight", async () => {
    const [K, N] = [37, 70];
    const w = matrix(N, K, "row"),
      wt = matrix(N, K, "col");
    const bias: Operand = { dtype: "float32", data: rand(2 * N + 1), view: { offset: 1, shape: [N], strides: [2] } };
    await lin({ dtype: "float32", data: rand(K) }, w, bias, [N], "1-D x");
    await lin(matrix(5, K, "row"), w, bias, [5, N], "2-D x");
    await lin(matrix(130, K, "col"), wt, null, [130, N], "2-D x transposed, W transposed, no bias");
    const x3 = rand(4 * 6 * K);
    await lin({ dtype: "float32", data: x3, view: contiguous([4, 6, K]) }, w, bias, [4, 6, N], "3-D x");
    await lin(
      { dtype: "float32", data: x3, view: { offset: 0, shape: [6, 4, K], strides: [K, 6 * K, 1] } },
      wt,
      bias,
      [6, 4, N],
      "3-D x with swapped leading dims",
    );
    await lin(
      { dtype: "float32", data: [1], view: { offset: 0, shape: [3, 0], strides: [0, 1] } },
      { dtype: "float32", data: [1], view: { offset: 0, shape: [N, 0], strides: [0, 1] } },
      bias,
      [3, N],
      "K = 0 gives the bias",
    );
  });
});
