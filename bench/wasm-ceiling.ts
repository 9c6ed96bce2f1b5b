// The arithmetic ceiling the wasm matmul works under on this machine: GFLOP/s of 128-bit fused
// multiply-adds with nothing else in the loop (12 independent chains), and of the GEMM's 4x8
// micro-kernel with its operands in L1 (the loop of assembly/gemm.ts, alone), on one thread and on
// two at once. A matmul cannot beat the micro-kernel's figure; the gap between them is what the
// kernel's loads and loop cost, the gap to the matmul what packing, caches and the split cost.
// Usage: node --import tsx bench/wasm-ceiling.ts        (relaxed SIMD: fused multiply-add)
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import asc from "assemblyscript/asc";

const SOURCE = `
@inline function fm(a: v128, b: v128, c: v128): v128 { return f32x4.relaxed_madd(a, b, c); }
export function fma_peak(iters: i32, p: usize): void {
  let x = v128.load(p), y = v128.load(p, 16);
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  for (let i = 0; i < iters; i++) {
    c0 = fm(x, y, c0); c1 = fm(x, y, c1); c2 = fm(x, y, c2); c3 = fm(x, y, c3);
    c4 = fm(x, y, c4); c5 = fm(x, y, c5); c6 = fm(x, y, c6); c7 = fm(x, y, c7);
    c8 = fm(x, y, c8); c9 = fm(x, y, c9); c10 = fm(x, y, c10); c11 = fm(x, y, c11);
  }
  v128.store(p, f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))), 32);
  v128.store(p, f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)), 48);
}
export function micro_l1(reps: i32, a: usize, b: usize, c: usize): void {
  for (let r = 0; r < reps; r++) {
    let pa = a, pb = b;
    let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (let k = 0; k < 256; k++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16);
      let x = v128.load32_splat(pa);
      c00 = fm(x, b0, c00); c01 = fm(x, b1, c01);
      x = v128.load32_splat(pa, 4);
      c10 = fm(x, b0, c10); c11 = fm(x, b1, c11);
      x = v128.load32_splat(pa, 8);
      c20 = fm(x, b0, c20); c21 = fm(x, b1, c21);
      x = v128.load32_splat(pa, 12);
      c30 = fm(x, b0, c30); c31 = fm(x, b1, c31);
      pa += 16; pb += 32;
    }
    v128.store(c, f32x4.add(v128.load(c), c00)); v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
    v128.store(c, f32x4.add(v128.load(c, 32), c10), 32); v128.store(c, f32x4.add(v128.load(c, 48), c11), 48);
    v128.store(c, f32x4.add(v128.load(c, 64), c20), 64); v128.store(c, f32x4.add(v128.load(c, 80), c21), 80);
    v128.store(c, f32x4.add(v128.load(c, 96), c30), 96); v128.store(c, f32x4.add(v128.load(c, 112), c31), 112);
  }
}
`;

let binary: Uint8Array<ArrayBuffer> | null = null;
const stderr = asc.createMemoryStream();
const { error } = await asc.main(
  [
    "ceiling.ts",
    "--outFile",
    "ceiling.wasm",
    "-O3",
    "--noAssert",
    "--runtime",
    "stub",
    "--enable",
    "simd",
    "--enable",
    "relaxed-simd",
    "--initialMemory",
    "4",
  ],
  {
    stdout: asc.createMemoryStream(),
    stderr,
    readFile: (name: string) => (name === "ceiling.ts" ? SOURCE : null),
    writeFile: (name: string, contents: string | Uint8Array) => {
      if (name.endsWith(".wasm") && typeof contents !== "string") binary = new Uint8Array(contents);
    },
    listFiles: () => [],
  },
);
if (error || !binary) throw new Error(`asc failed: ${error?.message}\n${stderr.toString()}`);
// Node 20 validates relaxed SIMD only behind a V8 flag (see src/backend/wasm/module.ts).
if (!WebAssembly.validate(binary)) setFlagsFromString("--experimental-wasm-relaxed-simd");
const bytes: Uint8Array<ArrayBuffer> = binary;

// Each thread runs its own instance on its own memory; a shared control word starts both at once.
const WORKER = `
const { workerData } = require("node:worker_threads");
const { bytes, control, kind, n } = workerData;
const ctl = new Int32Array(control);
const i = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
const run = kind === "fma" ? () => i.fma_peak(n, 0) : () => i.micro_l1(n, 4096, 65536, 131072);
run();
for (;;) {
  Atomics.wait(ctl, 0, 0);
  if (Atomics.load(ctl, 0) < 0) break;
  run();
  Atomics.store(ctl, 0, 0);
  Atomics.add(ctl, 1, 1);
  Atomics.notify(ctl, 1);
}`;

const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as Record<string, (...a: number[]) => void>;
const kinds = {
  fma: { n: 5e6, flop: 5e6 * 12 * 8, run: (n: number) => exports.fma_peak!(n, 0) },
  micro: { n: 2000, flop: 2000 * 256 * 64, run: (n: number) => exports.micro_l1!(n, 4096, 65536, 131072) },
};

/** Best and median GFLOP/s of `rounds` timed calls. */
function summary(gflops: number[]): string {
  const s = [...gflops].sort((a, b) => b - a);
  return `${s[0]!.toFixed(1)} best, ${s[s.length >> 1]!.toFixed(1)} median`;
}

console.log(`wasm arithmetic ceiling (relaxed SIMD, f32x4), Node ${process.version}; GFLOP/s over 9 rounds`);
for (const [kind, k] of Object.entries(kinds)) {
  const control = new SharedArrayBuffer(8);
  const ctl = new Int32Array(control);
  const worker = new Worker(WORKER, { eval: true, workerData: { bytes, control, kind, n: k.n } });
  await new Promise((r) => setTimeout(r, 300));
  k.run(k.n);
  const one: number[] = [],
    two: number[] = [];
  for (let r = 0; r < 9; r++) {
    let t0 = performance.now();
    k.run(k.n);
    one.push(k.flop / (performance.now() - t0) / 1e6);
    const done = Atomics.load(ctl, 1);
    t0 = performance.now();
    Atomics.store(ctl, 0, 1);
    Atomics.notify(ctl, 0);
    k.run(k.n);
    while (Atomics.load(ctl, 1) === done) Atomics.wait(ctl, 1, done, 1);
    two.push((2 * k.flop) / (performance.now() - t0) / 1e6);
  }
  Atomics.store(ctl, 0, -1);
  Atomics.notify(ctl, 0);
  await worker.terminate();
  const label = kind === "fma" ? "fused multiply-add alone " : "4x8 micro-kernel, in L1 ";
  console.log(`${label}| 1 thread: ${summary(one)} | 2 threads: ${summary(two)}`);
}
