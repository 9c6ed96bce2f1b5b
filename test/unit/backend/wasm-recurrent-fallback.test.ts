// The wasm backend's fused recurrent cells fall back to plain loops for operands outside wasm memory
// (only when it is exhausted): the loops must follow the same contracts (ops/primitives/recurrent-cell.ts)
// as the assembly kernels, layouts included. Both run here on the same values, the loops on host storages.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { hostData, type View } from "../../../src/backend/backend.js";
import { jsBackend } from "../../../src/backend/js/index.js";
import { wasmBackend } from "../../../src/backend/wasm/index.js";
import { recurrentKernels } from "../../../src/backend/wasm/recurrent.js";

const N = 3,
  H = 6;

/** Values in (-1, 1) from a fixed sequence. */
function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (((i + 1) * 0.6180339887498949 * (seed + 1)) % 1) * 2 - 1);
}

/** A contiguous view of `shape` holding `data`, in wasm memory or in a host storage. */
function view(shape: number[], data: Float32Array, host: boolean): View {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  if (host) {
    const storage = jsBackend.alloc("float32", data.length);
    (hostData(storage) as Float32Array).set(data);
    return { storage, offset: 0, shape, strides };
  }
  const t = tg.tensor(data, { shape });
  return { storage: t.storage, offset: 0, shape, strides };
}

/** Runs kernel `name` on the given inputs both ways; returns [assembly, loops] results. */
function both(name: "lstmCell" | "lstmCellGrad" | "gruCell" | "gruCellGrad", outShape: number[], inputs: [number[], Float32Array][]) {
  tg.setBackend("wasm");
  const k = recurrentKernels(wasmBackend.runtime)[name]!;
  const size = outShape.reduce((a, b) => a * b, 1);
  return [false, true].map((host) => {
    const out = view(outShape, new Float32Array(size), host);
    k(
      out,
      inputs.map(([shape, data]) => view(shape, data, host)),
      undefined,
    );
    return Array.from(hostData(out.storage) as Float32Array);
  });
}

function close(a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) <= 1e-5 + 1e-5 * Math.abs(x), `${what}[${i}]: ${x} vs ${b[i]}`));
}

test("the LSTM cell's loops equal its assembly kernel: [h', c', activations] and the gradient rows", () => {
  const [asm, loops] = both(
    "lstmCell",
    [7, N, H],
    [
      [[N, 4 * H], values(4 * N * H, 1)],
      [[N, 4 * H], values(4 * N * H, 2)],
      [[N, H], values(N * H, 3)],
    ],
  );
  close(loops!, asm!, "lstmCell");
  // Activations as the gradient reads them: sigmoids in (0, 1).
  assert.ok(asm!.slice(2 * N * H, 4 * N * H).every((v) => v > 0 && v < 1));
  const cell = Float32Array.from(asm!);
  for (const next of [false, true]) {
    const inputs: [number[], Float32Array][] = [
      [[7, N, H], cell],
      [[N, H], values(N * H, 3)],
      [[2, N, H], values(2 * N * H, 4)],
    ];
    if (next) inputs.push([[N, H], values(N * H, 5)], [[N, H], values(N * H, 6)]);
    const [g, gl] = both("lstmCellGrad", [N, 5 * H], inputs);
    close(gl!, g!, `lstmCellGrad next=${next}`);
  }
});

test("the GRU cell's loops equal its assembly kernels: [h', r, z, n], and the gradient with and without the next step's parts", () => {
  const hh = values(3 * N * H, 8),
    h = values(N * H, 9);
  const [asm, loops] = both(
    "gruCell",
    [4, N, H],
    [
      [[N, 3 * H], values(3 * N * H, 7)],
      [[N, 3 * H], hh],
      [[N, H], h],
    ],
  );
  close(loops!, asm!, "gruCell");
  assert.ok(asm!.slice(N * H, 3 * N * H).every((v) => v > 0 && v < 1));
  const cell = Float32Array.from(asm!);
  for (const next of [false, true]) {
    const inputs: [number[], Float32Array][] = [
      [[4, N, H], cell],
      [[N, 3 * H], hh],
      [[N, H], h],
      [[N, H], values(N * H, 10)],
    ];
    if (next) inputs.push([[N, H], values(N * H, 11)], [[N, H], values(N * H, 12)]);
    const [g, gl] = both("gruCellGrad", [N, 7 * H], inputs);
    close(gl!, g!, `gruCellGrad next=${next}`);
  }
});
