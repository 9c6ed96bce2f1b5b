// Where splitting a kernel across the worker pool starts to pay: 1-thread versus 2-thread time per
// kernel family over a range of sizes, forcing the parallel path, so PARALLEL_THRESHOLDS in
// src/backend/wasm/runtime.ts can be set from measurements rather than guesses.
// Usage: node --import tsx --import ./src/backend/wasm/index.ts bench/wasm-pool.ts [--json FILE]
// (the --import registers the wasm backend while src/index.ts does not import it yet).
import { writeFileSync } from "node:fs";
import * as tg from "../src/index.js";

/** The parts of the wasm backend's runtime this bench drives directly (see runtime.ts). */
type Fn = (...a: number[]) => void;
interface MatrixRef {
  ptr: number;
  rowStride: number;
  colStride: number;
}
interface RuntimeLike {
  threads: number;
  thresholds: { gemmFlops: number };
  kernels: { exports: Record<string, Fn> };
  pool: { run(func: string, args: number[], work: number, chunk: number): void };
  allocator: { alloc(bytes: number): number };
  f32(ptr: number, n: number): Float32Array;
  sgemm(M: number, N: number, K: number, a: MatrixRef, b: MatrixRef, c: { ptr: number; rowStride: number }): void;
}

const argv = process.argv.slice(2);
const jsonPath = argv.includes("--json") ? argv[argv.indexOf("--json") + 1] : undefined;

if (!tg.listBackends().includes("wasm")) {
  console.error("wasm backend not registered: run with --import ./src/backend/wasm/index.ts");
  process.exit(1);
}
tg.setBackend("wasm");
const backend = tg.getBackend() as unknown as { runtime: RuntimeLike; setThreads(n: number): void; ready(): Promise<void> };
backend.setThreads(2);
await backend.ready();
const rt = backend.runtime;
const e = rt.kernels.exports;

/** Median time (us) of fn over rounds of ~20 ms. */
function time(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  const per: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    let calls = 0;
    do {
      fn();
      calls++;
    } while (performance.now() - t0 < 20);
    per.push(((performance.now() - t0) / calls) * 1000);
  }
  return per.sort((a, b) => a - b)[3]!;
}

interface Case {
  family: string;
  size: number;
  serial: () => void;
  parallel: () => void;
}
const cases: Case[] = [];

/** A pool job over [0, work) in chunks of `chunk` against the same call on one thread. */
function job(family: string, size: number, func: string, args: number[], work: number, chunk: number) {
  cases.push({
    family,
    size,
    serial: () => e[func]!(...args, 0, work),
    parallel: () => rt.pool.run(func, args, work, chunk),
  });
}

const big = 1 << 22;
const x = rt.allocator.alloc(big * 4),
  y = rt.allocator.alloc(big * 4),
  z = rt.allocator.alloc(big * 4);
const xs = rt.f32(x, big);
for (let i = 0; i < big; i++) xs[i] = ((i * 7919) % 2000) / 1000 - 1;
rt.f32(y, big).fill(0.5);

for (const n of [1 << 10, 1 << 12, 1 << 13, 1 << 14, 1 << 16, 1 << 18, 1 << 20]) {
  const chunk = Math.max(1024, Math.ceil(n / 8 / 16) * 16);
  job("relu (elements)", n, "unary", [10, x, z], n, chunk);
  job("exp (elements)", n, "unary", [1, x, z], n, chunk);
  job("add (elements)", n, "binary", [0, n, x, n, 1, y, n, 1, z], n, chunk);
}
for (const L of [64, 256, 1024]) {
  for (const R of [4, 16, 64, 256, 1024]) {
    job(`sum rows of ${L}`, R * L, "reduce_rows", [0, x, L, L, z], R, Math.max(1, Math.ceil(R / 8)));
    job(`softmax rows of ${L}`, R * L, "softmax_rows", [x, L, L, z, 0], R, Math.max(1, Math.ceil(R / 8)));
  }
}

interface Row {
  family: string;
  size: number;
  serialUs: number;
  parallelUs: number;
  speedup: number;
}
const rows: Row[] = [];
// gemm through the runtime (pack B, then rows), with the threshold forced either way.
for (const n of [32, 48, 64, 80, 96, 128, 160, 192]) {
  const a = rt.allocator.alloc(n * n * 4),
    b = rt.allocator.alloc(n * n * 4),
    c = rt.allocator.alloc(n * n * 4);
  rt.f32(a, n * n).fill(0.5);
  rt.f32(b, n * n).fill(0.5);
  const mm = () =>
    rt.sgemm(n, n, n, { ptr: a, rowStride: n, colStride: 1 }, { ptr: b, rowStride: n, colStride: 1 }, { ptr: c, rowStride: n });
  const saved = rt.thresholds.gemmFlops;
  rt.thresholds.gemmFlops = Infinity;
  const serialUs = time(mm);
  rt.thresholds.gemmFlops = 0;
  const parallelUs = time(mm);
  rt.thresholds.gemmFlops = saved;
  rows.push({ family: "gemm (n, square)", size: n, serialUs, parallelUs, speedup: serialUs / parallelUs });
}
for (const c of cases) {
  const serialUs = time(c.serial),
    parallelUs = time(c.parallel);
  rows.push({ family: c.family, size: c.size, serialUs, parallelUs, speedup: serialUs / parallelUs });
}
console.log("| family | size | 1 thread us | 2 threads us | speed-up |");
console.log("|---|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(`| ${r.family} | ${r.size} | ${r.serialUs.toFixed(1)} | ${r.parallelUs.toFixed(1)} | ${r.speedup.toFixed(2)} |`);
}
// Break-even: the smallest size from which 2 threads stay at least 10 % faster.
const families = [...new Set(rows.map((r) => r.family))];
console.log("");
for (const f of families) {
  const fr = rows.filter((r) => r.family === f).sort((a, b) => a.size - b.size);
  let from: number | undefined;
  for (let i = fr.length - 1; i >= 0 && fr[i]!.speedup >= 1.1; i--) from = fr[i]!.size;
  console.log(`${f}: 2 threads pay from ${from ?? "never (in range)"}`);
}
const report = { bench: "wasm-pool", node: process.version, rows };
console.log(JSON.stringify(report));
if (jsonPath) writeFileSync(jsonPath, JSON.stringify(report, null, 2) + "\n");
