// WGSL binary kernels, where and fill against the reference backend: every pair of special values
// through broadcast views, random pairs, int32 wrapping arithmetic, mixed int32/float32 operands
// (exact comparisons), flipped and offset views, and fill through strided outputs.

import { describe, it, after } from "node:test";
import type { BinaryKernel } from "../../src/backend/kernel-table.js";
import { createWebGpuBackend } from "../../src/backend/webgpu/index.js";
import { gpuDevice } from "../helpers/webgpu.js";
import { assertMatches, contiguous, runOnBoth, seeded, type Operand } from "../helpers/webgpu-compare.js";

const device = await gpuDevice();

const ALL: BinaryKernel[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "gt", "lt", "ge", "le", "reluGrad"];
// Correctly rounded in float32 (so equal to the float64 reference rounded once): exact.
const EXACT = new Set<BinaryKernel>(["add", "sub", "mul", "maximum", "minimum", "eq", "ne", "gt", "lt", "ge", "le", "reluGrad"]);
// Division: WGSL allows 2.5 ulps. pow: exp2(y·log2 x) carries the rounding of y·log2 x.
const TOL: Partial<Record<BinaryKernel, { rtol: number; atol: number }>> = {
  div: { rtol: 3e-7, atol: 1.2e-38 },
  pow: { rtol: 2e-6, atol: 1.2e-38 },
};

/** Every pair of `values` as an [n, n] broadcast of a column and a row. */
function pairs(dtypeA: Operand["dtype"], a: number[], dtypeB: Operand["dtype"], b: number[]): Operand[] {
  return [
    { dtype: dtypeA, data: a, view: { offset: 0, shape: [a.length, b.length], strides: [1, 0] } },
    { dtype: dtypeB, data: b, view: { offset: 0, shape: [a.length, b.length], strides: [0, 1] } },
  ];
}

describe("WebGPU binary kernels", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  after(() => be.runtime.flush());
  const r = seeded(7);
  const special = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2, -2, 0.5, -0.5, 3, -3.5, 1e-3, 7, 1e10, -1e10, 1e30];

  for (const name of ALL) {
    it(`${name}: every pair of special float32 values, and random pairs`, async () => {
      const n = special.length;
      const { gpu, ref } = await runOnBoth(
        be,
        name,
        { dtype: "float32", data: new Array(n * n).fill(0) },
        pairs("float32", special, "float32", special),
        undefined,
      );
      assertMatches(gpu, ref, `${name} specials`, TOL[name] ?? { rtol: 0, atol: 1.2e-38 });
      const m = 300;
      const a = Array.from({ length: m }, () => (name === "pow" ? r(0, 10) : r(-10, 10)));
      const b = Array.from({ length: m }, (_, i) =>
        name === "pow" ? (i % 3 === 0 ? Math.round(r(-6, 6)) : r(-5, 5)) : i % 5 === 0 ? a[i]! : r(-10, 10),
      );
      const rnd = await runOnBoth(
        be,
        name,
        { dtype: "float32", data: new Array(m).fill(0) },
        [
          { dtype: "float32", data: a },
          { dtype: "float32", data: b },
        ],
        undefined,
      );
      assertMatches(rnd.gpu, rnd.ref, `${name} random`, TOL[name] ?? { rtol: 0, atol: 0 });
    });
  }

  it("int32 operands: wrapping add/sub/mul, integer pow, maximum/minimum exact; comparisons and div give float32", async () => {
    const a = [0, 1, -1, 7, -7, 46341, 65536, 2147483647, -2147483648, 123456];
    // Products stay below 2^53, where the reference's float64 product is still exact before it wraps.
    const b = [0, 1, -1, 3, -2, 2, 46341, 65536, -65536, 7];
    for (const name of ALL.filter((n) => n !== "reluGrad")) {
      const outDType =
        name === "div" || (!EXACT.has(name) && name !== "pow") || ["eq", "ne", "gt", "lt", "ge", "le"].includes(name) ? "float32" : "int32";
      // Powers stay below 2^53 too.
      const [aa, bb] =
        name === "pow"
          ? [
              [0, 1, -1, 2, -3, 7, -7],
              [0, 1, 2, 3, 5, 10, 18, -1, -2],
            ]
          : [a, b];
      const { gpu, ref } = await runOnBoth(
        be,
        name,
        { dtype: outDType, data: new Array(aa.length * bb.length).fill(0) },
        pairs("int32", aa, "int32", bb),
        undefined,
      );
      assertMatches(gpu, ref, `${name} int32 -> ${outDType}`, name === "div" ? TOL.div : {});
    }
  });

  it("mixed int32 and float32 operands: comparisons and maximum/minimum exact beyond 2^24, arithmetic in float32", async () => {
    const ints = [0, 1, -1, 16777217, 16777216, -16777217, 2147483647, -2147483648, 5];
    const floats = [
      0,
      -0,
      1,
      0.5,
      -0.5,
      16777216,
      16777218,
      -16777216,
      2147483648,
      -2147483648,
      -2147483904,
      5,
      4.999999,
      NaN,
      Infinity,
      -Infinity,
    ];
    for (const name of ALL) {
      for (const [ta, a, tb, b] of [
        ["int32", ints, "float32", floats],
        ["float32", floats, "int32", ints],
      ] as const) {
        const exact = ["eq", "ne", "gt", "lt", "ge", "le", "maximum", "minimum"].includes(name);
        // Arithmetic converts the int32 to float32 first (the reference adds in float64): ints within 2^24 convert exactly.
        const small = (v: readonly number[], t: string) => (exact || t === "float32" ? [...v] : v.filter((x) => Math.abs(x) <= 16777216));
        const [av, bv] = [small(a, ta), small(b, tb)];
        const { gpu, ref } = await runOnBoth(
          be,
          name,
          { dtype: "float32", data: new Array(av.length * bv.length).fill(0) },
          pairs(ta, av, tb, bv),
          undefined,
        );
        assertMatches(gpu, ref, `${name} ${ta} x ${tb}`, exact ? {} : { rtol: name === "pow" ? 2e-6 : 3e-7, atol: 1.2e-38 });
      }
    }
  });

  it("empty and one-element outputs", async () => {
    for (const shape of [[0], [2, 0], [1], [1, 1]]) {
      const n = shape.reduce((p, q) => p * q, 1);
      const { gpu, ref } = await runOnBoth(
        be,
        "add",
        { dtype: "float32", data: [9, 9], view: contiguous(shape, 1) },
        [
          { dtype: "float32", data: [1.5], view: { offset: 0, shape, strides: shape.map(() => 0) } },
          { dtype: "int32", data: [2, 3], view: contiguous(shape, 1) },
        ],
        undefined,
      );
      assertMatches(gpu, ref, `add ${JSON.stringify(shape)} (${n} elements)`);
    }
  });

  it("reads flipped, offset and transposed operands", async () => {
    const a = Array.from({ length: 30 }, () => r(-4, 4));
    const b = Array.from({ length: 30 }, () => r(-4, 4));
    const { gpu, ref } = await runOnBoth(
      be,
      "sub",
      { dtype: "float32", data: new Array(12).fill(0), view: contiguous([3, 4]) },
      [
        { dtype: "float32", data: a, view: { offset: 29, shape: [3, 4], strides: [-5, -2] } },
        { dtype: "float32", data: b, view: { offset: 3, shape: [3, 4], strides: [1, 6] } },
      ],
      undefined,
    );
    assertMatches(gpu, ref, "sub views");
  });
});

