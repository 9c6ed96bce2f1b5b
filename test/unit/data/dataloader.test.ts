// TensorDataset, DataLoader (batching, shuffling, seeding, for await) and randomSplit (lengths
// against torch.utils.data.random_split, test/fixtures/data.json).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { data, ShapeError, ValueError, Tensor } from "tensorgrad";

const fixture: { randomSplit: { n: number; split: number[]; lengths: number[] }[] } = JSON.parse(
  readFileSync(new URL("../../fixtures/data.json", import.meta.url), "utf8"),
);

/** x row i is [i, 10i + 0.5], y is i: every batch says which samples it holds. */
function numbered(n: number): { x: Tensor; y: Tensor } {
  const x = tg.tensor(Array.from({ length: n }, (_, i) => [i, 10 * i + 0.5]));
  const y = tg.tensor(
    Array.from({ length: n }, (_, i) => i),
    { dtype: "int32" },
  );
  return { x, y };
}

const order = (loader: Iterable<Tensor[]>): number[] => [...loader].flatMap(([, y]) => Array.from(y.toTypedArray()));

describe("TensorDataset", () => {
  it("indexes rows of every tensor", () => {
    const { x, y } = numbered(5);
    const ds = new data.TensorDataset(x, y);
    assert.equal(ds.length, 5);
    const [xi, yi] = ds.get(3);
    assert.deepEqual(xi.shape, [2]);
    assert.deepEqual(xi.toArray(), [3, 30.5]);
    assert.deepEqual(yi.shape, []);
    assert.equal(yi.dtype, "int32");
    assert.equal(yi.item(), 3);
    assert.deepEqual(ds.get(-1)[1].item(), 4);
  });
  it("gathers from non-contiguous tensors", () => {
    const t = tg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]).T; // [3, 2], strided
    const ds = new data.TensorDataset(t);
    assert.deepEqual(ds.getBatch([2, 0, -1])[0].toArray(), [
      [3, 6],
      [1, 4],
      [3, 6],
    ]);
    assert.deepEqual(new data.Subset(ds, [-1, 0]).getBatch([0, 1])[0].toArray(), [
      [3, 6],
      [1, 4],
    ]);
  });
  it("rejects mismatched first dimensions and bad indices", () => {
    assert.throws(() => new data.TensorDataset(tg.zeros([4, 2]), tg.zeros([3])), {
      name: "ShapeError",
      message:
        "TensorDataset: size mismatch between tensors: tensor 0 has shape [4, 2] and tensor 1 has shape [3]; expected the same first dimension",
    });
    assert.throws(() => new data.TensorDataset(tg.tensor(1)), ShapeError);
    assert.throws(() => new data.TensorDataset(tg.zeros([4])).get(4), {
      name: "ValueError",
      message: "TensorDataset.get: index 4 is out of range for a dataset of 4 samples (expected an integer in [-4, 3])",
    });
  });
});

