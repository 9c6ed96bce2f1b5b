// WGSL unary kernels against the reference backend: every kernel of the table on float32 values
// that cover its domain edges (NaN, ±∞, ±0, tiny, huge), int32 inputs (kept int32 or made float32),
// exact float32 <-> int32 copies, and strided, offset, flipped, broadcast and wide views.

import { describe, it, after } from "node:test";
import type { UnaryKernel } from "../../src/backend/kernel-table.js";
import { createWebGpuBackend } from "../../src/backend/webgpu/index.js";
import { gpuDevice } from "../helpers/webgpu.js";
import { assertMatches, contiguous, runOnBoth, seeded } from "../helpers/webgpu-compare.js";

const device = await gpuDevice();

const ALL: UnaryKernel[] = [
  "neg",
  "exp",
  "expm1",
  "log",
  "log1p",
  "sqrt",
  "abs",
  "sign",
  "sin",
  "cos",
  "tanh",
  "sigmoid",
  "relu",
  "erf",
  "copy",
  "floor",
  "ceil",
  "trunc",
  "round",
  "tan",
  "asin",
  "acos",
  "atan",
  "sinh",
  "cosh",
  "asinh",
  "atanh",
  "log2",
  "log10",
  "exp2",
];
// Kernels whose result is an integer for an integer input: int32 stays int32 (ops/primitives/elementwise.ts).
const INT_KEEPING = new Set<UnaryKernel>(["neg", "abs", "sign", "relu", "floor", "ceil", "trunc", "round", "copy"]);
const TRIG = new Set<UnaryKernel>(["sin", "cos", "tan"]);

// About 3 float32 ulps: the kernels evaluate in float32, the reference in float64 rounded once.
const RTOL = 4e-7;
// Near the zeros of sin, cos and tan a relative bound is meaningless: the error is absolute, a few
// ulps of the argument's reduction.
const TRIG_ATOL = 1e-7;
// Results below float32's smallest normal may flush to zero (WGSL allows it; SwiftShader does).
const TINY = 1.2e-38;

