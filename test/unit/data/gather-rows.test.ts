// gatherRows (the DataLoader's batch gather) through the backend kernel "gatherRows": the wasm
// backend's copy_rows path and its reference fallbacks give the same batches as the reference backend,
// for float32 and int32 rows of several widths, including one-element rows.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { gatherRows } from "../../../src/data/dataset.js";
import { wasmBackend } from "../../../src/backend/wasm/index.js";
import { WasmStorage } from "../../../src/backend/wasm/storage.js";
import { calls, rng } from "../../helpers/wasm.js";

const N = 50;
const INDICES = [7, 0, 49, 7, 3, 48, 12, 12, 31, 0, 25, 19, 44, 2, 9, 36, 7];

/** Seeded values for a tensor of `shape`: floats with fractions, or int32 values of both signs. */
function values(shape: number[], dtype: "float32" | "float64" | "int32", seed: number): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, () => (dtype === "int32" ? Math.floor(r() * 2e6) - 1e6 : r() * 2 - 1));
  return tg.tensor(data, { shape, dtype });
}

/** Builds the source on backend `name` and gathers `indices` there. */
function batchOn(name: "js" | "wasm", shape: number[], dtype: "float32" | "float64" | "int32", indices: ArrayLike<number>): Tensor {
  tg.setBackend(name);
  const x = values(shape, dtype, shape.length * 31 + shape[shape.length - 1]!);
  return gatherRows(x, indices);
}

function assertSameBatch(got: Tensor, want: Tensor, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  assert.equal(got.dtype, want.dtype, `${what}: dtype`);
  assert.deepEqual(got.toTypedArray(), want.toTypedArray(), `${what}: values`);
}

describe("gatherRows gives the same batches on both backends", () => {
  after(() => tg.setBackend("wasm"));

  // One-element rows are copied by the adapter's own loop (cheaper than staging the indices for wasm).
  const cases: Array<[string, number[], "float32" | "int32", boolean]> = [
    ["float32 rows of 21", [N, 3, 7], "float32", true],
    ["float32 [N] (rowSize 1)", [N], "float32", false],
    ["float32 [N, 1] (rowSize 1)", [N, 1], "float32", false],
    ["int32 [N] (rowSize 1, labels)", [N], "int32", false],
    ["int32 rows of 5", [N, 5], "int32", true],
    ["float32 rows of 784 (MNIST)", [N, 784], "float32", true],
  ];
  for (const [name, shape, dtype, fast] of cases) {
    it(`${name}: the wasm backend's batch equals the reference's`, () => {
      const want = batchOn("js", shape, dtype, INDICES);
      for (const idx of [INDICES, Int32Array.from(INDICES)]) {
        let got!: Tensor;
        assert.equal(
          calls("copyRows", () => (got = batchOn("wasm", shape, dtype, idx))),
          fast ? 1 : 0,
          "copy_rows ran where it pays",
        );
        assert.ok(got.storage instanceof WasmStorage);
        assertSameBatch(got, want, name);
      }
      // And against the source itself, row by row.
      tg.setBackend("js");
      const x = values(shape, dtype, shape.length * 31 + shape[shape.length - 1]!);
      INDICES.forEach((i, j) => {
        const row = x.slice(0, i, i + 1).toTypedArray(),
          got = want.slice(0, j, j + 1).toTypedArray();
        assert.deepEqual(got, row, `batch row ${j} is source row ${i}`);
      });
    });
  }

  it("no indices give an empty batch", () => {
    for (const name of ["js", "wasm"] as const) {
      const b = batchOn(name, [N, 4], "float32", []);
      assert.deepEqual(b.shape, [0, 4]);
      assert.equal(b.size, 0);
    }
  });

  it("a contiguous view with an offset and a transposed (non-contiguous) source", () => {
    const gather = (name: "js" | "wasm") => {
      tg.setBackend(name);
      const x = values([N + 5, 6], "float32", 3);
      return [gatherRows(x.slice(0, 5), INDICES), gatherRows(x.transpose(0, 1), [5, 0, 2, 2])];
    };
    const want = gather("js");
    let got!: Tensor[];
    assert.equal(
      calls("copyRows", () => (got = gather("wasm"))),
      2,
    );
    assertSameBatch(got[0]!, want[0]!, "offset view");
    assertSameBatch(got[1]!, want[1]!, "transposed source");
  });

  it("float64 rows, and rows still on the JS heap, take the reference path", () => {
    const want = batchOn("js", [N, 3], "float64", INDICES);
    let got!: Tensor;
    assert.equal(
      calls("copyRows", () => (got = batchOn("wasm", [N, 3], "float64", INDICES))),
      0,
    );
    assertSameBatch(got, want, "float64");

    tg.setBackend("js");
    const onHeap = values([N, 3], "float32", 5);
    tg.setBackend("wasm");
    let mixed!: Tensor;
    assert.equal(
      calls("copyRows", () => (mixed = gatherRows(onHeap, INDICES))),
      0,
    );
    assert.ok(mixed.storage instanceof WasmStorage, "the batch is allocated on the current backend");
    tg.setBackend("js");
    assertSameBatch(mixed, gatherRows(onHeap, INDICES), "JS-heap source");
  });

  it("the wasm kernel hands indices that are not row numbers to the reference", () => {
    tg.setBackend("wasm");
    const x = values([N, 2], "float32", 9);
    const kernel = wasmBackend.kernel("gatherRows")!;
    const out = tg.zeros([2, 2]);
    assert.equal(
      calls("copyRows", () => kernel(out, [x], { indices: [1, N] })),
      0,
    );
    assert.deepEqual([...out.toFloat32Array().subarray(0, 2)], [...x.slice(0, 1, 2).toFloat32Array()]);
  });

  it("TensorDataset.getBatch is the same on both backends (float32 images, int32 labels)", () => {
    const batches = (name: "js" | "wasm") => {
      tg.setBackend(name);
      const ds = new tg.data.TensorDataset(values([N, 2, 3], "float32", 1), values([N], "int32", 2));
      return ds.getBatch(INDICES.map((i) => i - N)); // negative indices count from the end
    };
    const want = batches("js"),
      got = batches("wasm");
    assertSameBatch(got[0]!, want[0]!, "features");
    assertSameBatch(got[1]!, want[1]!, "labels");
  });
});
