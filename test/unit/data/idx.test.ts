// readIdx and loadMnistIdx on small IDX files written here (plain and gzipped, every element type),
// and the FormatErrors for a wrong magic number, truncation, count mismatch and missing files.

import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { data } from "tensorgrad";

const root = mkdtempSync(join(tmpdir(), "tg-idx-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** An IDX file: magic 0x0000TTDD, big-endian u32 dims, then big-endian elements. */
function idx(type: number, shape: number[], values: number[]): Buffer {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
  const buf = Buffer.alloc(4 + 4 * shape.length + size * values.length);
  buf.writeUInt32BE((type << 8) | shape.length, 0);
  shape.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  const at = 4 + 4 * shape.length;
  values.forEach((v, i) => {
    const o = at + size * i;
    if (type === 0x08) buf.writeUInt8(v, o);
    else if (type === 0x09) buf.writeInt8(v, o);
    else if (type === 0x0b) buf.writeInt16BE(v, o);
    else if (type === 0x0c) buf.writeInt32BE(v, o);
    else if (type === 0x0d) buf.writeFloatBE(v, o);
    else buf.writeDoubleBE(v, o);
  });
  return buf;
}

/** n images of rows×cols whose pixel j of image i is (i·7 + j) mod 256, and labels i mod 10. */
function images(n: number, rows: number, cols: number): { bytes: Buffer; pixels: number[] } {
  const pixels = Array.from({ length: n * rows * cols }, (_, k) => (Math.floor(k / (rows * cols)) * 7 + (k % (rows * cols))) % 256);
  return { bytes: idx(0x08, [n, rows, cols], pixels), pixels };
}
const labels = (n: number): Buffer =>
  idx(
    0x08,
    [n],
    Array.from({ length: n }, (_, i) => i % 10),
  );

function writeSet(dir: string, { gz = false, nTrain = 6, nTest = 4 } = {}): void {
  mkdirSync(dir, { recursive: true });
  const put = (name: string, bytes: Buffer) => writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
  put("train-images-idx3-ubyte", images(nTrain, 4, 3).bytes);
  put("train-labels-idx1-ubyte", labels(nTrain));
  put("t10k-images-idx3-ubyte", images(nTest, 4, 3).bytes);
  put("t10k-labels-idx1-ubyte", labels(nTest));
}

describe("readIdx", () => {
  it("reads every element type, big-endian, in its stored shape", () => {
    const cases: [number, number[], string][] = [
      [0x08, [0, 255, 7], "int32"],
      [0x09, [-128, 127, -1], "int32"],
      [0x0b, [-30000, 2, 300], "int32"],
      [0x0c, [-2147483648, 65536, 3], "int32"],
      [0x0d, [1.5, -0.25, 2 ** 40 + 2 ** 20], "float32"],
      [0x0e, [Math.PI, -1e-300, 2], "float64"],
    ];
    for (const [type, values, dtype] of cases) {
      const path = join(root, `t${type}.idx`);
      writeFileSync(path, idx(type, [3, 1], values));
      const t = data.readIdx(path);
      assert.deepEqual([t.shape, t.dtype], [[3, 1], dtype], `type 0x${type.toString(16)}`);
      assert.deepEqual(Array.from(t.toTypedArray()), values, `type 0x${type.toString(16)}`);
    }
  });

  it("reads gzip by name and by signature", () => {
    writeFileSync(join(root, "l.idx.gz"), gzipSync(labels(12)));
    writeFileSync(join(root, "l-no-ext"), gzipSync(labels(12)));
    for (const name of ["l.idx.gz", "l-no-ext"]) {
      assert.deepEqual(Array.from(data.readIdx(join(root, name)).toTypedArray()), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    }
  });

  it("reports a truncated file with the byte counts", () => {
    const path = join(root, "short.idx");
    writeFileSync(path, images(3, 4, 3).bytes.subarray(0, 16 + 30));
    assert.throws(() => data.readIdx(path), {
      name: "FormatError",
      message: `readIdx: ${path}: truncated IDX file: expected 36 bytes of data (36 unsigned byte values of shape [3, 4, 3]), found 30`,
    });
  });
});

describe("loadMnistIdx", () => {
  it("loads the four files (plain or .gz) into the mnist() layout", () => {
    for (const gz of [false, true]) {
      const dir = join(root, gz ? "gz" : "plain");
      writeSet(dir, { gz });
      const { train, test } = data.loadMnistIdx(dir);
      assert.deepEqual([train.x.shape, train.y.shape, test.x.shape, test.y.shape], [[6, 12], [6], [4, 12], [4]]);
      assert.deepEqual([train.x.dtype, train.y.dtype], ["float32", "int32"]);
      const expected = Float32Array.from(images(6, 4, 3).pixels, (p) => p / 255);
      assert.deepEqual(train.x.toFloat32Array(), expected);
      assert.deepEqual(Array.from(test.y.toTypedArray()), [0, 1, 2, 3]);
    }
    const { train } = data.loadMnistIdx(join(root, "plain"), { flatten: false });
    assert.deepEqual(train.x.shape, [6, 1, 4, 3]);
  });

  it("rejects a wrong magic number, naming what was expected", () => {
    const dir = join(root, "magic");
    writeSet(dir);
    writeFileSync(join(dir, "train-images-idx3-ubyte"), labels(6)); // a label file where images belong
    assert.throws(() => data.loadMnistIdx(dir), {
      name: "FormatError",
      message: `loadMnistIdx: ${join(dir, "train-images-idx3-ubyte")}: wrong magic number: expected 0x00000803 (unsigned-byte images, 3 dimensions), got 0x00000801`,
    });
  });

  it("rejects image and label counts that differ", () => {
    const dir = join(root, "counts");
    writeSet(dir);
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), labels(5));
    assert.throws(() => data.loadMnistIdx(dir), {
      name: "FormatError",
      message: `loadMnistIdx: ${join(dir, "t10k-images-idx3-ubyte")} holds 4 images but ${join(dir, "t10k-labels-idx1-ubyte")} holds 5 labels; expected equal counts`,
    });
  });

  it("names the missing file and the directory", () => {
    const dir = join(root, "missing");
    writeSet(dir);
    rmSync(join(dir, "t10k-labels-idx1-ubyte"));
    assert.throws(() => data.loadMnistIdx(dir), {
      name: "FormatError",
      message: `loadMnistIdx: missing file t10k-labels-idx1-ubyte (or t10k-labels-idx1-ubyte.gz) in directory ${dir}`,
    });
    assert.throws(() => data.loadMnistIdx(join(root, "nowhere")), {
      name: "FormatError",
      message: `loadMnistIdx: directory ${join(root, "nowhere")} does not exist`,
    });
  });

  it("reports a truncated gzipped image file", () => {
    const dir = join(root, "trunc-gz");
    writeSet(dir, { gz: true });
    writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(images(6, 4, 3).bytes.subarray(0, 16 + 70)));
    assert.throws(() => data.loadMnistIdx(dir), {
      name: "FormatError",
      message: `loadMnistIdx: ${join(dir, "train-images-idx3-ubyte.gz")}: truncated IDX file: expected 72 bytes of data (72 unsigned byte values of shape [6, 4, 3]), found 70`,
    });
  });
});
