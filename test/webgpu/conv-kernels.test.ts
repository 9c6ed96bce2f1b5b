// unfold, fold and maxPool2dIndices on WebGPU against the reference kernels, bit for bit: strides,
// padding (top/left given, bottom/right implied by the output grid), dilation, odd sizes, both
// column layouts, −∞ padding for pooling, offset inputs and outputs, and pooling's tie, NaN and −∞
// rules.

import { describe, it, after } from "node:test";
import type { DType } from "../../src/backend/backend.js";
import type { ConvGeometry, Pair } from "../../src/backend/kernel-table.js";
import { createWebGpuBackend } from "../../src/backend/webgpu/index.js";
import { gpuDevice } from "../helpers/webgpu.js";
import { assertSame, both, laidOut, rng, runBoth, smallGridBackend, twin, view } from "../helpers/gpu-twin.js";

const device = await gpuDevice();

/** Grid positions along one side: `extra` more padding at the end than at the start (ceil mode, "same"). */
function side(size: number, k: number, s: number, p: number, d: number, extra = 0): number {
  return Math.floor((size + 2 * p + extra - d * (k - 1) - 1) / s) + 1;
}

interface Case {
  readonly what: string;
  readonly N: number;
  readonly C: number;
  readonly geometry: Omit<ConvGeometry, "outSize" | "batchColumns">;
  /** Padding beyond the top/left one at the bottom and right. */
  readonly extra?: Pair;
}

const CASES: readonly Case[] = [
  {
    what: "3×3, stride 1, padding 1 (same)",
    N: 2,
    C: 3,
    geometry: { kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], inSize: [5, 7] },
  },
  {
    what: "2×3, strides 2 and 3, dilation 2 and 1, asymmetric padding",
    N: 2,
    C: 2,
    geometry: { kernel: [2, 3], stride: [2, 3], padding: [1, 0], dilation: [2, 1], inSize: [9, 8] },
    extra: [1, 2],
  },
  { what: "1×1, no padding", N: 1, C: 4, geometry: { kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1], inSize: [3, 5] } },
  {
    what: "3×3 stride 2 padding 1 on an odd image (pooling)",
    N: 3,
    C: 2,
    geometry: { kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], inSize: [7, 7] },
    extra: [1, 1],
  },
  {
    what: "kernel larger than the stride, dilation 3",
    N: 1,
    C: 1,
    geometry: { kernel: [3, 2], stride: [1, 2], padding: [2, 1], dilation: [3, 2], inSize: [6, 5] },
  },
];

function outSize(c: Case): Pair {
  const g = c.geometry,
    [ey, ex] = c.extra ?? [0, 0];
  return [
    side(g.inSize[0], g.kernel[0], g.stride[0], g.padding[0], g.dilation[0], ey),
    side(g.inSize[1], g.kernel[1], g.stride[1], g.padding[1], g.dilation[1], ex),
  ];
}

