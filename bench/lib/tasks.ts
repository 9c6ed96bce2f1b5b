// The workloads every contender runs identically: the three training tasks, their hyper-parameters,
// the inference model, and the binary MNIST export the peers read (the same 8,000 + 2,000 images
// tensorgrad's data.mnist() gives).

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type TaskKey = "mlp-small" | "mlp-big" | "cnn";

export interface TaskSpec {
  key: TaskKey;
  label: string;
  /** The architecture in words, as printed in RESULTS.md. */
  architecture: string;
  /** Images as [N, 1, 28, 28] (NHWC [N, 28, 28, 1] for TF.js) rather than [N, 784]. */
  images: boolean;
}

export const TASKS: Record<TaskKey, TaskSpec> = {
  "mlp-small": { key: "mlp-small", label: "MLP 784-128-10", architecture: "Linear(784,128)→ReLU→Linear(128,10)", images: false },
  "mlp-big": {
    key: "mlp-big",
    label: "MLP 784-512-256-10",
    architecture: "Linear(784,512)→ReLU→Linear(512,256)→ReLU→Linear(256,10)",
    images: false,
  },
  cnn: {
    key: "cnn",
    label: "LeNet-style CNN",
    images: true,
    architecture:
      "Conv2d(1,6,5)→ReLU→MaxPool2d(2)→Conv2d(6,16,5)→ReLU→MaxPool2d(2)→Flatten→Linear(256,120)→ReLU→Linear(120,84)→ReLU→Linear(84,10)",
  },
};

export const BATCH_SIZE = 64;
export const LEARNING_RATE = 1e-3;
/** Inference runs the big MLP (784-512-256-10) followed by a softmax over the 10 classes. */
export const INFER_TASK: TaskKey = "mlp-big";

/** The MNIST arrays as written for the peers: pixels in [0, 1] row-major, labels 0–9. */
export interface MnistArrays {
  trainX: Float32Array;
  trainY: Int32Array;
  testX: Float32Array;
  testY: Int32Array;
}

const FILES = { trainX: "train-x.f32", trainY: "train-y.i32", testX: "test-x.f32", testY: "test-y.i32" } as const;

/** Writes the four arrays as raw little-endian files in `dir` (numpy.fromfile reads them as they are). */
export function writeMnistExport(dir: string, arrays: MnistArrays): void {
  for (const [key, file] of Object.entries(FILES) as [keyof MnistArrays, string][]) {
    const a = arrays[key];
    writeFileSync(join(dir, file), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
}

export function readMnistExport(dir: string): MnistArrays {
  const read = (file: string) => {
    const b = readFileSync(join(dir, file));
    // Copy into a fresh, aligned buffer: a Buffer from readFileSync may share an unaligned pool slab.
    return new Uint8Array(b).buffer;
  };
  return {
    trainX: new Float32Array(read(FILES.trainX)),
    trainY: new Int32Array(read(FILES.trainY)),
    testX: new Float32Array(read(FILES.testX)),
    testY: new Int32Array(read(FILES.testY)),
  };
}

/** What a "seq" workload builds: a recurrent or encoder model with a 10-class head, or a batched matmul. */
export type SeqModel =
  | { kind: "lstm" | "gru"; input: number; hidden: number; batch: number; steps: number }
  | { kind: "transformer"; d: number; heads: number; ff: number; layers: number; batch: number; length: number }
  | { kind: "bmm"; a: readonly number[]; b: readonly number[] };

/**
 * The "seq" section's workloads: one training step (forward, backward, Adam 1e-3) of a recurrent or
 * attention model on fixed random data, or one attention-shaped batched matmul. Every contender builds
 * the same shapes from `model` (sent with each request); the columns of RESULTS.md follow this order.
 * Recurrent models read batch-first input [batch, steps, input] and classify from the last step.
 */
export const SEQ_WORKLOADS = [
  {
    key: "lstm",
    label: "LSTM step",
    architecture: "LSTM(32→128, batch-first) on [32, 20, 32], Linear(128,10) on the last step, cross-entropy, Adam",
    model: { kind: "lstm", input: 32, hidden: 128, batch: 32, steps: 20 },
  },
  {
    key: "gru",
    label: "GRU step",
    architecture: "GRU(32→128, batch-first) on [32, 20, 32], Linear(128,10) on the last step, cross-entropy, Adam",
    model: { kind: "gru", input: 32, hidden: 128, batch: 32, steps: 20 },
  },
  {
    key: "transformer",
    label: "Transformer step",
    architecture:
      "TransformerEncoder of 2 layers (d 64, 4 heads, ff 256, dropout 0.1, batch-first) on [32, 32, 64], mean over positions, Linear(64,10), cross-entropy, Adam",
    model: { kind: "transformer", d: 64, heads: 4, ff: 256, layers: 2, batch: 32, length: 32 },
  },
  {
    key: "bmm",
    label: "batched matmul",
    architecture: "[32, 4, 32, 16] @ [32, 4, 16, 32] (attention scores), no gradient",
    model: { kind: "bmm", a: [32, 4, 32, 16], b: [32, 4, 16, 32] },
  },
  {
    key: "lstm-256",
    label: "LSTM 256 step",
    architecture:
      "LSTM(64→256, batch-first) on [16, 35, 64] (a small language model's shape), Linear(256,10) on the last step, cross-entropy, Adam",
    model: { kind: "lstm", input: 64, hidden: 256, batch: 16, steps: 35 },
  },
  {
    key: "gru-256",
    label: "GRU 256 step",
    architecture: "GRU(64→256, batch-first) on [16, 35, 64], Linear(256,10) on the last step, cross-entropy, Adam",
    model: { kind: "gru", input: 64, hidden: 256, batch: 16, steps: 35 },
  },
  {
    key: "lstm-64",
    label: "LSTM 64 step",
    architecture: "LSTM(16→64, batch-first) on [64, 50, 16] (many short features), Linear(64,10) on the last step, cross-entropy, Adam",
    model: { kind: "lstm", input: 16, hidden: 64, batch: 64, steps: 50 },
  },
  {
    key: "transformer-128",
    label: "Transformer d128 step",
    architecture:
      "TransformerEncoder of 2 layers (d 128, 8 heads, ff 512, dropout 0.1, batch-first) on [16, 64, 128], mean over positions, Linear(128,10), cross-entropy, Adam",
    model: { kind: "transformer", d: 128, heads: 8, ff: 512, layers: 2, batch: 16, length: 64 },
  },
] as const satisfies readonly { key: string; label: string; architecture: string; model: SeqModel }[];
export type SeqWorkload = (typeof SEQ_WORKLOADS)[number]["key"];