describe("WebGPU where and fill", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  after(() => be.runtime.flush());

  it("where picks a where the condition is non-zero (NaN included), for float32 and int32 conditions and mixed values", async () => {
    const cond = [0, -0, 1, NaN, -2, 0.5];
    const a = [10, 20, 30];
    const b = [-1.5, -2.5];
    for (const tc of ["float32", "int32"] as const) {
      for (const [ta, tb, to] of [
        ["float32", "float32", "float32"],
        ["int32", "float32", "float32"],
        ["int32", "int32", "int32"],
      ] as const) {
        const shape = [6, 3, 2];
        const { gpu, ref } = await runOnBoth(
          be,
          "where",
          { dtype: to, data: new Array(36).fill(0) },
          [
            { dtype: tc, data: cond, view: { offset: 0, shape, strides: [1, 0, 0] } },
            { dtype: ta, data: a, view: { offset: 2, shape, strides: [0, -1, 0] } },
            { dtype: tb, data: b, view: { offset: 0, shape, strides: [0, 0, 1] } },
          ],
          undefined,
        );
        assertMatches(gpu, ref, `where ${tc} ${ta} ${tb} -> ${to}`);
      }
    }
  });

  it("fill converts the value as the reference stores it and writes only the view's elements", async () => {
    const layouts = [
      contiguous([7]),
      { offset: 1, shape: [3, 2], strides: [4, 2] },
      { offset: 11, shape: [2, 3], strides: [-6, -1] },
      contiguous([0]),
    ];
    for (const [dtype, value] of [
      ["float32", 0.1],
      ["float32", NaN],
      ["float32", -Infinity],
      ["float32", 1e40],
      ["int32", 3.7],
      ["int32", -3e9],
      ["int32", -5],
    ] as const) {
      for (const view of layouts) {
        const { gpu, ref } = await runOnBoth(be, "fill", { dtype, data: Array.from({ length: 12 }, (_, i) => i), view }, [], { value });
        assertMatches(gpu, ref, `fill ${dtype} ${value} ${JSON.stringify(view)}`);
      }
    }
  });
});
