// Training checkpoints: model weights, optimizer and scheduler state, epoch, history and the random
// generator's state in one safetensors file, so that a resumed run continues exactly.

import { FormatError, ValueError } from "../errors.js";
import { getRngState, setRngState, type RngState } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { checkOptions } from "../tensor/options.js";
import { bytesOf, isResponse, readResponse, type ByteSource, type ResponseLike } from "./byte-source.js";
import { onHost, parseSafetensors, saveSafetensors, type SafetensorsContent } from "./safetensors.js";
import { readFileSync } from "#fs";

/** What a checkpoint needs of a model (nn.Module fits). */
export interface CheckpointModel {
  /** The tensors to save, keyed as in PyTorch. */
  stateDict(): Record<string, Tensor>;
  /** Restores the tensors saved. */
  loadStateDict(record: Record<string, Tensor>, opts?: { strict?: boolean }): unknown;
}

/** An optimizer's state as torch shapes it: per-parameter tensors and numbers, and param groups. */
export interface CheckpointOptimizerState {
  /** Per-parameter state (tensors and numbers) by parameter index. */
  state: Record<number, Record<string, unknown>>;
  /** Each group's options (JSON-able). */
  paramGroups: Record<string, unknown>[];
}

/** What a checkpoint needs of an optimizer (every optim.* optimizer fits). */
export interface CheckpointOptimizer {
  /** A snapshot of the optimizer's state. */
  stateDict(): CheckpointOptimizerState;
  /** Restores a snapshot from stateDict(). */
  loadStateDict(state: any): void;
}

/** What a checkpoint needs of a learning-rate scheduler: a JSON-able state. */
export interface CheckpointScheduler {
  /** A JSON-able snapshot of the schedule. */
  stateDict(): unknown;
  /** Restores a snapshot from stateDict(). */
  loadStateDict(state: any): void;
}

/** What saveCheckpoint stores: the model and, optionally, what is needed to resume training. */
export interface SaveCheckpointOptions {
  /** The model whose state dict is saved (under "model.<key>"). */
  model: CheckpointModel;
  /** The optimizer whose state is saved (tensors under "optimizer.<paramIndex>.<name>"). */
  optimizer?: CheckpointOptimizer;
  /** A learning-rate scheduler whose state is saved. */
  scheduler?: CheckpointScheduler;
  /** The number of epochs completed. */
  epoch?: number;
  /** Per-epoch metrics, e.g. a train.History (stored as JSON; NaN and ±Infinity survive). */
  history?: unknown;
  /** Anything else JSON-able to keep with the checkpoint. */
  extra?: unknown;
}

/** Where loadCheckpoint restores the saved state. */
export interface LoadCheckpointOptions {
  /** Receives the saved weights. */
  model: CheckpointModel;
  /** Receives the saved optimizer state (a ValueError if the checkpoint holds none). */
  optimizer?: CheckpointOptimizer;
  /** Receives the saved scheduler state. */
  scheduler?: CheckpointScheduler;
  /** Passed to model.loadStateDict: missing and unexpected keys are errors. Default true. */
  strict?: boolean;
}

/** What loadCheckpoint returns besides the restored objects. */
export interface LoadedCheckpoint {
  /** The epoch count saved (undefined when none was). */
  epoch?: number;
  /** The history saved, as JSON data. */
  history?: any;
  /** The extra data saved. */
  extra?: any;
}

const FORMAT = "tensorgrad.checkpoint";
const VERSION = "1";
const MODEL = "model.";
const OPTIMIZER = "optimizer.";

// JSON cannot spell NaN or ±Infinity (a diverged loss, ReduceLROnPlateau's initial best); they are
// stored as {"$float": "NaN"} and turned back into numbers on load.
const encode = (value: unknown): string =>
  JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? { $float: String(v) } : v));
const decode = (text: string): any =>
  JSON.parse(text, (_k, v) =>
    v !== null && typeof v === "object" && Object.keys(v).length === 1 && typeof v.$float === "string" ? Number(v.$float) : v,
  );

