// Whole-memory typed arrays for the host code that reads or writes wasm memory within one call (a
// kernel adapter's few elements, eviction's copy, staged indices), so that it indexes by address
// rather than making a view per call: a training step made some twenty such views. They are made on
// first use and dropped when the memory grows (the allocator, the only code that grows it, says so),
// never kept across a growth: a view of the old buffer would keep it alive, and JavaScriptCore counts
// every such buffer at the memory's full size (see README.md, "Bun").

export class HeapViews {
  #f32: Float32Array | null = null;
  #f64: Float64Array | null = null;
  #i32: Int32Array | null = null;

  constructor(private readonly memory: WebAssembly.Memory) {}

  /** The memory as float32 elements: byte address p is element p >>> 2 (unsigned: the memory may pass 2 GiB). */
  get f32(): Float32Array {
    return (this.#f32 ??= new Float32Array(this.memory.buffer));
  }

  /** The memory as float64 elements: byte address p (a multiple of 8) is element p / 8. */
  get f64(): Float64Array {
    return (this.#f64 ??= new Float64Array(this.memory.buffer));
  }

  /** The memory as int32 elements: byte address p is element p >>> 2 (unsigned: the memory may pass 2 GiB). */
  get i32(): Int32Array {
    return (this.#i32 ??= new Int32Array(this.memory.buffer));
  }

  /** Drops the views after the memory grew: the next use makes them over its new buffer. */
  forget(): void {
    this.#f32 = this.#f64 = this.#i32 = null;
  }
}
