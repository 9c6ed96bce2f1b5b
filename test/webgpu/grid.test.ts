// Launches wider than a grid dimension, for every kernel family, made cheap: the runtime is told the
// device allows only 3 workgroups per dimension, so small inputs already spread over x·y grids
// (and matmul splits into several launches) as large ones do on a real device.

import { describe, it, after } from "node:test";
import { gpuDevice } from "../helpers/webgpu.js";
import { smallGridBackend } from "../helpers/gpu-twin.js";
import { assertMatches, contiguous, runOnBoth, seeded } from "../helpers/webgpu-compare.js";

const device = await gpuDevice();
const TOL = { rtol: 1e-5, atol: 1e-5 };

describe("WebGPU kernels on a grid of at most 3 workgroups per dimension", { skip: device === null }, () => {
  const be = smallGridBackend(device!, 3);
  after(() => be.runtime.flush());
  const r = seeded(21);
  const rand = (n: number) => Array.from({ length: n }, () => Math.round(r(-8, 8)) / 4);

  it("element-wise: 2000 elements over 8 workgroups", async () => {
    const a = rand(2000),
      b = rand(40);
    const res = await runOnBoth(
      be,
      "mul",
      { dtype: "float32", data: new Array(2000).fill(0) },
      [
        { dtype: "float32", data: a, view: contiguous([50, 40]) },
        { dtype: "float32", data: b, view: { offset: 0, shape: [50, 40], strides: [0, 1] } },
      ],
      undefined,
    );
    assertMatches(res.gpu, res.ref, "mul");
    const f = await runOnBoth(be, "fill", { dtype: "int32", data: new Array(2000).fill(1), view: contiguous([2000]) }, [], { value: 7 });
    assertMatches(f.gpu, f.ref, "fill");
  });

  it("reductions: 1000 short rows and 11 long rows", async () => {
    for (const [O, R] of [
      [1000, 3],
      [11, 100],
    ] as const) {
      for (const kind of ["sum", "argmax"] as const) {
        const res = await runOnBoth(
          be,
          kind,
          { dtype: kind === "sum" ? "float32" : "int32", data: new Array(O).fill(0), view: contiguous([O]) },
          [{ dtype: "float32", data: rand(O * R), view: contiguous([O, R]) }],
          { reduceSize: R },
        );
        assertMatches(res.gpu, res.ref, `${kind} [${O}, ${R}]`, TOL);
      }
    }
  });

  it("softmax, cumsum and argsort: many short rows and 11 long rows", async () => {
    for (const [O, R] of [
      [1000, 3],
      [11, 100],
    ] as const) {
      const data = rand(O * R);
      const x = [{ dtype: "float32" as const, data, view: contiguous([O, R]) }];
      const out = { dtype: "float32" as const, data: new Array(O * R).fill(0), view: contiguous([O, R]) };
      const s = await runOnBoth(be, "softmax", out, x, { dim: 1, log: true });
      assertMatches(s.gpu, s.ref, `logSoftmax [${O}, ${R}]`, TOL);
      const c = await runOnBoth(be, "cumsum", out, x, { rowSize: R, reverse: true });
      assertMatches(c.gpu, c.ref, `cumsum [${O}, ${R}]`, TOL);
      const a = await runOnBoth(be, "argsort", { ...out, dtype: "int32" }, x, { rowSize: R, descending: false });
      assertMatches(a.gpu, a.ref, `argsort [${O}, ${R}]`);
    }
  });

  it("matmul: 5 batches of 300×70 rows split into several launches", async () => {
    const res = await runOnBoth(
      be,
      "matmul",
      { dtype: "float32", data: new Array(5 * 300 * 20).fill(0), view: contiguous([5, 300, 20]) },
      [
        { dtype: "float32", data: rand(5 * 300 * 70), view: contiguous([5, 300, 70]) },
        { dtype: "float32", data: rand(5 * 70 * 20), view: { offset: 0, shape: [5, 70, 20], strides: [70 * 20, 1, 70] } },
      ],
      undefined,
    );
    assertMatches(res.gpu, res.ref, "batched matmul", TOL);
  });
});
