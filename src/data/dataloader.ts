// DataLoader (torch.utils.data.DataLoader): batches of a dataset in order or reshuffled every
// epoch, iterable with for…of and for await…of.

import { ValueError } from "../errors.js";
import { checkOptions } from "../tensor/options.js";
import type { Tensor } from "../tensor/tensor.js";
import { collate, type Dataset, type Sample } from "./dataset.js";
import { RandomStream, randperm } from "./random-stream.js";

/** Options of DataLoader (torch's names and defaults, camelCase). */
export interface DataLoaderOptions {
  /** Samples per batch (the last batch may be smaller unless `dropLast`). Default 1. */
  batchSize?: number;
  /** Draw a new random order at the start of every iteration (epoch). Default false. */
  shuffle?: boolean;
  /** Drop the last, incomplete batch. Default false. */
  dropLast?: boolean;
  /**
   * Seeds a generator of this loader's own, so the data order is reproducible and independent of
   * every other random draw. Without it, shuffling draws from the global generator (manualSeed).
   */
  seed?: number;
  /**
   * Turns a list of samples into a batch (torch's collate_fn). Default `collate`; when given, it is
   * used even for datasets that can gather whole batches themselves.
   */
  collateFn?: (samples: Sample[]) => Tensor[];
}

/**
 * Iterates over `dataset` in batches (torch.utils.data.DataLoader). Each batch is an array with one
 * contiguous tensor per sample field, its first dimension the batch. With `shuffle`, each new
 * iteration (each `for` loop, i.e. each epoch) draws a fresh permutation when it starts.
 * @example
 * const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 0 });
 * for (const [xb, yb] of loader) { ... }
 */
export class DataLoader implements Iterable<Tensor[]>, AsyncIterable<Tensor[]> {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch draws a new random order. */
  readonly shuffle: boolean;
  /** Whether the last, incomplete batch is dropped. */
  readonly dropLast: boolean;
  /** The loader's own generator when constructed with `seed` (its state can be saved and restored). */
  readonly generator: RandomStream | null;
  private readonly collateFn: ((samples: Sample[]) => Tensor[]) | undefined;

  constructor(
    /** The dataset batches are drawn from. */
    readonly dataset: Dataset,
    options: DataLoaderOptions = {},
  ) {
    // A misspelt option ({ batchsize: 64 }) would otherwise train silently on batches of one.
    checkOptions("DataLoader", options, ["batchSize", "shuffle", "dropLast", "seed", "collateFn"]);
    const { batchSize = 1, shuffle = false, dropLast = false, seed, collateFn } = options;
    if (!dataset || typeof dataset.length !== "number" || typeof dataset.get !== "function") {
      throw new ValueError("DataLoader: expected a dataset with a numeric `length` and a `get(index)` method");
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ValueError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    if (seed !== undefined && !Number.isFinite(seed)) throw new ValueError(`DataLoader: seed must be a finite number, got ${seed}`);
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = seed === undefined ? null : new RandomStream(seed);
    this.collateFn = collateFn;
  }

  /** Number of batches per epoch (len(DataLoader)). */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * Starts an epoch: the order is drawn now, when the iteration starts.
   * @example for (const [xb, yb] of new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 32, shuffle: true })) { … }
   */
  [Symbol.iterator](): Iterator<Tensor[]> {
    return this.batches(this.order());
  }

  /** The same batches for `for await … of` (the order is drawn when the iteration starts). */
  async *[Symbol.asyncIterator](): AsyncIterator<Tensor[]> {
    yield* this.batches(this.order());
  }

  private order(): Int32Array {
    const n = this.dataset.length;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    return this.generator ? this.generator.run(() => randperm(n)) : randperm(n);
  }

  private *batches(order: Int32Array): Generator<Tensor[]> {
    const n = order.length;
    const count = this.length;
    for (let b = 0; b < count; b++) {
      const indices = order.subarray(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
      if (this.dataset.getBatch && !this.collateFn) yield this.dataset.getBatch(indices);
      else yield (this.collateFn ?? collate)(Array.from(indices, (i) => this.dataset.get(i)));
    }
  }
}