describe("WebGPU unary kernels", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  after(() => be.runtime.flush());
  const r = seeded(15);
  const special = [
    NaN,
    Infinity,
    -Infinity,
    0,
    -0,
    1e-30,
    1e-8,
    -1e-8,
    1e-4,
    -1e-4,
    0.01,
    0.3,
    0.34,
    0.36,
    0.5,
    -0.5,
    0.7,
    0.92,
    0.93,
    1,
    -1,
    1.5,
    2.5,
    -2.5,
    3.5,
    -3.5,
    10,
    -10,
    50,
    88.5,
    -88.5,
    89.3,
    100,
    1e20,
    -1e20,
    1e30,
  ];
  const values = [
    ...special,
    ...Array.from({ length: 200 }, () => r(-5, 5)),
    ...Array.from({ length: 100 }, () => r(-1, 1) * 10 ** r(-8, 0)),
    ...Array.from({ length: 100 }, () => r(-1.2, 1.2)),
    ...Array.from({ length: 100 }, () => r(-100, 100)),
  ];
  // The kernels reduce trig arguments by a three-part π/2, exact up to about 1e4 (beyond, a
  // reduction in more precision than float32 would be needed).
  const trigValues = [...values.filter((v) => !(Math.abs(v) > 100)), 1000.5, -4567.89, 8191.7, 9999.5, -10000, 314.159];

  for (const name of ALL) {
    it(`${name} on float32 matches the reference`, async () => {
      const data = TRIG.has(name) ? trigValues : values;
      const { gpu, ref } = await runOnBoth(
        be,
        name,
        { dtype: "float32", data: new Array(data.length).fill(0) },
        [{ dtype: "float32", data }],
        undefined,
      );
      const exact = INT_KEEPING.has(name);
      assertMatches(gpu, ref, name, exact ? {} : { rtol: RTOL, atol: TRIG.has(name) ? TRIG_ATOL : TINY });
    });
  }

  const ints = [0, 1, -1, 2, -3, 7, 100, -100, 16777217, -16777219, 33554435, 2147483647, -2147483648, -2147483647, 123456789];
  it("int32 inputs: integer kernels stay int32 exactly (wrapping as int32 stores), the rest give float32", async () => {
    for (const name of ALL) {
      const outDType = INT_KEEPING.has(name) ? "int32" : "float32";
      const data = TRIG.has(name) ? ints.filter((v) => Math.abs(v) <= 100) : ints;
      const { gpu, ref } = await runOnBoth(
        be,
        name,
        { dtype: outDType, data: new Array(data.length).fill(0) },
        [{ dtype: "int32", data }],
        undefined,
      );
      assertMatches(
        gpu,
        ref,
        `${name} int32 -> ${outDType}`,
        INT_KEEPING.has(name) || name === "copy" ? {} : { rtol: RTOL, atol: TRIG.has(name) ? TRIG_ATOL : TINY },
      );
    }
  });

  it("copy converts float32 to int32 as a typed-array store: truncation, wrap modulo 2³², NaN and ±∞ to 0", async () => {
    const data = [
      0,
      -0,
      0.5,
      -0.5,
      1.9,
      -1.9,
      2.5,
      -2.5,
      1e9,
      -1e9,
      2147483520,
      -2147483648,
      2147483648,
      -2147483904,
      3e9,
      -3e9,
      1e10,
      -1e10,
      4294967296,
      5e15,
      1e20,
      3.4e38,
      NaN,
      Infinity,
      -Infinity,
      16777217,
      123456.789,
    ];
    const { gpu, ref } = await runOnBoth(
      be,
      "copy",
      { dtype: "int32", data: new Array(data.length).fill(0) },
      [{ dtype: "float32", data }],
      undefined,
    );
    assertMatches(gpu, ref, "copy float32 -> int32");
  });

  it("copy converts int32 to float32 rounding to nearest, ties to even", async () => {
    const data = [
      0, 1, -1, 16777216, 16777217, 16777218, 16777219, -16777217, -16777219, 33554433, 33554434, 33554435, 33554438, 2147483647,
      -2147483647, -2147483648, 2147483584, 2147483520, 1073741825, 1073741888, 1073741952, 1073741951,
    ];
    const { gpu, ref } = await runOnBoth(
      be,
      "copy",
      { dtype: "float32", data: new Array(data.length).fill(0) },
      [{ dtype: "int32", data }],
      undefined,
    );
    assertMatches(gpu, ref, "copy int32 -> float32");
  });

  it("reads transposed, offset, flipped and broadcast views, and copy writes through a strided output", async () => {
    const data = Array.from({ length: 40 }, () => r(-3, 3));
    const zeros = new Array(40).fill(-7);
    const cases = [
      // [out layout, input layout]
      [contiguous([4, 6]), { offset: 2, shape: [4, 6], strides: [1, 5] }], // transposed, offset
      [contiguous([3, 5]), { offset: 39, shape: [3, 5], strides: [-10, -2] }], // flipped both ways
      [contiguous([3, 4, 2]), { offset: 5, shape: [3, 4, 2], strides: [0, 3, 0] }], // broadcast
      [contiguous([1, 7, 1]), { offset: 11, shape: [1, 7, 1], strides: [99, -1, 99] }], // size-1 dims
      [{ offset: 3, shape: [4, 3], strides: [1, 8] }, contiguous([4, 3], 1)], // strided output
      [
        { offset: 35, shape: [5, 2], strides: [-6, -3] },
        { offset: 0, shape: [5, 2], strides: [0, 1] },
      ], // flipped output
      [contiguous([0, 3]), contiguous([0, 3])], // empty
    ] as const;
    for (const [outL, inL] of cases) {
      for (const name of ["copy", "exp", "relu"] as const) {
        const { gpu, ref } = await runOnBoth(
          be,
          name,
          { dtype: "float32", data: zeros, view: outL },
          [{ dtype: "float32", data, view: inL }],
          undefined,
        );
        assertMatches(gpu, ref, `${name} ${JSON.stringify(outL)} <- ${JSON.stringify(inL)}`, { rtol: RTOL });
      }
      const ints = data.map((v) => Math.round(v * 1000));
      const { gpu, ref } = await runOnBoth(
        be,
        "copy",
        { dtype: "float32", data: zeros, view: outL },
        [{ dtype: "int32", data: ints, view: inL }],
        undefined,
      );
      assertMatches(gpu, ref, `copy int32 -> float32 ${JSON.stringify(inL)}`);
    }
  });

  it("covers launches wider than 65535 workgroups (a broadcast row into a large output; both ends read back)", async () => {
    const rt = be.runtime;
    const rows = 65536 * 2 + 1,
      cols = 128;
    const row = Int32Array.from({ length: cols }, (_, i) => i - 60);
    const x = rt.alloc("int32", cols, false);
    rt.write(x, 0, row);
    const out = rt.alloc("float32", rows * cols, false);
    be.kernel("copy")!(
      { storage: out, offset: 0, shape: [rows, cols], strides: [cols, 1] },
      [{ storage: x, offset: 0, shape: [rows, cols], strides: [0, 1] }],
      undefined,
    );
    const expected = Float32Array.from(row);
    assertMatches(await rt.read(out, 0, cols), expected, "first row");
    assertMatches(await rt.read(out, (rows - 1) * cols, cols), expected, "last row");
    rt.release(x);
    rt.release(out);
  });
});
