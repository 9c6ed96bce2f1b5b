// Tensor storage of the wasm backend: a Block that the residency cache (residency.ts) keeps in wasm
// memory while kernels use it, or copies out to the JS heap under memory pressure. The storage holds
// its block; the cache never holds the storage, so the storage dies like any object.
import type { Backend, DType, HostStorage, Storage, TypedArray } from "../backend.js";
import { Block, Residency } from "./residency.js";
import type { WasmRuntime } from "./runtime.js";

const residencies = new WeakMap<WasmRuntime, Residency>();

/** The runtime's residency cache, made on first use. */
export function residencyOf(rt: WasmRuntime): Residency {
  let r = residencies.get(rt);
  if (!r) residencies.set(rt, (r = new Residency(rt.allocator, WasmStorage.blockOf, WasmStorage.lifelineOf)));
  return r;
}

const EMPTY: Record<DType, () => TypedArray> = {
  float32: () => new Float32Array(0),
  float64: () => new Float64Array(0),
  int32: () => new Int32Array(0),
};

export class WasmStorage implements HostStorage {
  // Private, like the runtime: own enumerable fields stay the reference storage's (backend, dtype,
  // length; `data` through toJSON), so code that serialises or compares storages sees the same shape.
  #block: Block;
  #runtime: WasmRuntime;
  // What the residency cache's finalization registry watches: referenced by this storage alone and
  // referencing nothing, so that the engine keeping it alive for the registry keeps nothing else.
  // Made when the block is registered, after a turn of the event loop: a loop that never yields makes
  // none, and a training step allocates some twenty storages.
  #lifeline: object | null = null;

  /**
   * `zero` false leaves recycled memory as it is (the caller overwrites it). `tracked` false keeps the
   * block out of the cache (never evicted, never freed by the collector): the caller, a transient
   * region, frees it or calls track() later. Throws RangeError when wasm memory is exhausted.
   */
  constructor(
    readonly backend: Backend,
    runtime: WasmRuntime,
    readonly dtype: DType,
    readonly length: number,
    zero = true,
    tracked = true,
  ) {
    this.#runtime = runtime;
    this.#block = length > 0 ? residencyOf(runtime).alloc(this, dtype, length, zero, tracked) : new Block(0, dtype, 0, EMPTY[dtype]());
  }

  /** The block of a wasm storage, undefined for any other storage. */
  static blockOf(s: Storage): Block | undefined {
    return #block in s ? s.#block : undefined;
  }

  /** The object whose death stands for this storage's (see residency.ts's registry), made on first call. */
  static lifelineOf(s: Storage): object {
    return ((s as WasmStorage).#lifeline ??= {});
  }

  toJSON(): object {
    return { backend: this.backend, dtype: this.dtype, length: this.length, data: this.data };
  }

  /**
   * The elements: a view of wasm memory while resident, else the host copy. Valid until the next
   * allocation or kernel call (either may move the block): read it, use it, drop it.
   */
  get data(): TypedArray {
    const b = this.#block;
    return b.length > 0 ? residencyOf(this.#runtime).hostData(b) : b.host;
  }

  /** Elements [offset, offset + length) of `data`, as one view with the same validity. */
  read(offset: number, length: number): TypedArray {
    const b = this.#block;
    return b.length > 0 ? residencyOf(this.#runtime).hostRange(b, offset, offset + length) : b.host.subarray(offset, offset + length);
  }

  get runtime(): WasmRuntime {
    return this.#runtime;
  }

  /** Byte address of element 0 in the runtime's memory (0: empty, evicted or disposed). */
  get ptr(): number {
    return this.#block.ptr;
  }

  /** Hands an untracked block (a kept transient) to the cache. */
  track(): void {
    if (this.length > 0) residencyOf(this.#runtime).track(this);
  }

  /**
   * Returns the memory now instead of waiting for the collector, for code that knows the storage is
   * dead. Idempotent; the storage (and its `data`) must not be used afterwards.
   */
  dispose(): void {
    if (this.length > 0) residencyOf(this.#runtime).free(this.#block);
  }
}

/**
 * Storage on the JS heap for a wasm-backend tensor, used when the wasm memory cannot grow further:
 * slower (kernels fall back to the reference implementation for it) but the program keeps going.
 */
export class HeapStorage implements HostStorage {
  readonly data: TypedArray;
  constructor(
    readonly backend: Backend,
    readonly dtype: DType,
    readonly length: number,
  ) {
    this.data = dtype === "float32" ? new Float32Array(length) : dtype === "float64" ? new Float64Array(length) : new Int32Array(length);
  }
}