/** Copies of a state dict's tensors (stateDict() may share memory with the live ones). */
function snapshot(record: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = Object.create(null);
  for (const [key, t] of Object.entries(record)) out[key] = t.clone();
  return out;
}

/** A parameter index as written in tensor names and metadata: decimal digits only, else undefined. */
function paramIndex(text: string): number | undefined {
  return /^(0|[1-9][0-9]{0,8})$/.test(text) ? Number(text) : undefined;
}

/**
 * Saves everything needed to resume training to one safetensors file (atomically; see
 * writeFileAtomic), or, without a path, into bytes it returns (a Uint8Array): the model's stateDict as `model.<key>`, each optimizer state tensor as
 * `optimizer.<paramIndex>.<name>`, and in `__metadata__` (JSON strings) the optimizer's param
 * groups and non-tensor state (step counts), the scheduler's state, epoch, history, extra and the
 * global random generator's state. The file opens in any safetensors reader.
 * @example io.saveCheckpoint("ckpt.safetensors", { model, optimizer, epoch: 3, history });
 * @example const bytes = io.saveCheckpoint({ model, optimizer, epoch: 3 });
 */
export function saveCheckpoint(path: string, options: SaveCheckpointOptions): void;
export function saveCheckpoint(options: SaveCheckpointOptions): Uint8Array<ArrayBuffer>;
export function saveCheckpoint(first: string | SaveCheckpointOptions, second?: SaveCheckpointOptions): void | Uint8Array<ArrayBuffer> {
  const path = typeof first === "string" ? first : undefined;
  const { tensors, metadata } = checkpointContents(typeof first === "string" ? second : first);
  if (path === undefined) return saveSafetensors(tensors, metadata);
  saveSafetensors(path, tensors, metadata);
}

/**
 * saveCheckpoint for a model and optimizer on any backend, WebGPU included: every tensor is read
 * back (awaited) first.
 * @example await io.saveCheckpointAsync("ckpt.safetensors", { model, optimizer, epoch });
 */
export async function saveCheckpointAsync(path: string, options: SaveCheckpointOptions): Promise<void>;
export async function saveCheckpointAsync(options: SaveCheckpointOptions): Promise<Uint8Array<ArrayBuffer>>;
export async function saveCheckpointAsync(
  first: string | SaveCheckpointOptions,
  second?: SaveCheckpointOptions,
): Promise<void | Uint8Array<ArrayBuffer>> {
  const path = typeof first === "string" ? first : undefined;
  const { tensors, metadata } = checkpointContents(typeof first === "string" ? second : first);
  const host = await onHost(tensors);
  if (path === undefined) return saveSafetensors(host, metadata);
  saveSafetensors(path, host, metadata);
}

/** The tensors and metadata of a checkpoint (see saveCheckpoint). */
function checkpointContents(options: SaveCheckpointOptions | undefined): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
} {
  const op = "saveCheckpoint";
  // A misspelt key ({ optimiser }) would otherwise leave that state out of the file, silently.
  checkOptions(op, options, ["model", "optimizer", "scheduler", "epoch", "history", "extra"]);
  const { model, optimizer, scheduler, epoch, history, extra } = options ?? ({} as SaveCheckpointOptions);
  if (!model || typeof model.stateDict !== "function") throw new ValueError(`${op}: expected { model } with a stateDict() method`);
  const tensors: Record<string, Tensor> = {};
  for (const [key, t] of Object.entries(model.stateDict())) tensors[MODEL + key] = t;
  const metadata: Record<string, string> = { format: FORMAT, version: VERSION, rng: encode(getRngState()) };
  if (optimizer) {
    const { state, paramGroups } = optimizer.stateDict();
    const values: Record<string, Record<string, unknown>> = {};
    for (const [index, entries] of Object.entries(state)) {
      for (const [name, v] of Object.entries(entries)) {
        if (v instanceof Tensor) tensors[`${OPTIMIZER}${index}.${name}`] = v;
        else (values[index] ??= {})[name] = v;
      }
    }
    metadata.optimizer = encode({ paramGroups, values });
  }
  if (scheduler) metadata.scheduler = encode(scheduler.stateDict());
  if (epoch !== undefined) metadata.epoch = encode(epoch);
  if (history !== undefined) metadata.history = encode(history);
  if (extra !== undefined) metadata.extra = encode(extra);
  return { tensors, metadata };
}

