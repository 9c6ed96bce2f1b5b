// Baseline of the plain-TypeScript reference backend: element-wise throughput and matmul GFLOP/s.
// Run: node --conditions=tensorgrad-source --import tsx bench/reference.ts [--json]
// The fast backends are measured against these numbers.

import os from "node:os";
import * as tg from "tensorgrad";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median seconds per call of fn, after warm-up, over at least `minTime` seconds. */
function time(fn: () => unknown, minTime = 0.5): number {
  for (let i = 0; i < 3; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 5 || performance.now() - start < minTime * 1000) {
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) / 1000);
  }
  return median(samples);
}

tg.setBackend("js");
tg.manualSeed(0);
const results: Record<string, number> = {};

const n = 1 << 20;
const a = tg.randn([n]),
  b = tg.randn([n]);
const rows = tg.randn([1024, 1024]),
  bias = tg.randn([1024]);
for (const [name, fn] of [
  ["add (1M, same shape)", () => a.add(b)],
  ["mul (1M, same shape)", () => a.mul(b)],
  ["exp (1M)", () => a.exp()],
  ["relu (1M)", () => a.relu()],
  ["add bias ([1024,1024] + [1024])", () => rows.add(bias)],
  ["sum (1M → 1)", () => a.sum()],
] as const) {
  const s = time(fn);
  results[`${name} Melem/s`] = n / s / 1e6;
}
for (const size of [128, 512]) {
  const x = tg.randn([size, size]),
    y = tg.randn([size, size]);
  const s = time(() => x.matmul(y));
  results[`matmul n=${size} GFLOP/s`] = (2 * size ** 3) / s / 1e9;
  const s2 = time(() => x.T.matmul(y.T));
  results[`matmul n=${size} (both transposed) GFLOP/s`] = (2 * size ** 3) / s2 / 1e9;
}

if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ machine: `${os.cpus()[0].model} × ${os.cpus().length}`, node: process.version, results }));
} else {
  console.log(`reference backend, ${os.cpus()[0].model} × ${os.cpus().length}, Node ${process.version}`);
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(48)} ${v.toFixed(1)}`);
}
