// The "wasm" backend: tensors live in a shared WebAssembly memory, float32 kernels run as SIMD code
// split across a worker pool, everything else falls back to the reference kernels. Importing this
// module registers the backend (when the platform supports it) and makes it the default unless
// TENSORGRAD_BACKEND names another one.
import {
  hostIO,
  lookupKernel,
  registerKernel,
  registerKernels,
  type Backend,
  type DType,
  type Kernel,
  type Storage,
  type TransientRegion,
  type TypedArray,
} from "../backend.js";
import type { KernelName, KernelParams, KernelTable, TypedKernel } from "../kernel-table.js";
import { markUnavailable, registerBackend, requestBackend, setBackend } from "../current.js";
import { platform } from "#platform";
import { ValueError } from "../../errors.js";
import { warnOnce } from "../../platform/warn-once.js";
import { wasmUnsupportedReason } from "./module.js";
import { WasmRuntime, type WasmRuntimeOptions } from "./runtime.js";
import { HeapStorage, WasmStorage, residencyOf } from "./storage.js";
import { wasmKernels } from "./kernels.js";
import type { AllocatorStats } from "./allocator.js";
import type { ResidencyStats } from "./residency.js";

export interface WasmBackendOptions extends WasmRuntimeOptions {}

/**
 * Environment knobs, checked when tensorgrad is imported (a value that means nothing is a ValueError
 * naming the variable, never a silent default): TENSORGRAD_BACKEND ("wasm" or "js"),
 * TENSORGRAD_THREADS (threads including the caller; default all the hardware's), and
 * TENSORGRAD_RELAXED_SIMD ("0" keeps the plain SIMD build, see LoadOptions.relaxedSimd; "1" the default).
 */
export interface EnvSettings {
  backend: "wasm" | "js" | "webgpu" | undefined;
  threads: number | undefined;
}

