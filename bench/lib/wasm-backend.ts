// The wasm backend as the kernel benchmarks (bench/wasm-matmul.ts, bench/gemm-shapes.ts) reach it:
// through the public getBackend(), typed only as far as they call it; and their timing loop.
import * as tg from "../../src/index.js";

/** A matrix in wasm memory: byte address of element [0, 0] and element strides. */
export interface MatrixRef {
  ptr: number;
  rowStride: number;
  colStride: number;
}

export interface WasmBackendLike {
  flavor: string;
  threads: number;
  setThreads(n: number): void;
  ready(): Promise<void>;
  runtime: {
    allocator: { alloc(bytes: number): number; free(ptr: number): void };
    kernels: { memory: WebAssembly.Memory };
    sgemm(M: number, N: number, K: number, a: MatrixRef, b: MatrixRef, c: { ptr: number; rowStride: number }): void;
  };
}

/** Selects the wasm backend and returns it; exits with a message naming `script` where it is missing. */
export function selectWasmBackend(script: string): WasmBackendLike {
  if (!tg.listBackends().includes("wasm")) {
    console.error(`${script}: the wasm backend is not registered (WebAssembly SIMD unavailable?)`);
    process.exit(1);
  }
  tg.setBackend("wasm");
  return tg.getBackend() as unknown as WasmBackendLike;
}

/**
 * Milliseconds per call of `call` in each of `rounds` rounds of back-to-back calls (at least 3, and
 * at least `minMs` long), sorted: [0] is the best round, the middle one the median.
 */
export function roundsOfCalls(call: () => void, rounds: number, minMs: number): number[] {
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    let n = 0;
    do {
      call();
      n++;
    } while (n < 3 || performance.now() - t0 < minMs);
    per.push((performance.now() - t0) / n);
  }
  return per.sort((x, y) => x - y);
}
