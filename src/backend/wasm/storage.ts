// Tensor storage inside the wasm memory: a block from the allocator and a typed-array view onto it,
// returned to the allocator when the storage object is garbage-collected (see Reclaimer for how that
// also works inside long synchronous loops).
import { platform } from "#platform";
import type { Backend, DType, Storage, TypedArray } from "../backend.js";
import type { WasmAllocator } from "./allocator.js";
import type { WasmRuntime } from "./runtime.js";

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };
const MB = 1 << 20;
// Allocations between forced collections when tensors are small (bytes alone would let tens of
// thousands of dead blocks pile up, each holding a registry cell on the JS heap). A full GC spends
// about 0.5 us per dead registered storage (measured) whenever it runs, so batching more does not
// make it cheaper, only lets more pile up. On a 16-32-1 MLP step (30 allocations of <= 4 KiB) 8192
// keeps wasm memory under 9 MiB and the JS heap flat for ~4 % of step time.
const BLOCKS = 8192;
// Garbage, in bytes, left for the collector to find between forced collections (see pressure). Only
// what nobody returned by hand counts: a LeNet step allocates ~12 MB of activations and im2col
// matrices, but its backward returns them, and counting them ran a full GC every 5 steps (17 an epoch,
// 7-9 ms each); with only what the collector must find counted, it runs about 1.5 an epoch.
const GARBAGE_BYTES = 16 * MB;

/**
 * What first touching fresh memory costs here, in ms per MB: touches every 4 KiB page but the first of
 * a new 64 KiB WebAssembly.Memory (fresh pages from the system), three times, and keeps the median.
 * Measured, not assumed, because it varies fivefold between virtual machines (3 us and 13 us a fault
 * measured on two of the same kind). Runs once, and only when the reclaimer considers a bigger garbage
 * budget.
 */
let faultCost: number | undefined;
export function faultCostMsPerMB(): number {
  if (faultCost !== undefined) return faultCost;
  // 15 timed pages a sample, 0.2 ms at 13 us a fault (64 a sample took 7 ms of a small MLP's first
  // epoch in a CPU profile). The first page is touched untimed: the first fault in a fresh region also
  // sets up its page table, which made 16-page samples read 30-80 % high (median of 3: 4.0-5.7 ms per MB
  // against 2.8-3.0 over 1 MB); with it left out they agree (2.9-3.1 against 2.9-3.3).
  const PAGE = 4096, BYTES_PROBED = 65536, samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const view = new Uint8Array(new WebAssembly.Memory({ initial: BYTES_PROBED / 65536 }).buffer);
    view[0] = 1;
    const t0 = performance.now();
    for (let p = PAGE; p < view.length; p += PAGE) view[p] = 1;
    samples.push(((performance.now() - t0) * MB) / (BYTES_PROBED - PAGE));
  }
  samples.sort((a, b) => a - b);
  // A probe that found its pages already mapped (an engine that recycles memories) reads near zero:
  // the cost assumed before it was measured, 0.5 ms per MB, stays the floor.
  faultCost = Math.max(0.5, samples[1]!);
  return faultCost;
}

/**
 * The reclaimer's next budget multiplier (see Reclaimer.collect): doubles, up to 4, while forced
 * collections take over 2 % of the time and the collection time spent at this multiplier has paid for
 * first touching the memory a doubling adds (GARBAGE_BYTES × scale at `faultMsPerMB()`); halves while
 * they take under 0.5 %. `faultMsPerMB` is only called when a doubling is otherwise due.
 */
export function nextBudgetScale(scale: number, share: number, gcMsAtScale: number, faultMsPerMB: () => number): number {
  if (share > 0.02 && scale < 4 && gcMsAtScale >= faultMsPerMB() * (GARBAGE_BYTES / MB) * scale) return scale * 2;
  if (share < 0.005 && scale > 1) return scale / 2;
  return scale;
}

export interface ReclaimOptions {
  /**
   * Reclaim blocks synchronously (default true; TENSORGRAD_WASM_SYNC_FREE=0 turns it off). A
   * FinalizationRegistry's callbacks only run between event-loop tasks, so a training loop that
   * never yields would otherwise never free a block: instead the registry comes from a private vm
   * context with V8's `cleanupSome` enabled, which the allocator calls every few MB, and when garbage
   * outgrows the live data a full GC (V8's `gc`, exposed in that context only) finds the dead
   * tensors. Both need V8 flags set at run time; where that fails, freeing falls back to the
   * asynchronous callbacks.
   */
  sync?: boolean;
}