describe("WebGPU convolution kernels", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  after(() => be.runtime.flush());
  const random = rng(3);
  const values = (dtype: DType) => (dtype === "int32" ? () => Math.floor(random() * 200) - 100 : () => random() * 4 - 2);

  /** Runs `name` into a fresh buffer (`init` inside the view, 5 around it) and compares bit for bit. */
  async function compare(
    name: "unfold" | "fold",
    dtype: DType,
    outShape: readonly number[],
    input: ReturnType<typeof laidOut>,
    params: never,
    init: number,
    what: string,
    on = be,
  ): Promise<void> {
    const size = outShape.reduce((a, b) => a * b, 1);
    const out = twin(on, dtype, [5, 5, ...Array(size).fill(init), 5]);
    runBoth(on, name, view(out, outShape, { offset: 2 }), [input], params);
    const [gpu, ref] = await both(on, out);
    assertSame(gpu, ref, `${name} ${dtype}: ${what}`);
  }

  for (const c of CASES) {
    it(`unfold and fold: ${c.what}`, async () => {
      const [H, W] = c.geometry.inSize,
        [oh, ow] = outSize(c),
        { N, C } = c;
      const rows = C * c.geometry.kernel[0] * c.geometry.kernel[1],
        L = oh * ow;
      for (const batchColumns of [false, true]) {
        const g: ConvGeometry = { ...c.geometry, outSize: [oh, ow], batchColumns };
        const colShape = batchColumns ? [rows, N * L] : [N, rows, L];
        for (const dtype of ["float32", "int32"] as const) {
          const x = laidOut(be, dtype, [N, C, H, W], batchColumns ? "offset" : "contiguous", values(dtype));
          const pads = dtype === "float32" ? [0, -Infinity] : [0];
          for (const padValue of pads) {
            await compare(
              "unfold",
              dtype,
              colShape,
              x,
              { ...g, padValue } as never,
              7,
              `batchColumns ${batchColumns}, padValue ${padValue}`,
            );
          }
          const cols = laidOut(be, dtype, colShape, batchColumns ? "contiguous" : "offset", values(dtype));
          await compare("fold", dtype, [N, C, H, W], cols, g as never, 0, `batchColumns ${batchColumns}`);
        }
      }
    });
  }

  it("launches spread over a 2-D grid", async () => {
    const small = smallGridBackend(device!, 1);
    // Images and windows of more than 256 elements: more than one workgroup for every kernel.
    const [N, C, H, W] = [2, 4, 9, 9],
      [oh, ow] = [9, 9];
    const g: ConvGeometry = { kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], inSize: [H, W], outSize: [oh, ow] };
    const x = laidOut(small, "float32", [N, C, H, W], "offset", values("float32"));
    const colShape = [N, C * 9, oh * ow];
    await compare("unfold", "float32", colShape, x, { ...g, padValue: 0 } as never, 7, "2-D grid", small);
    await compare(
      "fold",
      "float32",
      [N, C, H, W],
      laidOut(small, "float32", colShape, "contiguous", values("float32")),
      g as never,
      0,
      "2-D grid",
      small,
    );
    const out = twin(small, "int32", Array(N * C * oh * ow).fill(-7));
    runBoth(small, "maxPool2dIndices", view(out, [N, C, oh, ow]), [x], g);
    const [gpu, ref] = await both(small, out);
    assertSame(gpu, ref, "maxPool2dIndices on a 2-D grid");
  });

  /** maxPool2dIndices on `x` [N, C, H, W] (built from `value`) for every case's geometry. */
  async function pool(value: (i: number) => number, what: string): Promise<void> {
    for (const c of CASES) {
      const [H, W] = c.geometry.inSize,
        [oh, ow] = outSize(c),
        { N, C } = c;
      const x = laidOut(be, "float32", [N, C, H, W], "offset", value);
      const out = twin(be, "int32", [-5, ...Array(N * C * oh * ow).fill(-7), -5]);
      runBoth(be, "maxPool2dIndices", view(out, [N, C, oh, ow], { offset: 1 }), [x], { ...c.geometry, outSize: [oh, ow] });
      const [gpu, ref] = await both(be, out);
      assertSame(gpu, ref, `maxPool2dIndices, ${what}: ${c.what}`);
    }
  }

  it("maxPool2dIndices: distinct values", () => pool(() => random() * 4 - 2, "distinct values"));
  it("maxPool2dIndices: ties keep the first maximum, -0 ties 0", () => pool(() => [0, -0, 1, 1, -1][Math.floor(random() * 5)]!, "ties"));
  it("maxPool2dIndices: NaN wins and a later NaN wins over an earlier one", () => pool(() => (random() < 0.15 ? NaN : random()), "NaN"));
  it("maxPool2dIndices: windows of -∞ keep their first position; padding is never chosen", async () => {
    await pool(() => -Infinity, "all -∞");
    await pool(() => (random() < 0.5 ? -Infinity : -1e30 * random()), "-∞ and very negative values");
  });
});
