// The fast backend's engine room: the loaded kernels, the allocator over their memory and the worker
// pool, plus one typed entry point per kernel family that decides (from measured thresholds) whether a
// call is worth splitting across threads and how finely.
import { loadWasmKernels, type LoadOptions, type WasmFlavor, type WasmKernels } from "./module.js";
import { WasmAllocator } from "./allocator.js";
import type { AdamStepParams, SgdStepParams } from "../optim-params.js";
import { WasmPool, type PoolFunc, type PoolOptions } from "./pool.js";

/** Op codes of assembly/elementwise.ts and assembly/reduce.ts. */
export const UNARY_OPS = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  abs: 4,
  sign: 5,
  sin: 6,
  cos: 7,
  tanh: 8,
  sigmoid: 9,
  relu: 10,
  erf: 11,
} as const;
export const BINARY_OPS = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  maximum: 5,
  minimum: 6,
  eq: 7,
  gt: 8,
  lt: 9,
  ge: 10,
  le: 11,
  ne: 12,
  reluGrad: 13,
} as const;
/** Added to a comparison's code: the result is bool (int32 0/1) rather than float32 0/1. */
export const BOOL_OUT = 16;
export const REDUCE_OPS = { sum: 0, max: 1, min: 2, argmax: 3, argmin: 4 } as const;
export type UnaryOp = keyof typeof UNARY_OPS;
export type BinaryOp = keyof typeof BINARY_OPS;
export type ReduceOp = keyof typeof REDUCE_OPS;

/** A float32 matrix in wasm memory: element [i, j] at ptr + 4*(i*rowStride + j*colStride). */
export interface MatrixRef {
  ptr: number;
  rowStride: number;
  colStride: number;
}

/** A 2-D broadcast operand of an [R, C] result: element [r, c] at ptr + 4*(r*rowStride + c*colStep), colStep 0 or 1. */
export interface RowOperand {
  ptr: number;
  rowStride: number;
  colStep: 0 | 1;
}

/**
 * When a call goes parallel, from bench/wasm-pool.ts (1 thread vs 2, the parallel path forced) on the
 * 2-core Zen 4 box, Node 20.20, in a quiet window (2-thread spin speed-up 2.00 before and after).
 * Break-even is the smallest size from which 2 threads stay >= 1.1x faster. Below these sizes the
 * hand-off to a worker (a few us when it is awake, far more when it sleeps or its core is busy)
 * costs more than the second core saves.
 */
export const PARALLEL_THRESHOLDS = {
  /**
   * 2*M*N*K. Square n: 48 0.72x, 64 1.26x in one run and 0.70x in another (12 us on one thread),
   * 80 1.40x, 96 1.00-1.38x, 128 1.14-1.48x, 192 1.49-1.98x: from n = 80 on.
   */
  gemmFlops: 2 * 80 ** 3,
  /** Elements of a cheap, memory-bound op: add 16K 0.87x, 64K 1.31x, 1M 1.85x (relu alike). */
  cheapElements: 1 << 16,
  /** Elements of a transcendental op: exp 8K 1.01x, 16K 1.27x, 64K 1.57x. */
  mathElements: 1 << 14,
  /** Input elements of a sum/max/min: rows of 64-1024, 16K 1.06-1.12x, 64K 1.52x. */
  reduceElements: 1 << 16,
  /** Input elements of a softmax: 1K 1.10-1.23x, 4K 1.40-1.64x, 64K 1.77-1.95x. */
  softmaxElements: 1 << 12,
  /**
   * Elements of a fused optimizer update (a sqrt and two divisions an element for Adam, in f32; SGD
   * in f64; not measured separately, taken as a transcendental op).
   */
  optimElements: 1 << 14,
  /** Elements written by im2col / col2im (memory-bound like a copy; not measured separately). */
  convElements: 1 << 16,
};