/** Frees the blocks of collected storages. */
export class Reclaimer {
  // The current registry, and what sweeps it and finds dead storages; all undefined while retired
  // (see retire).
  private registry: FinalizationRegistry<number> | undefined;
  private sweep: (() => void) | undefined;
  private fullGc: (() => void) | undefined;
  private readonly attach: () => void;
  // Storages made while retired, weakly, with their block tags: handed to the next registry, or
  // freed if they died meanwhile (see resume).
  private pending: Array<[WeakRef<object>, number]> = [];
  private closed = false;
  private resumeScheduled = false;
  /** Whether dead storages are found without yielding to the event loop. */
  readonly synchronous: boolean;
  private sinceSweep = 0;
  private sinceGc = 0;
  private blocksSinceGc = 0;
  private liveAfterGc = 0;
  // Multiplier on the byte and block budgets between forced collections, adapted to what a collection
  // costs against the work between two of them (see collect).
  private scale = 1;
  private lastGcEnd = 0;
  // Forced-collection time spent since the scale last changed.
  private gcMsAtScale = 0;

  constructor(private readonly allocator: WasmAllocator, { sync = platform.env("TENSORGRAD_WASM_SYNC_FREE") !== "0" }: ReclaimOptions = {}) {
    // V8 takes a field that only the constructor has written for a constant and folds it into the
    // optimized code that reads it; the first later change then deoptimizes all of that code. For
    // `scale` that was the storage constructor, adopt and close (pressure() inlined), mid-training at
    // the first budget doubling, and they ran unoptimized for about an epoch (--trace-deopt). Written
    // twice here, it is an ordinary field from the start.
    this.scale = 2;
    this.scale = 1;
    // Held values are block tags, not addresses: a storage disposed by hand has already returned its
    // block (which may belong to another storage by now), and its late finalizer must not free it again.
    // So no unregister token is needed, which spares V8 a token-to-cell table as large as the number
    // of storages awaiting collection.
    const free = (tag: number) => void allocator.freeTagged(tag);
    let Registry: typeof FinalizationRegistry = FinalizationRegistry;
    let gc: (() => void) | undefined;
    if (sync) {
      try {
        // Flags only shape contexts created afterwards, so this one private context sees them.
        platform.setV8Flag("--harmony-weak-refs-with-cleanup-some");
        platform.setV8Flag("--expose-gc");
        const run = platform.freshContextEval();
        if (run) {
          const R = run("FinalizationRegistry") as typeof FinalizationRegistry;
          if (typeof (R.prototype as { cleanupSome?: unknown }).cleanupSome === "function") Registry = R;
          gc = run("typeof gc === 'function' ? gc : undefined") as (() => void) | undefined;
        }
      } catch {
        // Keep the asynchronous registry.
      }
    }
    const cleanupSome = (Registry.prototype as { cleanupSome?: () => void }).cleanupSome;
    this.synchronous = typeof cleanupSome === "function";
    this.attach = () => {
      const registry = new Registry<number>(free);
      this.registry = registry;
      this.sweep = typeof cleanupSome === "function" ? () => cleanupSome.call(registry) : undefined;
      this.fullGc = this.sweep ? gc : undefined;
    };
    this.attach();
    guardProcessExit(this);
  }

  track(storage: object, ptr: number): void {
    const registry = this.registry;
    if (registry !== undefined) registry.register(storage, this.allocator.tagOf(ptr));
    else if (!this.closed) this.pending.push([new WeakRef(storage), this.allocator.tagOf(ptr)]);
  }