/**
 * Restores a checkpoint written by saveCheckpoint: loads the model's weights (strict by default),
 * the optimizer's and scheduler's state when given, and the global random generator's state, so the
 * run continues as if never interrupted. Returns `{ epoch, history, extra }` as saved. Everything is
 * parsed and checked before anything is changed; a file that is not a tensorgrad checkpoint, or
 * lacks the optimizer/scheduler state asked for, is an error. `source` is a path, bytes (Uint8Array,
 * ArrayBuffer) or a fetch Response (then it returns a Promise).
 * @example const { epoch } = io.loadCheckpoint("ckpt.safetensors", { model, optimizer });
 */
export function loadCheckpoint(source: string | ByteSource, options: LoadCheckpointOptions): LoadedCheckpoint;
export function loadCheckpoint(source: ResponseLike, options: LoadCheckpointOptions): Promise<LoadedCheckpoint>;
export function loadCheckpoint(
  source: string | ByteSource | ResponseLike,
  options: LoadCheckpointOptions,
): LoadedCheckpoint | Promise<LoadedCheckpoint> {
  const op = "loadCheckpoint";
  // As saveCheckpoint: plain JavaScript callers get a typed error, not a TypeError from inside.
  checkOptions(op, options, ["model", "optimizer", "scheduler", "strict"]);
  if (!options?.model || typeof options.model.loadStateDict !== "function")
    throw new ValueError(
      `${op}: expected { model } with a loadStateDict() method as the second argument (the model to load the weights into)`,
    );
  if (typeof source === "string") return restore(op, source, parseSafetensors(op, source, readFileSync(source)), options);
  if (isResponse(source))
    return readResponse(op, source).then(({ label, bytes }) => restore(op, label, parseSafetensors(op, label, bytes), options));
  return restore(op, "<bytes>", parseSafetensors(op, "<bytes>", bytesOf(op, source)), options);
}

