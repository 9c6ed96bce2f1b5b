// The machinery around the wasm kernels: the loader's choice of build, the allocator (alignment, no
// overlap, zeroed reuse, return to baseline) and the worker pool (1 and 2 threads give identical bits,
// workers really take chunks, many back-to-back jobs stay correct).
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { WasmRuntime } from "../../../src/backend/wasm/runtime.js";
import { isWasmSupported, loadWasmKernels, relaxedAvailable } from "../../../src/backend/wasm/module.js";
import { WasmAllocator, roundSize, ALIGN, UNTOUCHED } from "../../../src/backend/wasm/allocator.js";
import { WasmPool, POOL_FUNCS, KERNEL_ARGS, callKernel } from "../../../src/backend/wasm/pool.js";
import { readFileSync } from "node:fs";
import { rng } from "../../helpers/wasm.js";

const one = new WasmRuntime({ threads: 1 });
const two = new WasmRuntime({ threads: 2 });
after(() => Promise.all([one.close(), two.close()]));

function put(rt: WasmRuntime, values: ArrayLike<number>): number {
  const ptr = rt.allocator.alloc(values.length * 4);
  rt.f32(ptr, values.length).set(values);
  return ptr;
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length),
    y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe("wasm loader", () => {
  test("reports support and which build it picked", () => {
    assert.equal(isWasmSupported(), true);
    assert.equal(loadWasmKernels({ relaxedSimd: false }).flavor, "simd");
    // By default relaxed SIMD is used wherever it validates, with Node 20's V8 flag set if needed
    // (TENSORGRAD_RELAXED_SIMD=0 opts out).
    const optedOut = process.env.TENSORGRAD_RELAXED_SIMD === "0";
    assert.equal(one.flavor, !optedOut && relaxedAvailable(true) ? "relaxed" : "simd");
    assert.equal(loadWasmKernels({ relaxedSimd: true }).flavor, relaxedAvailable(true) ? "relaxed" : "simd");
  });
});

