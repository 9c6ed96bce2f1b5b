// Runs in a headless Chromium page, bundled by bench/browser.ts: the MLP training benchmark of
// bench/run.ts (the bundled 8,000 digits, batch 64, Adam 1e-3) for tensorgrad's wasm backend through
// the plain loop and through train.fit, and for TensorFlow.js's wasm backend through model.fit, taking
// turns in each round. Settings come from the query string; the findings go to window.__bench.

import * as tg from "tensorgrad";
import { data, nn, optim, train } from "tensorgrad";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { buildModel, eagerEpoch } from "./tensorgrad/models.js";
import type { TaskKey } from "./lib/tasks.js";

/** One contender's turns: seconds and batches of each timed turn, and the loss it ended on. */
export interface PageRow {
  contender: string;
  loop: string;
  threads: string;
  seconds: number[];
  batches: number[];
  losses: number[];
}

export interface PageResult {
  userAgent: string;
  crossOriginIsolated: boolean;
  backend: string;
  flavor: string | null;
  task: TaskKey;
  trainSamples: number;
  batchesPerEpoch: number;
  rows: PageRow[];
  error?: string;
}

const q = new URLSearchParams(location.search);
const task = (q.get("task") ?? "mlp-small") as TaskKey;
const batches = Number(q.get("batches") ?? Infinity);
const rounds = Number(q.get("rounds") ?? 3);
const warmup = Number(q.get("warmup") ?? 1);
const BATCH = 64,
  LR = 1e-3;

interface Contender {
  row: PageRow;
  /** One turn of at most `batches` batches: the batches it ran and its last loss. */
  turn(): Promise<{ batches: number; loss: number }>;
}

async function tensorgradContenders(x: tg.Tensor, y: tg.Tensor, threads: string): Promise<Contender[]> {
  const all = Math.ceil(x.shape[0] / BATCH);
  const n = Math.min(all, batches) * BATCH;
  // fit takes the first k batches' samples when a turn is a part of an epoch, as bench/tensorgrad/worker.ts does.
  const fitXY = n < x.shape[0] ? { x: x.slice(0, 0, n).clone(), y: y.slice(0, 0, n).clone() } : { x, y };
  const make = (loop: "eager loop" | "train.fit"): Contender => {
    tg.manualSeed(0);
    const model = buildModel(task);
    const optimizer = new optim.Adam(model.parameters(), { lr: LR });
    const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: BATCH, shuffle: true, seed: 0 });
    const row: PageRow = { contender: "tensorgrad/wasm", loop, threads, seconds: [], batches: [], losses: [] };
    if (loop === "eager loop") {
      return {
        row,
        turn: async () => {
          model.train();
          const r = eagerEpoch(model, optimizer, loader, batches);
          return { batches: r.batches, loss: r.last ? r.last.item() : NaN };
        },
      };
    }
    return {
      row,
      turn: async () => {
        const h = await train.fit(model, fitXY, { loss: nn.functional.crossEntropy, optimizer, epochs: 1, batchSize: BATCH, verbose: 0 });
        return { batches: Math.min(all, batches), loss: h.loss[0]! };
      },
    };
  };
  return [make("eager loop"), make("train.fit")];
}

async function tfjsContender(xs: Float32Array, ys: Int32Array): Promise<Contender> {
  // One thread and SIMD, as TensorFlow.js's wasm backend runs in Node (threads are off there), so the
  // ratio means the same as bench/run.ts's; its binaries are served beside the page.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  setWasmPaths(new URL("tfjs/", location.href).href);
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend did not initialise");
  await tf.ready();
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: task === "mlp-big" ? 512 : 128, activation: "relu", inputShape: [784] }));
  if (task === "mlp-big") m.add(tf.layers.dense({ units: 256, activation: "relu" }));
  m.add(tf.layers.dense({ units: 10 }));
  m.compile({ optimizer: tf.train.adam(LR), loss: (t: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(t, p) });
  const all = Math.ceil(ys.length / BATCH);
  const k = Math.min(all, batches),
    n = k * BATCH;
  const x = tf.tensor2d(xs.subarray(0, Math.min(xs.length, n * 784)), [Math.min(ys.length, n), 784]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(ys.subarray(0, Math.min(ys.length, n)), "int32"), 10).toFloat());
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const row: PageRow = {
    contender: "tfjs-wasm",
    loop: "model.fit",
    threads: `1, ${simd ? "SIMD" : "no SIMD"}`,
    seconds: [],
    batches: [],
    losses: [],
  };
  return {
    row,
    turn: async () => {
      const h = await m.fit(x, y, { batchSize: BATCH, epochs: 1, shuffle: true, verbose: 0 });
      return { batches: k, loss: h.history.loss[0] as number };
    },
  };
}

async function run(): Promise<PageResult> {
  await data.loadMnist();
  const d = data.mnist();
  const be = tg.getBackend() as { name: string; threads?: number; flavor?: string; ready?: () => Promise<void> };
  await be.ready?.();
  if (!(task in { "mlp-small": 1, "mlp-big": 1 })) throw new Error(`bench page: task must be mlp-small or mlp-big, got ${task}`);
  const threads = `${be.threads ?? 1}${crossOriginIsolated ? "" : " (page not cross-origin isolated)"}`;
  const contenders = [
    ...(await tensorgradContenders(d.x, d.y, threads)),
    await tfjsContender(d.x.toFloat32Array(), Int32Array.from(d.y.toTypedArray() as ArrayLike<number>)),
  ];
  for (let r = 0; r < warmup + rounds; r++) {
    // Turns in a different order each round, so that a drift in load or in the page's state spreads over all.
    const order = contenders
      .map((c, i) => ({ c, k: (i * 7 + r * 3) % contenders.length }))
      .sort((a, b) => a.k - b.k)
      .map((o) => o.c);
    for (const c of order) {
      const t0 = performance.now();
      const got = await c.turn();
      const seconds = (performance.now() - t0) / 1000;
      if (r < warmup) continue;
      c.row.seconds.push(seconds);
      c.row.batches.push(got.batches);
      c.row.losses.push(got.loss);
    }
  }
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated,
    backend: be.name,
    flavor: be.flavor ?? null,
    task,
    trainSamples: d.x.shape[0],
    batchesPerEpoch: Math.ceil(d.x.shape[0] / BATCH),
    rows: contenders.map((c) => c.row),
  };
}

const w = window as unknown as { __bench?: PageResult | { error: string } };
run().then(
  (r) => (w.__bench = r),
  (e: unknown) => (w.__bench = { error: String((e as Error)?.stack ?? e) }),
);
