// A persistent pool of worker threads sharing the kernel module and its memory. The calling thread
// publishes a job (kernel, arguments, a [0, work) range cut into chunks) and works on it too; every
// participant claims chunks dynamically, so a worker the OS has not scheduled cannot stall a call.
import { platform } from "#platform";
import type { PoolWorkerHandle } from "../../platform/platform.js";
import { warnOnce } from "../../platform/warn-once.js";
import type { WasmKernels } from "./module.js";
import { poolWorkerExpression } from "./worker-source.js";

/*
 * Protocol, over an Int32Array control block in a SharedArrayBuffer:
 *  - The main thread first closes the claim word (CLAIM = next generation's tag | IDX_MASK, so nothing
 *    is claimable), writes the job's parameters, resets DONE, opens CLAIM = tag | 0, bumps GEN and wakes
 *    sleeping workers. Closing first matters: a worker that read parameters of an older generation
 *    fails its compare-exchange on CLAIM (wrong tag or closed) instead of running a chunk with
 *    half-written parameters.
 *  - A participant claims chunks idx..idx+g-1 by compare-exchanging CLAIM from tag|idx to tag|idx+g,
 *    runs fn(...args, idx*chunk, min(work, (idx+g)*chunk)) and adds g to DONE; the one completing the
 *    last chunk notifies DONE. The main thread returns once DONE == number of chunks. g is 1, or for a
 *    guided job (GUIDE = d > 0) max(1, floor(chunks left / d)): big claims first, single chunks at
 *    the end, so a participant that starts late (a worker waking up) costs at most one small chunk
 *    of waiting while claims stay few.
 *  - Workers spin on GEN for a while after a job (back-to-back ops find them awake), then sleep in
 *    Atomics.wait; SLEEPERS lets the main thread skip the notify syscall when nobody sleeps.
 *  - Idle workers also touch the 4 KiB pages [PF_POS, PF_END) of the kernels' memory, claiming a few
 *    at a time by compare-exchanging PF_POS, and checking GEN between claims (see prefault).
 */
const LAYOUT = {
  GEN: 0,
  CLAIM: 1,
  DONE: 2,
  FN: 3,
  NARGS: 4,
  NCHUNKS: 5,
  WORK: 6,
  CHUNK: 7,
  WS_ARG: 8,
  SHUTDOWN: 9,
  SLEEPERS: 10,
  ERROR: 11,
  GUIDE: 12,
  PF_POS: 13,
  PF_END: 14,
  STATS: 16,
  MAX_THREADS: 48,
  IDX_BITS: 15,
  IDX_MASK: 0x7fff,
  GEN_MASK: 0xffff,
  ARGS_BYTE_OFFSET: 256,
  MAX_ARGS: 32,
} as const;
const CONTROL_BYTES = LAYOUT.ARGS_BYTE_OFFSET + 8 * LAYOUT.MAX_ARGS;
// Layout check: the per-thread chunk counters (STATS..STATS+MAX_THREADS) must end before the arguments.
if (4 * (LAYOUT.STATS + LAYOUT.MAX_THREADS) > LAYOUT.ARGS_BYTE_OFFSET) throw new Error("pool control layout overlaps");

/** The page size prefault works in (the system's, on the machines this runs on). */
const PAGE_BYTES = 4096;

/** Most chunks a job may have (the claim word keeps the chunk index in 15 bits, minus the "closed" value). */
export const MAX_CHUNKS = LAYOUT.IDX_MASK - 1;

/** Arguments every kernel call passes, the range included: at least the largest arity (im2col's 20). */
export const KERNEL_ARGS = 24;

/**
 * Calls kernel `f` with a[0..KERNEL_ARGS). A wasm export ignores arguments past its own arity, so
 * one fixed call serves every kernel without allocating; a spread call, f(...args), built an
 * argument list (and a heap number per non-integer) on every call, about 18 KB a step of an MLP's
 * training. Young-generation garbage is not free here: after an idle spell V8 shrinks the young
 * generation and touches fresh pages for it again (faults of 10 us each on some machines).
 * pool-worker.js makes the same call.
 */
export function callKernel(f: (...a: number[]) => void, a: Float64Array): void {
  // prettier-ignore
  f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!,
    a[12]!, a[13]!, a[14]!, a[15]!, a[16]!, a[17]!, a[18]!, a[19]!, a[20]!, a[21]!, a[22]!, a[23]!);
}

