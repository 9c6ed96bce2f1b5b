// gather, scatterAdd and gatherRows on WebGPU against the reference kernels, bit for bit: every dim,
// indices smaller than the input off `dim`, repeated indices, strided, offset, reversed and
// broadcast views of values and indices, float32 and int32 values.

import { describe, it, after } from "node:test";
import type { DType } from "../../src/backend/backend.js";
import { createWebGpuBackend } from "../../src/backend/webgpu/index.js";
import { gpuDevice } from "../helpers/webgpu.js";
import { LAYOUTS, assertSame, both, laidOut, rng, runBoth, smallGridBackend, twin, view, type TwinView } from "../helpers/gpu-twin.js";

const device = await gpuDevice();

describe("WebGPU indexing kernels", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  after(() => be.runtime.flush());
  const random = rng(5);
  const values = (dtype: DType) => (dtype === "int32" ? () => Math.floor(random() * 2000) - 1000 : () => random() * 4 - 2);
  const indices = (shape: readonly number[], bound: number, layout: (typeof LAYOUTS)[number], on = be) =>
    laidOut(on, "int32", shape, layout, () => Math.floor(random() * bound));

  const X = [4, 5, 6];
  // Index shapes per dim: smaller than X off `dim`, longer than X along it (indices repeat).
  const indexShape = (dim: number) => X.map((s, d) => (d === dim ? s + 3 : s - 1));

  /** Runs kernel `name` into a fresh buffer of `size` elements (filled with `init`) and compares. */
  async function compare(
    name: "gather" | "scatterAdd",
    dtype: DType,
    outShape: readonly number[],
    inputs: readonly TwinView[],
    dim: number,
    init: number,
    on = be,
  ): Promise<void> {
    const size = outShape.reduce((a, b) => a * b, 1);
    const out = twin(on, dtype, [5, ...Array(size).fill(init), 5]);
    runBoth(on, name, view(out, outShape, { offset: 1 }), inputs, { dim });
    const [gpu, ref] = await both(on, out);
    assertSame(gpu, ref, `${name} ${dtype} along dim ${dim}`);
  }

  for (const dtype of ["float32", "int32"] as const) {
    it(`gather ${dtype}: every dim and layout of values and indices`, async () => {
      for (let dim = 0; dim < 3; dim++) {
        for (const [k, layout] of LAYOUTS.entries()) {
          const x = laidOut(be, dtype, X, layout, values(dtype));
          const index = indices(indexShape(dim), X[dim]!, LAYOUTS[(k + 2) % LAYOUTS.length]!);
          await compare("gather", dtype, index.shape, [x, index], dim, 0);
        }
      }
    });

    it(`scatterAdd ${dtype}: every dim and layout of sources and indices, repeated indices summed in order`, async () => {
      for (let dim = 0; dim < 3; dim++) {
        for (const [k, layout] of LAYOUTS.entries()) {
          const shape = indexShape(dim);
          // The source may be larger than the index: only the index's extent is read.
          const src = laidOut(
            be,
            dtype,
            shape.map((s) => s + 1),
            layout,
            values(dtype),
          );
          const index = indices(shape, X[dim]!, LAYOUTS[(k + 3) % LAYOUTS.length]!);
          await compare("scatterAdd", dtype, X, [src, index], dim, 0);
        }
      }
    });
  }

  it("gather and scatterAdd through a broadcast index (stride 0), as rearrangements use", async () => {
    const x = laidOut(be, "float32", [3, 7], "contiguous", values("float32"));
    const line = twin(be, "int32", [6, 0, 6, 2, 5]);
    const index = view(line, [3, 5], { strides: [0, 1] });
    await compare("gather", "float32", [3, 5], [x, index], 1, 0);
    await compare("scatterAdd", "float32", [3, 7], [laidOut(be, "float32", [3, 5], "padded", values("float32")), index], 1, 0);
  });

  it("scatterAdd sums many sources into one element in index order (float32 rounding included)", async () => {
    const n = 600;
    const src = laidOut(be, "float32", [n], "contiguous", (i) => (i % 7 === 0 ? 3e6 : 0.1 + (i % 11) * 0.37) * (i % 2 ? -1 : 1));
    const index = laidOut(be, "int32", [n], "contiguous", (i) => (i % 5 === 0 ? 1 : 0));
    await compare("scatterAdd", "float32", [2], [src, index], 0, 0);
  });

  it("launches spread over a 2-D grid", async () => {
    const small = smallGridBackend(device!, 1);
    const shape = [30, 10, 20];
    const x = laidOut(small, "float32", shape, "padded", values("float32"));
    await compare("gather", "float32", shape, [x, indices(shape, 10, "transposed", small)], 1, 0, small);
    await compare("scatterAdd", "float32", shape, [x, indices(shape, 10, "offset", small)], 1, 0, small);
    const rows = laidOut(small, "float32", [600], "contiguous", values("float32"));
    const out = twin(small, "float32", Array(600).fill(0));
    runBoth(small, "gatherRows", view(out, [600]), [rows], { indices: Array.from({ length: 600 }, (_, i) => (i * 7) % 600) });
    const [gpu, ref] = await both(small, out);
    assertSame(gpu, ref, "gatherRows");
  });

  for (const dtype of ["float32", "int32"] as const) {
    it(`gatherRows ${dtype}: rows of several elements and of one, repeated, from offset views`, async () => {
      for (const shape of [[10, 3, 2], [9]]) {
        const size = shape.reduce((a, b) => a * b, 1),
          row = size / shape[0]!;
        const x = laidOut(be, dtype, shape, "offset", values(dtype));
        const rows = [3, 3, 0, 9 % shape[0]!, 1, 8];
        const out = twin(be, dtype, Array(rows.length * row + 4).fill(5));
        runBoth(be, "gatherRows", view(out, [rows.length, ...shape.slice(1)], { offset: 2 }), [x], { indices: rows });
        const [gpu, ref] = await both(be, out);
        assertSame(gpu, ref, `gatherRows ${dtype} ${shape}`);
      }
    });
  }

  it("gatherRows with no indices writes nothing", async () => {
    const x = laidOut(be, "float32", [4, 2], "contiguous", values("float32"));
    const out = twin(be, "float32", [5, 5]);
    runBoth(be, "gatherRows", view(out, [0, 2]), [x], { indices: [] });
    const [gpu, ref] = await both(be, out);
    assertSame(gpu, ref, "gatherRows of nothing");
  });
});
