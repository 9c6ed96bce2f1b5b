// Times the "seq" section's training steps (bench/lib/tasks.ts SEQ_WORKLOADS) in this process alone, on
// the wasm backend: for comparing two checkouts in alternation where the full benchmark's peers and
// rounds are not needed. Prints, per workload, the median and best ms a step and the process's CPU ms a
// step (every thread: the pool's workers included).
// Usage: node --conditions=tensorgrad-source --import tsx bench/seq-step.ts [--calls N] [workload ...]
//        (TENSORGRAD_THREADS=1 for one thread; default: lstm gru)

import * as tg from "tensorgrad";
import { SEQ_WORKLOADS } from "./lib/tasks.js";
import { seqCall } from "./tensorgrad/seq.js";

const argv = process.argv.slice(2);
const at = argv.indexOf("--calls");
const calls = at >= 0 ? Number(argv[at + 1]) : 150;
const keys = argv.filter((a, i) => !a.startsWith("--") && (at < 0 || i !== at + 1));
tg.setBackend("wasm");
for (const key of keys.length ? keys : ["lstm", "gru"]) {
  const w = SEQ_WORKLOADS.find((s) => s.key === key);
  if (!w) throw new Error(`seq-step: no workload "${key}" (expected one of ${SEQ_WORKLOADS.map((s) => s.key).join(", ")})`);
  const step = seqCall(w.model);
  // Warm-up: V8 optimizes code that runs a few times a step only after many steps.
  for (let i = 0; i < 100; i++) step();
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    step();
    ms.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  ms.sort((a, b) => a - b);
  const fmt = (x: number) => x.toFixed(2);
  console.log(
    `${key}: median ${fmt(ms[ms.length >> 1]!)} ms, best ${fmt(ms[0]!)} ms, CPU ${fmt((cpu.user + cpu.system) / 1000 / calls)} ms a step (${calls} steps)`,
  );
}
