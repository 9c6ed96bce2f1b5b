// The shapes of a benchmark run's results: what the section runners produce, what report.ts renders
// into RESULTS.md, and what --json-out writes. Plain data, JSON-serialisable.

import type { BlasInfo } from "./blas.js";
import type { LoadReport, MachineInfo } from "./machine.js";
import type { TaskKey } from "./tasks.js";

export type SectionKey = "matmul" | "mlp" | "cnn" | "cli" | "infer" | "seq" | "memory";
export const SECTION_KEYS: readonly SectionKey[] = ["matmul", "mlp", "cnn", "cli", "infer", "seq", "memory"];

export interface ContenderInfo {
  /** "tensorgrad/js", "tfjs-cpu", "tfjs-wasm", "PyTorch". */
  id: string;
  version: string;
  threads: string;
}

/** When and under what load one section was measured. */
export interface SectionMeta {
  date: string;
  command: string;
  quick: boolean;
  load: LoadReport;
  /** Contenders that could not take part, with the reason ("PyTorch: import torch failed"). */
  unavailable: string[];
  /** The BLAS PyTorch's matmul ran on, in words (bench/lib/blas.ts), when PyTorch took part. */
  torchBlas?: string;
}

/** One measurement of one contender: its value in each round (null: not measured in that round). */
export interface Cell {
  rounds: (number | null)[];
  /** Why there is no value ("skipped: ≈ 21 s a call", the error a peer gave). */
  note?: string;
}

/** Contenders × columns of cells: matmul (GFLOP/s by size) and inference (seconds per call by batch). */
export interface GridSection {
  meta: SectionMeta;
  contenders: ContenderInfo[];
  columns: number[];
  /** cells[contenderId][column]. */
  cells: Record<string, Record<string, Cell>>;
}

export interface TrainRow {
  /** The contender ("tensorgrad/js") and how it trains ("eager loop", "train.fit", "model.fit"). */
  contender: string;
  loop: string;
  /** Seconds per epoch in each measured round (extrapolated to a whole epoch when `partialBatches`). */
  epochSeconds: (number | null)[];
  /** Seconds of each whole warm-up epoch, in order: the first ran cold, right after the probe. */
  warmupSeconds?: number[];
  /** Set when an epoch would take too long: each round trained this many batches, timed and scaled up. */
  partialBatches?: number;
  /** Took its rounds after the others' (see bench/lib/run-train.ts); its ratios pair the i-th round of each group. */
  late?: boolean;
  /** Test accuracy on the 2,000 test images after `trainedBatches` batches of training. */
  accuracy: number | null;
  trainedBatches: number;
  maxRssBytes: number | null;
  note?: string;
}

export interface TrainTask {
  task: TaskKey;
  parameters: number | null;
  batchesPerEpoch: number;
  rows: TrainRow[];
}

export interface TrainSection {
  meta: SectionMeta;
  contenders: ContenderInfo[];
  tasks: TrainTask[];
}

export interface MemoryEpoch {
  epoch: number;
  seconds: number;
  rssBytes: number;
  heapUsedBytes: number;
  /**
   * Bytes the backend holds outside the JS heap for live tensors, after returning every dead one's
   * (the wasm backend's allocator; absent for backends whose tensors live on the JS heap).
   */
  tensorBytes?: number;
}

/** bench/memory.ts's report for one backend. */
export interface MemoryRun {
  backend: string;
  epochs: MemoryEpoch[];
  /** After loading the data and building the model, before the first epoch (after a GC). */
  before: { rssBytes: number; heapUsedBytes: number; tensorBytes?: number };
  cpuSeconds: number;
}

export interface MemorySection {
  meta: SectionMeta;
  runs: MemoryRun[];
}

/** One `tensorgrad train` run of the built CLI (bench/lib/run-cli.ts). */
export interface CliRun {
  /** The preset ("cnn", "mlp"). */
  preset: string;
  /** The arguments after `tensorgrad` (the run folder's --out left out). */
  args: string[];
  /** From the run folder's results.json; null when the run failed. */
  accuracy: number | null;
  testLoss: number | null;
  epochs: number | null;
  /** The training the CLI timed itself (its epochs), and the whole process from start to exit. */
  trainSeconds: number | null;
  wallSeconds: number;
  /** User + system CPU seconds of the CLI's process, all threads (null off Linux). */
  cpuSeconds: number | null;
  /** How busy the machine was while this run went. */
  load: LoadReport;
  /** Why there are no figures (the exit code and the last lines it printed). */
  note?: string;
}

export interface CliSection {
  meta: SectionMeta;
  /** `tensorgrad --version`, and the backend a plain `tensorgrad train` runs on. */
  version: string;
  backend: string;
  runs: CliRun[];
}

export interface RunResults {
  machine: MachineInfo;
  date: string;
  command: string;
  quick: boolean;
  /** The BLAS PyTorch's matmul runs on (null: PyTorch did not take part). */
  torchBlas?: BlasInfo | null;
  matmul?: GridSection;
  infer?: GridSection;
  /** Columns: indices into SEQ_WORKLOADS; values: seconds a call. */
  seq?: GridSection;
  mlp?: TrainSection;
  cnn?: TrainSection;
  cli?: CliSection;
  memory?: MemorySection;
}