  /**
   * Drops the registry so that no collection from here on can schedule its cleanup. Called as the
   * process ends, first among the `beforeExit` and `exit` listeners (see guardProcessExit). V8 runs a
   * registry's cleanup as a task, and a collection after the event loop's last turn left that task
   * for Node to run while it tore the environment down, with JavaScript disallowed, which aborted
   * the process ("illegal access", exit code 134), however empty the registry's queue. A registry
   * nothing references is never scheduled: a collection only processes the cells of live ones.
   *
   * After `beforeExit` the loop may turn again (a listener started more work): the first timer or
   * immediate of that turn attaches a new registry (resume). Storages made until then are held weakly
   * (a WeakRef's clearing schedules nothing) and handed to it, or freed if they died; a long
   * synchronous job started before that timer keeps its garbage until it ends. What the dropped
   * registry tracked cannot be handed over (nothing else references those storages): a storage that
   * was alive at `beforeExit` and dies after the loop turned again keeps its block. After `exit`
   * nothing is tracked again; the process is ending.
   */
  retire(final: boolean): void {
    this.registry = undefined;
    this.sweep = undefined;
    this.fullGc = undefined;
    if (final) {
      this.closed = true;
      this.pending = [];
      return;
    }
    if (this.resumeScheduled) return;
    this.resumeScheduled = true;
    // Unreferenced, both: they run only if something else keeps the loop going. The timer runs first
    // in a turn, ahead of any the listeners set (same 1 ms list, inserted earlier); the immediate
    // covers a turn whose timers are not yet due.
    const resume = () => {
      if (!this.resumeScheduled) return;
      this.resumeScheduled = false;
      clearTimeout(timer);
      clearImmediate(immediate);
      this.resume();
    };
    const timer = setTimeout(resume, 0).unref();
    const immediate = setImmediate(resume).unref();
  }

  private resume(): void {
    if (this.closed || this.registry !== undefined) return;
    this.attach();
    const registry = this.registry!;
    for (const [ref, tag] of this.pending) {
      const storage = ref.deref();
      if (storage) registry.register(storage, tag);
      else this.allocator.freeTagged(tag);
    }
    this.pending = [];
  }

  /**
   * Called before each allocation. Every 4 MB allocated, frees what the collector has already found
   * dead (cheap). When the bytes left to the collector since the last full GC (allocated, minus what
   * was returned by hand: see returned) exceed both GARBAGE_BYTES (16 MB) and the live data measured
   * after it, or 8192 blocks were handed out (rate-limited), runs one, so garbage stays below about
   * the live size plus 16 MB.
   */
  pressure(bytes: number): void {
    if (!this.sweep) return;
    this.sinceSweep += bytes;
    this.sinceGc += bytes;
    this.blocksSinceGc++;
    if (this.fullGc && (this.sinceGc >= Math.max(GARBAGE_BYTES * this.scale, this.liveAfterGc) || this.blocksSinceGc >= BLOCKS * this.scale)) {
      this.collect(true);
    } else if (this.sinceSweep >= 4 * MB) {
      this.sinceSweep = 0;
      this.sweep();
    }
  }

  /**
   * A tracked block of `bytes` was returned by hand (WasmStorage.dispose: a graph's intermediate
   * released by backward): the collector need not find it, so it leaves the byte budget. Its
   * storage object still counts as a block until a collection clears its registry cell.
   */
  returned(bytes: number): void {
    this.sinceGc = Math.max(0, this.sinceGc - bytes);
  }

  /**
   * A full collection and sweep now: on schedule (`scheduled`), or as the last resort before giving
   * up on wasm memory. A full GC costs about the same whatever it finds (it marks the whole JS heap:
   * 5-15 ms for a 10 MB heap), so the byte budget counts only garbage it must find: counting every
   * byte allocated ran one every few steps when tensors are large and steps short (a LeNet step
   * allocates ~12 MB, nearly all returned by hand: 12-15 % of the time in GC).
   * A bigger budget is not free either: the memory it adds is touched for the first time, one page
   * fault per 4 KiB (3-13 us each on the virtual machines measured, 0.75-3.3 ms per MB), which in a
   * run's first epochs can cost more than the collections it saves (measured: an MLP epoch with 38,000
   * faults took twice as long as one without). So the budget doubles, up to 4x (64 MB of garbage at
   * most), only while collections take more than 2 % of the time AND the collection time spent since
   * the last change has paid for the faults of the memory the doubling adds, at the cost measured on
   * this machine (faultCostMsPerMB); it halves back when collections take under 0.5 % of the time.
   */
  collect(scheduled = false): void {
    const t0 = performance.now();
    this.fullGc?.();
    this.sweep?.();
    const t1 = performance.now();
    if (scheduled && this.lastGcEnd > 0) {
      const share = (t1 - t0) / (t1 - this.lastGcEnd);
      this.gcMsAtScale += t1 - t0;
      const scale = nextBudgetScale(this.scale, share, this.gcMsAtScale, faultCostMsPerMB);
      if (scale !== this.scale) {
        this.scale = scale;
        this.gcMsAtScale = 0;
      }
    }
    this.lastGcEnd = t1;
    this.sinceGc = 0;
    this.sinceSweep = 0;
    this.blocksSinceGc = 0;
    this.liveAfterGc = this.allocator.bytesInUse;
  }
}

