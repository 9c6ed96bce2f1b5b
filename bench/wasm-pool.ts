// Where splitting a kernel across the worker pool starts to pay: 1-thread versus 2-thread time per
// kernel family over a range of sizes, forcing the parallel path, so PARALLEL_THRESHOLDS in
// src/backend/wasm/runtime.ts can be set from measurements rather than guesses.
// Usage: node --import tsx bench/wasm-pool.ts [--json FILE]
import { writeFileSync } from "node:fs";
import { WasmRuntime, PARALLEL_THRESHOLDS } from "../src/backend/wasm/runtime.js";
import type { PoolFunc } from "../src/backend/wasm/pool.js";

const argv = process.argv.slice(2);
const jsonPath = argv.includes("--json") ? argv[argv.indexOf("--json") + 1] : undefined;

const rt = new WasmRuntime({ threads: 2 });
await rt.ready();
const e = rt.kernels.exports as unknown as Record<string, (...a: number[]) => void>;

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

interface Case { family: string; size: number; serial: () => void; parallel: () => void }
const cases: Case[] = [];

/** A pool job over [0, work) in chunks of `chunk` against the same call on one thread. */
function job(family: string, size: number, func: PoolFunc, args: number[], work: number, chunk: number) {
  cases.push({
    family, size,
    serial: () => e[func]!(...args, 0, work),
    parallel: () => rt.pool.run(func, args, work, chunk),
  });
}

const big = 1 << 22;
const x = rt.allocator.alloc(big * 4), y = rt.allocator.alloc(big * 4), z = rt.allocator.alloc(big * 4);
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

interface Row { family: string; size: number; serialUs: number; parallelUs: number; speedup: number }
const rows: Row[] = [];
// gemm goes through the runtime (pack B, then rows): a 1-thread runtime against the 2-thread one.
const one = new WasmRuntime({ threads: 1 });
for (const n of [32, 48, 64, 80, 96, 128, 160, 192]) {
  const bufs = [one, rt].map((r) => {
    const a = r.allocator.alloc(n * n * 4), b = r.allocator.alloc(n * n * 4), c = r.allocator.alloc(n * n * 4);
    r.f32(a, n * n).fill(0.5);
    r.f32(b, n * n).fill(0.5);
    return { a, b, c };
  });
  const mm = (r: WasmRuntime, { a, b, c }: { a: number; b: number; c: number }) => () =>
    r.sgemm(n, n, n, { ptr: a, rowStride: n, colStride: 1 }, { ptr: b, rowStride: n, colStride: 1 }, { ptr: c, rowStride: n });
  // Force the parallel path for the measurement regardless of the configured threshold.
  const saved = PARALLEL_THRESHOLDS.gemmFlops;
  PARALLEL_THRESHOLDS.gemmFlops = 0;
  const serialUs = time(mm(one, bufs[0]!)), parallelUs = time(mm(rt, bufs[1]!));
  PARALLEL_THRESHOLDS.gemmFlops = saved;
  rows.push({ family: "gemm (n, square)", size: n, serialUs, parallelUs, speedup: serialUs / parallelUs });
}
await one.close();
for (const c of cases) {
  const serialUs = time(c.serial), parallelUs = time(c.parallel);
  rows.push({ family: c.family, size: c.size, serialUs, parallelUs, speedup: serialUs / parallelUs });
}
await rt.close();

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