const MATH_UNARY = new Set<number>([
  UNARY_OPS.exp,
  UNARY_OPS.log,
  UNARY_OPS.sin,
  UNARY_OPS.cos,
  UNARY_OPS.tanh,
  UNARY_OPS.sigmoid,
  UNARY_OPS.erf,
]);

/** M below which gemm skips packing (see gemm_small): packing B would cost as much as the product. */
export const GEMM_SMALL_M = 4;
/**
 * Floats of A (M·K) up to which a product is split by column panels rather than by rows: A packed
 * whole stays in L2 (256 KB) while every panel sweeps it. Products with fewer than 4 slivers of rows
 * per thread go by columns whatever A's size: split by rows, they would not even divide.
 */
export const COLS_MAX_PACKED_A = 1 << 16;
/**
 * Split-K (each thread a slice of K, partial products summed after) for products with at most 128
 * rows, too few column panels to share (fewer than 4 a thread), an output of at most this many
 * elements and K at least SPLITK_MIN_K: a convolution's weight gradient, [outC, C·kh·kw] over
 * K = N·oh·ow.
 */
export const SPLITK_MAX_OUTPUT = 4096;
export const SPLITK_MIN_K = 4096;

export interface WasmRuntimeOptions extends LoadOptions, PoolOptions {}

/**
 * Scratch blocks for kernels, as a stack: a kernel notes `mark()`, allocates, and `release(mark)`s in
 * a finally. One long-lived object per runtime rather than one per call: V8 drops a class's instance
 * map when no instance is alive at a full collection, and then throws away the optimized code of
 * every kernel that inlined it (measured: the cross-entropy kernel was recompiled after every
 * full collection, 6 times in 12 epochs).
 */
export class ScratchStack {
  private readonly blocks: number[] = [];
  constructor(private readonly allocator: WasmAllocator) {}
  mark(): number {
    return this.blocks.length;
  }
  /** An uninitialised float32 block of `floats` elements (at least one). */
  alloc(floats: number): number {
    const p = this.allocator.alloc(Math.max(1, floats) * 4, false);
    this.blocks.push(p);
    return p;
  }
  /** Frees every block allocated since `mark`. */
  release(mark: number): void {
    while (this.blocks.length > mark) this.allocator.free(this.blocks.pop()!);
  }
}

export class WasmRuntime {
  /** The shared thresholds (benchmarks lower them to time the parallel path at small sizes). */
  readonly thresholds = PARALLEL_THRESHOLDS;
  readonly kernels: WasmKernels;
  readonly allocator: WasmAllocator;
  private poolInstance: WasmPool;
  private readonly spin: number | undefined;
  /** Per-thread gemm workspace: threads * wsStride bytes. */
  private wsBase = 0;
  private wsStride = 0;
  /**
   * Scratch for packed A (gemm_cols), packed B and split-K partial products, grown on demand and kept
   * (one product runs at a time).
   */
  private readonly packs = { a: { ptr: 0, bytes: 0 }, b: { ptr: 0, bytes: 0 }, c: { ptr: 0, bytes: 0 } };
  /** Blocks kernels take for contiguous copies of their operands, freed before they return. */
  readonly scratch: ScratchStack;
  /** Scratch for copyRows' indices, grown on demand and kept. */
  private rowsPtr = 0;
  private rowsBytes = 0;

  constructor(options: WasmRuntimeOptions = {}) {
    this.kernels = loadWasmKernels(options);
    const { fill_zero } = this.kernels.exports;
    this.allocator = new WasmAllocator(this.kernels.memory, 64, (ptr, bytes) => fill_zero(ptr, bytes));
    this.scratch = new ScratchStack(this.allocator);
    this.spin = options.spin;
    this.poolInstance = new WasmPool(this.kernels, { threads: options.threads, spin: options.spin });
    this.allocator.onGrow = (from, to) => this.poolInstance.prefault(from, to);
    this.allocWorkspace();
  }

  get flavor(): WasmFlavor {
    return this.kernels.flavor;
  }

  get threads(): number {
    return this.poolInstance.threads;
  }

