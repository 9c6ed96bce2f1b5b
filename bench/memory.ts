// Long-run memory check: trains the MLP 784-128-10 on the 8,000 MNIST images for many epochs with the
// plain eager loop and, after a forced full GC at the end of every epoch, records RSS and heapUsed.
// Memory that returns to its baseline stays flat; a leak climbs epoch after epoch.
// Run: node --conditions=tensorgrad-source --import tsx bench/memory.ts [--epochs 50] [--backend js] [--json]

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { pathToFileURL } from "node:url";
import * as tg from "tensorgrad";
import { data, optim } from "tensorgrad";
import { fmtMiB, renderTable } from "./lib/format.js";
import { ownCpuSeconds } from "./lib/machine.js";
import type { MemoryEpoch, MemoryRun } from "./lib/results.js";
import { BATCH_SIZE, LEARNING_RATE } from "./lib/tasks.js";
import { buildModel, eagerEpoch } from "./tensorgrad/models.js";

// A gc() function without starting Node with --expose-gc: the flag set now applies to new contexts.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * Two full collections with a turn of the event loop between them: the first finds the dead tensors,
 * the turn lets FinalizationRegistry callbacks return backend memory (wasm blocks), the second
 * collects what those callbacks released.
 */
async function fullGc(): Promise<void> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
}

/**
 * Bytes the wasm backend's allocator holds, called after fullGc: its finalizers have returned every
 * dead tensor's block by then, so this is the live tensors resident in wasm memory (live ones it
 * evicted sit on the JS heap). Undefined for the reference backend.
 */
function tensorBytes(): number | undefined {
  const be = tg.getBackend() as { memoryStats?: () => { bytesInUse: number } };
  if (!be.memoryStats) return undefined;
  return be.memoryStats().bytesInUse;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function measureMemory(epochs: number, backend: string, log: (s: string) => void): Promise<MemoryRun> {
  tg.setBackend(backend);
  tg.manualSeed(0);
  const { x, y } = data.mnist({ train: true });
  const model = buildModel("mlp-small");
  const optimizer = new optim.Adam(model.parameters(), { lr: LEARNING_RATE });
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: BATCH_SIZE, shuffle: true, seed: 0 });
  await fullGc();
  const before = { rssBytes: process.memoryUsage.rss(), heapUsedBytes: process.memoryUsage().heapUsed, tensorBytes: tensorBytes() };
  const records: MemoryEpoch[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    eagerEpoch(model, optimizer, loader);
    const seconds = (performance.now() - t0) / 1000;
    await fullGc();
    const live = tensorBytes();
    const m = process.memoryUsage();
    records.push({ epoch, seconds, rssBytes: m.rss, heapUsedBytes: m.heapUsed, ...(live === undefined ? {} : { tensorBytes: live }) });
    log(`memory ${backend}: epoch ${epoch}/${epochs} ${seconds.toFixed(2)} s, RSS ${fmtMiB(m.rss)}, heapUsed ${fmtMiB(m.heapUsed)}`);
  }
  return { backend, epochs: records, before, cpuSeconds: ownCpuSeconds() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const epochs = Number(option(args, "epochs") ?? 50);
  if (!Number.isInteger(epochs) || epochs < 2) throw new Error(`memory: --epochs expects an integer >= 2, got ${option(args, "epochs")}`);
  const backend = option(args, "backend") ?? tg.getBackend().name;
  const json = args.includes("--json");
  const run = await measureMemory(epochs, backend, (s) => process.stderr.write(`${s}\n`));
  if (json) {
    console.log(JSON.stringify(run));
  } else {
    const first = run.epochs[0],
      last = run.epochs[run.epochs.length - 1];
    console.log(
      renderTable(
        ["", "before", "epoch 1", `epoch ${last.epoch}`, "change"],
        [
          [
            "RSS",
            fmtMiB(run.before.rssBytes),
            fmtMiB(first.rssBytes),
            fmtMiB(last.rssBytes),
            fmtMiB(last.rssBytes - first.rssBytes, { signed: true }),
          ],
          [
            "heapUsed",
            fmtMiB(run.before.heapUsedBytes),
            fmtMiB(first.heapUsedBytes),
            fmtMiB(last.heapUsedBytes),
            fmtMiB(last.heapUsedBytes - first.heapUsedBytes, { signed: true }),
          ],
        ],
      ),
    );
  }
}