/** Applies a parsed checkpoint to the model, optimizer and scheduler; `path` labels errors. */
function restore(
  op: string,
  path: string,
  { tensors, metadata }: SafetensorsContent,
  { model, optimizer, scheduler, strict = true }: LoadCheckpointOptions,
): LoadedCheckpoint {
  if (metadata.format !== FORMAT) {
    throw new FormatError(
      `${op}: ${path}: not a tensorgrad checkpoint (its metadata has no "format": "${FORMAT}"); use io.loadSafetensors for plain weight files`,
    );
  }
  if (metadata.version !== VERSION)
    throw new FormatError(`${op}: ${path}: checkpoint version ${metadata.version}, this tensorgrad reads version ${VERSION}`);
  const json = (key: string): any => {
    try {
      return decode(metadata[key]);
    } catch (e) {
      throw new FormatError(`${op}: ${path}: metadata "${key}" is not valid JSON (${(e as Error).message})`);
    }
  };

  // Every table keyed by names from the file has no prototype, so a name such as "__proto__" or
  // "constructor" is an ordinary key and can never reach Object.prototype.
  const weights: Record<string, Tensor> = Object.create(null);
  const optimizerTensors = new Map<number, Record<string, Tensor>>();
  for (const [key, t] of Object.entries(tensors)) {
    if (key.startsWith(MODEL)) weights[key.slice(MODEL.length)] = t;
    else if (key.startsWith(OPTIMIZER)) {
      const rest = key.slice(OPTIMIZER.length);
      const dot = rest.indexOf(".");
      const index = dot > 0 ? paramIndex(rest.slice(0, dot)) : undefined;
      if (index === undefined || dot === rest.length - 1) {
        throw new FormatError(
          `${op}: ${path}: tensor ${JSON.stringify(key)} is not named optimizer.<paramIndex>.<name> with a non-negative integer index`,
        );
      }
      let entry = optimizerTensors.get(index);
      if (!entry) optimizerTensors.set(index, (entry = Object.create(null) as Record<string, Tensor>));
      entry[rest.slice(dot + 1)] = t;
    } else throw new FormatError(`${op}: ${path}: unexpected tensor "${key}" (expected names starting "model." or "optimizer.")`);
  }

  let optimizerState: CheckpointOptimizerState | undefined;
  if (optimizer) {
    if (metadata.optimizer === undefined)
      throw new ValueError(`${op}: ${path}: an optimizer was given but the checkpoint holds no optimizer state`);
    const doc = json("optimizer") as { paramGroups?: unknown; values?: unknown } | null;
    if (doc === null || typeof doc !== "object" || Array.isArray(doc))
      throw new FormatError(`${op}: ${path}: metadata "optimizer" is not an object with paramGroups and values`);
    const { paramGroups, values } = doc;
    if (!Array.isArray(paramGroups) || !paramGroups.every((g) => g !== null && typeof g === "object" && !Array.isArray(g))) {
      throw new FormatError(`${op}: ${path}: metadata "optimizer" has no paramGroups list of objects`);
    }
    if (values !== undefined && (values === null || typeof values !== "object" || Array.isArray(values))) {
      throw new FormatError(`${op}: ${path}: metadata "optimizer" values must be an object keyed by parameter index`);
    }
    const numbers = new Map<number, Record<string, unknown>>();
    for (const [key, entry] of Object.entries((values ?? {}) as Record<string, unknown>)) {
      const index = paramIndex(key);
      if (index === undefined)
        throw new FormatError(`${op}: ${path}: metadata "optimizer" values has key ${JSON.stringify(key)}, expected a parameter index`);
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        throw new FormatError(`${op}: ${path}: metadata "optimizer" values[${key}] must be an object of numbers`);
      }
      numbers.set(index, entry as Record<string, unknown>);
    }
    const state: Record<number, Record<string, unknown>> = Object.create(null);
    for (const index of new Set([...numbers.keys(), ...optimizerTensors.keys()])) {
      const merged: Record<string, unknown> = Object.create(null);
      for (const [name, v] of Object.entries(numbers.get(index) ?? {})) merged[name] = v;
      for (const [name, t] of Object.entries(optimizerTensors.get(index) ?? {})) merged[name] = t;
      state[index] = merged;
    }
    optimizerState = { state, paramGroups: paramGroups as Record<string, unknown>[] };
  }
  if (scheduler && metadata.scheduler === undefined)
    throw new ValueError(`${op}: ${path}: a scheduler was given but the checkpoint holds no scheduler state`);
  const schedulerState = scheduler ? json("scheduler") : undefined;
  const rng = json("rng") as RngState;
  const word = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;
  if (
    rng === null ||
    typeof rng !== "object" ||
    !Array.isArray(rng.s) ||
    rng.s.length !== 4 ||
    !rng.s.every(word) ||
    rng.s.every((v) => v === 0) ||
    !(rng.spare === null || (typeof rng.spare === "number" && Number.isFinite(rng.spare)))
  ) {
    throw new FormatError(
      `${op}: ${path}: metadata "rng" is not a generator state (four 32-bit words, not all zero, and a spare normal or null)`,
    );
  }
  const out: LoadedCheckpoint = {};
  for (const key of ["epoch", "history", "extra"] as const) if (metadata[key] !== undefined) out[key] = json(key);

  // The model, optimizer and scheduler each check everything before changing anything, but one may
  // refuse after another took its state: put back what was changed, so a failed load changes nothing.
  const saved = { weights: snapshot(model.stateDict()), optimizer: optimizer?.stateDict(), scheduler: scheduler?.stateDict() };
  let step = 0;
  try {
    model.loadStateDict(weights, { strict });
    step = 1;
    if (optimizer && optimizerState) optimizer.loadStateDict(optimizerState);
    step = 2;
    if (scheduler) scheduler.loadStateDict(schedulerState);
  } catch (e) {
    if (step >= 1) model.loadStateDict(saved.weights, { strict: false });
    if (step >= 2 && optimizer) optimizer.loadStateDict(saved.optimizer);
    throw e;
  }
  setRngState(rng);
  return out;
}
