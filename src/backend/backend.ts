// The kernel boundary: what a backend is, what a kernel sees, and the one registry that maps a
// kernel's name (see kernel-table.ts) to each backend's implementation. Backends know nothing of autograd, never compute output
// shapes and never allocate outputs: the core does all three, then calls a kernel with views.

/** Element type of a tensor: 32- and 64-bit floats, 32-bit integers (torch.float32, float64, int32). */
export type DType = "float32" | "float64" | "int32";
export type TypedArray = Float32Array | Float64Array | Int32Array;

/**
 * A flat buffer of elements owned by a backend (zero-initialised unless allocated with zero = false).
 * Above the backends it is an opaque handle: host values enter through `Backend.write` and leave
 * through `Backend.read`/`readSync` (test/unit/architecture.test.ts keeps it so), which lets a backend
 * keep its memory on a device.
 */
export interface Storage {
  readonly dtype: DType;
  readonly length: number;
  readonly backend: Backend;
}

/**
 * A storage in host memory (the reference and wasm backends): `data` is a typed-array view of it. A
 * backend whose memory can move (WebAssembly memory that grows) returns a fresh view each time, so
 * kernels read `data` once at their start and never allocate while holding it.
 */
export interface HostStorage extends Storage {
  readonly data: TypedArray;
}

/** Whether `s` lives in host memory (has `data`). */
export function isHostStorage(s: Storage): s is HostStorage {
  return "data" in s;
}

/**
 * The host elements of `s`, for host kernels. A device storage (WebGPU) cannot be read synchronously:
 * that is an AsyncReadError naming the ways to bring its values to the CPU.
 */
export function hostData(s: Storage): TypedArray {
  if (!isHostStorage(s)) {
    throw new AsyncReadError(
      `a tensor on the "${s.backend.name}" backend was used where its values must be read synchronously (a "${s.backend.name}" tensor given to a CPU backend's kernel, or a synchronous read): read it with \`await t.data()\`, or move it with \`await t.cpu()\``,
    );
  }
  return s.data;
}

/**
 * What a kernel sees of a tensor: the storage, the element offset of index [0, 0, ...], and the
 * step in elements for each dimension (0 for a broadcast dimension). Output views are contiguous
 * row-major unless a kernel's contract says otherwise (only `copy` writes through a strided view).
 */
export interface View {
  readonly storage: Storage;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

import type { KernelName, KernelParams, KernelTable, TypedKernel } from "./kernel-table.js";
import { AsyncReadError } from "../errors.js";

/** Any kernel of the table, its parameters unchecked (for code that treats kernels alike: guards, fallbacks). */
export type Kernel = TypedKernel<any>;

export interface Backend {
  readonly name: string;
  /**
   * A buffer of `length` elements, zero-filled unless `zero` is false: then its contents are
   * unspecified and the caller must write every element before anything reads it (the core does so
   * for kernel outputs whose kernels overwrite them whole; see ops/run-kernel.ts).
   */
  alloc(dtype: DType, length: number, zero?: boolean): Storage;
  /** The kernel this backend runs for `name`, or undefined to fall back to the reference. */
  kernel<K extends KernelName>(name: K): TypedKernel<KernelParams[K]> | undefined;
  /**
   * Whether the storages live in host memory: kernels this backend lacks then fall back to the
   * reference ones. A device backend (WebGPU) has every kernel it runs or throws.
   */
  readonly host: boolean;
  /** Writes host `values` into `storage` from element `offset` on (converted to its dtype), in order with kernels already run. */
  write(storage: Storage, offset: number, values: ArrayLike<number>): void;
  /** A copy of the elements [offset, offset + length) of `storage`, once every kernel already called has run. */
  read(storage: Storage, offset: number, length: number): Promise<TypedArray>;
  /**
   * The elements [offset, offset + length), synchronously: a view for reading, valid until the next
   * allocation or kernel call (copy it to keep it; writes go through `write`). A backend without
   * synchronous read-back throws AsyncReadError.
   */
  readSync(storage: Storage, offset: number, length: number): TypedArray;
  /**
   * Optional, for backends whose buffers live outside the JS heap and are otherwise freed only after
   * the garbage collector finds them dead. Opens a region in which the caller promises that every
   * storage allocated is a temporary except those it lists when closing: `close(keep)` frees the rest
   * at once (their tensors must never be used again) and hands the kept ones to normal lifetime
   * management. The autograd engine opens one around a backward pass, whose intermediate gradients die
   * with it.
   */
  transient?(): TransientRegion;
  /**
   * Optional, like transient(): returns `storage`'s memory now. The caller guarantees that no tensor
   * on it will be read or written again (the autograd engine, for forward intermediates only its
   * released graph referenced).
   */
  release?(storage: Storage): void;
}

export interface TransientRegion {
  close(keep: ReadonlySet<Storage>): void;
}

/** A zero-filled typed array of `n` elements of `dtype`. */
export function arrayFor(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int32":
      return new Int32Array(n);
  }
}

/** write/read/readSync of a backend whose storages are host memory. */
export const hostIO: Pick<Backend, "write" | "read" | "readSync"> = {
  write(storage, offset, values) {
    hostData(storage).set(values as ArrayLike<number> & number[], offset);
  },
  readSync(storage, offset, length) {
    return hostData(storage).subarray(offset, offset + length);
  },
  read(storage, offset, length) {
    return Promise.resolve(hostData(storage).slice(offset, offset + length));
  },
};

// backend name -> kernel name -> kernel. The reference backend registers its whole KernelTable at
// import; a faster backend registers the part it implements when it starts.
const registry = new Map<string, Map<KernelName, Kernel>>();

/** Registers `kernel` as backend `backend`'s implementation of `name`. */
export function registerKernel<K extends KernelName>(backend: string, name: K, kernel: TypedKernel<KernelParams[K]>): void {
  let table = registry.get(backend);
  if (!table) registry.set(backend, (table = new Map()));
  table.set(name, kernel);
}

/** Registers every kernel of `kernels` for backend `backend`. */
export function registerKernels(backend: string, kernels: Partial<KernelTable>): void {
  for (const name of Object.keys(kernels) as KernelName[]) registerKernel(backend, name, kernels[name] as Kernel);
}

/** The kernel registered for (`backend`, `name`), if any. */
export function lookupKernel<K extends KernelName>(backend: string, name: K): TypedKernel<KernelParams[K]> | undefined {
  return registry.get(backend)?.get(name);
}

/** Names of the kernels registered for a backend (used by conformance tests and docs). */
export function registeredKernels(backend: string): string[] {
  return [...(registry.get(backend)?.keys() ?? [])].sort();
}
