// Per-epoch trace of one training run in one process: epoch time, time in garbage collection (every
// kind, from V8's own events), first-touch page faults, the wasm memory's high-water mark and, on
// Linux, where the CPU time went: the calling thread (and how long it waited for a core), the kernel
// pool's workers and the engine's own threads (JIT compilers, collector helpers). Shows where a run's
// early epochs differ from its steady state.
// Run on the built package (what users import): npm run build && node --import tsx bench/epoch-trace.ts [mlp-small|mlp-big|cnn] [epochs]
// (--conditions=tensorgrad-source runs the sources instead.)

import { PerformanceObserver } from "node:perf_hooks";
import * as tg from "tensorgrad";
import { data, optim } from "tensorgrad";
import { BATCH_SIZE, LEARNING_RATE, TASKS, type TaskKey } from "./lib/tasks.js";
import { threadDelta, threadIds, threadTimes } from "./lib/thread-times.js";
import { buildModel, eagerEpoch } from "./tensorgrad/models.js";

const task = (process.argv[2] ?? "mlp-small") as TaskKey;
if (!(task in TASKS)) throw new Error(`epoch-trace: unknown task "${task}" (expected ${Object.keys(TASKS).join(", ")})`);
const epochs = Number(process.argv[3] ?? 12);

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ["gc"] });

// The threads before the backend starts its pool: those that appear later are the pool's workers.
const engineThreads = threadIds();
tg.manualSeed(0);
const { x, y } = data.mnist({ train: true, limit: 8000, flatten: !TASKS[task].images });
const model = buildModel(task);
const optimizer = new optim.Adam(model.parameters(), { lr: LEARNING_RATE });
const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: BATCH_SIZE, shuffle: true, seed: 0 });
const backend = tg.getBackend() as { ready?: () => Promise<void>; memoryStats?: () => { highWater: number } };
await backend.ready?.();
const poolThreads = new Set([...threadIds()].filter((t) => !engineThreads.has(t)));

console.log(`${task} on ${tg.getBackend().name}, ${process.release.name} ${process.version}`);
console.log("epoch\tseconds\tGC ms\tfaults\twasm high\tmain ms\tmain waited ms\tmain faults\tpool ms\tengine ms");
for (let epoch = 0; epoch < epochs; epoch++) {
  const faults0 = process.resourceUsage().minorPageFault;
  const threads0 = threadTimes();
  gcMs = 0;
  const t0 = performance.now();
  eagerEpoch(model, optimizer, loader);
  const seconds = (performance.now() - t0) / 1000;
  const threads = threadDelta(threads0, threadTimes(), poolThreads);
  await new Promise((resolve) => setImmediate(resolve)); // lets the GC observer deliver
  const faults = process.resourceUsage().minorPageFault - faults0;
  const high = backend.memoryStats ? `${(backend.memoryStats().highWater / 2 ** 20).toFixed(0)} MiB` : "–";
  const cpu = threads
    ? [threads.mainMs, threads.mainWaitMs].map((v) => v.toFixed(0)).join("\t") +
      `\t${threads.mainFaults}\t${threads.poolMs.toFixed(0)}\t${threads.engineMs.toFixed(0)}`
    : "–\t–\t–\t–\t–";
  console.log(`${epoch}\t${seconds.toFixed(3)}\t${gcMs.toFixed(0)}\t${faults}\t${high}\t${cpu}`);
}
