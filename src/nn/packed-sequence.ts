// Variable-length batches for RNN, LSTM and GRU (torch.nn.utils.rnn): a PackedSequence holds only
// the real time steps of every sequence, step by step, longest sequences first, so a recurrent layer
// runs each step on just the sequences still going. Padding and packing are slices, gathers and
// concatenations, so gradients flow through them as through any op.

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { cat, indexSelect, stack } from "../ops/index.js";
import { full, tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { checkOptions } from "../tensor/options.js";
import { onHostBackend } from "../backend/current.js";
import { observeHostRead } from "../autograd/primitive.js";
import { unbindFirst } from "./layers/recurrent-forward.js";

/**
 * A batch of sequences of different lengths, packed time step by time step (torch's PackedSequence).
 * `data` is `[Σ lengths, *]`: the first `batchSizes[0]` rows are step 0 of every sequence, then step
 * 1 of the sequences longer than 1, and so on, the sequences ordered longest first.
 * `sortedIndices[i]` is the original batch index of the i-th sequence in that order and
 * `unsortedIndices` its inverse (both null when the batch was already sorted). Make one with
 * {@link packPaddedSequence} or {@link packSequence}; RNN, LSTM and GRU take and return one.
 * @example
 * ```ts
 * const packed = nn.utils.rnn.packPaddedSequence(x, [5, 3, 2], { enforceSorted: false });
 * const [out, hN] = gru.forward(packed);
 * const [padded, lengths] = nn.utils.rnn.padPackedSequence(out);
 * ```
 */
export class PackedSequence {
  /** How many sequences are still going at each time step, non-increasing (a 1-D int32 tensor on the CPU). */
  readonly batchSizes: Tensor;
  readonly #sizes: readonly number[];

  constructor(
    /** The packed steps, `[Σ lengths, *]`. */
    readonly data: Tensor,
    batchSizes: Tensor | readonly number[],
    /** Original batch index of each sequence in longest-first order (int32), or null when already sorted. */
    readonly sortedIndices: Tensor | null = null,
    /** The inverse permutation of sortedIndices (int32), or null when already sorted. */
    readonly unsortedIndices: Tensor | null = null,
  ) {
    const sizes = batchSizes instanceof Tensor ? hostInts("PackedSequence", "batchSizes", batchSizes) : [...batchSizes];
    if (sizes.length === 0 || sizes.some((b, t) => !Number.isInteger(b) || b <= 0 || (t > 0 && b > sizes[t - 1]!))) {
      throw new ValueError(`PackedSequence: batchSizes must be positive integers that never increase, got [${sizes.join(", ")}]`);
    }
    const total = sizes.reduce((a, b) => a + b, 0);
    if (data.ndim < 1 || data.shape[0] !== total) {
      throw new ShapeError(`PackedSequence: data must have Σ batchSizes = ${total} rows, got shape ${fmtShape(data.shape)}`);
    }
    if ((sortedIndices === null) !== (unsortedIndices === null)) {
      throw new ValueError("PackedSequence: give both sortedIndices and unsortedIndices, or neither");
    }
    for (const idx of [sortedIndices, unsortedIndices]) {
      if (idx && (idx.dtype !== "int32" || idx.ndim !== 1 || idx.size !== sizes[0])) {
        throw new ShapeError(
          `PackedSequence: sortedIndices and unsortedIndices must be 1-D int32 of the batch size ${sizes[0]}, got ${idx.dtype} of shape ${fmtShape(idx.shape)}`,
        );
      }
    }
    this.#sizes = Object.freeze(sizes);
    // On the CPU whatever the current backend, as torch keeps batch_sizes.
    this.batchSizes = onHostBackend(() => tensor(sizes, { dtype: "int32" }));
  }

  /** @internal batchSizes as plain numbers. */
  get _sizes(): readonly number[] {
    return this.#sizes;
  }

  /** The same batch with `data` replaced (an output of the same layout, as torch's `_replace(data=…)`). */
  withData(data: Tensor): PackedSequence {
    return new PackedSequence(data, this.#sizes, this.sortedIndices, this.unsortedIndices);
  }
}

function hostInts(op: string, what: string, t: Tensor): number[] {
  if (t.ndim !== 1) throw new ShapeError(`${op}: ${what} must be 1-D, got shape ${fmtShape(t.shape)}`);
  observeHostRead(op, t);
  const data = t._hostDataOrNull();
  if (data === null)
    throw new ValueError(
      `${op}: ${what} must be readable on the CPU (as in torch); pass a number[] or a tensor on the "js" or "wasm" backend`,
    );
  return Array.from(data);
}

/** Options of {@link packPaddedSequence} (torch's batch_first, enforce_sorted). */
export interface PackPaddedOptions {
  /** The input is `[N, T, *]` instead of `[T, N, *]` (default false). */
  batchFirst?: boolean;
  /** Require lengths in decreasing order (default true); false sorts them and records the order. */
  enforceSorted?: boolean;
}

/**
 * Packs a padded batch `[T, N, *]` (batch-first: `[N, T, *]`) whose sequence i has `lengths[i]`
 * real steps (torch.nn.utils.rnn.pack_padded_sequence). With `enforceSorted` (the default) the
 * lengths must not increase; with `enforceSorted: false` the batch is sorted longest first (a stable
 * sort) and the order kept in the result, so padPackedSequence restores the caller's order.
 * @example const packed = nn.utils.rnn.packPaddedSequence(x, [4, 2, 1]);  // x: [4, 3, features]
 */
export function packPaddedSequence(input: Tensor, lengths: Tensor | readonly number[], opts: PackPaddedOptions = {}): PackedSequence {
  const op = "packPaddedSequence";
  checkOptions(op, opts, ["batchFirst", "enforceSorted"]);
  const { batchFirst = false, enforceSorted = true } = opts;
  const lens = lengths instanceof Tensor ? hostInts(op, "lengths", lengths) : [...lengths];
  if (input.ndim < 2)
    throw new ShapeError(`${op}: expected input ${batchFirst ? "[N, T, *]" : "[T, N, *]"}, got shape ${fmtShape(input.shape)}`);
  const x = batchFirst ? input.transpose(0, 1) : input;
  const [T, N] = x.shape as [number, number];
  if (lens.length !== N)
    throw new ShapeError(`${op}: expected ${N} lengths (the batch size of input ${fmtShape(input.shape)}), got ${lens.length}`);
  for (const l of lens) {
    if (!Number.isInteger(l) || l <= 0) throw new ValueError(`${op}: every length must be a positive integer, got [${lens.join(", ")}]`);
    if (l > T) throw new ShapeError(`${op}: a length of ${l} exceeds the ${T} time steps of input ${fmtShape(input.shape)}`);
  }
  let order: number[] | null = null;
  if (enforceSorted) {
    if (lens.some((l, i) => i > 0 && l > lens[i - 1]!)) {
      throw new ValueError(
        `${op}: lengths must be in decreasing order when enforceSorted is true, got [${lens.join(", ")}]; pass enforceSorted: false to sort them`,
      );
    }
  } else {
    order = lens.map((_, i) => i).sort((a, b) => lens[b]! - lens[a]! || a - b);
  }
  const sorted = order ? order.map((i) => lens[i]!) : lens;
  const sortedIdx = order ? tensor(order, { dtype: "int32" }) : null;
  const unsortedIdx = order ? tensor(invert(order), { dtype: "int32" }) : null;
  const maxLen = sorted[0]!;
  const bs = batchSizesOf(sorted);
  const xs = sortedIdx ? indexSelect(x, 1, sortedIdx) : x;
  const steps = unbindFirst(maxLen === T ? xs : xs.slice(0, 0, maxLen));
  const rows = steps.map((s, t) => (bs[t] === N ? s : s.slice(0, 0, bs[t]!)));
  return new PackedSequence(rows.length === 1 ? rows[0]! : cat(rows, 0), bs, sortedIdx, unsortedIdx);
}

/** Options of {@link padPackedSequence} (torch's batch_first, padding_value, total_length). */
export interface PadPackedOptions {
  /** Return `[N, T, *]` instead of `[T, N, *]` (default false). */
  batchFirst?: boolean;
  /** The value past each sequence's end (default 0). */
  paddingValue?: number;
  /** Pad to this many steps instead of the longest length (at least the longest length). */
  totalLength?: number;
}

/**
 * Unpacks a PackedSequence into a padded batch `[T, N, *]` (batch-first: `[N, T, *]`) in the
 * original batch order, and the lengths as a 1-D int32 tensor (torch.nn.utils.rnn.pad_packed_sequence;
 * torch's lengths are int64).
 * @example const [out, lengths] = nn.utils.rnn.padPackedSequence(packedOut, { batchFirst: true });
 */
export function padPackedSequence(sequence: PackedSequence, opts: PadPackedOptions = {}): [Tensor, Tensor] {
  const op = "padPackedSequence";
  checkOptions(op, opts, ["batchFirst", "paddingValue", "totalLength"]);
  const { batchFirst = false, paddingValue = 0, totalLength } = opts;
  const bs = sequence._sizes;
  const T = bs.length;
  const N = bs[0]!;
  if (totalLength !== undefined && (!Number.isInteger(totalLength) || totalLength < T)) {
    throw new ValueError(`${op}: totalLength must be an integer at least the longest length ${T}, got ${totalLength}`);
  }
  const { data } = sequence;
  const rest = data.shape.slice(1);
  const steps = splitRows(data, bs).map((s, t) =>
    bs[t] === N ? s : cat([s, full([N - bs[t]!, ...rest], paddingValue, { dtype: data.dtype })], 0),
  );
  const extra = (totalLength ?? T) - T;
  if (extra > 0) steps.push(...new Array<Tensor>(extra).fill(full([N, ...rest], paddingValue, { dtype: data.dtype })));
  let padded = stack(steps, 0);
  if (sequence.unsortedIndices) padded = indexSelect(padded, 1, sequence.unsortedIndices);
  // lengths[i] = how many steps have more than i sequences going (sequences are sorted longest first),
  // then put in the caller's order by a gather, which needs no read of the indices (WebGPU).
  const sortedLens = new Array<number>(N).fill(0);
  for (const b of bs) for (let i = 0; i < b; i++) sortedLens[i]!++;
  const lensSorted = tensor(sortedLens, { dtype: "int32" });
  const lens = sequence.unsortedIndices ? indexSelect(lensSorted, 0, sequence.unsortedIndices) : lensSorted;
  return [batchFirst ? padded.transpose(0, 1) : padded, lens];
}

/** Options of {@link padSequence} (torch's batch_first, padding_value). */
export interface PadSequenceOptions {
  /** Return `[N, T, *]` instead of `[T, N, *]` (default false). */
  batchFirst?: boolean;
  /** The value past each sequence's end (default 0). */
  paddingValue?: number;
}

/**
 * Stacks sequences `[L_i, *]` of different lengths into one batch `[max L, N, *]` (batch-first:
 * `[N, max L, *]`), padding each after its end (torch.nn.utils.rnn.pad_sequence).
 * @example const x = nn.utils.rnn.padSequence([a, b, c], { batchFirst: true });
 */
export function padSequence(sequences: readonly Tensor[], opts: PadSequenceOptions = {}): Tensor {
  const op = "padSequence";
  checkOptions(op, opts, ["batchFirst", "paddingValue"]);
  const { batchFirst = false, paddingValue = 0 } = opts;
  const first = checkSequences(op, sequences);
  const rest = first.shape.slice(1);
  const maxLen = Math.max(...sequences.map((s) => s.shape[0]!));
  const padded = sequences.map((s) => {
    const L = s.shape[0]!;
    return L === maxLen ? s : cat([s, full([maxLen - L, ...rest], paddingValue, { dtype: s.dtype })], 0);
  });
  return stack(padded, batchFirst ? 0 : 1);
}

/** Options of {@link packSequence} (torch's enforce_sorted). */
export interface PackSequenceOptions {
  /** Require the sequences longest first (default true); false sorts them and records the order. */
  enforceSorted?: boolean;
}

/**
 * Packs a list of sequences `[L_i, *]` (torch.nn.utils.rnn.pack_sequence): padSequence, then
 * packPaddedSequence with their lengths.
 * @example const packed = nn.utils.rnn.packSequence([a, b], { enforceSorted: false });
 */
export function packSequence(sequences: readonly Tensor[], opts: PackSequenceOptions = {}): PackedSequence {
  checkOptions("packSequence", opts, ["enforceSorted"]);
  checkSequences("packSequence", sequences);
  return packPaddedSequence(
    padSequence(sequences),
    sequences.map((s) => s.shape[0]!),
    { enforceSorted: opts.enforceSorted ?? true },
  );
}

/**
 * The sequences of a padded batch `[T, N, *]` (batch-first: `[N, T, *]`), sequence i cut to
 * `lengths[i]` steps (torch.nn.utils.rnn.unpad_sequence): views, so gradients flow back.
 * @example const [a, b] = nn.utils.rnn.unpadSequence(padded, [3, 5]);
 */
export function unpadSequence(padded: Tensor, lengths: Tensor | readonly number[], opts: { batchFirst?: boolean } = {}): Tensor[] {
  const op = "unpadSequence";
  checkOptions(op, opts, ["batchFirst"]);
  const lens = lengths instanceof Tensor ? hostInts(op, "lengths", lengths) : [...lengths];
  if (padded.ndim < 2)
    throw new ShapeError(`${op}: expected a padded batch with at least 2 dimensions, got shape ${fmtShape(padded.shape)}`);
  const x = opts.batchFirst ? padded : padded.transpose(0, 1);
  const [N, T] = x.shape as [number, number];
  if (lens.length !== N)
    throw new ShapeError(`${op}: expected ${N} lengths (the batch size of ${fmtShape(padded.shape)}), got ${lens.length}`);
  return lens.map((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l > T) throw new ValueError(`${op}: length ${l} of sequence ${i} is not an integer in [0, ${T}]`);
    return x
      .slice(0, i, i + 1)
      .squeeze(0)
      .slice(0, 0, l);
  });
}

/**
 * The sequences of a PackedSequence in the original batch order (torch.nn.utils.rnn.unpack_sequence):
 * padPackedSequence, then unpadSequence.
 * @example const seqs = nn.utils.rnn.unpackSequence(nn.utils.rnn.packSequence([a, b], { enforceSorted: false }));
 */
export function unpackSequence(packed: PackedSequence): Tensor[] {
  const [padded, lengths] = padPackedSequence(packed, { batchFirst: true });
  return unpadSequence(padded, hostInts("unpackSequence", "lengths", lengths), { batchFirst: true });
}

function checkSequences(op: string, sequences: readonly Tensor[]): Tensor {
  if (!Array.isArray(sequences) || sequences.length === 0) throw new ValueError(`${op}: expected a non-empty array of tensors`);
  const first = sequences[0]!;
  for (const s of sequences) {
    if (!(s instanceof Tensor) || s.ndim < 1)
      throw new ShapeError(`${op}: every sequence must be a tensor [L, *] with at least one dimension`);
    if (s.ndim !== first.ndim || s.shape.some((d, i) => i > 0 && d !== first.shape[i])) {
      throw new ShapeError(
        `${op}: sequences must agree in every dimension but the first, got ${fmtShape(first.shape)} and ${fmtShape(s.shape)}`,
      );
    }
  }
  return first;
}

/** batch_sizes of lengths sorted longest first: how many lengths exceed each step t. */
function batchSizesOf(sortedLengths: readonly number[]): number[] {
  const out: number[] = [];
  for (let t = 0; t < sortedLengths[0]!; t++) {
    let b = 0;
    while (b < sortedLengths.length && sortedLengths[b]! > t) b++;
    out.push(b);
  }
  return out;
}

function invert(order: readonly number[]): number[] {
  const inv = new Array<number>(order.length);
  order.forEach((o, i) => (inv[o] = i));
  return inv;
}

/**
 * The consecutive row blocks of `x` with the given sizes, split by halving (as unbindFirst) so the
 * backward pass costs O(rows · log steps) instead of padding every block's gradient to all rows.
 */
export function splitRows(x: Tensor, sizes: readonly number[]): Tensor[] {
  const out: Tensor[] = [];
  const go = (t: Tensor, from: number, to: number): void => {
    if (to - from === 1) {
      out.push(t);
      return;
    }
    const mid = (from + to) >> 1;
    let rows = 0;
    for (let i = from; i < mid; i++) rows += sizes[i]!;
    go(t.slice(0, 0, rows), from, mid);
    go(t.slice(0, rows, t.shape[0]!), mid, to);
  };
  if (sizes.length > 0) go(x, 0, sizes.length);
  return out;
}