describe("wasm allocator", () => {
  test("rounds to 64-byte size classes with at most 1/8 waste", () => {
    for (const n of [0, 1, 63, 64, 65, 4096, 4097, 5000, 1 << 20, (1 << 20) + 1, 123456789]) {
      const s = roundSize(n);
      assert.ok(s >= n && s % ALIGN === 0, `${n} -> ${s}`);
      assert.ok(n <= 4096 || s <= n * 1.125 + ALIGN, `${n} -> ${s}`);
    }
  });

  // Large: blocks up to 19 MB, so that blocks start, end and split in many of the tables' 4 MiB chunks.
  for (const { scale, steps } of [
    { scale: 1, steps: 4000 },
    { scale: 64, steps: 600 },
  ])
    test(`random alloc/free never overlaps, reuses zeroed memory and returns to baseline (sizes x${scale})`, () => {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 16384, shared: true });
      const al = new WasmAllocator(memory);
      const r = rng(11);
      const live = new Map<number, number>();
      for (let step = 0; step < steps; step++) {
        if (live.size > 0 && r() < 0.45) {
          const keys = [...live.keys()];
          const ptr = keys[Math.floor(r() * keys.length)]!;
          const size = live.get(ptr)!;
          // The block still holds its own fill pattern: nobody else wrote into it.
          const bytes = new Uint8Array(memory.buffer, ptr, size);
          for (let i = 0; i < size; i += i + 97 < size ? 97 : Math.max(1, size - 1 - i)) {
            assert.equal(bytes[i], (ptr >>> 6) % 251, `block ${ptr} was overwritten`);
          }
          al.free(ptr);
          live.delete(ptr);
        } else {
          // Mostly small blocks, sometimes large ones (up to 300 KB), as a training step produces.
          const size = r() < 0.9 ? 1 + Math.floor(r() * 2000) : Math.floor(r() * 300000 * scale);
          const ptr = al.alloc(size);
          assert.equal(ptr % ALIGN, 0);
          const bytes = new Uint8Array(memory.buffer, ptr, size);
          for (let i = 0; i < size; i += 61) assert.equal(bytes[i], 0, "a new block is zero-filled");
          bytes.fill((ptr >>> 6) % 251);
          live.set(ptr, size);
        }
      }
      const spans = [...live].map(([p, s]) => [p, p + roundSize(s)] as const).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1]![1] <= spans[i]![0], "blocks overlap");
      for (const ptr of live.keys()) al.free(ptr);
      const stats = al.stats();
      assert.equal(stats.bytesInUse, 0);
      assert.equal(stats.blocksInUse, 0);
      // Everything coalesced back into the untouched tail: no stranded free blocks.
      assert.equal(stats.bytesFree, 0);
      assert.throws(() => al.free(64), /not a live block/);
      assert.ok(
        UNTOUCHED.every((v) => v === 0),
        "the shared all-zero table chunk was never written",
      );
    });

  test("grows the memory on demand and reuses a freed block of the same size", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096, shared: true });
    const al = new WasmAllocator(memory);
    const big = al.alloc(10 << 20);
    assert.ok(memory.buffer.byteLength >= (10 << 20) + 64);
    const small = al.alloc(1000);
    al.free(big);
    assert.equal(al.alloc(10 << 20), big, "same-size request reuses the block");
    al.free(small);
    assert.equal(al.bytesInUse, roundSize(10 << 20));
    // Addresses inside a block, unaligned or past the bookkeeping tables are not blocks.
    assert.throws(() => al.free(big + 64), /wasm allocator: \d+ is not a live block/);
    assert.throws(() => al.free(big + 1), /not a live block/);
    assert.throws(() => al.free(2 ** 31), /not a live block/);
    assert.throws(() => al.sizeOf(small), /not a live block/);
    assert.equal(al.sizeOf(big), roundSize(10 << 20));
  });

  test("keeps bookkeeping only for the table chunks where blocks start or end", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096, shared: true });
    const al = new WasmAllocator(memory);
    const chunk = 5 * 65536 * 4; // five tables of 65,536 units (4 MiB of heap) each
    assert.equal(al.stats().tableBytes, 0, "no block yet, no table");
    // 40 MiB in one block: its start and the chunk where it ends, not the eight in between.
    const big = al.alloc(40 << 20);
    assert.equal(al.stats().tableBytes, 2 * chunk);
    const small = al.alloc(1000);
    assert.equal(al.stats().tableBytes, 2 * chunk, "a block after it starts where it ends");
    // Inside the big block nothing is a block, and freeing it coalesces with nothing it must not.
    assert.throws(() => al.free(big + (16 << 20)), /not a live block/);
    al.free(big);
    const again = al.alloc(10 << 20);
    assert.equal(again, big);
    assert.equal(al.stats().tableBytes, 3 * chunk, "the split at 10 MiB makes that chunk");
    const rest = al.alloc(20 << 20);
    assert.equal(rest, big + (10 << 20), "the free remainder is found and split");
    for (const p of [small, again, rest]) al.free(p);
    assert.deepEqual([al.stats().bytesInUse, al.stats().bytesFree], [0, 0]);
  });

  test("reports each growth of the memory with the first byte no block has used and the new end", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096, shared: true });
    const al = new WasmAllocator(memory);
    const grown: [number, number][] = [];
    al.onGrow = (from, to) => void grown.push([from, to]);
    const a = al.alloc(32 << 10); // fits in the first 64 KiB page: no growth
    assert.deepEqual(grown, []);
    const b = al.alloc(1 << 20);
    assert.deepEqual(grown, [[b + (1 << 20), memory.buffer.byteLength]]);
    // Below the high-water mark after a free at the top: the pages there are in use already.
    al.free(b);
    const c = al.alloc(2 << 20);
    assert.equal(c, b, "the top block's space is reused");
    assert.deepEqual(grown[1], [c + (2 << 20), memory.buffer.byteLength]);
    al.free(c);
    al.free(a);
    const d = al.alloc(64);
    assert.equal(grown.length, 2, "no growth, no report");
    al.free(d);
  });

  test("its whole-memory views are kept between growths and made anew over the grown memory", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096, shared: true });
    const al = new WasmAllocator(memory);
    const a = al.alloc(1024);
    const f32 = al.heap.f32,
      i32 = al.heap.i32;
    assert.equal(al.heap.f32, f32, "the same view until the memory grows");
    assert.deepEqual([f32.length, i32.length, al.heap.f64.length], [16384, 16384, 8192]);
    f32[a >>> 2] = 1.5;
    assert.equal(i32[a >>> 2], 0x3fc00000, "both over the same bytes");
    const b = al.alloc(1 << 20); // grows the memory
    assert.notEqual(al.heap.f32, f32, "a new view after the growth");
    assert.equal(al.heap.f32.length, memory.buffer.byteLength / 4);
    assert.equal(al.heap.i32.buffer.byteLength, memory.buffer.byteLength);
    al.heap.f32[(b >>> 2) + (1 << 18) - 1] = 2.5; // the last element of the new block
    assert.deepEqual([al.heap.f32[a >>> 2], new Float32Array(memory.buffer, b + (1 << 20) - 4, 1)[0]], [1.5, 2.5]);
    al.free(b);
    al.free(a);
  });

  test("the runtime returns to its baseline after kernels ran", () => {
    const base = one.allocator.bytesInUse;
    const n = 300;
    const a = one.allocator.alloc(n * n * 4),
      b = one.allocator.alloc(n * n * 4),
      c = one.allocator.alloc(n * n * 4);
    one.sgemm(n, n, n, { ptr: a, rowStride: n, colStride: 1 }, { ptr: b, rowStride: 1, colStride: n }, { ptr: c, rowStride: n });
    const withScratch = one.allocator.bytesInUse - 3 * roundSize(n * n * 4);
    for (const p of [a, b, c]) one.allocator.free(p);
    // The packed-B scratch stays allocated for the next product, nothing else does.
    assert.equal(one.allocator.bytesInUse, withScratch);
    assert.ok(withScratch - base <= roundSize(n * Math.ceil(n / 8) * 8 * 4));
  });
});

