// Runs bench/memory.ts (the long-run memory check) in a fresh child process for each tensorgrad backend,
// so the figures start from a clean process and nothing else's allocations are mixed in.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "./contenders.js";
import { ownCpuSeconds, watchLoad } from "./machine.js";
import type { MemoryRun, MemorySection } from "./results.js";

function runOne(backend: string, epochs: number, log: (s: string) => void): Promise<MemoryRun> {
  // The built package, as the other tensorgrad contenders (npm run bench builds it first).
  const args = ["--import", "tsx", "bench/memory.ts", "--json", "--epochs", String(epochs), "--backend", backend];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let last = "";
  const errTail: string[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith("{")) last = line;
  });
  createInterface({ input: child.stderr }).on("line", (line) => {
    // Show every tenth epoch's progress line; keep the tail for an error message.
    const m = /epoch (\d+)\//.exec(line);
    if (m && (Number(m[1]) % 10 === 0 || Number(m[1]) === 1)) log(`  ${line}`);
    errTail.push(line);
    if (errTail.length > 5) errTail.shift();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0 && last) resolve(JSON.parse(last) as MemoryRun);
      else reject(new Error(`bench/memory.ts --backend ${backend} exited with code ${code}: ${errTail.join(" / ")}`));
    });
  });
}

export async function runMemory(
  backends: readonly string[],
  epochs: number,
  meta: { command: string; quick: boolean; log: (s: string) => void },
): Promise<MemorySection> {
  const watch = watchLoad(),
    cpu0 = ownCpuSeconds();
  const runs: MemoryRun[] = [];
  const unavailable: string[] = [];
  for (const backend of backends) {
    meta.log(`memory: ${epochs} epochs on tensorgrad/${backend}`);
    try {
      runs.push(await runOne(backend, epochs, meta.log));
    } catch (e) {
      unavailable.push((e as Error).message);
    }
  }
  const childCpu = runs.reduce((a, r) => a + r.cpuSeconds, 0);
  return {
    meta: {
      date: new Date().toISOString(),
      command: meta.command,
      quick: meta.quick,
      load: watch.finish(childCpu + ownCpuSeconds() - cpu0),
      unavailable,
    },
    runs,
  };
}