export function readEnvSettings(): EnvSettings {
  const value = (name: string): string | undefined => {
    const v = platform.env(name);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const backend = value("TENSORGRAD_BACKEND");
  if (backend !== undefined && backend !== "wasm" && backend !== "js" && backend !== "webgpu") {
    throw new ValueError(
      `TENSORGRAD_BACKEND="${backend}" names no backend: expected "webgpu", "wasm" or "js" (or unset for the fastest CPU backend that runs here)`,
    );
  }
  const threadsText = value("TENSORGRAD_THREADS");
  let threads: number | undefined;
  if (threadsText !== undefined) {
    threads = /^[0-9]+$/.test(threadsText) ? Number(threadsText) : NaN;
    if (!Number.isSafeInteger(threads) || threads < 1) {
      throw new ValueError(
        `TENSORGRAD_THREADS="${threadsText}" is not a thread count: expected a positive integer (the calling thread included), or unset for all the hardware's threads`,
      );
    }
  }
  const relaxed = value("TENSORGRAD_RELAXED_SIMD");
  if (relaxed !== undefined && relaxed !== "0" && relaxed !== "1") {
    throw new ValueError(
      `TENSORGRAD_RELAXED_SIMD="${relaxed}" is not a switch: expected "0" (plain SIMD build) or "1" (relaxed SIMD where the engine has it, the default)`,
    );
  }
  return { backend, threads };
}

function envOptions(): WasmBackendOptions {
  const { threads } = readEnvSettings();
  return threads !== undefined ? { threads } : {};
}

export class WasmBackend implements Backend {
  readonly name = "wasm";
  // Prototype members, not fields: a storage's `backend` serialises as {"name":"wasm"} (see #options).
  get host(): boolean {
    return true;
  }
  write(storage: Storage, offset: number, values: ArrayLike<number>): void {
    hostIO.write(storage, offset, values);
  }
  read(storage: Storage, offset: number, length: number): Promise<TypedArray> {
    return storage instanceof WasmStorage ? Promise.resolve(storage.read(offset, length).slice()) : hostIO.read(storage, offset, length);
  }
  readSync(storage: Storage, offset: number, length: number): TypedArray {
    // One view rather than a view of the whole storage and then its subarray (item() runs every step).
    return storage instanceof WasmStorage ? storage.read(offset, length) : hostIO.readSync(storage, offset, length);
  }
  // Private fields: a storage's `backend` serialises as {"name":"wasm"}, like the reference's.
  #options: WasmBackendOptions;
  #rt: WasmRuntime | undefined;
  #started = false;
  #heapFallbacks = 0;
  // Open transient regions, innermost last, and the storage lists of closed ones for reuse.
  #regions: Region[] = [];
  #spareLists: WasmStorage[][] = [];

  constructor(options: WasmBackendOptions = {}) {
    this.#options = options;
  }

  /** The kernels, allocator and pool; compiled and started on first use (a few ms, workers ~50 ms). */
  get runtime(): WasmRuntime {
    return (this.#rt ??= new WasmRuntime({ ...envOptions(), ...this.#options }));
  }

  alloc(dtype: DType, length: number, zero = true): Storage {
    const rt = this.runtime;
    const region = this.#regions.length > 0 ? this.#regions[this.#regions.length - 1]!.storages : null;
    const first = this.#attempt(rt, region, dtype, length, zero);
    if (first) return first;
    // The 4 GiB memory is full: copy every idle block out and try once more, then keep going on the
    // JS heap (the reference kernels handle those tensors) rather than fail.
    residencyOf(rt).evictAll();
    const second = this.#attempt(rt, region, dtype, length, zero);
    if (second) return second;
    if (this.#heapFallbacks++ === 0) {
      platform.warn("tensorgrad: wasm memory exhausted; new tensors go to the JS heap (slower) until memory is freed");
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
   * Storages allocated while the region is open stay out of the residency cache (no queue entry, no
   * finalization record, never evicted): closing frees every one not kept, at once, and hands the
   * kept ones to the enclosing region if one is open, else to the cache. Regions nest; an allocation
   * belongs to the innermost open one.
   */
  transient(): TransientRegion {
    const region = new Region(this.#regions, this.#spareLists);
    this.#regions.push(region);
    return region;
  }

  release(storage: Storage): void {
    if (storage instanceof WasmStorage) storage.dispose();
  }

  /**
   * The kernel for `name`, the reference one where this backend has none, guarded: every operand's
   * block is resident and cannot be evicted while it runs (see residency.ts).
   */
  kernel<K extends KernelName>(name: K): TypedKernel<KernelParams[K]> | undefined {
    if (!this.#started) this.#registerKernels();
    let k = lookupKernel("wasm", name);
    if (k === undefined) {
      const ref = lookupKernel("js", name);
      if (ref === undefined) return undefined;
      registerKernel("wasm", name, (k = residencyOf(this.runtime).guard(ref, name)));
    }
    return k;
  }

  /** Compiles the runtime and registers its kernels, each guarded, in the kernel registry. */
  #registerKernels(): void {
    this.#started = true;
    const residency = residencyOf(this.runtime),
      table = wasmKernels(this.runtime);
    const guarded: { -readonly [K in KernelName]?: KernelTable[K] } = {};
    for (const name of Object.keys(table) as KernelName[]) guarded[name] = residency.guard(table[name] as Kernel, name);
    registerKernels("wasm", guarded);
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
   * Copies every tensor's block that no kernel is running on out of wasm memory, now: the dead ones'
   * copies go with the garbage collector, the live ones come back when a kernel next uses them. For
   * handing memory back between phases of a program, and for measuring.
   */
  collect(): void {
    residencyOf(this.runtime).evictAll();
  }

  /** Allocator figures (bytes and blocks in use, free bytes, memory size) and the residency cache's. */
  memoryStats(): AllocatorStats & ResidencyStats {
    return { ...this.runtime.allocator.stats(), ...residencyOf(this.runtime).stats() };
  }
}

/**
 * A transient region of the wasm backend (see WasmBackend.transient): a class rather than a closure
 * over the region's state, and its storage list handed on for reuse once closed, so that the region a
 * backward pass opens costs one object.
 */
class Region implements TransientRegion {
  /** The storages allocated in it so far; null once closed. */
  storages: WasmStorage[] | null;

  constructor(
    private readonly open: Region[],
    private readonly spare: WasmStorage[][],
  ) {
    this.storages = spare.pop() ?? [];
  }

  close(keep: ReadonlySet<Storage>): void {
    const list = this.storages;
    if (list === null) return;
    this.storages = null;
    const open = this.open,
      at = open.lastIndexOf(this);
    if (at >= 0) {
      for (let i = at; i < open.length - 1; i++) open[i] = open[i + 1]!;
      open.pop();
    }
    const outer = open.length > 0 ? open[open.length - 1]!.storages! : null;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (!keep.has(s)) s.dispose();
      else if (outer !== null) outer.push(s);
      else s.track();
    }
    list.length = 0;
    this.spare.push(list);
  }
}

export const wasmBackend = new WasmBackend();

/**
 * Registers the wasm backend if this platform can run it and returns whether it did. Where it cannot,
 * tensorgrad says so once, with the reason, unless TENSORGRAD_BACKEND=js chose the reference backend
 * anyway; TENSORGRAD_BACKEND=wasm then is an error rather than a slower run than asked for.
 */
export function registerWasmBackend({ makeDefault = true }: { makeDefault?: boolean } = {}): boolean {
  const { backend } = readEnvSettings();
  const reason = wasmUnsupportedReason();
  // WebGPU opens asynchronously: fit/evaluate/predict and the command line await it (backendReady).
  if (backend === "webgpu") requestBackend("webgpu");
  if (reason !== null) {
    markUnavailable("wasm", reason);
    if (backend === "wasm") throw new ValueError(`TENSORGRAD_BACKEND="wasm", but the wasm backend cannot run here: ${reason}`);
    if (backend !== "js" && backend !== "webgpu") {
      warnOnce(
        "wasm-unavailable",
        `tensorgrad: running on the plain-TypeScript "js" backend, several times slower than "wasm", because ${reason}. (TENSORGRAD_BACKEND=js chooses it and silences this.)`,
      );
    }
    return false;
  }
  registerBackend(wasmBackend);
  if (makeDefault && backend !== "js") void setBackend("wasm");
  // Selecting the default clears a pending request (setBackend in code wins over the variable): ask again.
  if (backend === "webgpu") requestBackend("webgpu");
  return true;
}

registerWasmBackend();