/** Kernels the pool can run, by index; a job names one of these. */
export const POOL_FUNCS = [
  "gemm_pack_b",
  "gemm_packed",
  "gemm_small",
  "unary",
  "binary",
  "where",
  "copy4",
  "reduce_rows",
  "reduce_cols",
  "softmax_rows",
  "im2col",
  "col2im",
  "adam_step",
  "sgd_step",
  "gather_dim",
  "scatter_add_dim",
  "arg_mid",
  "gemm_pack_a",
  "gemm_cols",
  "gemm_splitk",
  "maxpool_indices",
  "gemm_batched",
  "lstm_cell",
  "lstm_cell_grad",
  "gru_cell",
  "gru_cell_grad",
  "dropout_groups",
  "layernorm_stats",
  "layernorm_apply",
  "layernorm_grad",
  "layernorm_param_grad",
] as const;
export type PoolFunc = (typeof POOL_FUNCS)[number];

export interface PoolOptions {
  /**
   * Threads including the caller; defaults to the hardware's (os.availableParallelism(), or
   * navigator.hardwareConcurrency in a cross-origin-isolated page). Where workers cannot start (a page
   * that is not cross-origin isolated), one, with a warning naming the reason.
   */
  threads?: number;
  /**
   * Iterations a worker polls for the next job before sleeping (about 10 ns each on the x64 machines
   * measured, Atomics.load being a call: some 200 us by default).
   */
  spin?: number;
}

/** A per-thread scratch region: participant i gets base + i*stride as the argument at `arg`. */
export interface Workspace {
  arg: number;
  base: number;
  stride: number;
}

export class WasmPool {
  readonly threads: number;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: PoolWorkerHandle[] = [];
  private readonly fns: ((...a: number[]) => void)[];
  // The calling thread's arguments for callKernel, reused by every call.
  private readonly call = new Float64Array(KERNEL_ARGS);
  private gen = 0;
  private closed = false;
  // Congestion back-off (see noteWait).
  private serialUntil = 0;
  private strikes = 0;
  private backoffMs = 50;
  private readonly started: Promise<void>;

  // Atomics.wait throws on a browser page's main thread: there the caller only spins.
  private readonly canBlock = platform.canBlock;

  constructor(kernels: WasmKernels, { threads, spin = 20000 }: PoolOptions = {}) {
    const support = platform.threadSupport();
    let wanted = threads ?? support.hardware;
    if (wanted > 1 && support.unavailable !== null) {
      warnOnce("threads-unavailable", `tensorgrad: the wasm backend runs on one thread instead of ${wanted}: ${support.unavailable}.`);
      wanted = 1;
    }
    this.threads = Math.min(LAYOUT.MAX_THREADS, Math.max(1, Math.floor(wanted)));
    // Shared with the workers; with none, a plain buffer does (a page that is not cross-origin
    // isolated has no SharedArrayBuffer constructor, though it may still create shared wasm memory).
    const control = this.threads > 1 ? new SharedArrayBuffer(CONTROL_BYTES) : new ArrayBuffer(CONTROL_BYTES);
    this.ctl = new Int32Array(control);
    this.args = new Float64Array(control, LAYOUT.ARGS_BYTE_OFFSET, LAYOUT.MAX_ARGS);
    const exports = kernels.exports as unknown as Record<string, (...a: number[]) => void>;
    this.fns = POOL_FUNCS.map((name) => exports[name]!);
    for (let i = 0; i < POOL_FUNCS.length; i++) {
      if (this.fns[i]!.length > KERNEL_ARGS) throw new Error(`internal: kernel ${POOL_FUNCS[i]} takes more than ${KERNEL_ARGS} arguments`);
    }
    const source = this.threads > 1 ? poolWorkerExpression() : "";
    for (let i = 1; i < this.threads; i++) {
      this.workers.push(
        platform.startPoolWorker(
          {
            module: kernels.module,
            memory: kernels.memory,
            control,
            funcs: POOL_FUNCS,
            index: i,
            spin,
            layout: LAYOUT,
            kernelArgs: KERNEL_ARGS,
          },
          source,
        ),
      );
    }
    this.started = Promise.all(this.workers.map((w) => w.online)).then(() => undefined);
    // Nobody has to await `ready()`: a failed worker only means the others (or the caller) do its
    // chunks, which is slower than asked for, so it is said once.
    this.started.catch((err: Error) => {
      warnOnce(
        "worker-failed",
        `tensorgrad: a wasm pool worker failed to start, so fewer than ${this.threads} threads share the work: ${err?.message ?? err}`,
      );
    });
  }

