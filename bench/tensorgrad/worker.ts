// tensorgrad as a benchmark contender: a child process serving the line protocol (bench/lib/protocol.ts)
// on one backend: matmul, training epochs with a plain eager loop or train.fit, inference latency, the
// "seq" steps. Run by bench/run.ts on the built package (dist/): node --import tsx bench/tensorgrad/worker.ts --backend js

import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import * as tg from "tensorgrad";
import { data, nn, optim, train } from "tensorgrad";
import { serve, timeCalls, type Hello, type Request } from "../lib/protocol.js";
import { BATCH_SIZE, LEARNING_RATE, INFER_TASK, TASKS, readMnistExport, writeMnistExport, type TaskKey } from "../lib/tasks.js";
import { buildModel, eagerEpoch } from "./models.js";
import { seqCall } from "./seq.js";
import type { SeqModel } from "../lib/tasks.js";

const F = nn.functional;
const argv = process.argv.slice(2);
const backendAt = argv.indexOf("--backend");
if (backendAt < 0 || !argv[backendAt + 1]) throw new Error("worker: --backend <name> is required");
const backend = argv[backendAt + 1];
tg.setBackend(backend);

const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
const hasFit = typeof (train as { fit?: unknown }).fit === "function";

/** The training state of this process (one task, one loop style, per process). */
interface Session {
  task: TaskKey;
  mode: "eager" | "fit";
  model: nn.Sequential;
  optimizer: optim.Adam;
  x: tg.Tensor;
  y: tg.Tensor;
  testX: tg.Tensor;
  testY: tg.Tensor;
  loader: data.DataLoader;
  /** The first k batches' samples, for partial epochs through fit (keyed by k). */
  subsets: Map<number, { x: tg.Tensor; y: tg.Tensor }>;
}
let session: Session | null = null;
let mm: { n: number; a: tg.Tensor; b: tg.Tensor } | null = null;
let infer: { model: nn.Sequential; inputs: Float32Array; x: Map<number, tg.Tensor> } | null = null;

function images(x: Float32Array, task: TaskKey): tg.Tensor {
  const n = x.length / 784;
  return tg.tensor(x, { shape: TASKS[task].images ? [n, 1, 28, 28] : [n, 784] });
}

function setup(req: Request): { parameters: number; trainSamples: number } {
  const task = req.task as TaskKey;
  const mode = req.mode as "eager" | "fit";
  if (mode === "fit" && !hasFit) throw new Error("train.fit is not available in this checkout");
  const arrays = readMnistExport(req.dataDir as string);
  tg.manualSeed((req.seed as number) ?? 0);
  const model = buildModel(task);
  const x = images(arrays.trainX, task),
    y = tg.tensor(arrays.trainY, { shape: [arrays.trainY.length] });
  session = {
    task,
    mode,
    model,
    x,
    y,
    optimizer: new optim.Adam(model.parameters(), { lr: LEARNING_RATE }),
    testX: images(arrays.testX, task),
    testY: tg.tensor(arrays.testY, { shape: [arrays.testY.length] }),
    loader: new data.DataLoader(new data.TensorDataset(x, y), { batchSize: BATCH_SIZE, shuffle: true, seed: 0 }),
    subsets: new Map(),
  };
  return { parameters: model.numParameters(), trainSamples: arrays.trainY.length };
}

/** The plain loop a user writes: zeroGrad, forward, loss, backward, step, for each batch. */
function eagerRound(s: Session, maxBatches: number): { batches: number; loss: number } {
  s.model.train();
  const { batches, last } = eagerEpoch(s.model, s.optimizer, s.loader, maxBatches);
  return { batches, loss: last ? last.item() : NaN };
}

async function fitEpoch(s: Session, maxBatches: number): Promise<{ batches: number; loss: number }> {
  const all = Math.ceil(s.x.shape[0] / BATCH_SIZE);
  let xy = { x: s.x, y: s.y };
  if (maxBatches < all) {
    if (!s.subsets.has(maxBatches)) {
      const n = maxBatches * BATCH_SIZE;
      // Views of the data, as a user passes a part of theirs: a copy would leave the whole set idle
      // beside it, and the wasm backend's cache would copy the idle set out and back in.
      s.subsets.set(maxBatches, { x: s.x.slice(0, 0, n), y: s.y.slice(0, 0, n) });
    }
    xy = s.subsets.get(maxBatches)!;
  }
  const history = await train.fit(s.model, xy, {
    loss: F.crossEntropy,
    optimizer: s.optimizer,
    epochs: 1,
    batchSize: BATCH_SIZE,
    verbose: 0,
  });
  return { batches: Math.min(all, maxBatches), loss: history.loss[0] };
}

