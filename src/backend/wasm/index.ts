// The "wasm" backend: tensors live in a shared WebAssembly memory, float32 kernels run as SIMD code
// split across a worker pool, everything else falls back to the reference kernels. Importing this
// module registers the backend (when the platform supports it) and makes it the default unless
// TENSORGRAD_BACKEND names another one.
import type { Backend, DType, Kernel, Storage, TransientRegion } from "../backend.js";
import { registerBackend, setBackend } from "../current.js";
import { isWasmSupported } from "./module.js";
import { WasmRuntime, type WasmRuntimeOptions } from "./runtime.js";
import { HeapStorage, WasmStorage, reclaimerFor } from "./storage.js";
import { wasmKernels } from "./kernels.js";
import type { AllocatorStats } from "./allocator.js";

export interface WasmBackendOptions extends WasmRuntimeOptions {}

/**
 * Environment knobs, read once when the runtime starts: TENSORGRAD_THREADS (threads including the
 * caller; default os.availableParallelism()), TENSORGRAD_RELAXED_SIMD=0 (keep the plain SIMD build,
 * see LoadOptions.relaxedSimd).
 */
function envOptions(): WasmBackendOptions {
  const threads = Number(process.env.TENSORGRAD_THREADS);
  return Number.isInteger(threads) && threads > 0 ? { threads } : {};
}

export class WasmBackend implements Backend {
  readonly name = "wasm";
  // Private fields: a storage's `backend` serialises as {"name":"wasm"}, like the reference's.
  #options: WasmBackendOptions;
  #rt: WasmRuntime | undefined;
  #table: Map<string, Kernel> | undefined;
  #heapFallbacks = 0;
  #regions: WasmStorage[][] = [];

  constructor(options: WasmBackendOptions = {}) {
    this.#options = options;
  }

  /** The kernels, allocator and pool; compiled and started on first use (a few ms, workers ~50 ms). */
  get runtime(): WasmRuntime {
    return (this.#rt ??= new WasmRuntime({ ...envOptions(), ...this.#options }));
  }

  alloc(dtype: DType, length: number, zero = true): Storage {
    const rt = this.runtime;
    const region = this.#regions.length > 0 ? this.#regions[this.#regions.length - 1]! : null;
    const first = this.#attempt(rt, region, dtype, length, zero);
    if (first) return first;
    // The 4 GiB memory is full: collect what is dead and try once more, then keep going on the JS
    // heap (the reference kernels handle those tensors) rather than fail.
    reclaimerFor(rt).collect();
    const second = this.#attempt(rt, region, dtype, length, zero);
    if (second) return second;
    if (this.#heapFallbacks++ === 0) {
      process.emitWarning("tensorgrad: wasm memory exhausted; new tensors go to the JS heap (slower) until memory is freed");
    }
    return new HeapStorage(this, dtype, length);
  }

  /**
   * A block in wasm memory (in the open region, if any), or null when the memory cannot grow. A
   * method, not a closure in alloc: V8 recompiles a closure created per call again and again.
   */
  #attempt(rt: WasmRuntime, region: WasmStorage[] | null, dtype: DType, length: number, zero: boolean): WasmStorage | null {
    try {
      const s = new WasmStorage(this, rt, dtype, length, zero, region === null);
      region?.push(s);
      return s;
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      return null;
    }
  }

  /**
   * Storages allocated while the region is open skip the garbage collector's reclaimer (registering
   * one costs about a microsecond, and a forced collection about 0.5 us more for each dead one):
   * closing frees every one not kept, at once, and tracks the kept ones as usual. Regions nest; an
   * allocation belongs to the innermost open one.
   */
  transient(): TransientRegion {
    const list: WasmStorage[] = [];
    this.#regions.push(list);
    let open = true;
    return {
      close: (keep) => {
        if (!open) return;
        open = false;
        const at = this.#regions.lastIndexOf(list);
        if (at >= 0) this.#regions.splice(at, 1);
        for (const s of list) {
          if (keep.has(s)) s.adopt();
          else s.dispose();
        }
      },
    };
  }

  release(storage: Storage): void {
    if (storage instanceof WasmStorage) storage.dispose();
  }

  kernel(name: string): Kernel | undefined {
    return (this.#table ??= wasmKernels(this.runtime)).get(name);
  }

  /** "relaxed" (fused multiply-add) or "simd": which build the runtime loaded. */
  get flavor(): string {
    return this.runtime.flavor;
  }

  get threads(): number {
    return this.runtime.threads;
  }

  /** Sets the number of threads (the calling thread included) for the kernels that split work. */
  setThreads(threads: number): void {
    this.runtime.setThreads(threads);
  }

  /** Resolves once the worker threads are up (calls before that just run on the calling thread). */
  ready(): Promise<void> {
    return this.runtime.ready();
  }

  /**
   * Runs a full garbage collection and returns the blocks of every tensor found dead, now (they are
   * otherwise returned in batches as allocation goes on), so that memoryStats() shows live data only.
   */
  collect(): void {
    reclaimerFor(this.runtime).collect();
  }

  /** Allocator figures: bytes and blocks in use, free bytes, memory size. */
  memoryStats(): AllocatorStats {
    return this.runtime.allocator.stats();
  }
}

export const wasmBackend = new WasmBackend();

/** Registers the wasm backend if this platform can run it; returns whether it did. */
export function registerWasmBackend({ makeDefault = true }: { makeDefault?: boolean } = {}): boolean {
  if (!isWasmSupported()) return false;
  registerBackend(wasmBackend);
  const wanted = process.env.TENSORGRAD_BACKEND;
  if (makeDefault && (wanted === undefined || wanted === "" || wanted === "wasm")) setBackend("wasm");
  return true;
}

registerWasmBackend();
