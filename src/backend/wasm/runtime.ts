// The fast backend's engine room: the loaded kernels, the allocator over their memory and the worker
// pool, plus one typed entry point per kernel family that decides (from measured thresholds) whether a
// call is worth splitting across threads and how finely.
import { loadWasmKernels, type LoadOptions, type WasmFlavor, type WasmKernels } from "./module.js";
import { WasmAllocator } from "./allocator.js";
import type { AdamStepParams, SgdStepParams } from "../optim-params.js";
import { KERNEL_ARGS, WasmPool, type PoolFunc, type PoolOptions, type Workspace } from "./pool.js";
import type { HeapViews } from "./heap.js";
import { jump } from "./xoshiro-jump.js";

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
/** Dropout masks from this many elements on are drawn in lanes (dropout_groups); shorter ones in one sequence. */
const DROPOUT_LANES_FROM = 4096;

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

/** sgemm's and softmaxRows' options, shared rather than made per call (an omitted one is NO_OPTIONS). */
const NO_OPTIONS = Object.freeze({});
export const ACCUMULATE = Object.freeze({ accumulate: true });
export const LOG = Object.freeze({ log: true });

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
  // A dropout lane's state while the lanes are jumped into place (reused: dropout runs several times a step).
  private readonly laneState = new Int32Array(4);
  private readonly laneNext = new Int32Array(4);
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
  /**
   * A kernel call's arguments, written in place by each entry point and read by the pool before it
   * returns: an array literal per call was a training step's most common garbage after the tensors.
   */
  private readonly argv = new Float64Array(KERNEL_ARGS);
  /** The per-thread gemm workspace as the pool takes it (`arg` set per kernel). */
  private readonly ws: Workspace = { arg: 0, base: 0, stride: 0 };

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

  /** Whole-memory views for host code within one call (see heap.ts). */
  get heap(): HeapViews {
    return this.allocator.heap;
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

  /**
   * fn(argv[0..nargs), lo, hi) over [0, work): split in chunks across the pool, or one call on this
   * thread. The caller has just written the arguments into `argv`.
   */
  private run(func: PoolFunc, nargs: number, work: number, chunk: number, parallel: boolean): void {
    // One chunk is a plain call (made by the pool so that it allocates nothing: see callKernel).
    this.poolInstance.run(func, this.argv, work, parallel ? chunk : work, undefined, false, nargs);
  }

  /** Like run, on every thread, each passing its own gemm workspace as argument `wsArg`. */
  private runWithWorkspace(func: PoolFunc, nargs: number, work: number, chunk: number, wsArg: number, guided = false): void {
    const ws = this.ws;
    ws.arg = wsArg;
    ws.base = this.wsBase;
    ws.stride = this.wsStride;
    this.poolInstance.run(func, this.argv, work, chunk, ws, guided, nargs);
  }

  /** Writes the arguments argv[at..at+6) = (a.ptr, a.rowStride, a.colStride, b.ptr, b.rowStride, b.colStride). */
  private matrices(at: number, a: MatrixRef, b: MatrixRef): void {
    const v = this.argv;
    v[at] = a.ptr;
    v[at + 1] = a.rowStride;
    v[at + 2] = a.colStride;
    v[at + 3] = b.ptr;
    v[at + 4] = b.rowStride;
    v[at + 5] = b.colStride;
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
    { accumulate = false }: { accumulate?: boolean } = NO_OPTIONS,
  ): void {
    if (M <= 0 || N <= 0) return;
    const e = this.kernels.exports;
    const beta = accumulate ? 1 : 0;
    const parallel = this.threads > 1 && 2 * M * N * K >= PARALLEL_THRESHOLDS.gemmFlops;
    const smallOk = b.colStride === 1 || (b.rowStride === 1 && a.colStride === 1);
    const v = this.argv;
    if (M < GEMM_SMALL_M && smallOk) {
      v[0] = M;
      v[1] = N;
      v[2] = K;
      this.matrices(3, a, b);
      v[9] = c.ptr;
      v[10] = c.rowStride;
      v[11] = beta;
      this.run("gemm_small", 12, N, this.chunkFor(N, 32, 32, 2), parallel);
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
        v[0] = M;
        v[1] = K;
        v[2] = a.ptr;
        v[3] = a.rowStride;
        v[4] = a.colStride;
        v[5] = ap;
        this.run("gemm_pack_a", 6, slivers, this.chunkFor(slivers, 4, 1, 2), parallel && M * K >= 1 << 16);
      }
      if (!parallel || this.threads === 1) {
        e.gemm_cols(M, N, K, ap, ars, acs, b.ptr, b.rowStride, b.colStride, c.ptr, c.rowStride, beta, this.wsBase, 0, panels);
      } else {
        v[0] = M;
        v[1] = N;
        v[2] = K;
        v[3] = ap;
        v[4] = ars;
        v[5] = acs;
        v[6] = b.ptr;
        v[7] = b.rowStride;
        v[8] = b.colStride;
        v[9] = c.ptr;
        v[10] = c.rowStride;
        v[11] = beta;
        v[12] = this.wsBase;
        this.runWithWorkspace("gemm_cols", 13, panels, 1, 12, true);
      }
      return;
    }
    const bp = this.packScratch("b", e.gemm_packed_b_floats(K, N) * 4);
    v[0] = K;
    v[1] = N;
    v[2] = b.ptr;
    v[3] = b.rowStride;
    v[4] = b.colStride;
    v[5] = bp;
    this.run("gemm_pack_b", 6, panels, this.chunkFor(panels, 4, 4, 2), parallel && K * N >= 1 << 15);
    if (!parallel) {
      e.gemm_packed(M, N, K, a.ptr, a.rowStride, a.colStride, bp, c.ptr, c.rowStride, beta, this.wsBase, 0, M);
      return;
    }
    v[0] = M;
    v[1] = N;
    v[2] = K;
    v[3] = a.ptr;
    v[4] = a.rowStride;
    v[5] = a.colStride;
    v[6] = bp;
    v[7] = c.ptr;
    v[8] = c.rowStride;
    v[9] = beta;
    v[10] = this.wsBase;
    // Chunks of one A sliver (4 rows), claimed guided: large runs of rows first (each call packs its
    // rows of A once and streams all of packed B past them), single slivers at the end, so the
    // threads finish within a sliver of each other even when a worker starts late.
    this.runWithWorkspace("gemm_packed", 11, M, 4, 10, true);
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
    // A read in place on several threads, packed on one (as sgemm decides for gemm_cols).
    const v = this.argv;
    v[0] = M;
    v[1] = N;
    v[2] = K;
    this.matrices(3, a, b);
    v[9] = c;
    v[10] = this.wsBase;
    v[11] = nb[1];
    v[12] = nb[2];
    v[13] = aBatch[0];
    v[14] = aBatch[1];
    v[15] = aBatch[2];
    v[16] = bBatch[0];
    v[17] = bBatch[1];
    v[18] = bBatch[2];
    v[19] = 1;
    // One product per claim, not guided: a worker that the OS schedules late then holds back at most
    // one product, and the calling thread takes the rest.
    this.runWithWorkspace("gemm_batched", 20, count, 1, 10);
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
      const v = this.argv;
      v[0] = M;
      v[1] = N;
      v[2] = K;
      this.matrices(3, a, b);
      v[9] = cp;
      v[10] = kslice;
      v[11] = this.wsBase;
      this.runWithWorkspace("gemm_splitk", 12, slices, 1, 11);
    }
    const heap = this.heap.f32,
      parts = cp >>> 2,
      out = c.ptr >>> 2;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let v = accumulate ? heap[out + i * c.rowStride + j]! : 0;
        for (let s = 0; s < slices; s++) v += heap[parts + (s * M + i) * N + j]!;
        heap[out + i * c.rowStride + j] = v;
      }
    }
  }

  /**
   * A fused recurrent cell (lstm_cell, lstm_cell_grad, gru_cell or gru_cell_grad in assembly/recurrent.ts)
   * over the N rows of a batch: `args` are the kernel's arguments before the row range; `perRow`
   * elements a row. The cells (three to five transcendentals an element) go parallel like a math op;
   * their gradients, plain arithmetic on the activations the cells kept, like a cheap one.
   */
  recurrentCell(
    func: "lstm_cell" | "lstm_cell_grad" | "gru_cell" | "gru_cell_grad",
    args: readonly number[],
    N: number,
    perRow: number,
  ): void {
    const cheap = func === "lstm_cell_grad" || func === "gru_cell_grad";
    const parallel = N * perRow >= (cheap ? PARALLEL_THRESHOLDS.cheapElements : PARALLEL_THRESHOLDS.mathElements);
    for (let i = 0; i < args.length; i++) this.argv[i] = args[i]!;
    this.run(func, args.length, N, this.chunkFor(N, Math.max(1, Math.ceil((cheap ? 8192 : 2048) / perRow)), 1), parallel);
  }

  /** y[i] = op(x[i]) for i < n, both contiguous float32 (y may be x). */
  unary(op: UnaryOp, x: number, y: number, n: number): void {
    const code = UNARY_OPS[op];
    const math = MATH_UNARY.has(code);
    const parallel = n >= (math ? PARALLEL_THRESHOLDS.mathElements : PARALLEL_THRESHOLDS.cheapElements);
    const v = this.argv;
    v[0] = code;
    v[1] = x;
    v[2] = y;
    this.run("unary", 3, n, this.chunkFor(n, math ? 2048 : 8192, 16), parallel);
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
    const v = this.argv;
    v[0] = code;
    v[1] = C;
    v[2] = a.ptr;
    v[3] = a.rowStride;
    v[4] = a.colStep;
    v[5] = b.ptr;
    v[6] = b.rowStride;
    v[7] = b.colStep;
    v[8] = y;
    this.run("binary", 9, n, this.chunkFor(n, cheap ? 8192 : 1024, 16), parallel);
  }

  /** y = cond != 0 ? a : b over a row-major [R, C] result, each operand broadcast per RowOperand; cond float32 or bool. */
  where(R: number, C: number, cond: RowOperand, a: RowOperand, b: RowOperand, y: number): void {
    const n = R * C;
    const v = this.argv;
    v[0] = C;
    v[1] = cond.ptr;
    v[2] = cond.rowStride;
    v[3] = cond.colStep;
    v[4] = a.ptr;
    v[5] = a.rowStride;
    v[6] = a.colStep;
    v[7] = b.ptr;
    v[8] = b.rowStride;
    v[9] = b.colStep;
    v[10] = y;
    this.run("where", 11, n, this.chunkFor(n, 8192, 16), n >= PARALLEL_THRESHOLDS.cheapElements);
  }

  /**
   * Writes a dropout mask of n float32 elements at y (0 with probability p, else scale) from the
   * generator state `state` (xoshiro128**'s 4 words), which comes back advanced by n draws. A long
   * mask is drawn in lanes of 2^m draws (4 SIMD lanes a thread), each lane's state jumped ahead to
   * its first position: the same elements, in a fraction of the time of one sequence.
   */
  dropoutMask(y: number, n: number, p: number, scale: number, state: Int32Array): void {
    const threshold = p * 4294967296 - 2147483648;
    const mark = this.scratch.mark();
    try {
      if (n < DROPOUT_LANES_FROM) {
        const at = this.scratch.alloc(4);
        this.heap.i32.set(state, at >>> 2);
        this.kernels.exports.dropout_mask(y, n, threshold, scale, at);
        const heap = this.heap.i32;
        for (let i = 0; i < 4; i++) state[i] = heap[(at >>> 2) + i]!;
        return;
      }
      const parallel = n >= PARALLEL_THRESHOLDS.cheapElements;
      const wanted = 4 * (parallel ? this.threads : 1);
      let m = 0;
      while (2 ** m * wanted < n) m++;
      const k = 2 ** m,
        lanes = Math.ceil(n / k),
        groups = Math.ceil(lanes / 4);
      // Lane states, group by group as a[4], b[4], c[4], d[4]; then 4 words of sink.
      const at = this.scratch.alloc(16 * groups + 4),
        base = at >>> 2;
      const heap = this.heap.i32,
        s = this.laneState;
      s.set(state);
      for (let lane = 0; lane < 4 * groups; lane++) {
        if (lane > 0 && lane < lanes) {
          jump(s, m, this.laneNext);
          s.set(this.laneNext);
        }
        const g = base + 16 * (lane >>> 2) + (lane & 3);
        for (let w = 0; w < 4; w++) heap[g + 4 * w] = s[w]!;
      }
      // An integer draw r is below the threshold exactly when r <= ceil(threshold) - 1 (in range for 0 < p < 1).
      const lim = Math.min(2147483647, Math.max(-2147483648, Math.ceil(threshold) - 1));
      const v = this.argv;
      v[0] = y;
      v[1] = n;
      v[2] = k;
      v[3] = lim;
      v[4] = scale;
      v[5] = at;
      v[6] = at + 64 * groups;
      this.run("dropout_groups", 7, groups, 1, parallel && groups > 1);
      // The last lane ends where the sequence does.
      const last = lanes - 1,
        g = base + 16 * (last >>> 2) + (last & 3);
      const h = this.heap.i32;
      for (let w = 0; w < 4; w++) state[w] = h[g + 4 * w]!;
    } finally {
      this.scratch.release(mark);
    }
  }

  /** stats[r] = (mean, 1/sqrt(var + eps)) of each row of x [R, C] (contiguous rows, float32). */
  layerNormStats(x: number, R: number, C: number, eps: number, stats: number): void {
    const v = this.argv;
    v[0] = x;
    v[1] = C;
    v[2] = eps;
    v[3] = stats;
    this.run("layernorm_stats", 4, R, this.chunkFor(R, Math.ceil(1024 / C), 1), R * C >= PARALLEL_THRESHOLDS.reduceElements);
  }

  /** y = (x - mean)·rstd per row of x [R, C], times w and plus b where given (0: none). */
  layerNorm(x: number, stats: number, w: number, b: number, R: number, C: number, y: number): void {
    const v = this.argv;
    v[0] = x;
    v[1] = stats;
    v[2] = w;
    v[3] = b;
    v[4] = C;
    v[5] = y;
    this.run("layernorm_apply", 6, R, this.chunkFor(R, Math.ceil(1024 / C), 1), R * C >= PARALLEL_THRESHOLDS.cheapElements);
  }

  /** dx [R, C] of layer norm from g, x, the stats and w (0: none). */
  layerNormGrad(g: number, x: number, stats: number, w: number, R: number, C: number, dx: number): void {
    const v = this.argv;
    v[0] = g;
    v[1] = x;
    v[2] = stats;
    v[3] = w;
    v[4] = C;
    v[5] = dx;
    this.run("layernorm_grad", 6, R, this.chunkFor(R, Math.ceil(1024 / C), 1), R * C >= PARALLEL_THRESHOLDS.cheapElements);
  }

  /** out [2, C] = (Σ_r g·x̂, Σ_r g) over the R rows. */
  layerNormParamGrad(g: number, x: number, stats: number, R: number, C: number, out: number): void {
    const v = this.argv;
    v[0] = g;
    v[1] = x;
    v[2] = stats;
    v[3] = R;
    v[4] = C;
    v[5] = out;
    this.run("layernorm_param_grad", 6, C, this.chunkFor(C, 16, 4), C >= 64 && R * C >= PARALLEL_THRESHOLDS.reduceElements);
  }

  /** Contiguous copy of a rank <= 4 strided view (shape padded in front with 1s). */
  gather(x: number, shape: readonly number[], strides: readonly number[], y: number): void {
    this.copyStrided(x, shape, strides, y, null);
  }

  /** Contiguous copy of the [R, C] view of x with the given element strides (a row broadcast, a padded row). */
  gather2d(x: number, R: number, C: number, rowStride: number, colStride: number, y: number): void {
    const v = this.argv;
    v[0] = x;
    v[1] = v[2] = 1;
    v[3] = R;
    v[4] = C;
    v[5] = v[6] = 0;
    v[7] = rowStride;
    v[8] = colStride;
    v[9] = y;
    v[10] = v[11] = 0;
    v[12] = C;
    v[13] = 1;
    const n = R * C;
    this.run("copy4", 14, n, this.chunkFor(n, 8192, 16), n >= PARALLEL_THRESHOLDS.cheapElements);
  }

  /**
   * Copy between two strided views of one rank <= 4 shape (padded in front with 1s); `yStrides` null
   * means y is row-major.
   */
  copyStrided(x: number, shape: readonly number[], xStrides: readonly number[], y: number, yStrides: readonly number[] | null): void {
    const rank = shape.length;
    if (rank > 4) throw new RangeError("copyStrided handles rank <= 4");
    // copy4's arguments: x, its 4 dims, x's 4 strides, y, y's 4 strides.
    const v = this.argv,
      pad = 4 - rank;
    v[0] = x;
    let n = 1;
    for (let i = 3; i >= 0; i--) {
      const d = i < pad ? 1 : shape[i - pad]!;
      v[1 + i] = d;
      v[5 + i] = i < pad ? 0 : xStrides[i - pad]!;
      v[10 + i] = i < pad ? 0 : yStrides === null ? n : yStrides[i - pad]!;
      n *= d;
    }
    v[9] = y;
    this.run("copy4", 14, n, this.chunkFor(n, 8192, 16), n >= PARALLEL_THRESHOLDS.cheapElements);
  }

  /**
   * y[r] = reduce(x[r*rowStride .. r*rowStride + L)) for r < R. sum/max/min write float32, argmax/argmin
   * int32 (first index of the extreme; NaN is the extreme, as in torch).
   */
  reduceRows(op: ReduceOp, x: number, rowStride: number, R: number, L: number, y: number): void {
    const parallel = R > 1 && R * L >= PARALLEL_THRESHOLDS.reduceElements;
    const v = this.argv;
    v[0] = REDUCE_OPS[op];
    v[1] = x;
    v[2] = rowStride;
    v[3] = L;
    v[4] = y;
    this.run("reduce_rows", 5, R, this.chunkFor(R, 1, 1), parallel);
  }

  /** y[c] = reduce over r < R of x[r*rowStride + c], c < C (sum, max or min), columns contiguous. */
  reduceCols(op: "sum" | "max" | "min", x: number, rowStride: number, R: number, C: number, y: number): void {
    const parallel = C >= 64 && R * C >= PARALLEL_THRESHOLDS.reduceElements;
    const v = this.argv;
    v[0] = REDUCE_OPS[op];
    v[1] = x;
    v[2] = rowStride;
    v[3] = R;
    v[4] = y;
    this.run("reduce_cols", 5, C, this.chunkFor(C, 16, 16), parallel);
  }

  /** y[o, i, r] = x[o, idx[o, i, r], r]: x is [outer, along, inner], idx and y [outer, k, inner], all contiguous. */
  gatherDim(x: number, outer: number, along: number, inner: number, idx: number, k: number, y: number): void {
    const parallel = outer > 1 && outer * k * inner >= PARALLEL_THRESHOLDS.cheapElements;
    const v = this.argv;
    v[0] = x;
    v[1] = along;
    v[2] = inner;
    v[3] = idx;
    v[4] = k;
    v[5] = y;
    this.run("gather_dim", 6, outer, this.chunkFor(outer, 1, 1), parallel);
  }

  /** y[o, idx[o, i, r], r] += src[o, i, r]: src and idx [outer, k, inner], y [outer, along, inner], all contiguous. */
  scatterAddDim(src: number, idx: number, outer: number, k: number, along: number, inner: number, y: number): void {
    const parallel = outer > 1 && outer * k * inner >= PARALLEL_THRESHOLDS.cheapElements;
    const v = this.argv;
    v[0] = src;
    v[1] = idx;
    v[2] = k;
    v[3] = along;
    v[4] = inner;
    v[5] = y;
    this.run("scatter_add_dim", 6, outer, this.chunkFor(outer, 1, 1), parallel);
  }

  /** y[a*B + b] (int32) = first k < R of the extreme of x[a*outerStride + k*rowStride + b] (argmax or argmin). */
  argMid(op: "argmax" | "argmin", x: number, A: number, outerStride: number, R: number, rowStride: number, B: number, y: number): void {
    const parallel = A > 1 && A * R * B >= PARALLEL_THRESHOLDS.reduceElements;
    const v = this.argv;
    v[0] = op === "argmax" ? 1 : 0;
    v[1] = x;
    v[2] = outerStride;
    v[3] = rowStride;
    v[4] = R;
    v[5] = B;
    v[6] = y;
    this.run("arg_mid", 7, A, this.chunkFor(A, 1, 1), parallel);
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
    const heap = this.heap.i32,
      at = this.rowsPtr >>> 2;
    for (let j = 0; j < k; j++) heap[at + j] = indices[j]!;
    this.kernels.exports.copy_rows(src, rowBytes, this.rowsPtr, dst, 0, k);
  }

  /** Softmax or log-softmax of R rows of length L (x rows at rowStride, y contiguous). */
  softmaxRows(x: number, rowStride: number, R: number, L: number, y: number, { log = false }: { log?: boolean } = NO_OPTIONS): void {
    const parallel = R > 1 && R * L >= PARALLEL_THRESHOLDS.softmaxElements;
    const v = this.argv;
    v[0] = x;
    v[1] = rowStride;
    v[2] = L;
    v[3] = y;
    v[4] = log ? 1 : 0;
    this.run("softmax_rows", 5, R, this.chunkFor(R, 1, 1), parallel);
  }

  /** Adam step in place on n float32 elements of p, m, v (and vMax unless it is 0) from g. */
  adamStep(p: number, g: number, m: number, v: number, vMax: number, n: number, h: AdamStepParams): void {
    const a = this.argv;
    a[0] = p;
    a[1] = g;
    a[2] = m;
    a[3] = v;
    a[4] = vMax;
    a[5] = h.shrink;
    a[6] = h.l2;
    a[7] = h.sign;
    a[8] = h.beta1;
    a[9] = h.c1;
    a[10] = h.beta2;
    a[11] = h.c2;
    a[12] = h.stepSize;
    a[13] = h.bc2Sqrt;
    a[14] = h.eps;
    this.run("adam_step", 15, n, this.chunkFor(n, 4096, 16), n >= PARALLEL_THRESHOLDS.optimElements);
  }

  /** SGD step in place on n float32 elements of p (and the momentum buffer unless it is 0) from g. */
  sgdStep(p: number, g: number, buf: number, n: number, h: SgdStepParams): void {
    const a = this.argv;
    a[0] = p;
    a[1] = g;
    a[2] = buf;
    a[3] = h.first ? 1 : 0;
    a[4] = h.nesterov ? 1 : 0;
    a[5] = h.lr;
    a[6] = h.momentum;
    a[7] = h.keep;
    a[8] = h.wd;
    a[9] = h.sign;
    this.run("sgd_step", 10, n, this.chunkFor(n, 8192, 16), n >= PARALLEL_THRESHOLDS.cheapElements);
  }

  /**
   * im2col of N images [C, H, W] into cols [N, C*KH*KW, OH*OW] (torch.nn.functional.unfold layout), or
   * with `batchColumns` into [C*KH*KW, N*OH*OW] (the images side by side); positions outside the image
   * read `pad`.
   */
  im2col(x: number, cols: number, g: ConvArgs, pad = 0, batchColumns = false): void {
    const rows = g.N * g.C * g.KH * g.KW;
    const v = this.argv;
    v[0] = x;
    v[1] = cols;
    geometryArgs(v, 2, g);
    v[14] = pad;
    layoutArgs(v, 15, g, batchColumns);
    this.run("im2col", 18, rows, this.chunkFor(rows, 1, 1), rows * g.OH * g.OW >= PARALLEL_THRESHOLDS.convElements);
  }

  /** Max pooling's indices (see assembly/conv.ts maxpool_indices) for N*C planes into int32 `out`. */
  maxPoolIndices(x: number, out: number, g: ConvArgs): void {
    const planes = g.N * g.C;
    const parallel = planes > 1 && planes * g.KH * g.KW * g.OH * g.OW >= PARALLEL_THRESHOLDS.convElements;
    const v = this.argv;
    v[0] = x;
    geometryArgs(v, 1, g);
    v[13] = out;
    this.run("maxpool_indices", 14, planes, this.chunkFor(planes, 1, 1), parallel);
  }

  /** col2im (the adjoint, torch fold): x [N, C, H, W] = sum of the cols entries that read each pixel. */
  col2im(cols: number, x: number, g: ConvArgs, batchColumns = false): void {
    const planes = g.N * g.C;
    const v = this.argv;
    v[0] = cols;
    v[1] = x;
    geometryArgs(v, 2, g);
    layoutArgs(v, 14, g, batchColumns);
    const parallel = planes > 1 && planes * g.KH * g.KW * g.OH * g.OW >= PARALLEL_THRESHOLDS.convElements;
    this.run("col2im", 17, planes, this.chunkFor(planes, 1, 1), parallel);
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

/** Writes the 12 geometry arguments from v[at] on. */
function geometryArgs(v: Float64Array, at: number, g: ConvArgs): void {
  v[at] = g.H;
  v[at + 1] = g.W;
  v[at + 2] = g.KH;
  v[at + 3] = g.KW;
  v[at + 4] = g.sh;
  v[at + 5] = g.sw;
  v[at + 6] = g.ph;
  v[at + 7] = g.pw;
  v[at + 8] = g.dh;
  v[at + 9] = g.dw;
  v[at + 10] = g.OH;
  v[at + 11] = g.OW;
}

/** Writes C, then the float strides between images and between column rows in the cols matrix, from v[at] on. */
function layoutArgs(v: Float64Array, at: number, g: ConvArgs, batchColumns: boolean): void {
  const L = g.OH * g.OW;
  v[at] = g.C;
  v[at + 1] = batchColumns ? L : g.C * g.KH * g.KW * L;
  v[at + 2] = batchColumns ? g.N * L : L;
}

/** Output size of a convolution along one axis, as torch computes it. */
export function convOutSize(size: number, kernel: number, stride: number, pad: number, dilation: number): number {
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}
