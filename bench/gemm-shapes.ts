// The GEMMs of one MLP training step (batch 64) on the wasm backend, back to back, on 1 and 2 threads:
// the benchmark's two MLPs, forward (x·Wᵀ: B a transposed view), input gradient (dY·W; none for a
// first layer, whose input needs no gradient) and weight gradient (dYᵀ·X: A a transposed view).
// Shows what the kernel does on the shapes training runs, with operands in cache; in training the
// weights come from memory and the same calls take longer.
// Usage: node --conditions=tensorgrad-source --import tsx bench/gemm-shapes.ts [--rounds N]
import { roundsOfCalls, selectWasmBackend } from "./lib/wasm-backend.js";

const argv = process.argv.slice(2);
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 9;
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`gemm-shapes: --rounds takes a whole number of rounds, at least 1 (got ${argv[argv.indexOf("--rounds") + 1]})`);
  process.exit(2);
}
const backend = selectWasmBackend("gemm-shapes");
await backend.ready();
const rt = backend.runtime;

/** [label, M, N, K, A transposed, B transposed] */
type Product = [string, number, number, number, boolean, boolean];

/** The products of a layer of `fin` inputs and `fout` outputs; a first layer has no input gradient. */
function layer(fin: number, fout: number, first: boolean): Product[] {
  const forward: Product = [`x·Wᵀ ${fin}→${fout}`, 64, fout, fin, false, true];
  const inputGrad: Product = [`dY·W ${fout}→${fin}`, 64, fin, fout, false, false];
  const weightGrad: Product = [`dYᵀ·X ${fout}x${fin}`, fout, fin, 64, true, false];
  return first ? [forward, weightGrad] : [forward, inputGrad, weightGrad];
}
const shapes = [...layer(784, 128, true), ...layer(784, 512, true), ...layer(512, 256, false)];

/**
 * Median µs of one call over `rounds` rounds of back-to-back calls lasting ~50 ms each, after 200 ms
 * of the same calls (a freshly started worker runs slower for its first ~100 ms).
 */
function time(call: () => void): number {
  const w0 = performance.now();
  while (performance.now() - w0 < 200) call();
  const per = roundsOfCalls(call, rounds, 50);
  return per[Math.floor(per.length / 2)]! * 1000;
}

const fill = (ptr: number, n: number) => {
  const v = new Float32Array(rt.kernels.memory.buffer, ptr, n);
  for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5;
};

console.log(`wasm GEMM on MLP training shapes (${backend.flavor} build), µs a call, median of ${rounds} rounds`);
console.log("| product | M×N×K | 1 thread | 2 threads | GFLOP/s 1T | GFLOP/s 2T |");
console.log("|---|---|--:|--:|--:|--:|");
const maxThreads = backend.threads;
for (const [label, M, N, K, ta, tb] of shapes) {
  const a = rt.allocator.alloc(M * K * 4),
    b = rt.allocator.alloc(K * N * 4),
    c = rt.allocator.alloc(M * N * 4);
  fill(a, M * K);
  fill(b, K * N);
  const am = ta ? { ptr: a, rowStride: 1, colStride: M } : { ptr: a, rowStride: K, colStride: 1 };
  const bm = tb ? { ptr: b, rowStride: 1, colStride: K } : { ptr: b, rowStride: N, colStride: 1 };
  const us: number[] = [];
  for (const threads of [1, Math.min(2, maxThreads)]) {
    backend.setThreads(threads);
    await backend.ready();
    us.push(time(() => rt.sgemm(M, N, K, am, bm, { ptr: c, rowStride: N })));
  }
  const gf = (t: number) => ((2 * M * N * K) / t / 1e3).toFixed(1);
  console.log(`| ${label} | ${M}×${N}×${K} | ${us[0]!.toFixed(0)} | ${us[1]!.toFixed(0)} | ${gf(us[0]!)} | ${gf(us[1]!)} |`);
  for (const p of [a, b, c]) rt.allocator.free(p);
}
backend.setThreads(maxThreads);
