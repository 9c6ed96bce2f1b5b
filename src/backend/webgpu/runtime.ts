// The WebGPU runtime: one device, a pool of storage buffers reused by size class, a pipeline cache
// keyed by kernel, and dispatch. Kernels (kernels/*.ts) describe a compute pass as WGSL plus the
// views it binds and a small u32 table of sizes, strides and parameters; the runtime binds, encodes
// and submits. Nothing here knows about tensors or autograd.

import {
  hostData,
  isHostStorage,
  type Backend,
  type DType,
  type Storage,
  type TransientRegion,
  type TypedArray,
  type View,
} from "../backend.js";

/** Bytes of one element on the GPU: float32 and int32 only (WGSL has no 64-bit floats). */
const ELEMENT_BYTES = 4;

/** A storage whose elements live in a GPU buffer (read back with GpuRuntime.read, asynchronously). */
export class GpuStorage implements Storage {
  #buffer: GPUBuffer | null;
  constructor(
    readonly backend: Backend,
    readonly runtime: GpuRuntime,
    readonly dtype: DType,
    readonly length: number,
    buffer: GPUBuffer,
  ) {
    this.#buffer = buffer;
  }
  /** The buffer holding the elements (at least 4 bytes even when empty). */
  get buffer(): GPUBuffer {
    if (this.#buffer === null) throw new Error("internal: a released GPU storage was used");
    return this.#buffer;
  }
  /** @internal Gives the buffer up (release); the storage must never be used again. */
  _take(): GPUBuffer | null {
    const b = this.#buffer;
    this.#buffer = null;
    return b;
  }
}

/** One binding of a dispatch: a view's whole buffer (kernels index it with the view's offset). */
export type Binding = View | GpuStorage;

export interface Dispatch {
  /** Identifies the WGSL: the pipeline is compiled once per key. */
  readonly key: string;
  /** Builds the WGSL (called once per key). */
  readonly wgsl: () => string;
  /**
   * Bindings, in order: `writes` at @binding(0..w-1) as read_write storage, then `reads` as
   * read-only storage, then the meta table as `array<u32>` read-only storage at the last binding
   * (name it `info` in WGSL: `meta` is a reserved word).
   */
  readonly writes: readonly Binding[];
  readonly reads: readonly Binding[];
  /** Sizes, offsets, strides and parameters (floats as their bit pattern: see f32Bits). */
  readonly meta: ArrayLike<number>;
  /** Workgroup counts; each must be at most the device's maxComputeWorkgroupsPerDimension. */
  readonly workgroups: readonly [number, number?, number?];
}

/** The u32 bit pattern of float32 `x`, for a meta table (read it in WGSL with bitcast<f32>). */
export function f32Bits(x: number): number {
  F32[0] = x;
  return U32[0]!;
}
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Splits `n` workgroups into an x·y grid within the per-dimension limit (kernels flatten with gid.y·nx·size). */
export function grid(n: number, limit = 65535): [number, number] {
  if (n <= limit) return [Math.max(n, 1), 1];
  const y = Math.ceil(n / limit);
  return [Math.ceil(n / y), y];
}

function storageOf(b: Binding): Storage {
  return b instanceof GpuStorage ? b : (b as View).storage;
}

// Size classes: powers of two up to 1 MiB, then multiples of 1 MiB, so that reuse wastes little.
function sizeClass(bytes: number): number {
  const b = Math.max(bytes, 16);
  if (b <= 1 << 20) return 2 ** Math.ceil(Math.log2(b));
  return Math.ceil(b / (1 << 20)) * (1 << 20);
}

const USAGE = GPUBufferUsageFlags();
function GPUBufferUsageFlags() {
  // The constants exist on the global only once a WebGPU implementation is installed; their values
  // are fixed by the specification.
  return { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
}

export class GpuRuntime {
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  #free = new Map<number, GPUBuffer[]>();
  #pipelines = new Map<string, GPUComputePipeline>();
  #encoder: GPUCommandEncoder | null = null;
  #pending = 0;
  // Buffers to return to the pool once the pending work is submitted (scratch and meta tables).
  #afterSubmit: GPUBuffer[] = [];
  // Buffers of storages the collector found dead.
  readonly #finalizer = new FinalizationRegistry<GPUBuffer>((b) => this.#free_(b));
  /** Bytes in buffers handed out or pooled (for memory checks). */
  bytesAllocated = 0;
  bytesPooled = 0;
  /** Bytes of every buffer handed out so far, new or reused (allocation traffic, for memory checks). */
  bytesHandedOut = 0;
  /** Cap on pooled bytes: beyond it freed buffers are destroyed rather than kept. */
  poolLimit = 256 << 20;
  /** How many dispatches are encoded before the encoder is submitted. */
  batch = 64;
  #lost: string | null = null;

  constructor(
    device: GPUDevice,
    readonly backend: Backend,
  ) {
    this.device = device;
    this.limits = device.limits;
    void device.lost.then((info) => {
      this.#lost = info.message || String(info.reason);
    });
    // A validation or out-of-memory error of any call surfaces at the next read (WebGPU reports
    // errors asynchronously); the first one is kept.
    device.addEventListener("uncapturederror", (e) => {
      this.#error ??= (e as GPUUncapturedErrorEvent).error.message;
    });
  }
  #error: string | null = null;

  /** Why the device was lost, or null. */
  get lost(): string | null {
    return this.#lost;
  }

  #buffer(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    this.bytesHandedOut += size;
    const free = this.#free.get(size);
    const reused = free?.pop();
    if (reused) {
      this.bytesPooled -= size;
      return reused;
    }
    this.bytesAllocated += size;
    return this.device.createBuffer({ size, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
  }

  #recycle(b: GPUBuffer): void {
    if (this.bytesPooled + b.size > this.poolLimit) {
      this.bytesAllocated -= b.size;
      b.destroy();
      return;
    }
    let list = this.#free.get(b.size);
    if (!list) this.#free.set(b.size, (list = []));
    list.push(b);
    this.bytesPooled += b.size;
  }

  /**
   * A storage of `length` elements. Pooled buffers hold old contents: `zero` clears it (a clear is
   * queued, ordered before any later dispatch).
   */
  alloc(dtype: DType, length: number, zero = true): GpuStorage {
    const buffer = this.#buffer(length * ELEMENT_BYTES);
    if (zero) this.#encode().clearBuffer(buffer, 0, buffer.size);
    const s = new GpuStorage(this.backend, this, dtype, length, buffer);
    this.#finalizer.register(s, buffer, s);
    if (this.#regions.length > 0) this.#regions[this.#regions.length - 1]!.push(s);
    return s;
  }

  /** Returns `s`'s buffer to the pool now (after pending work that uses it is submitted). */
  release(s: GpuStorage): void {
    const b = s._take();
    if (b === null) return;
    this.#finalizer.unregister(s);
    this.#free_(b);
  }

  // A buffer that pending (unsubmitted) work may use goes back to the pool only after the submit:
  // every pooled buffer is then free of pending work, which lets writeBuffer fill one at once.
  #free_(b: GPUBuffer): void {
    if (this.#encoder !== null) this.#afterSubmit.push(b);
    else this.#recycle(b);
  }

  /**
   * A temporary storage of `length` elements for one kernel's intermediate results: its buffer goes
   * back to the pool when the work encoded so far is submitted, so use it only in dispatches
   * encoded before the next flush.
   */
  scratch(dtype: DType, length: number, zero = false): GpuStorage {
    const buffer = this.#buffer(length * ELEMENT_BYTES);
    if (zero) this.#encode().clearBuffer(buffer, 0, buffer.size);
    const s = new GpuStorage(this.backend, this, dtype, length, buffer);
    this.#scratch.push(s);
    return s;
  }
  #scratch: GpuStorage[] = [];

  /** Writes host elements into `s` from element `offset` on (ordered after all work queued so far). */
  write(s: GpuStorage, offset: number, values: ArrayLike<number>): void {
    this.flush();
    if (values.length === 0) return;
    const bytes = toGpuElements(s.dtype, values);
    this.device.queue.writeBuffer(s.buffer, offset * ELEMENT_BYTES, bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The elements [offset, offset + length) of `s`, once all work queued so far has run. */
  async read(s: GpuStorage, offset: number, length: number): Promise<TypedArray> {
    const out = s.dtype === "int32" ? new Int32Array(length) : s.dtype === "float64" ? new Float64Array(length) : new Float32Array(length);
    if (length === 0) return out;
    const bytes = length * ELEMENT_BYTES;
    const staging = this.device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    this.#encode().copyBufferToBuffer(s.buffer, offset * ELEMENT_BYTES, staging, 0, bytes);
    this.flush();
    try {
      await staging.mapAsync(1 /* GPUMapMode.READ */);
      if (this.#error !== null) throw new Error(this.#error);
      const mapped = staging.getMappedRange(0, bytes);
      if (s.dtype === "int32") out.set(new Int32Array(mapped));
      else out.set(new Float32Array(mapped));
    } catch (e) {
      throw new Error(`webgpu: reading a tensor back failed${this.#lost ? ` (device lost: ${this.#lost})` : ""}: ${(e as Error).message}`);
    } finally {
      staging.destroy();
    }
    return out;
  }

  #encode(): GPUCommandEncoder {
    return (this.#encoder ??= this.device.createCommandEncoder());
  }

  #pipeline(key: string, wgsl: () => string): GPUComputePipeline {
    let p = this.#pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: wgsl(), label: key });
      p = this.device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" }, label: key });
      this.#pipelines.set(key, p);
    }
    return p;
  }

  /** Encodes one compute pass (submitted with the next flush; reads flush first). */
  dispatch(d: Dispatch): void {
    const writes = d.writes.map((b) => {
      const s = storageOf(b);
      if (!(s instanceof GpuStorage)) throw new Error(`internal: a ${s.backend.name} storage was bound as a WebGPU kernel's output`);
      return s;
    });
    const written = new Set(writes.map((s) => s.buffer));
    const encoder = this.#encode();
    // A buffer bound writable may not also be bound read-only in the same pass: such an input is
    // read from a copy taken just before. A host tensor's elements are uploaded for this pass.
    const reads = d.reads.map(storageOf).map((s) => {
      if (!(s instanceof GpuStorage)) return this.#upload(s);
      if (!written.has(s.buffer)) return s.buffer;
      const copy = this.#buffer(s.buffer.size);
      encoder.copyBufferToBuffer(s.buffer, 0, copy, 0, s.buffer.size);
      this.#afterSubmit.push(copy);
      return copy;
    });
    const metaValues = Uint32Array.from(d.meta.length ? d.meta : [0]);
    // A pooled buffer is free of pending work (see #free_), so writing it now lands before this pass.
    const meta = this.#buffer(metaValues.byteLength);
    this.device.queue.writeBuffer(meta, 0, metaValues);
    this.#afterSubmit.push(meta);

    const pipeline = this.#pipeline(d.key, d.wgsl);
    const buffers = [...writes.map((s) => s.buffer), ...reads, meta];
    const group = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    const [x, y = 1, z = 1] = d.workgroups;
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    if (++this.#pending >= this.batch) this.flush();
  }

  /**
   * A buffer holding host storage `s`'s elements for the pass being encoded (returned to the pool
   * after the submit): a host tensor used while WebGPU is current is uploaded at each use.
   */
  #upload(s: Storage): GPUBuffer {
    if (!isHostStorage(s)) throw new Error(`internal: a ${s.backend.name} storage was bound to a WebGPU kernel`);
    const bytes = toGpuElements(s.dtype, hostData(s));
    const buffer = this.#buffer(Math.max(bytes.byteLength, 4));
    // A pooled buffer is free of pending work (see #free_), so the write lands before this pass.
    if (bytes.byteLength > 0) this.device.queue.writeBuffer(buffer, 0, bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#afterSubmit.push(buffer);
    return buffer;
  }

  /**
   * Opens a region whose allocations are temporaries: closing it returns every one not in `keep` to
   * the pool at once (Backend.transient; the autograd engine opens one around a backward pass).
   */
  transient(): TransientRegion {
    const list: GpuStorage[] = [];
    this.#regions.push(list);
    let open = true;
    return {
      close: (keep) => {
        if (!open) return;
        open = false;
        const at = this.#regions.lastIndexOf(list);
        if (at >= 0) this.#regions.splice(at, 1);
        for (const s of list) if (!keep.has(s)) this.release(s);
      },
    };
  }
  #regions: GpuStorage[][] = [];

  /** Submits the encoded work. */
  flush(): void {
    if (this.#encoder === null) return;
    this.device.queue.submit([this.#encoder.finish()]);
    this.#encoder = null;
    this.#pending = 0;
    for (const b of this.#afterSubmit) this.#recycle(b);
    this.#afterSubmit = [];
    for (const t of this.#scratch) {
      const b = t._take();
      if (b) this.#recycle(b);
    }
    this.#scratch = [];
  }
}

/** Host elements as the 4-byte elements the GPU holds (float64 values are rounded to float32). */
function toGpuElements(dtype: DType, values: ArrayLike<number>): Float32Array | Int32Array {
  // writeBuffer takes no SharedArrayBuffer (the wasm backend's memory): such values are copied.
  const shared = typeof SharedArrayBuffer === "function" && ArrayBuffer.isView(values) && values.buffer instanceof SharedArrayBuffer;
  if (dtype === "int32") return values instanceof Int32Array && !shared ? values : Int32Array.from(values);
  return values instanceof Float32Array && !shared ? values : Float32Array.from(values);
}
