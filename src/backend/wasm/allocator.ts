// A block allocator over the shared WebAssembly.Memory: 64-byte aligned blocks, segregated free lists
// with O(1) free and neighbour coalescing, and on-demand memory growth. Bookkeeping lives in JS maps,
// never in wasm memory, so a kernel that overruns a buffer cannot corrupt the allocator.

/** Block granularity and alignment: one cache line, and a whole number of v128 vectors. */
export const ALIGN = 64;
const PAGE = 65536;
// Size classes: exact multiples of 64 B up to 4 KiB, then 8 geometric steps per power of two. A
// request is rounded up to its class's lower bound, so a freed block is reused exactly by the next
// request of the same size (the common case: a training step allocates the same shapes every time),
// and no block wastes more than 1/8 of its size.
const SMALL_LIMIT = 4096;
const SMALL_CLASSES = SMALL_LIMIT / ALIGN; // 64
const SUBDIV_BITS = 3;
const NUM_CLASSES = SMALL_CLASSES + (32 - 12) * (1 << SUBDIV_BITS);

function log2floor(x: number): number {
  return x >= 2 ** 31 ? 31 + Math.floor(Math.log2(x / 2 ** 31)) : 31 - Math.clz32(x);
}

/** The class whose lower bound is <= size (size a multiple of 64). */
function classOf(size: number): number {
  if (size <= SMALL_LIMIT) return size / ALIGN - 1;
  const e = log2floor(size);
  const sub = Math.floor(size / 2 ** (e - SUBDIV_BITS)) & ((1 << SUBDIV_BITS) - 1);
  return SMALL_CLASSES + (e - 12) * (1 << SUBDIV_BITS) + sub;
}

/** Rounds a request up to a class lower bound. */
export function roundSize(bytes: number): number {
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (size <= SMALL_LIMIT) return size;
  const step = 2 ** (log2floor(size) - SUBDIV_BITS);
  return Math.ceil(size / step) * step;
}

export interface AllocatorStats {
  /** Bytes in live blocks (after rounding to size classes). */
  bytesInUse: number;
  blocksInUse: number;
  /** Bytes in free blocks below the top of the heap. */
  bytesFree: number;
  /** End of the highest block ever handed out; memory above it is still zero. */
  highWater: number;
  /** Current size of the wasm memory. */
  memoryBytes: number;
}

export class WasmAllocator {
  private readonly used = new Map<number, number>();
  private readonly freeByStart = new Map<number, number>();
  private readonly freeByEnd = new Map<number, number>();
  private readonly bins: Set<number>[] = Array.from({ length: NUM_CLASSES }, () => new Set<number>());
  private top: number;
  private high: number;
  private inUse = 0;

  /** Manages [base, end of memory); addresses below `base` (at least 64, so 0 is never a block) are left alone. */
  constructor(private readonly memory: WebAssembly.Memory, base = ALIGN) {
    this.top = Math.ceil(Math.max(base, ALIGN) / ALIGN) * ALIGN;
    this.high = this.top;
  }

  /**
   * A 64-byte aligned block of at least `bytes` bytes. With `zero`, its contents are zero (memory that
   * was never handed out is zero already, so only recycled blocks get cleared).
   */
  alloc(bytes: number, zero = true): number {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`cannot allocate ${bytes} bytes`);
    const size = roundSize(bytes);
    let ptr = this.takeFree(size);
    if (ptr < 0) ptr = this.takeTop(size);
    this.used.set(ptr, size);
    this.inUse += size;
    if (zero && ptr < this.high) new Uint8Array(this.memory.buffer, ptr, Math.min(size, this.high - ptr)).fill(0);
    if (ptr + size > this.high) this.high = ptr + size;
    return ptr;
  }

  /** Returns a block; O(1) apart from coalescing with free neighbours. Freeing twice throws. */
  free(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`wasm allocator: ${ptr} is not a live block`);
    this.used.delete(ptr);
    this.inUse -= size;
    let start = ptr;
    let end = ptr + size;
    const left = this.freeByEnd.get(start);
    if (left !== undefined) {
      this.removeFree(left);
      start = left;
    }
    const rightSize = this.freeByStart.get(end);
    if (rightSize !== undefined) {
      this.removeFree(end);
      end += rightSize;
    }
    // A free run that reaches the top gives its space back to the unallocated tail.
    if (end === this.top) this.top = start;
    else this.insertFree(start, end - start);
  }

  /** Size in bytes of the live block at `ptr` (its rounded size). */
  sizeOf(ptr: number): number {
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`wasm allocator: ${ptr} is not a live block`);
    return size;
  }

  get bytesInUse(): number {
    return this.inUse;
  }

  stats(): AllocatorStats {
    let bytesFree = 0;
    for (const s of this.freeByStart.values()) bytesFree += s;
    return {
      bytesInUse: this.inUse,
      blocksInUse: this.used.size,
      bytesFree,
      highWater: this.high,
      memoryBytes: this.memory.buffer.byteLength,
    };
  }

  private takeFree(size: number): number {
    for (let c = classOf(size); c < NUM_CLASSES; c++) {
      const bin = this.bins[c]!;
      if (bin.size === 0) continue;
      const start: number = bin.values().next().value!;
      const blockSize = this.freeByStart.get(start)!;
      this.removeFree(start);
      if (blockSize > size) this.insertFree(start + size, blockSize - size);
      return start;
    }
    return -1;
  }

  private takeTop(size: number): number {
    const ptr = this.top;
    const need = ptr + size;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      // Grow by at least 1/8 of the current size so a run of allocations does not grow page by page.
      const pages = Math.max(Math.ceil((need - have) / PAGE), Math.ceil(have / PAGE / 8));
      try {
        this.memory.grow(pages);
      } catch {
        try {
          this.memory.grow(Math.ceil((need - have) / PAGE));
        } catch {
          throw new RangeError(`wasm memory exhausted: cannot grow to ${need} bytes`);
        }
      }
    }
    this.top = need;
    return ptr;
  }

  private insertFree(start: number, size: number): void {
    this.freeByStart.set(start, size);
    this.freeByEnd.set(start + size, start);
    this.bins[classOf(size)]!.add(start);
  }

  private removeFree(start: number): void {
    const size = this.freeByStart.get(start)!;
    this.freeByStart.delete(start);
    this.freeByEnd.delete(start + size);
    this.bins[classOf(size)]!.delete(start);
  }
}
