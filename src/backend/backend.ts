// The kernel boundary: what a backend is, what a kernel sees, and the one registry that maps a
// kernel's name (see kernel-table.ts) to each backend's implementation. Backends know nothing of autograd, never compute output
// shapes and never allocate outputs: the core does all three, then calls a kernel with views.

/** Element type of a tensor: 32- and 64-bit floats, 32-bit integers (torch.float32, float64, int32). */
export type DType = "float32" | "float64" | "int32";
export type TypedArray = Float32Array | Float64Array | Int32Array;

/**
 * A flat buffer of elements owned by a backend (zero-initialised unless allocated with zero = false). `data` is a typed-array view of
 * it; a backend whose memory can move (WebAssembly memory that grows) returns a fresh view each
 * time, so kernels read `data` once at their start and never allocate while holding it. Only
 * backends read `data`: above them storage is a handle (test/unit/architecture.test.ts lists the two
 * places where host values enter and leave).
 */
export interface Storage {
  readonly dtype: DType;
  readonly length: number;
  readonly backend: Backend;
  readonly data: TypedArray;
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
