// TensorFlow.js as a benchmark peer: a child process serving the line protocol (bench/lib/protocol.ts)
// on its "cpu" (plain JS) or "wasm" (XNNPACK, SIMD) backend; training through model.fit, Keras-style.
// Run by bench/run.ts: node --import tsx bench/peers/tfjs.ts --backend cpu|wasm
//
// The wasm backend needs no network in Node: its Node build reads tfjs-backend-wasm*.wasm with fs from
// its own dist/ folder (no setWasmPaths needed). It runs single-threaded there (threads are
// hard-coded off in Node), with SIMD when the engine has it.

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { serve, timeCalls, type Hello, type Request } from "../lib/protocol.js";
import { BATCH_SIZE, LEARNING_RATE, INFER_TASK, TASKS, readMnistExport, type TaskKey } from "../lib/tasks.js";

const argv = process.argv.slice(2);
const backendAt = argv.indexOf("--backend");
if (backendAt < 0 || !argv[backendAt + 1]) throw new Error("tfjs peer: --backend cpu|wasm is required");
const backend = argv[backendAt + 1];
if (!(await tf.setBackend(backend))) throw new Error(`tfjs peer: backend "${backend}" failed to initialise`);
await tf.ready();

/** The same networks as bench/tensorgrad/models.ts, with Keras's fused activations. */
function buildModel(task: TaskKey): tf.Sequential {
  const m = tf.sequential();
  const dense = (units: number, relu: boolean, inputShape?: number[]) =>
    m.add(tf.layers.dense({ units, activation: relu ? "relu" : "linear", ...(inputShape ? { inputShape } : {}) }));
  if (task === "mlp-small") {
    dense(128, true, [784]);
  } else if (task === "mlp-big") {
    dense(512, true, [784]);
    dense(256, true);
  } else {
    m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, activation: "relu" }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: "relu" }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    dense(120, true);
    dense(84, true);
  }
  dense(10, false);
  return m;
}

interface Session {
  model: tf.Sequential;
  x: tf.Tensor;
  y: tf.Tensor;
  testX: tf.Tensor;
  testY: Int32Array;
  subsets: Map<number, { x: tf.Tensor; y: tf.Tensor }>;
}
let session: Session | null = null;
let mm: { n: number; a: tf.Tensor2D; b: tf.Tensor2D } | null = null;
let infer: { model: tf.Sequential; inputs: Float32Array; x: Map<number, tf.Tensor> } | null = null;

function images(x: Float32Array, task: TaskKey): tf.Tensor {
  const n = x.length / 784;
  // Channels last, TF.js's layout: with one channel [N, 28, 28, 1] is the same memory as [N, 1, 28, 28].
  return TASKS[task].images ? tf.tensor4d(x, [n, 28, 28, 1]) : tf.tensor2d(x, [n, 784]);
}

function setup(req: Request): { parameters: number; trainSamples: number } {
  const task = req.task as TaskKey;
  const arrays = readMnistExport(req.dataDir as string);
  const model = buildModel(task);
  // Cross-entropy on logits, as F.crossEntropy and torch's CrossEntropyLoss (mean over the batch).
  model.compile({
    optimizer: tf.train.adam(LEARNING_RATE),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });
  session = {
    model,
    x: images(arrays.trainX, task),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(arrays.trainY, "int32"), 10).toFloat()),
    testX: images(arrays.testX, task),
    testY: arrays.testY,
    subsets: new Map(),
  };
  return { parameters: model.countParams(), trainSamples: arrays.trainY.length };
}

async function trainEpoch(req: Request): Promise<{ seconds: number; batches: number; loss: number }> {
  const s = session;
  if (!s) throw new Error("train: call setup first");
  const all = Math.ceil(s.x.shape[0] / BATCH_SIZE);
  const batches = Math.min(all, (req.batches as number | undefined) ?? all);
  let { x, y } = s;
  if (batches < all) {
    if (!s.subsets.has(batches)) {
      const n = batches * BATCH_SIZE;
      s.subsets.set(batches, { x: x.slice(0, n), y: y.slice(0, n) });
    }
    ({ x, y } = s.subsets.get(batches)!);
  }
  const t0 = performance.now();
  const h = await s.model.fit(x, y, { batchSize: BATCH_SIZE, epochs: 1, shuffle: true, verbose: 0 });
  return { seconds: (performance.now() - t0) / 1000, batches, loss: h.history.loss[0] as number };
}

function evaluate(): { accuracy: number } {
  const s = session;
  if (!s) throw new Error("evaluate: call setup first");
  const pred = tf.tidy(() => (s.model.predict(s.testX, { batchSize: 500 }) as tf.Tensor).argMax(-1).dataSync());
  let correct = 0;
  for (let i = 0; i < s.testY.length; i++) correct += pred[i] === s.testY[i] ? 1 : 0;
  return { accuracy: correct / s.testY.length };
}

function matmul(req: Request): { seconds: number; calls: number } {
  const n = req.n as number;
  if (!mm || mm.n !== n) {
    if (mm) tf.dispose([mm.a, mm.b]);
    mm = { n, a: tf.randomNormal([n, n], 0, 1, "float32", n), b: tf.randomNormal([n, n], 0, 1, "float32", n + 1) };
  }
  const { a, b } = mm;
  return timeCalls(() => tf.matMul(a, b).dispose(), req as { warmup?: number; minCalls?: number; minTime?: number });
}

/** Softmax probabilities of the big MLP through model.predict, read back into JS. */
function inference(req: Request): { seconds: number; calls: number } {
  if (!infer) infer = { model: buildModel(INFER_TASK), inputs: readMnistExport(req.dataDir as string).testX, x: new Map() };
  const batch = req.batch as number;
  if (!infer.x.has(batch)) infer.x.set(batch, tf.tensor2d(infer.inputs.slice(0, batch * 784), [batch, 784]));
  const { model } = infer,
    x = infer.x.get(batch)!;
  return timeCalls(
    () => {
      const probs = tf.tidy(() => tf.softmax(model.predict(x) as tf.Tensor));
      probs.dataSync();
      probs.dispose();
    },
    req as { minCalls?: number; minTime?: number },
  );
}

function hello(): Hello {
  const simd = backend === "wasm" ? (tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? ", SIMD" : ", no SIMD") : "";
  return { name: `tfjs-${backend}`, version: tf.version.tfjs, threads: `1${simd}` };
}

await serve({ hello, setup, train: trainEpoch, evaluate, matmul, infer: inference });