// Every reclaimer, weakly, for the process-exit listeners (see Reclaimer.retire).
const retirable = new Set<WeakRef<Reclaimer>>();
let exitListeners = false;

function guardProcessExit(reclaimer: Reclaimer): void {
  retirable.add(new WeakRef(reclaimer));
  if (exitListeners) return;
  exitListeners = true;
  const retireAll = (final: boolean) => {
    for (const ref of retirable) {
      const r = ref.deref();
      if (r) r.retire(final);
      else retirable.delete(ref);
    }
  };
  platform.onExit(retireAll);
}

const reclaimers = new WeakMap<WasmRuntime, Reclaimer>();

export function reclaimerFor(rt: WasmRuntime): Reclaimer {
  let r = reclaimers.get(rt);
  if (!r) reclaimers.set(rt, (r = new Reclaimer(rt.allocator)));
  return r;
}

export class WasmStorage implements Storage {
  // Own enumerable fields match the reference storage's (dtype, length, backend, data), so code
  // that serialises or compares storages sees the same shape; the runtime and address stay private.
  readonly data: TypedArray;
  #runtime: WasmRuntime;
  #address: number;

  #tracked = false;

  /**
   * `zero` false leaves recycled memory as it is (the caller overwrites it). `tracked` false keeps the
   * block away from the garbage collector's reclaimer: the caller (a transient region) frees it or
   * calls track() later.
   */
  constructor(readonly backend: Backend, runtime: WasmRuntime, readonly dtype: DType, readonly length: number,
    zero = true, tracked = true) {
    this.#runtime = runtime;
    const bytes = length * BYTES[dtype];
    if (length > 0 && tracked) reclaimerFor(runtime).pressure(bytes);
    this.#address = length > 0 ? runtime.allocator.alloc(bytes, zero) : 0;
    if (this.#address && tracked) this.track();
    // The memory is shared and never moves (growth only appends), so this one view stays valid for
    // the storage's life. Nobody may keep it past the storage: the block is then reused.
    const buffer = runtime.kernels.memory.buffer;
    this.data = dtype === "float32" ? new Float32Array(buffer, this.#address, length)
      : dtype === "float64" ? new Float64Array(buffer, this.#address, length)
      : new Int32Array(buffer, this.#address, length);
  }

  get runtime(): WasmRuntime {
    return this.#runtime;
  }

  /** Byte address of element 0 in the runtime's memory (0: empty or disposed, owns nothing). */
  get ptr(): number {
    return this.#address;
  }

  /** Hands the block to the reclaimer, which frees it once this storage is garbage-collected. */
  track(): void {
    if (this.#tracked || !this.#address) return;
    reclaimerFor(this.#runtime).track(this, this.#address);
    this.#tracked = true;
  }

  /** Counts the block towards the reclaimer's collection schedule, then tracks it (a kept transient). */
  adopt(): void {
    if (this.#tracked || !this.#address) return;
    reclaimerFor(this.#runtime).pressure(this.length * BYTES[this.dtype]);
    this.track();
  }

  /**
   * Returns the block now instead of waiting for the garbage collector, for code that knows the
   * storage is dead. Idempotent; the storage (and its `data`) must not be used afterwards.
   */
  dispose(): void {
    if (!this.#address) return;
    // A tracked storage's finalizer still runs later and finds its block tag stale.
    if (this.#tracked) reclaimerFor(this.#runtime).returned(this.length * BYTES[this.dtype]);
    this.#runtime.allocator.free(this.#address);
    this.#address = 0;
  }
}

/**
 * Storage on the JS heap for a wasm-backend tensor, used when the wasm memory cannot grow further:
 * slower (kernels fall back to the reference implementation for it) but the program keeps going.
 */
export class HeapStorage implements Storage {
  readonly data: TypedArray;
  constructor(readonly backend: Backend, readonly dtype: DType, readonly length: number) {
    this.data = dtype === "float32" ? new Float32Array(length) : dtype === "float64" ? new Float64Array(length) : new Int32Array(length);
  }
}
