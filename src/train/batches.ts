// The data fit/evaluate accept — `{ x, y }`, `[x, y]` or a DataLoader — turned into batch streams,
// with Keras's validationSplit (the last fraction of the samples, taken before any shuffling).

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { DataLoader } from "../data/dataloader.js";
import { TensorDataset } from "../data/dataset.js";
import { Tensor } from "../tensor/tensor.js";
import { onCurrentDevice } from "./device.js";

/** Features and targets sharing their first (sample) dimension. */
export interface XY {
  /** Inputs, the first dim the samples. */
  x: Tensor;
  /** Targets, the first dim the samples. */
  y: Tensor;
}

/** What fit, evaluate and validationData take: tensors, or a DataLoader yielding [x, y] batches. */
export type Data = XY | readonly [Tensor, Tensor] | DataLoader;

/** A stream of [x, y] batches that can be walked once per epoch, with its batch and sample counts. */
export interface Batches {
  iterate(): Iterable<Tensor[]>;
  readonly steps: number;
  readonly samples: number;
}

function asXY(who: string, what: string, data: unknown): XY | null {
  if (Array.isArray(data) && data.length === 2) return { x: data[0], y: data[1] };
  if (data && typeof data === "object" && "x" in data && "y" in data) return data as XY;
  if (data instanceof DataLoader) return null;
  throw new ValueError(`${who}: ${what} must be { x, y }, [x, y] or a data.DataLoader, got ${describe(data)}`);
}

function describe(v: unknown): string {
  if (v === null || typeof v !== "object") return String(v);
  return v.constructor?.name ?? "an object";
}

function checkXY(who: string, what: string, { x, y }: XY): void {
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new ValueError(`${who}: ${what}.x and ${what}.y must be Tensors`);
  if (x.ndim === 0 || y.ndim === 0)
    throw new ShapeError(`${who}: ${what}.x ${fmtShape(x.shape)} and ${what}.y ${fmtShape(y.shape)} need a first (sample) dimension`);
  if (x.shape[0] !== y.shape[0]) {
    throw new ShapeError(
      `${who}: ${what}.x ${fmtShape(x.shape)} and ${what}.y ${fmtShape(y.shape)} hold different numbers of samples (${x.shape[0]} vs ${y.shape[0]})`,
    );
  }
  if (x.shape[0] === 0) throw new ValueError(`${who}: ${what} holds no samples`);
}

function fromLoader(loader: DataLoader): Batches {
  return {
    iterate: () => loader,
    steps: loader.length,
    samples: loader.dropLast ? loader.length * loader.batchSize : loader.dataset.length,
  };
}

function fromXY(xy: XY, batchSize: number, shuffle: boolean): Batches {
  // Shuffling draws from the global generator, so fit's `seed` and a checkpoint's saved generator
  // state decide the order of every epoch.
  const loader = new DataLoader(new TensorDataset(onCurrentDevice(xy.x), onCurrentDevice(xy.y)), { batchSize, shuffle });
  return fromLoader(loader);
}

/** Training batches (and validation batches split off the end when `validationSplit` is given). */
export function trainingBatches(
  who: string,
  data: Data,
  { batchSize, shuffle, validationSplit }: { batchSize: number; shuffle: boolean; validationSplit?: number },
): { train: Batches; validation: Batches | null } {
  const xy = asXY(who, "trainData", data);
  if (xy === null) {
    if (validationSplit !== undefined && validationSplit > 0) {
      throw new ValueError(`${who}: validationSplit needs trainData as { x, y } tensors, not a DataLoader; pass validationData instead`);
    }
    return { train: fromLoader(data as DataLoader), validation: null };
  }
  checkXY(who, "trainData", xy);
  if (validationSplit === undefined || validationSplit === 0) return { train: fromXY(xy, batchSize, shuffle), validation: null };
  if (!(validationSplit > 0 && validationSplit < 1))
    throw new ValueError(`${who}: validationSplit must be in [0, 1), got ${validationSplit}`);
  const n = xy.x.shape[0];
  const nVal = Math.floor(n * validationSplit);
  if (nVal === 0 || nVal === n) {
    throw new ValueError(
      `${who}: validationSplit ${validationSplit} of ${n} samples leaves ${nVal} for validation and ${n - nVal} for training; both need at least one`,
    );
  }
  // Keras takes the last samples, before shuffling.
  const cut = (t: Tensor, from: number, to: number): Tensor => t.slice(0, from, to);
  const trainXY = { x: cut(xy.x, 0, n - nVal), y: cut(xy.y, 0, n - nVal) };
  const valXY = { x: cut(xy.x, n - nVal, n), y: cut(xy.y, n - nVal, n) };
  return { train: fromXY(trainXY, batchSize, shuffle), validation: fromXY(valXY, batchSize, false) };
}

/** Batches for evaluation (in order). */
export function evaluationBatches(who: string, what: string, data: Data, batchSize: number): Batches {
  const xy = asXY(who, what, data);
  if (xy === null) return fromLoader(data as DataLoader);
  checkXY(who, what, xy);
  return fromXY(xy, batchSize, false);
}

export function checkBatchSize(who: string, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`${who}: batchSize must be a positive integer, got ${batchSize}`);
}