  get pool(): WasmPool {
    return this.poolInstance;
  }

  /** Resolves when the pool's workers are up (see WasmPool.ready). */
  ready(): Promise<void> {
    return this.poolInstance.ready();
  }

  /** Replaces the pool with one of `threads` threads (the caller included). */
  setThreads(threads: number): void {
    if (threads === this.threads) return;
    void this.poolInstance.close();
    this.poolInstance = new WasmPool(this.kernels, { threads, spin: this.spin });
    this.allocator.free(this.wsBase);
    this.allocWorkspace();
  }

  /** Stops the workers; the runtime keeps working on the calling thread alone. */
  close(): Promise<void> {
    return this.poolInstance.close();
  }

  /** A Float32Array over wasm memory (a fresh view: memory growth replaces the buffer). */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.kernels.memory.buffer, ptr, length);
  }

  private allocWorkspace(): void {
    this.wsStride = this.kernels.exports.gemm_workspace_bytes();
    this.wsBase = this.allocator.alloc(this.wsStride * this.threads, false);
  }

  /** fn(...args, lo, hi) over [0, work): split in chunks across the pool, or one call on this thread. */
  private run(func: PoolFunc, args: number[], work: number, chunk: number, parallel: boolean): void {
    // One chunk is a plain call (made by the pool so that it allocates nothing: see callKernel).
    this.poolInstance.run(func, args, work, parallel ? chunk : work);
  }

  /** The packing scratch block `which`, at least `bytes` long (its contents are not kept). */
  private packScratch(which: "a" | "b" | "c", bytes: number): number {
    const p = this.packs[which];
    if (bytes > p.bytes) {
      if (p.ptr) this.allocator.free(p.ptr);
      p.bytes = bytes;
      p.ptr = this.allocator.alloc(bytes, false);
    }
    return p.ptr;
  }

  /** Chunk size giving each thread about `perThread` chunks, at least `min`, a multiple of `align`. */
  private chunkFor(work: number, min: number, align: number, perThread = 4): number {
    const c = Math.max(min, Math.ceil(work / (this.threads * perThread)));
    return Math.ceil(c / align) * align;
  }

  /**
   * C[M,N] = A[M,K]·B[K,N] (or C += A·B with accumulate). A and B take any element strides, so
   * transposed views need no copy; C is row-major with row stride c.rowStride.
   */
  sgemm(
    M: number,
    N: number,
    K: number,
    a: MatrixRef,
    b: MatrixRef,
    c: { ptr: number; rowStride: number },
    { accumulate = false }: { accumulate?: boolean } = {},
  ): void {
    if (M <= 0 || N <= 0) return;
    const e = this.kernels.exports;
    const beta = accumulate ? 1 : 0;
    const parallel = this.threads > 1 && 2 * M * N * K >= PARALLEL_THRESHOLDS.gemmFlops;
    const smallOk = b.colStride === 1 || (b.rowStride === 1 && a.colStride === 1);
    if (M < GEMM_SMALL_M && smallOk) {
      const args = [M, N, K, a.ptr, a.rowStride, a.colStride, b.ptr, b.rowStride, b.colStride, c.ptr, c.rowStride, beta];
      this.run("gemm_small", args, N, this.chunkFor(N, 32, 32, 2), parallel);
      return;
    }
    // Few rows (a layer on one batch, a convolution's output channels): split by column panels, with
    // A packed once and each B panel packed by the thread that uses it (see gemm_cols).
    const panels = Math.ceil(N / 8),
      slivers = Math.ceil(M / 4);
    if (M <= 128 && M * N <= SPLITK_MAX_OUTPUT && K >= SPLITK_MIN_K && panels < 4 * this.threads) {
      this.splitK(M, N, K, a, b, c, accumulate, parallel);
      return;
    }
    if (panels >= 2 && (M * K <= COLS_MAX_PACKED_A || slivers < 4 * this.threads)) {
      // On several threads, an A whose rows or columns are contiguous, in whole slivers, is read in
      // place (see microDirect in assembly/gemm.ts): packing it here, on this core, right before the
      // other core reads it cost more than the product gained. On one thread packing is cheap, and
      // the packed kernel 10 % faster at n = 64. (ars = acs = 0 tells the kernel A is packed; a direct A
      // has a stride of 1, and its other stride may be 0: rows broadcast from one.)
      const direct = parallel && M % 4 === 0 && (a.colStride === 1 || a.rowStride === 1);
      let ap = a.ptr,
        ars = a.rowStride,
        acs = a.colStride;
      if (!direct) {
        ap = this.packScratch("a", slivers * 4 * K * 4);
        ars = acs = 0;
        this.run(
          "gemm_pack_a",
          [M, K, a.ptr, a.rowStride, a.colStride, ap],
          slivers,
          this.chunkFor(slivers, 4, 1, 2),
          parallel && M * K >= 1 << 16,
        );
      }
      if (!parallel || this.threads === 1) {
        e.gemm_cols(M, N, K, ap, ars, acs, b.ptr, b.rowStride, b.colStride, c.ptr, c.rowStride, beta, this.wsBase, 0, panels);
      } else {
        const colArgs = [M, N, K, ap, ars, acs, b.ptr, b.rowStride, b.colStride, c.ptr, c.rowStride, beta, this.wsBase];
        this.poolInstance.run("gemm_cols", colArgs, panels, 1, { arg: 12, base: this.wsBase, stride: this.wsStride }, true);
      }
      return;
    }
    const bp = this.packScratch("b", e.gemm_packed_b_floats(K, N) * 4);
    const packArgs = [K, N, b.ptr, b.rowStride, b.colStride, bp];
    this.run("gemm_pack_b", packArgs, panels, this.chunkFor(panels, 4, 4, 2), parallel && K * N >= 1 << 15);
    if (!parallel) {
      e.gemm_packed(M, N, K, a.ptr, a.rowStride, a.colStride, bp, c.ptr, c.rowStride, beta, this.wsBase, 0, M);
      return;
    }
    const args = [M, N, K, a.ptr, a.rowStride, a.colStride, bp, c.ptr, c.rowStride, beta, this.wsBase];
    // Chunks of one A sliver (4 rows), claimed guided: large runs of rows first (each call packs its
    // rows of A once and streams all of packed B past them), single slivers at the end, so the
    // threads finish within a sliver of each other even when a worker starts late.
    this.poolInstance.run("gemm_packed", args, M, 4, { arg: 10, base: this.wsBase, stride: this.wsStride }, true);
  }

  /**
   * C[t] = A[t]·B[t] for a batch of products (C contiguous [batch, M, N]), with the batch index t =
   * (i0·nb[1] + i1)·nb[2] + i2 and per-dim element strides aBatch/bBatch (0 where broadcast). Threads
   * take whole products (see gemm_batched), so a batch of small ones (attention's [b, h, t, d]) runs
   * as one call on every thread. Returns false, doing nothing, where one product's packed A would not
   * fit the workspace (the caller then multiplies product by product).
   */
  sgemmBatched(
    M: number,
    N: number,
    K: number,
    a: MatrixRef,
    b: MatrixRef,
    c: number,
    nb: readonly [number, number, number],
    aBatch: readonly [number, number, number],
    bBatch: readonly [number, number, number],
  ): boolean {
    const e = this.kernels.exports;
    if (Math.ceil(M / 4) * 4 * K > e.gemm_batched_max_a()) return false;
    const count = nb[0] * nb[1] * nb[2];
    if (count === 0 || M <= 0 || N <= 0) return true;
    const parallel = this.threads > 1 && count > 1 && 2 * M * N * K * count >= PARALLEL_THRESHOLDS.gemmFlops;
    // A read in place on several threads, packed on one (as sgemm decides for gemm_cols).
    const args = [
      M,
      N,
      K,
      a.ptr,
      a.rowStride,
      a.colStride,
      b.ptr,
      b.rowStride,
      b.colStride,
      c,
      this.wsBase,
      nb[1],
      nb[2],
      aBatch[0],
      aBatch[1],
      aBatch[2],
      bBatch[0],
      bBatch[1],
      bBatch[2],
      parallel ? 1 : 0,
    ];
    if (!parallel) {
      e.gemm_batched(
        M,
        N,
        K,
        a.ptr,
        a.rowStride,
        a.colStride,
        b.ptr,
        b.rowStride,
        b.colStride,
        c,
        this.wsBase,
        nb[1],
        nb[2],
        aBatch[0],
        aBatch[1],
        aBatch[2],
        bBatch[0],
        bBatch[1],
        bBatch[2],
        0,
        0,
        count,
      );
      return true;
    }
    // One product per claim, not guided: a worker that the OS schedules late then holds back at most
    // one product, and the calling thread takes the rest.
    this.poolInstance.run("gemm_batched", args, count, 1, { arg: 10, base: this.wsBase, stride: this.wsStride });
    return true;
  }

  /**
   * C (=|+=) A·B by slices of K on every thread (see gemm_splitk): each slice's product goes to its
   * own block, then the blocks are summed here, in float64, into C (small: see SPLITK_MAX_OUTPUT).
   */
  private splitK(
    M: number,
    N: number,
    K: number,
    a: MatrixRef,
    b: MatrixRef,
    c: { ptr: number; rowStride: number },
    accumulate: boolean,
    parallel: boolean,
  ): void {
    // Whole KC blocks (256) per slice, two slices per thread so a late worker costs half a share; on
    // one thread, one slice (the loop order alone is what saves memory traffic).
    const threads = parallel ? this.threads : 1;
    const kslice = threads === 1 ? K : Math.ceil(K / (2 * threads) / 256) * 256;
    const slices = Math.ceil(K / kslice);
    const cp = this.packScratch("c", slices * M * N * 4);
    const args = [M, N, K, a.ptr, a.rowStride, a.colStride, b.ptr, b.rowStride, b.colStride, cp, kslice, this.wsBase];
    if (threads === 1) {
      this.kernels.exports.gemm_splitk(
        M,
        N,
        K,
        a.ptr,
        a.rowStride,
        a.colStride,
        b.ptr,
        b.rowStride,
        b.colStride,
        cp,
        kslice,
        this.wsBase,
        0,
        slices,
      );
    } else {
      this.poolInstance.run("gemm_splitk", args, slices, 1, { arg: 11, base: this.wsBase, stride: this.wsStride });
    }
    const parts = this.f32(cp, slices * M * N),
      out = this.f32(c.ptr, (M - 1) * c.rowStride + N);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let v = accumulate ? out[i * c.rowStride + j]! : 0;
        for (let s = 0; s < slices; s++) v += parts[(s * M + i) * N + j]!;
        out[i * c.rowStride + j] = v;
      }
    }
  }

  /**
   * A fused recurrent cell (lstm_cell, lstm_cell_grad, gru_cell or gru_cell_grad in assembly/recurrent.ts)
   * over the N rows of a batch: `args` are the kernel's arguments before the row range; `perRow`
   * elements a row. The cells (three to five transcendentals an element) go parallel like a math op;
   * their gradients, plain arithmetic on the activations the cells kept, like a cheap one.
   */
  recurrentCell(func: "lstm_cell" | "lstm_cell_grad" | "gru_cell" | "gru_cell_grad", args: number[], N: number, perRow: number): void {
    const cheap = func === "lstm_cell_grad" || func === "gru_cell_grad";
    const parallel = N * perRow >= (cheap ? PARALLEL_THRESHOLDS.cheapElements : PARALLEL_THRESHOLDS.mathElements);
    this.run(func, args, N, this.chunkFor(N, Math.max(1, Math.ceil((cheap ? 8192 : 2048) / perRow)), 1), parallel);
  }

  /** y[i] = op(x[i]) for i < n, both contiguous float32 (y may be x). */
  unary(op: UnaryOp, x: number, y: number, n: number): void {
    const code = UNARY_OPS[op];
    const math = MATH_UNARY.has(code);
    const parallel = n >= (math ? PARALLEL_THRESHOLDS.mathElements : PARALLEL_THRESHOLDS.cheapElements);
    this.run("unary", [code, x, y], n, this.chunkFor(n, math ? 2048 : 8192, 16), parallel);
  }

  /**
   * y[r, c] = a[r, c] op b[r, c] for a row-major [R, C] result y, operands broadcast per RowOperand;
   * `boolOut` (comparisons only) writes int32 0/1 instead of float32.
   */
  binary(op: BinaryOp, R: number, C: number, a: RowOperand, b: RowOperand, y: number, boolOut = false): void {
    const n = R * C;
    const code = BINARY_OPS[op] + (boolOut ? BOOL_OUT : 0);
    const cheap = code !== BINARY_OPS.pow;
    const parallel = n >= (cheap ? PARALLEL_THRESHOLDS.cheapElements : PARALLEL_THRESHOLDS.mathElements);
    const args = [code, C, a.ptr, a.rowStride, a.colStep, b.ptr, b.rowStride, b.colStep, y];
    this.run("binary", args, n, this.chunkFor(n, cheap ? 8192 : 1024, 16), parallel);
  }

  /** y = cond != 0 ? a : b over a row-major [R, C] result, each operand broadcast per RowOperand; cond float32 or bool. */
  where(R: number, C: number, cond: RowOperand, a: RowOperand, b: RowOperand, y: number): void {
    const n = R * C;
    const args = [C, cond.ptr, cond.rowStride, cond.colStep, a.ptr, a.rowStride, a.colStep, b.ptr, b.rowStride, b.colStep, y];
    this.run("where", args, n, this.chunkFor(n, 8192, 16), n >= PARALLEL_THRESHOLDS.cheapElements);
  }

  /**
   * Writes a dropout mask of n float32 elements at y (0 with probability p, else scale) from the
   * generator state `state` (xoshiro128**'s 4 words), which comes back advanced by n draws. One thread.
   */
  dropoutMask(y: number, n: number, p: number, scale: number, state: Int32Array): void {
    const mark = this.scratch.mark();
    try {
      const at = this.scratch.alloc(4);
      this.i32(at, 4).set(state);
      this.kernels.exports.dropout_mask(y, n, p * 4294967296 - 2147483648, scale, at);
      state.set(this.i32(at, 4));
    } finally {
      this.scratch.release(mark);
    }
  }

  /** Contiguous copy of a rank <= 4 strided view (shape padded in front with 1s). */
  gather(x: number, shape: readonly number[], strides: readonly number[], y: number): void {
    if (shape.length > 4) throw new RangeError("gather handles rank <= 4");
    const yStrides = new Array<number>(shape.length);
    for (let i = shape.length - 1, step = 1; i >= 0; i--) {
      yStrides[i] = step;
      step *= shape[i]!;
    }
    this.copyStrided(x, shape, strides, y, yStrides);
  }

  /** Copy between two strided views of one rank <= 4 shape (padded in front with 1s). */
  copyStrided(x: number, shape: readonly number[], xStrides: readonly number[], y: number, yStrides: readonly number[]): void {
    if (shape.length > 4) throw new RangeError("copyStrided handles rank <= 4");
    const d = [1, 1, 1, 1],
      s = [0, 0, 0, 0],
      t = [0, 0, 0, 0];
    for (let i = 0; i < shape.length; i++) {
      d[4 - shape.length + i] = shape[i]!;
      s[4 - shape.length + i] = xStrides[i]!;
      t[4 - shape.length + i] = yStrides[i]!;
    }
    const n = d[0]! * d[1]! * d[2]! * d[3]!;
    this.run("copy4", [x, ...d, ...s, y, ...t], n, this.chunkFor(n, 8192, 16), n >= PARALLEL_THRESHOLDS.cheapElements);
  }

  /**
   * y[r] = reduce(x[r*rowStride .. r*rowStride + L)) for r < R. sum/max/min write float32, argmax/argmin
   * int32 (first index of the extreme; NaN is the extreme, as in torch).
   */
  reduceRows(op: ReduceOp, x: number, rowStride: number, R: number, L: number, y: number): void {
    const parallel = R > 1 && R * L >= PARALLEL_THRESHOLDS.reduceElements;
    this.run("reduce_rows", [REDUCE_OPS[op], x, rowStride, L, y], R, this.chunkFor(R, 1, 1), parallel);
  }

  /** y[c] = reduce over r < R of x[r*rowStride + c], c < C (sum, max or min), columns contiguous. */
  reduceCols(op: "sum" | "max" | "min", x: number, rowStride: number, R: number, C: number, y: number): void {
    const parallel = C >= 64 && R * C >= PARALLEL_THRESHOLDS.reduceElements;
    this.run("reduce_cols", [REDUCE_OPS[op], x, rowStride, R, y], C, this.chunkFor(C, 16, 16), parallel);
  }

  /** y[o, i, r] = x[o, idx[o, i, r], r]: x is [outer, along, inner], idx and y [outer, k, inner], all contiguous. */
  gatherDim(x: number, outer: number, along: number, inner: number, idx: number, k: number, y: number): void {
    const parallel = outer > 1 && outer * k * inner >= PARALLEL_THRESHOLDS.cheapElements;
    this.run("gather_dim", [x, along, inner, idx, k, y], outer, this.chunkFor(outer, 1, 1), parallel);
  }

  /** y[o, idx[o, i, r], r] += src[o, i, r]: src and idx [outer, k, inner], y [outer, along, inner], all contiguous. */
  scatterAddDim(src: number, idx: number, outer: number, k: number, along: number, inner: number, y: number): void {
    const parallel = outer > 1 && outer * k * inner >= PARALLEL_THRESHOLDS.cheapElements;
    this.run("scatter_add_dim", [src, idx, k, along, inner, y], outer, this.chunkFor(outer, 1, 1), parallel);
  }

  /** y[a*B + b] (int32) = first k < R of the extreme of x[a*outerStride + k*rowStride + b] (argmax or argmin). */
  argMid(op: "argmax" | "argmin", x: number, A: number, outerStride: number, R: number, rowStride: number, B: number, y: number): void {
    const parallel = A > 1 && A * R * B >= PARALLEL_THRESHOLDS.reduceElements;
    this.run("arg_mid", [op === "argmax" ? 1 : 0, x, outerStride, rowStride, R, B, y], A, this.chunkFor(A, 1, 1), parallel);
  }

  /**
   * Row j of dst = row indices[j] of src for j < indices.length: rows of rowBytes bytes, every index a
   * row number in range (not checked here). The indices are staged in a kept int32 scratch block.
   * On the calling thread: a batch is a memmove of some hundred KB, bound by memory, not by a core.
   */
  copyRows(src: number, rowBytes: number, indices: ArrayLike<number>, dst: number): void {
    const k = indices.length;
    if (4 * k > this.rowsBytes) {
      if (this.rowsPtr) this.allocator.free(this.rowsPtr);
      this.rowsBytes = 4 * k;
      this.rowsPtr = this.allocator.alloc(this.rowsBytes, false);
    }
    const staged = this.i32(this.rowsPtr, k);
    for (let j = 0; j < k; j++) staged[j] = indices[j]!;
    this.kernels.exports.copy_rows(src, rowBytes, this.rowsPtr, dst, 0, k);
  }

  /** Softmax or log-softmax of R rows of length L (x rows at rowStride, y contiguous). */
  softmaxRows(x: number, rowStride: number, R: number, L: number, y: number, { log = false } = {}): void {
    const parallel = R > 1 && R * L >= PARALLEL_THRESHOLDS.softmaxElements;
    this.run("softmax_rows", [x, rowStride, L, y, log ? 1 : 0], R, this.chunkFor(R, 1, 1), parallel);
  }

  /** Adam step in place on n float32 elements of p, m, v (and vMax unless it is 0) from g. */
  adamStep(p: number, g: number, m: number, v: number, vMax: number, n: number, h: AdamStepParams): void {
    const args = [p, g, m, v, vMax, h.shrink, h.l2, h.sign, h.beta1, h.c1, h.beta2, h.c2, h.stepSize, h.bc2Sqrt, h.eps];
    this.run("adam_step", args, n, this.chunkFor(n, 4096, 16), n >= PARALLEL_THRESHOLDS.optimElements);
  }

  /** SGD step in place on n float32 elements of p (and the momentum buffer unless it is 0) from g. */
  sgdStep(p: number, g: number, buf: number, n: number, h: SgdStepParams): void {
    const args = [p, g, buf, h.first ? 1 : 0, h.nesterov ? 1 : 0, h.lr, h.momentum, h.keep, h.wd, h.sign];
    this.run("sgd_step", args, n, this.chunkFor(n, 8192, 16), n >= PARALLEL_THRESHOLDS.cheapElements);
  }

  /**
   * im2col of N images [C, H, W] into cols [N, C*KH*KW, OH*OW] (torch.nn.functional.unfold layout), or
   * with `batchColumns` into [C*KH*KW, N*OH*OW] (the images side by side); positions outside the image
   * read `pad`.
   */
  im2col(x: number, cols: number, g: ConvArgs, pad = 0, batchColumns = false): void {
    const rows = g.N * g.C * g.KH * g.KW;
    const args = [x, cols, ...geometryArgs(g), pad, ...layoutArgs(g, batchColumns)];
    this.run("im2col", args, rows, this.chunkFor(rows, 1, 1), rows * g.OH * g.OW >= PARALLEL_THRESHOLDS.convElements);
  }

  /** Max pooling's indices (see assembly/conv.ts maxpool_indices) for N*C planes into int32 `out`. */
  maxPoolIndices(x: number, out: number, g: ConvArgs): void {
    const planes = g.N * g.C;
    const parallel = planes > 1 && planes * g.KH * g.KW * g.OH * g.OW >= PARALLEL_THRESHOLDS.convElements;
    this.run("maxpool_indices", [x, ...geometryArgs(g), out], planes, this.chunkFor(planes, 1, 1), parallel);
  }

  /** col2im (the adjoint, torch fold): x [N, C, H, W] = sum of the cols entries that read each pixel. */
  col2im(cols: number, x: number, g: ConvArgs, batchColumns = false): void {
    const planes = g.N * g.C;
    const args = [cols, x, ...geometryArgs(g), ...layoutArgs(g, batchColumns)];
    const parallel = planes > 1 && planes * g.KH * g.KW * g.OH * g.OW >= PARALLEL_THRESHOLDS.convElements;
    this.run("col2im", args, planes, this.chunkFor(planes, 1, 1), parallel);
  }
}

/**
 * The convolution geometry of kernel-table.ts flattened into the wasm kernels' arguments; OH/OW must
 * equal floor((H + 2ph - dh*(KH-1) - 1)/sh) + 1 (likewise W).
 */
export interface ConvArgs {
  N: number;
  C: number;
  H: number;
  W: number;
  KH: number;
  KW: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  OH: number;
  OW: number;
}

function geometryArgs(g: ConvArgs): number[] {
  return [g.H, g.W, g.KH, g.KW, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW];
}

/** C, then the float strides between images and between column rows in the cols matrix. */
function layoutArgs(g: ConvArgs, batchColumns: boolean): number[] {
  const L = g.OH * g.OW;
  return batchColumns ? [g.C, L, g.N * L] : [g.C, g.C * g.KH * g.KW * L, L];
}

/** Output size of a convolution along one axis, as torch computes it. */
export function convOutSize(size: number, kernel: number, stride: number, pad: number, dilation: number): number {
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}
