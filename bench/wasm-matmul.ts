// GFLOP/s of the wasm sgemm for square n = 64..2048 on 1 and 2 threads, plus the four transpose
// combinations at n = 512, with a check of how much parallel capacity the machine really had.
// Usage: node --import tsx bench/wasm-matmul.ts [--relaxed] [--quick] [--json FILE]
import { writeFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { availableParallelism, cpus } from "node:os";
import { WasmRuntime, type MatrixRef } from "../src/backend/wasm/runtime.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const jsonPath = argv.includes("--json") ? argv[argv.indexOf("--json") + 1] : undefined;
const relaxedSimd = argv.includes("--relaxed");
const sizes = quick ? [64, 128, 256, 512, 1024] : [64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048];

/**
 * Speed-up of two threads spinning on arithmetic over one: about 2 on a quiet 2-core machine, less
 * when other work shares the cores (then 2-thread figures below are understated accordingly).
 */
async function parallelCapacity(): Promise<number> {
  const body = "let x = 0; for (let i = 0; i < n; i++) x = (x * 1.0000001 + 1) % 1e9; return x;";
  const spin = new Function("n", body) as (n: number) => number;
  const worker = new Worker(`const { parentPort } = require("node:worker_threads");
    const spin = new Function("n", ${JSON.stringify(body)});
    parentPort.on("message", (n) => parentPort.postMessage(spin(n)));`, { eval: true });
  const ask = (n: number) => new Promise((resolve) => { worker.once("message", resolve); worker.postMessage(n); });
  await ask(1e6);
  const n = 3e7;
  spin(1e6);
  let t0 = performance.now();
  spin(n);
  const one = performance.now() - t0;
  t0 = performance.now();
  const other = ask(n);
  spin(n);
  await other;
  const two = performance.now() - t0;
  await worker.terminate();
  return (2 * one) / two;
}

interface Row { n: number; threads: number; layout: string; ms: number; gflops: number; best: number }

/** Median and best GFLOP/s over rounds of back-to-back calls lasting ~60 ms each (at least 3 calls). */
function measure(rt: WasmRuntime, M: number, N: number, K: number, a: MatrixRef, b: MatrixRef, c: number): { ms: number; gflops: number; best: number } {
  const call = () => rt.sgemm(M, N, K, a, b, { ptr: c, rowStride: N });
  call();
  call();
  const flop = 2 * M * N * K;
  const per: number[] = [];
  const rounds = quick ? 3 : 5;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    let calls = 0;
    do {
      call();
      calls++;
    } while (calls < 3 || performance.now() - t0 < 60);
    per.push((performance.now() - t0) / calls);
  }
  per.sort((x, y) => x - y);
  const ms = per[Math.floor(per.length / 2)]!;
  return { ms, gflops: flop / ms / 1e6, best: flop / per[0]! / 1e6 };
}

const runtimes = [1, 2].map((threads) => new WasmRuntime({ threads, relaxedSimd }));
await Promise.all(runtimes.map((rt) => rt.ready()));
const capacityBefore = await parallelCapacity();
const rows: Row[] = [];

for (const n of sizes) {
  for (const rt of runtimes) {
    const a = rt.allocator.alloc(n * n * 4), b = rt.allocator.alloc(n * n * 4), c = rt.allocator.alloc(n * n * 4);
    const fa = rt.f32(a, n * n), fb = rt.f32(b, n * n);
    for (let i = 0; i < n * n; i++) { fa[i] = ((i * 7919) % 1000) / 1000 - 0.5; fb[i] = ((i * 104729) % 1000) / 1000 - 0.5; }
    const r = measure(rt, n, n, n, { ptr: a, rowStride: n, colStride: 1 }, { ptr: b, rowStride: n, colStride: 1 }, c);
    rows.push({ n, threads: rt.threads, layout: "NN", ...r });
    for (const p of [a, b, c]) rt.allocator.free(p);
  }
}
// Backprop multiplies by transposed operands (dW = X^T dY, dX = dY W^T): they must be as fast.
const nT = 512;
for (const rt of runtimes) {
  const a = rt.allocator.alloc(nT * nT * 4), b = rt.allocator.alloc(nT * nT * 4), c = rt.allocator.alloc(nT * nT * 4);
  rt.f32(a, nT * nT).fill(0.5);
  rt.f32(b, nT * nT).fill(0.25);
  for (const layout of ["NT", "TN", "TT"]) {
    const am = layout[0] === "T" ? { ptr: a, rowStride: 1, colStride: nT } : { ptr: a, rowStride: nT, colStride: 1 };
    const bm = layout[1] === "T" ? { ptr: b, rowStride: 1, colStride: nT } : { ptr: b, rowStride: nT, colStride: 1 };
    rows.push({ n: nT, threads: rt.threads, layout, ...measure(rt, nT, nT, nT, am, bm, c) });
  }
}
const capacityAfter = await parallelCapacity();
await Promise.all(runtimes.map((rt) => rt.close()));

const cell = (n: number, t: number, layout = "NN") => rows.find((r) => r.n === n && r.threads === t && r.layout === layout)!;
console.log(`wasm sgemm (${runtimes[0]!.flavor}), ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} CPUs, Node ${process.version}`);
console.log(`parallel capacity (2-thread spin speed-up): ${capacityBefore.toFixed(2)} before, ${capacityAfter.toFixed(2)} after`);
console.log("");
console.log("|    n | 1 thread GFLOP/s (best) | 2 threads GFLOP/s (best) | speed-up | 1T ms |");
console.log("|-----:|------------------------:|-------------------------:|---------:|------:|");
for (const n of sizes) {
  const [s, p] = [cell(n, 1), cell(n, 2)];
  console.log(`| ${String(n).padStart(4)} | ${s.gflops.toFixed(1).padStart(12)} (${s.best.toFixed(1).padStart(5)}) | ${p.gflops.toFixed(1).padStart(13)} (${p.best.toFixed(1).padStart(5)}) | ${(s.ms / p.ms).toFixed(2).padStart(8)} | ${s.ms.toFixed(3).padStart(5)} |`);
}
console.log("");
console.log(`transposed operands at n = ${nT} (GFLOP/s, median): ` + ["NN", "NT", "TN", "TT"]
  .map((l) => `${l} ${cell(nT, 1, l).gflops.toFixed(1)} / ${cell(nT, 2, l).gflops.toFixed(1)}`).join(", ") + "  (1T / 2T)");
const report = {
  bench: "wasm-matmul", flavor: runtimes[0]!.flavor, node: process.version, cpu: cpus()[0]?.model,
  cpus: availableParallelism(), capacityBefore, capacityAfter, rows,
};
console.log(JSON.stringify(report));
if (jsonPath) writeFileSync(jsonPath, JSON.stringify(report, null, 2) + "\n");
