// Peak RSS of one tensorgrad training contender, as the training sections measure it but without the
// others: the same worker process (bench/tensorgrad/worker.ts on the built package, the same allocator
// settings), the same requests (setup, probe batches, warm-up and measured epochs, evaluation), and
// its maxRSS after each phase. For finding where the peak is reached without a whole bench run.
//   node bench/peak-rss.mjs [--task cnn|mlp-big|mlp-small] [--mode eager|fit] [--backend wasm] [--epochs 9] [--gap-ms 300]
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const task = opt("task", "cnn"),
  mode = opt("mode", "eager"),
  backend = opt("backend", "wasm"),
  epochs = Number(opt("epochs", "9")),
  gapMs = Number(opt("gap-ms", "300")),
  probeBatches = Number(opt("probe", "5")),
  verbose = args.includes("--verbose");
const MARK = "@@bench ";
// The environment the benchmark gives its contenders (bench/lib/contenders.ts, ALLOCATOR_ENV).
const env = { ...process.env, MALLOC_MMAP_THRESHOLD_: String(64 * 2 ** 20), MALLOC_TRIM_THRESHOLD_: String(256 * 2 ** 20) };

function start() {
  const proc = spawn(process.execPath, ["--import", "tsx", "bench/tensorgrad/worker.ts", "--backend", backend], {
    cwd: root,
    env,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const waiting = new Map();
  let next = 1;
  createInterface({ input: proc.stdout }).on("line", (line) => {
    if (!line.startsWith(MARK)) return;
    const reply = JSON.parse(line.slice(MARK.length));
    const w = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (reply.ok) w.resolve(reply.result);
    else w.reject(new Error(reply.error));
  });
  const request = (cmd, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      proc.stdin.write(`${JSON.stringify({ id, cmd, ...params })}\n`);
    });
  const close = () => {
    proc.stdin.write(`${JSON.stringify({ id: 0, cmd: "exit" })}\n`);
    return new Promise((r) => proc.on("exit", r));
  };
  return { request, close };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (b) => (b / 2 ** 20).toFixed(0);

const dataDir = mkdtempSync(join(tmpdir(), "tg-peak-rss-"));
try {
  const exporter = start();
  await exporter.request("exportMnist", { dir: dataDir });
  await exporter.close();
  if (!existsSync(join(dataDir, "train-x.f32"))) throw new Error("no MNIST export");

  const c = start();
  const report = async (phase) => {
    const s = await c.request("stats");
    let line = `${phase.padEnd(16)} maxRSS ${mib(s.maxRssBytes).padStart(4)} MiB  rss ${mib(s.rssBytes).padStart(4)} MiB`;
    if (verbose) {
      const m = await c.request("memory");
      line += `  heap ${mib(m.heapUsed)}/${mib(m.heapTotal)} ext ${mib(m.external)} ab ${mib(m.arrayBuffers)}`;
      if (m.memoryBytes !== undefined) {
        line += `  wasm ${mib(m.memoryBytes)} inUse ${mib(m.bytesInUse)} resident ${mib(m.residentBytes)} budget ${mib(m.budgetBytes)}`;
        line += ` evicted ${mib(m.evictedBytes)} (${m.evictions}) restored ${mib(m.restoredBytes)} dropped ${mib(m.droppedBytes)}`;
      }
    }
    console.log(line);
    return s;
  };
  await c.request("hello");
  await report("start");
  await c.request("setup", { task, mode, dataDir, seed: 0 });
  await report("setup");
  await c.request("train", { batches: probeBatches });
  await report("probe");
  for (let e = 1; e <= epochs; e++) {
    await sleep(gapMs);
    const r = await c.request("train", {});
    await report(`epoch ${e} ${r.seconds.toFixed(2)}s`);
  }
  await sleep(gapMs);
  const { accuracy } = await c.request("evaluate");
  const s = await report(`evaluate ${accuracy.toFixed(3)}`);
  await c.close();
  console.log(`peak RSS ${task} ${mode} ${backend}: ${mib(s.maxRssBytes)} MiB`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
