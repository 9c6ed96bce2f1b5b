// IDX files (the format of MNIST, Fashion-MNIST, KMNIST): readIdx for one file, plain or gzipped,
// and loadMnistIdx for the standard four-file layout of a directory.

import { existsSync, gunzipSync, join, readFileSync, statSync } from "#fs";
import { FormatError, withPath } from "../errors.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";

/** IDX element types: code → [name, bytes per element]. Multi-byte values are big-endian. */
const IDX_TYPES: Record<number, [string, number]> = {
  0x08: ["unsigned byte", 1],
  0x09: ["signed byte", 1],
  0x0b: ["short", 2],
  0x0c: ["int", 4],
  0x0d: ["float", 4],
  0x0e: ["double", 8],
};

const hex = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

/** The file's bytes, gunzipped when it is gzip (by name or by its 1f 8b signature). */
function readMaybeGzip(op: string, path: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw withPath(e, "read", path);
  }
  if (!path.endsWith(".gz") && !(raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b)) return raw;
  try {
    return gunzipSync(raw);
  } catch (e) {
    throw new FormatError(`${op}: ${path}: not a valid gzip file (${(e as Error).message})`);
  }
}

/** Parses IDX bytes; `expectedMagic`, when given, must match the file's first four bytes. */
function parseIdx(op: string, path: string, bytes: Buffer, expectedMagic?: { magic: number; what: string }): Tensor {
  if (bytes.length < 4)
    throw new FormatError(`${op}: ${path}: truncated IDX file: expected a 4-byte magic number, found ${bytes.length} bytes`);
  const magic = bytes.readUInt32BE(0);
  if (expectedMagic && magic !== expectedMagic.magic) {
    throw new FormatError(
      `${op}: ${path}: wrong magic number: expected ${hex(expectedMagic.magic)} (${expectedMagic.what}), got ${hex(magic)}`,
    );
  }
  const type = IDX_TYPES[bytes[2]];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type || bytes[3] === 0) {
    throw new FormatError(
      `${op}: ${path}: wrong magic number ${hex(magic)}: expected 0x0000TTDD with type TT one of 08, 09, 0b, 0c, 0d, 0e and DD >= 1 dimensions`,
    );
  }
  const ndim = bytes[3];
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new FormatError(
      `${op}: ${path}: truncated IDX file: expected a ${headerBytes}-byte header for ${ndim} dimensions, found ${bytes.length} bytes`,
    );
  }
  const shape = Array.from({ length: ndim }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const [typeName, size] = type;
  const expected = count * size,
    found = bytes.length - headerBytes;
  if (found !== expected) {
    const what = found < expected ? "truncated IDX file" : "IDX file has trailing bytes";
    throw new FormatError(
      `${op}: ${path}: ${what}: expected ${expected} bytes of data (${count} ${typeName} values of shape [${shape.join(", ")}]), found ${found}`,
    );
  }
  const body = bytes.subarray(headerBytes);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  switch (bytes[2]) {
    case 0x08:
      return tensor(Int32Array.from(body), { shape });
    case 0x09:
      return tensor(Int32Array.from(new Int8Array(body.buffer, body.byteOffset, count)), { shape });
    case 0x0b:
      return tensor(
        Int32Array.from({ length: count }, (_, i) => view.getInt16(2 * i)),
        { shape },
      );
    case 0x0c:
      return tensor(
        Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i)),
        { shape },
      );
    case 0x0d:
      return tensor(
        Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i)),
        { shape },
      );
    default:
      return tensor(
        Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i)),
        { shape, dtype: "float64" },
      );
  }
}

/**
 * Reads one IDX file (plain, or gzip when named *.gz or starting with the gzip signature), raw
 * values in their stored shape: integer types as int32, float as float32, double as float64.
 * Throws FormatError for a bad magic number or a size that does not match the header.
 * @example const labels = data.readIdx("mnist/t10k-labels-idx1-ubyte.gz"); // int32 [10000]
 */
export function readIdx(path: string): Tensor {
  return parseIdx("readIdx", path, readMaybeGzip("readIdx", path));
}

/** Options of loadMnistIdx. */
export interface LoadMnistIdxOptions {
  /** x as [N, rows·cols] (default) or as images [N, 1, rows, cols]. */
  flatten?: boolean;
}

/** What loadMnistIdx returns: both splits, pixels float32 in [0, 1] and labels int32. */
export interface MnistIdxData {
  /** The training split (60,000 images for MNIST). */
  train: {
    /** Images, float32 [N, rows·cols] or [N, 1, rows, cols]. */
    x: Tensor;
    /** Class indices, int32 [N]. */
    y: Tensor;
  };
  /** The test split (10,000 images for MNIST). */
  test: {
    /** Images, float32 [N, rows·cols] or [N, 1, rows, cols]. */
    x: Tensor;
    /** Class indices, int32 [N]. */
    y: Tensor;
  };
}

const IMAGES = { magic: 0x00000803, what: "unsigned-byte images, 3 dimensions" };
const LABELS = { magic: 0x00000801, what: "unsigned-byte labels, 1 dimension" };

/** The path of `name` in `dir`, trying `name`, `name.gz` and the `.idx` spelling some mirrors use. */
function findFile(dir: string, name: string): string {
  const dotted = name.replace(/-idx(\d)-ubyte$/, ".idx$1-ubyte");
  const candidates = [name, `${name}.gz`, dotted, `${dotted}.gz`];
  for (const c of candidates) {
    if (existsSync(join(dir, c))) return join(dir, c);
  }
  throw new FormatError(`loadMnistIdx: missing file ${name} (or ${name}.gz) in directory ${dir}`);
}

function loadSplit(dir: string, prefix: string, flatten: boolean): { x: Tensor; y: Tensor; images: [number, number] } {
  const imagesPath = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  const images = parseIdx("loadMnistIdx", imagesPath, readMaybeGzip("loadMnistIdx", imagesPath), IMAGES);
  const labels = parseIdx("loadMnistIdx", labelsPath, readMaybeGzip("loadMnistIdx", labelsPath), LABELS);
  const [n, rows, cols] = images.shape;
  if (labels.shape[0] !== n) {
    throw new FormatError(
      `loadMnistIdx: ${imagesPath} holds ${n} images but ${labelsPath} holds ${labels.shape[0]} labels; expected equal counts`,
    );
  }
  const raw = images.contiguousData();
  const x = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) x[i] = raw[i] / 255;
  return { x: tensor(x, { shape: flatten ? [n, rows * cols] : [n, 1, rows, cols] }), y: labels, images: [rows, cols] };
}

/**
 * Loads the standard IDX files of MNIST or Fashion-MNIST from `dir`: train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or .gz.
 * Same layout as mnist(): x float32 in [0, 1] of shape [N, rows·cols] (or [N, 1, rows, cols] with
 * `flatten: false`), y int32 class indices [N]. Files are returned in their stored order.
 * @example const { train, test } = data.loadMnistIdx("./fashion-mnist");
 */
export function loadMnistIdx(dir: string, { flatten = true }: LoadMnistIdxOptions = {}): MnistIdxData {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new FormatError(`loadMnistIdx: directory ${dir} does not exist`);
  const train = loadSplit(dir, "train", flatten),
    test = loadSplit(dir, "t10k", flatten);
  if (train.images.join() !== test.images.join()) {
    throw new FormatError(
      `loadMnistIdx: ${dir}: training images are ${train.images.join("x")} pixels but test images are ${test.images.join("x")}; expected the same size`,
    );
  }
  return { train: { x: train.x, y: train.y }, test: { x: test.x, y: test.y } };
}