describe("DataLoader", () => {
  it("batches in order with a smaller last batch, or drops it", () => {
    const { x, y } = numbered(10);
    const ds = new data.TensorDataset(x, y);
    const loader = new data.DataLoader(ds, { batchSize: 4 });
    assert.equal(loader.length, 3);
    const batches = [...loader];
    assert.deepEqual(
      batches.map(([xb]) => xb.shape),
      [
        [4, 2],
        [4, 2],
        [2, 2],
      ],
    );
    assert.deepEqual(batches[1][0].toArray(), [
      [4, 40.5],
      [5, 50.5],
      [6, 60.5],
      [7, 70.5],
    ]);
    assert.ok(batches.every(([xb, yb]) => xb.isContiguous && yb.isContiguous && yb.dtype === "int32"));
    const dropped = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
    assert.equal(dropped.length, 2);
    assert.deepEqual(order(dropped), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(new data.DataLoader(ds).length, 10);
  });

  it("reshuffles every epoch, reproducibly from its seed, without touching the global generator", () => {
    const ds = new data.TensorDataset(...Object.values(numbered(20)));
    tg.manualSeed(5);
    const before = tg.rand([3]).toArray();
    tg.manualSeed(5);
    const a = new data.DataLoader(ds, { batchSize: 6, shuffle: true, seed: 42 });
    const e1 = order(a),
      e2 = order(a);
    assert.deepEqual(tg.rand([3]).toArray(), before, "a seeded loader must not draw from the global generator");
    assert.deepEqual(
      [...e1].sort((p, q) => p - q),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.notDeepEqual(e1, e2, "each epoch draws a new order");
    assert.notDeepEqual(
      e1,
      Array.from({ length: 20 }, (_, i) => i),
    );
    const b = new data.DataLoader(ds, { batchSize: 6, shuffle: true, seed: 42 });
    assert.deepEqual([order(b), order(b)], [e1, e2], "same seed, same orders");
    assert.notDeepEqual(order(new data.DataLoader(ds, { batchSize: 6, shuffle: true, seed: 43 })), e1);
  });

  it("shuffles from the global generator without a seed", () => {
    const ds = new data.TensorDataset(...Object.values(numbered(20)));
    tg.manualSeed(7);
    const first = order(new data.DataLoader(ds, { batchSize: 5, shuffle: true }));
    tg.manualSeed(7);
    assert.deepEqual(order(new data.DataLoader(ds, { batchSize: 5, shuffle: true })), first);
    tg.manualSeed(8);
    assert.notDeepEqual(order(new data.DataLoader(ds, { batchSize: 5, shuffle: true })), first);
  });

  it("supports for await and datasets without getBatch", async () => {
    const ds: data.Dataset = { length: 5, get: (i) => [tg.tensor([i, -i]), i * 0.5] };
    const loader = new data.DataLoader(ds, { batchSize: 2 });
    const got: number[][][] = [];
    for await (const [xb, yb] of loader) {
      assert.equal(yb.dtype, "float32");
      got.push([xb.toArray().flat(), yb.toArray()]);
    }
    assert.deepEqual(got, [
      [
        [0, -0, 1, -1],
        [0, 0.5],
      ],
      [
        [2, -2, 3, -3],
        [1, 1.5],
      ],
      [[4, -4], [2]],
    ]);
  });

  it("stacks int32 tensor fields as int32 and honours collateFn", () => {
    const ds: data.Dataset = { length: 3, get: (i) => [tg.tensor([i]), tg.tensor(i, { dtype: "int32" })] };
    const [[xb, yb]] = [...new data.DataLoader(ds, { batchSize: 3 })];
    assert.deepEqual([xb.shape, yb.shape, yb.dtype], [[3, 1], [3], "int32"]);
    const sums = new data.DataLoader(new data.TensorDataset(tg.tensor([1, 2, 3, 4])), {
      batchSize: 2,
      collateFn: (samples) => [tg.tensor([samples.reduce((a, [v]) => a + (v as Tensor).item(), 0)])],
    });
    assert.deepEqual(
      [...sums].map(([t]) => t.item()),
      [3, 7],
    );
  });

  it("rejects a bad batch size", () => {
    assert.throws(() => new data.DataLoader(new data.TensorDataset(tg.zeros([3])), { batchSize: 0 }), {
      name: "ValueError",
      message: "DataLoader: batchSize must be a positive integer, got 0",
    });
  });

  it("rejects a misspelt option instead of batching one sample at a time", () => {
    assert.throws(() => new data.DataLoader(new data.TensorDataset(tg.zeros([3])), { batchsize: 2 } as never), {
      name: "ValueError",
      message: 'DataLoader: unknown option "batchsize" (known options: batchSize, shuffle, dropLast, seed, collateFn)',
    });
  });
});

describe("randomSplit", () => {
  for (const c of fixture.randomSplit) {
    it(`n=${c.n} split=[${c.split.map((v) => +v.toFixed(4)).join(", ")}] gives torch's lengths [${c.lengths.join(", ")}]`, () => {
      assert.deepEqual(data.splitLengths(c.n, c.split), c.lengths);
    });
  }

  it("returns disjoint subsets covering the dataset, reproducible by seed", () => {
    const ds = new data.TensorDataset(...Object.values(numbered(50)));
    const [train, val] = data.randomSplit(ds, [0.8, 0.2], { seed: 3 });
    assert.equal(train.length, 40);
    assert.equal(val.length, 10);
    const all = [...train.indices, ...val.indices].sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.deepEqual(data.randomSplit(ds, [0.8, 0.2], { seed: 3 })[1].indices, val.indices);
    assert.notDeepEqual(data.randomSplit(ds, [0.8, 0.2], { seed: 4 })[1].indices, val.indices);
    // A subset batches through its parent's rows.
    const [xb, yb] = new data.DataLoader(val, { batchSize: 10 })[Symbol.iterator]().next().value!;
    assert.deepEqual(Array.from(yb.toTypedArray()), val.indices);
    assert.deepEqual(xb.toArray()[0], [val.indices[0], 10 * val.indices[0] + 0.5]);
    assert.equal(val.get(1)[1] instanceof Tensor && (val.get(1)[1] as Tensor).item(), val.indices[1]);
  });

  it("rejects lengths that do not sum to the dataset size", () => {
    const ds = new data.TensorDataset(tg.zeros([10]));
    assert.throws(() => data.randomSplit(ds, [3, 6]), {
      name: "ValueError",
      message:
        "randomSplit: lengths [3, 6] sum to 9, but the dataset has 10 samples; expected them to sum to 10 (or fractions summing to 1)",
    });
    assert.throws(() => data.randomSplit(ds, [0.5, 0.6]), ValueError);
    assert.throws(() => data.randomSplit(ds, [5, 5], { sed: 1 } as never), {
      name: "ValueError",
      message: 'randomSplit: unknown option "sed" (known options: seed)',
    });
  });
});