  /**
   * Resolves once every worker has instantiated the module and is polling for jobs. Calls work before
   * that (the caller simply takes all the chunks); benchmarks wait for this.
   */
  ready(): Promise<void> {
    // Unref'd workers do not keep the event loop alive, so a top-level `await pool.ready()` would let
    // Node exit mid-wait: hold them referenced until they report in.
    for (const w of this.workers) w.ref();
    const unref = () => {
      for (const w of this.workers) w.unref();
    };
    return this.started.then(unref, (err) => {
      unref();
      throw err;
    });
  }

  /** Claims (runs of one or more chunks) of parallel jobs each thread has made so far (index 0 is the calling thread). */
  chunkCounts(): number[] {
    return Array.from({ length: this.threads }, (_, i) => Atomics.load(this.ctl, LAYOUT.STATS + i));
  }

  /**
   * Runs fn(...args, lo, hi) over [0, work) in chunks of `chunk`, on this thread and the workers, and
   * returns when every chunk is done. With one thread or one chunk it is a plain call. `guided` lets
   * a participant claim several chunks at once while many are left (see the protocol above): for
   * kernels whose calls have a fixed cost each (the GEMM packs its rows of A per call). The arguments
   * are args[0..nargs): the runtime passes one reused array and says how much of it is this call's.
   */
  run(
    func: PoolFunc,
    args: ArrayLike<number>,
    work: number,
    chunk: number,
    workspace?: Workspace,
    guided = false,
    nargs = args.length,
  ): void {
    const fnIndex = POOL_FUNCS.indexOf(func);
    const fn = this.fns[fnIndex]!;
    if (work <= 0) return;
    if (nargs + 2 > KERNEL_ARGS) throw new RangeError(`internal: ${nargs} arguments for kernel ${func}, at most ${KERNEL_ARGS - 2}`);
    chunk = Math.max(1, Math.ceil(chunk));
    let nChunks = Math.ceil(work / chunk);
    if (nChunks > MAX_CHUNKS) {
      chunk = Math.ceil(work / MAX_CHUNKS);
      nChunks = Math.ceil(work / chunk);
    }
    const call = this.call;
    for (let i = 0; i < nargs; i++) call[i] = args[i]!;
    call.fill(0, nargs);
    if (workspace) call[workspace.arg] = workspace.base;
    if (this.threads === 1 || nChunks === 1 || this.closed || (this.serialUntil > 0 && performance.now() < this.serialUntil)) {
      call[nargs + 1] = work;
      callKernel(fn, call);
      return;
    }
    const { ctl } = this;
    const t0 = performance.now();
    const gen = (this.gen + 1) & LAYOUT.GEN_MASK || 1; // never 0: workers start from 0
    const tag = gen << LAYOUT.IDX_BITS;
    Atomics.store(ctl, LAYOUT.CLAIM, tag | LAYOUT.IDX_MASK);
    ctl[LAYOUT.FN] = fnIndex;
    ctl[LAYOUT.NARGS] = nargs;
    ctl[LAYOUT.NCHUNKS] = nChunks;
    ctl[LAYOUT.WORK] = work;
    ctl[LAYOUT.CHUNK] = chunk;
    ctl[LAYOUT.WS_ARG] = workspace ? workspace.arg : -1;
    const guide = guided ? 2 * this.threads : 0;
    ctl[LAYOUT.GUIDE] = guide;
    for (let i = 0; i < nargs; i++) this.args[i] = args[i]!;
    if (workspace) {
      this.args[nargs] = workspace.base;
      this.args[nargs + 1] = workspace.stride;
    }
    Atomics.store(ctl, LAYOUT.DONE, 0);
    Atomics.store(ctl, LAYOUT.CLAIM, tag);
    this.gen = gen;
    Atomics.store(ctl, LAYOUT.GEN, gen);
    if (Atomics.load(ctl, LAYOUT.SLEEPERS) > 0) Atomics.notify(ctl, LAYOUT.GEN);

    // Our share: claim chunks until none are left.
    let mine = 0,
      claims = 0;
    for (;;) {
      const v = Atomics.load(ctl, LAYOUT.CLAIM);
      const idx = v & LAYOUT.IDX_MASK;
      if (idx >= nChunks) break;
      const g = guide > 0 ? Math.max(1, Math.floor((nChunks - idx) / guide)) : 1;
      if (Atomics.compareExchange(ctl, LAYOUT.CLAIM, v, v + g) !== v) continue;
      const lo = idx * chunk;
      call[nargs] = lo;
      call[nargs + 1] = Math.min(work, lo + g * chunk);
      callKernel(fn, call);
      mine += g;
      claims++;
    }
    ctl[LAYOUT.STATS] += claims;
    // Chunks claimed by workers may still be running: spin briefly, then sleep until the last one
    // notifies.
    const t1 = performance.now();
    // One loop, so that its condition is type-profiled on every call: a separate sleeping loop
    // reached only now and then made V8 throw the optimized code away each time it was reached.
    let done = Atomics.add(ctl, LAYOUT.DONE, mine) + mine;
    for (let i = 0; done < nChunks; i++) {
      if (i >= 100000 && this.canBlock) Atomics.wait(ctl, LAYOUT.DONE, done, 10);
      done = Atomics.load(ctl, LAYOUT.DONE);
    }
    const t2 = performance.now();
    this.noteWait(t1 - t0, t2 - t1, t2);
    if (Atomics.load(ctl, LAYOUT.ERROR) !== 0) {
      Atomics.store(ctl, LAYOUT.ERROR, 0);
      throw new Error(`wasm kernel ${func} failed in a pool worker`);
    }
  }

