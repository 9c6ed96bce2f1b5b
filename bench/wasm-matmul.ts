// GFLOP/s of matmul on the wasm backend for square n = 64..2048 on 1 and 2 threads, both as the
// bare kernel (runtime.sgemm into a preallocated output) and as users see it (tensor matmul, output
// allocation included), plus the four transpose combinations at n = 512, with a check of how much
// parallel capacity the machine really had.
// Usage: node --conditions=tensorgrad-source --import tsx bench/wasm-matmul.ts
//          [--quick] [--json FILE]      (TENSORGRAD_RELAXED_SIMD=0 for the plain SIMD build)
import { writeFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { availableParallelism, cpus } from "node:os";
import * as tg from "../src/index.js";
import { roundsOfCalls, selectWasmBackend, type MatrixRef } from "./lib/wasm-backend.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const jsonPath = argv.includes("--json") ? argv[argv.indexOf("--json") + 1] : undefined;
const sizes = quick ? [64, 128, 256, 512, 1024] : [64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048];

/**
 * Speed-up of two threads spinning on arithmetic over one: about 2 on a quiet 2-core machine, less
 * when other work shares the cores (then 2-thread figures below are understated accordingly).
 */
async function parallelCapacity(): Promise<number> {
  const body = "let x = 0; for (let i = 0; i < n; i++) x = (x * 1.0000001 + 1) % 1e9; return x;";
  const spin = new Function("n", body) as (n: number) => number;
  const worker = new Worker(
    `const { parentPort } = require("node:worker_threads");
    const spin = new Function("n", ${JSON.stringify(body)});
    parentPort.on("message", (n) => parentPort.postMessage(spin(n)));`,
    { eval: true },
  );
  const ask = (n: number) =>
    new Promise((resolve) => {
      worker.once("message", resolve);
      worker.postMessage(n);
    });
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

interface Row {
  n: number;
  threads: number;
  layout: string;
  path: "kernel" | "tensor";
  ms: number;
  gflops: number;
  best: number;
}

const backend = selectWasmBackend("wasm-matmul");

/** Median and best GFLOP/s of `call` over rounds of back-to-back calls lasting ~60 ms each (at least 3). */
function time(call: () => void, flop: number): { ms: number; gflops: number; best: number } {
  call();
  call();
  const per = roundsOfCalls(call, quick ? 3 : 5, 60);
  const ms = per[Math.floor(per.length / 2)]!;
  return { ms, gflops: flop / ms / 1e6, best: flop / per[0]! / 1e6 };
}

/** A view's strides as a kernel operand: the tensors here live in wasm memory (storage.ptr). */
function ref(t: tg.Tensor): MatrixRef {
  return { ptr: (t.storage as unknown as { ptr: number }).ptr + 4 * t.offset, rowStride: t.strides[0]!, colStride: t.strides[1]! };
}

function measure(a: tg.Tensor, b: tg.Tensor, threads: number, layout: string): Row[] {
  const [M, K] = a.shape as [number, number];
  const N = b.shape[1]!;
  const flop = 2 * M * N * K;
  const rt = backend.runtime;
  const c = rt.allocator.alloc(M * N * 4);
  const kernel = time(() => rt.sgemm(M, N, K, ref(a), ref(b), { ptr: c, rowStride: N }), flop);
  rt.allocator.free(c);
  const tensor = time(() => tg.noGrad(() => a.matmul(b)), flop);
  return [
    { n: M, threads, layout, path: "kernel", ...kernel },
    { n: M, threads, layout, path: "tensor", ...tensor },
  ];
}

tg.manualSeed(0);
const square = (n: number) => tg.rand([n, n]).sub(0.5);
const rows: Row[] = [];
/** 1 and 2 threads alternate per size, so a change in machine load hits both columns alike. */
async function withThreads(threads: number): Promise<void> {
  backend.setThreads(threads);
  await backend.ready();
}
await withThreads(2);
const capacityBefore = await parallelCapacity();
for (const n of sizes) {
  const a = square(n),
    b = square(n);
  for (const threads of [1, 2]) {
    await withThreads(threads);
    rows.push(...measure(a, b, threads, "NN"));
  }
}
// Backprop multiplies by transposed operands (dW = X^T dY, dX = dY W^T): they must be as fast.
const nT = 512;
const a = square(nT),
  b = square(nT);
for (const layout of ["NT", "TN", "TT"]) {
  const at = layout[0] === "T" ? a.transpose(0, 1) : a;
  const bt = layout[1] === "T" ? b.transpose(0, 1) : b;
  for (const threads of [1, 2]) {
    await withThreads(threads);
    rows.push(...measure(at, bt, threads, layout));
  }
}
const capacityAfter = await parallelCapacity();
const flavor = backend.flavor;
backend.setThreads(availableParallelism());

const cell = (n: number, t: number, layout = "NN", path = "kernel") =>
  rows.find((r) => r.n === n && r.threads === t && r.layout === layout && r.path === path)!;
const f = (r: Row) => `${r.gflops.toFixed(1).padStart(5)} (${r.best.toFixed(1).padStart(5)})`;
console.log(`wasm matmul (${flavor} build), ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} CPUs, Node ${process.version}`);
console.log(`parallel capacity (2-thread spin speed-up): ${capacityBefore.toFixed(2)} before, ${capacityAfter.toFixed(2)} after`);
console.log("GFLOP/s, median (best) of rounds; kernel = runtime.sgemm, tensor = a.matmul(b) with allocation");
console.log("");
console.log("|    n | 1T kernel     | 1T tensor     | 2T kernel     | 2T tensor     | 2T/1T kernel | 1T kernel ms |");
console.log("|-----:|--------------:|--------------:|--------------:|--------------:|-------------:|-------------:|");
for (const n of sizes) {
  const [sk, st, pk, pt] = [cell(n, 1), cell(n, 1, "NN", "tensor"), cell(n, 2), cell(n, 2, "NN", "tensor")];
  console.log(
    `| ${String(n).padStart(4)} | ${f(sk)} | ${f(st)} | ${f(pk)} | ${f(pt)} | ${(sk.ms / pk.ms).toFixed(2).padStart(12)} | ${sk.ms.toFixed(3).padStart(12)} |`,
  );
}
console.log("");
console.log(
  `transposed operands at n = ${nT}, kernel GFLOP/s median, 1T / 2T: ` +
    ["NN", "NT", "TN", "TT"].map((l) => `${l} ${cell(nT, 1, l).gflops.toFixed(1)} / ${cell(nT, 2, l).gflops.toFixed(1)}`).join(", "),
);
const report = {
  bench: "wasm-matmul",
  flavor,
  node: process.version,
  cpu: cpus()[0]?.model,
  cpus: availableParallelism(),
  capacityBefore,
  capacityAfter,
  rows,
};
console.log(JSON.stringify(report));
if (jsonPath) writeFileSync(jsonPath, JSON.stringify(report, null, 2) + "\n");
