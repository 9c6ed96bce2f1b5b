// Per-epoch trace of one training run in one process: epoch time, time in garbage collection (every
// kind, from V8's own events), first-touch page faults, and the wasm memory's high-water mark. Shows
// where a run's early epochs differ from its steady state (on the wasm backend: memory growing to
// its working size).
// Run: node --conditions=tensorgrad-source --import tsx bench/epoch-trace.ts [mlp-small|mlp-big|cnn] [epochs]

import { PerformanceObserver } from "node:perf_hooks";
import * as tg from "tensorgrad";
import { data, optim } from "tensorgrad";
import { BATCH_SIZE, LEARNING_RATE, TASKS, type TaskKey } from "./lib/tasks.js";
import { buildModel, eagerEpoch } from "./tensorgrad/models.js";

const task = (process.argv[2] ?? "mlp-small") as TaskKey;
if (!(task in TASKS)) throw new Error(`epoch-trace: unknown task "${task}" (expected ${Object.keys(TASKS).join(", ")})`);
const epochs = Number(process.argv[3] ?? 12);

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ["gc"] });

tg.manualSeed(0);
const { x, y } = data.mnist({ train: true, limit: 8000, flatten: !TASKS[task].images });
const model = buildModel(task);
const optimizer = new optim.Adam(model.parameters(), { lr: LEARNING_RATE });
const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: BATCH_SIZE, shuffle: true, seed: 0 });
const backend = tg.getBackend() as { ready?: () => Promise<void>; memoryStats?: () => { highWater: number } };
await backend.ready?.();

console.log(`${task} on ${tg.getBackend().name}: epoch, seconds, GC ms, page faults, wasm high-water`);
for (let epoch = 0; epoch < epochs; epoch++) {
  const faults0 = process.resourceUsage().minorPageFault;
  gcMs = 0;
  const t0 = performance.now();
  eagerEpoch(model, optimizer, loader);
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((resolve) => setImmediate(resolve)); // lets the GC observer deliver
  const faults = process.resourceUsage().minorPageFault - faults0;
  const high = backend.memoryStats ? `${(backend.memoryStats().highWater / 2 ** 20).toFixed(0)} MiB` : "–";
  console.log(`${epoch}\t${seconds.toFixed(3)}\t${gcMs.toFixed(0)}\t${faults}\t${high}`);
}