async function trainEpoch(req: Request): Promise<{ seconds: number; batches: number; loss: number }> {
  const s = session;
  if (!s) throw new Error("train: call setup first");
  const maxBatches = (req.batches as number | undefined) ?? Infinity;
  const t0 = performance.now();
  const r = s.mode === "eager" ? eagerRound(s, maxBatches) : await fitEpoch(s, maxBatches);
  return { seconds: (performance.now() - t0) / 1000, ...r };
}

function evaluate(): { accuracy: number } {
  const s = session;
  if (!s) throw new Error("evaluate: call setup first");
  s.model.eval();
  const n = s.testX.shape[0];
  const labels = s.testY.toArray() as number[];
  let correct = 0;
  tg.noGrad(() => {
    for (let i = 0; i < n; i += 500) {
      const pred = s.model
        .forward(s.testX.slice(0, i, Math.min(n, i + 500)))
        .argmax(1)
        .toArray() as number[];
      pred.forEach((p, k) => (correct += p === labels[i + k] ? 1 : 0));
    }
  });
  s.model.train();
  return { accuracy: correct / n };
}

function matmul(req: Request): { seconds: number; calls: number } {
  const n = req.n as number;
  if (!mm || mm.n !== n) {
    tg.manualSeed(n);
    mm = { n, a: tg.randn([n, n]), b: tg.randn([n, n]) };
  }
  const { a, b } = mm;
  return timeCalls(() => a.matmul(b), req as { warmup?: number; minCalls?: number; minTime?: number });
}

/** Softmax probabilities of the big MLP for a batch of test images, read back into JS. */
function inference(req: Request): { seconds: number; calls: number } {
  if (!infer) {
    tg.manualSeed(0);
    const model = buildModel(INFER_TASK);
    model.eval();
    infer = { model, inputs: readMnistExport(req.dataDir as string).testX, x: new Map() };
  }
  const batch = req.batch as number;
  if (!infer.x.has(batch)) infer.x.set(batch, tg.tensor(infer.inputs.slice(0, batch * 784), { shape: [batch, 784] }));
  const { model } = infer,
    x = infer.x.get(batch)!;
  return timeCalls(() => tg.noGrad(() => model.forward(x).softmax(-1).toFloat32Array()), req as { minCalls?: number; minTime?: number });
}

const seqCalls = new Map<string, () => void>();

/** One call of a "seq" workload (a training step or a batched matmul), timed. */
function step(req: Request): { seconds: number; calls: number } {
  const w = req.workload as string;
  if (!seqCalls.has(w)) seqCalls.set(w, seqCall(req.model as SeqModel));
  return timeCalls(seqCalls.get(w)!, req as { warmup?: number; minCalls?: number; minTime?: number });
}

function hello(): Hello {
  return {
    name: `tensorgrad/${backend}`,
    version,
    threads: backend === "js" ? "1" : `up to ${availableParallelism()}`,
    backends: tg.listBackends(),
    defaultBackend: tg.getBackend().name,
    hasFit,
  };
}

/** Writes tensorgrad's MNIST split (data.mnist()) where the peers can read it. */
function exportMnist(req: Request): { train: number; test: number } {
  const trainSet = data.mnist({ train: true }),
    testSet = data.mnist({ train: false });
  writeMnistExport(req.dir as string, {
    trainX: trainSet.x.toFloat32Array(),
    trainY: Int32Array.from(trainSet.y.toArray() as number[]),
    testX: testSet.x.toFloat32Array(),
    testY: Int32Array.from(testSet.y.toArray() as number[]),
  });
  return { train: trainSet.y.shape[0], test: testSet.y.shape[0] };
}

/** The backend's memory figures (wasm: allocator and residency cache) beside the process's, for bench/peak-rss.mjs. */
function memory(): Record<string, unknown> {
  const b = tg.getBackend() as { memoryStats?: () => object };
  return { ...process.memoryUsage(), ...(b.memoryStats?.() ?? {}) };
}

await serve({ hello, exportMnist, setup, train: trainEpoch, evaluate, matmul, infer: inference, step, memory });