  /**
   * Has the workers, while idle, touch the pages of [from, to) (byte addresses in the kernels' memory,
   * freshly grown and not yet handed out) so that the calling thread does not take their page faults
   * when it first writes them: 10-13 us each on the virtual machines measured, about 4,000 an epoch
   * while a training run's garbage budget grows. Each page gets an atomic OR of 0 on one word, which
   * leaves whatever another thread writes there intact. Pages already claimed stay claimed; a range
   * starting below the current position does not move it back.
   */
  prefault(from: number, to: number): void {
    if (this.threads === 1 || this.closed) return;
    const lo = Math.ceil(from / PAGE_BYTES),
      hi = Math.floor(to / PAGE_BYTES);
    if (hi <= lo) return;
    const { ctl } = this;
    for (;;) {
      const pos = Atomics.load(ctl, LAYOUT.PF_POS);
      if (pos >= lo || Atomics.compareExchange(ctl, LAYOUT.PF_POS, pos, lo) === pos) break;
    }
    if (hi > Atomics.load(ctl, LAYOUT.PF_END)) Atomics.store(ctl, LAYOUT.PF_END, hi);
    // A sleeping worker wakes, finds GEN unchanged, and touches pages until a job comes or none are left.
    if (Atomics.load(ctl, LAYOUT.SLEEPERS) > 0) Atomics.notify(ctl, LAYOUT.GEN, 1);
  }

  /** [next page to touch, end) of the workers' prefault range, in 4 KiB pages (for tests). */
  prefaultRange(): [number, number] {
    return [Atomics.load(this.ctl, LAYOUT.PF_POS), Atomics.load(this.ctl, LAYOUT.PF_END)];
  }

  /**
   * Back-off for oversubscribed machines. A worker that claimed a chunk and was then descheduled
   * (other processes on its core) makes the caller wait a whole OS time slice, milliseconds, which
   * can make two threads far slower than one (measured: n = 128 sgemm 0.66x when the second core
   * was busy). Waiting longer than our own share took, plus 0.1 ms, twice in a row, means that
   * happened: run jobs on the calling thread alone for a while (50 ms, doubling to 2 s while it
   * keeps happening), then try the workers again.
   */
  private noteWait(ownMs: number, waitMs: number, now: number): void {
    // Straight-line on purpose: V8 inlines this into run(), and a branch that had never been taken
    // when run() was optimized (the trip, a few times an epoch while V8's compiler threads hold the
    // other core) threw run() back to the interpreter each time it was taken.
    const backoff = this.backoffMs;
    const slow = waitMs > ownMs + 0.1 ? 1 : 0;
    const strikes = (this.strikes + 1) * slow;
    const trip = strikes >= 2 ? 1 : 0;
    const doubled = Math.min(2000, backoff * 2),
      halved = Math.max(50, backoff / 2);
    const until = now + backoff;
    this.strikes = strikes * (1 - trip);
    this.serialUntil = trip === 1 ? until : this.serialUntil;
    this.backoffMs = trip === 1 ? doubled : slow === 1 ? backoff : halved;
  }

  /** Stops the workers (they finish their current job first). Later runs execute on this thread only. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    Atomics.store(this.ctl, LAYOUT.SHUTDOWN, 1);
    this.gen = (this.gen + 1) & LAYOUT.GEN_MASK || 1;
    Atomics.store(this.ctl, LAYOUT.GEN, this.gen);
    Atomics.notify(this.ctl, LAYOUT.GEN);
    // Referenced while they wind down, so that awaiting close() keeps the event loop alive.
    return Promise.all(this.workers.map((w) => w.exited())).then(() => undefined);
  }
}