describe("wasm scratch stack", () => {
  test("release(mark) frees exactly the blocks taken since the mark, nested marks included", () => {
    const al = one.allocator,
      scratch = one.scratch;
    const base = al.bytesInUse,
      blocks = al.stats().blocksInUse;
    const outer = scratch.mark();
    const a = scratch.alloc(1000);
    const inner = scratch.mark();
    const b = scratch.alloc(10),
      c = scratch.alloc(0);
    assert.notEqual(a, b);
    assert.equal(al.sizeOf(c), ALIGN, "an empty request still gets a block of its own");
    assert.equal(al.stats().blocksInUse, blocks + 3);
    scratch.release(inner);
    assert.equal(al.stats().blocksInUse, blocks + 1);
    assert.equal(al.sizeOf(a), roundSize(4000));
    assert.throws(() => al.sizeOf(b), /not a live block/);
    scratch.release(outer);
    assert.equal(al.bytesInUse, base);
    assert.equal(scratch.mark(), outer);
  });
});

describe("wasm pool", () => {
  test("1 and 2 threads give bit-identical results", async () => {
    await two.ready();
    const r = rng(12);
    const M = 190,
      N = 131,
      K = 257;
    const A = Float32Array.from({ length: M * K }, () => r() * 2 - 1);
    const B = Float32Array.from({ length: K * N }, () => r() * 2 - 1);
    const X = Float32Array.from({ length: 1 << 17 }, () => r() * 20 - 10);
    const results = [one, two].map((rt) => {
      const a = put(rt, A),
        b = put(rt, B),
        c = rt.allocator.alloc(M * N * 4),
        ct = rt.allocator.alloc(M * N * 4);
      rt.sgemm(M, N, K, { ptr: a, rowStride: K, colStride: 1 }, { ptr: b, rowStride: N, colStride: 1 }, { ptr: c, rowStride: N });
      // Transposed B, accumulating, to cover the other packing path.
      rt.sgemm(M, N, K, { ptr: a, rowStride: K, colStride: 1 }, { ptr: b, rowStride: 1, colStride: K }, { ptr: ct, rowStride: N });
      const x = put(rt, X),
        y = rt.allocator.alloc(X.length * 4),
        s = rt.allocator.alloc(X.length * 4);
      rt.unary("tanh", x, y, X.length);
      rt.softmaxRows(x, 1000, 131, 1000, s);
      return [rt.f32(c, M * N), rt.f32(ct, M * N), rt.f32(y, X.length), rt.f32(s, 131000)].map((v) => v.slice());
    });
    for (let i = 0; i < results[0]!.length; i++) assert.ok(bitsEqual(results[0]![i]!, results[1]![i]!), `result ${i} differs`);
  });

  test("idle workers touch the pages of a freshly grown range, leaving every value in it as it was", async () => {
    // A runtime of its own: the test writes into memory its allocator takes for never used (zero).
    const rt = new WasmRuntime({ threads: 2 });
    try {
      await rt.ready();
      const pool = rt.pool,
        memory = rt.kernels.memory;
      const waitDone = async () => {
        const until = performance.now() + 5000;
        while (pool.prefaultRange()[0] < pool.prefaultRange()[1] && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
      };
      await waitDone(); // whatever the runtime's own first allocations grew
      const [pos0, end0] = pool.prefaultRange();
      assert.equal(pos0, end0);
      const from = memory.buffer.byteLength,
        bytes = 4 << 20;
      memory.grow(bytes / 65536);
      const lo = from / 4096,
        hi = (from + bytes) / 4096;
      assert.ok(lo >= end0, "the new pages lie past every earlier range");
      // Values written before and while the worker touches the range must survive (an OR of 0).
      const view = new Float32Array(memory.buffer, from, bytes / 4);
      for (let i = 0; i < view.length; i += 97) view[i] = i + 0.5;
      pool.prefault(from, from + bytes);
      assert.deepEqual(pool.prefaultRange()[1], hi);
      assert.ok(pool.prefaultRange()[0] >= lo);
      for (let i = 1; i < view.length; i += 1031) view[i] = -i;
      await waitDone();
      assert.deepEqual(pool.prefaultRange(), [hi, hi], "the worker touched the whole range");
      for (let i = 0; i < view.length; i++) {
        const want = i % 1031 === 1 ? -i : i % 97 === 0 ? i + 0.5 : 0;
        if (view[i] !== want) assert.fail(`element ${i}: ${view[i]} instead of ${want}`);
      }
      // A range below the position does not move it back.
      pool.prefault(0, from);
      assert.deepEqual(pool.prefaultRange(), [hi, hi]);
      // One thread never touches anything.
      one.pool.prefault(from, from + bytes);
      assert.deepEqual(one.pool.prefaultRange(), [0, 0]);
    } finally {
      await rt.close();
    }
  });

  test("workers take chunks, and the caller finishes jobs alone when they do not", async () => {
    await two.ready();
    const n = 4096;
    const x = put(
      two,
      Float32Array.from({ length: n }, (_, i) => i),
    );
    const y = two.allocator.alloc(n * 4);
    const before = two.pool.chunkCounts();
    // Retry for a while: on a loaded machine the worker may miss jobs, and the pool may back off
    // to the calling thread for up to 2 s, but not for ever.
    const until = performance.now() + 5000;
    while (two.pool.chunkCounts()[1] === before[1] && performance.now() < until) two.pool.run("unary", [0, x, y], n, 16);
    assert.ok(two.pool.chunkCounts()[1]! > before[1]!, "the worker ran no chunk");
    const ys = two.f32(y, n);
    for (let i = 0; i < n; i++) assert.equal(ys[i], -i);
  });

  test("backs off to the calling thread after two slow waits in a row: 50 ms, doubling to 2 s, halving after a fast wait", () => {
    // The bookkeeping alone, on a bare state object (no workers): noteWait(ownMs, waitMs, now).
    type State = { strikes: number; serialUntil: number; backoffMs: number };
    const noteWait = (WasmPool.prototype as unknown as { noteWait(this: State, own: number, wait: number, now: number): void }).noteWait;
    const s: State = { strikes: 0, serialUntil: 0, backoffMs: 50 };
    noteWait.call(s, 1, 1.05, 1000); // within our share + 0.1 ms: not slow
    assert.deepEqual(s, { strikes: 0, serialUntil: 0, backoffMs: 50 });
    noteWait.call(s, 1, 1.2, 1000);
    assert.deepEqual(s, { strikes: 1, serialUntil: 0, backoffMs: 50 });
    noteWait.call(s, 1, 5, 1001); // second slow wait in a row: serial for 50 ms, next time 100
    assert.deepEqual(s, { strikes: 0, serialUntil: 1051, backoffMs: 100 });
    noteWait.call(s, 1, 5, 2000);
    noteWait.call(s, 1, 5, 2000);
    assert.deepEqual(s, { strikes: 0, serialUntil: 2100, backoffMs: 200 });
    noteWait.call(s, 1, 5, 3000); // a slow wait then a fast one: the strike is forgiven, the back-off halves
    noteWait.call(s, 1, 0.5, 3000);
    assert.deepEqual(s, { strikes: 0, serialUntil: 2100, backoffMs: 100 });
    for (let i = 0; i < 20; i++) noteWait.call(s, 1, 5, 4000);
    assert.equal(s.backoffMs, 2000);
    assert.equal(s.serialUntil, 6000); // 4000 + the 2 s cap
    for (let i = 0; i < 20; i++) noteWait.call(s, 1, 0, 5000);
    assert.equal(s.backoffMs, 50);
  });

  test("many small back-to-back jobs with odd chunk sizes stay correct", async () => {
    await two.ready();
    const R = 9,
      C = 37;
    const r = rng(13);
    const A = Float32Array.from({ length: R * C }, () => r());
    const B = Float32Array.from({ length: C }, () => r());
    const a = put(two, A),
      b = put(two, B),
      y = two.allocator.alloc(R * C * 4);
    for (let job = 0; job < 3000; job++) {
      const chunk = 1 + (job % 23); // chunks start mid-row
      const scale = job % 7;
      two.f32(b, 1)[0] = scale;
      two.pool.run("binary", [2, C, a, C, 1, b, 0, 0, y], R * C, chunk);
      const ys = two.f32(y, R * C);
      for (let i = 0; i < R * C; i += 17) assert.equal(ys[i], Math.fround(A[i]! * scale), `job ${job}`);
    }
  });

  test("kernels are called with a fixed KERNEL_ARGS arguments, the ones past a kernel's arity ignored", () => {
    const bytes = 256;
    const p = one.allocator.alloc(2 * bytes);
    const view = new Uint8Array(one.kernels.memory.buffer, p, 2 * bytes);
    view.fill(7);
    const a = new Float64Array(KERNEL_ARGS).fill(12345);
    a[0] = p;
    a[1] = bytes;
    callKernel(one.kernels.exports.fill_zero as unknown as (...x: number[]) => void, a);
    assert.deepEqual([view[0], view[bytes - 1], view[bytes], view[2 * bytes - 1]], [0, 0, 7, 7]);
    // Every pool kernel fits, and the worker makes the same call: arguments a[0] to a[KERNEL_ARGS - 1].
    for (const name of POOL_FUNCS) {
      const arity = (one.kernels.exports as unknown as Record<string, (...x: number[]) => void>)[name]!.length;
      assert.ok(arity <= KERNEL_ARGS, `${name} takes ${arity} arguments`);
    }
    const worker = readFileSync(new URL("../../../src/backend/wasm/pool-worker-loop.js", import.meta.url), "utf8");
    assert.ok(
      worker.includes(`a[${KERNEL_ARGS - 1}])`) && !worker.includes(`a[${KERNEL_ARGS}]`),
      "pool-worker-loop.js passes a different number of arguments",
    );
  });

  test("rejects a kernel or a job with more arguments than one call passes", () => {
    const exports: Record<string, () => void> = Object.fromEntries(POOL_FUNCS.map((name) => [name, () => undefined]));
    // A function's length is its declared parameter count, as a wasm export's is its arity.
    Object.defineProperty(exports.im2col, "length", { value: KERNEL_ARGS + 1 });
    const fake = { exports, module: undefined, memory: undefined } as unknown as ConstructorParameters<typeof WasmPool>[0];
    assert.throws(() => new WasmPool(fake, { threads: 1 }), {
      message: `internal: kernel im2col takes more than ${KERNEL_ARGS} arguments`,
    });
    assert.throws(() => two.pool.run("unary", new Array<number>(KERNEL_ARGS - 1).fill(0), 16, 4), {
      name: "RangeError",
      message: `internal: ${KERNEL_ARGS - 1} arguments for kernel unary, at most ${KERNEL_ARGS - 2}`,
    });
  });
});
