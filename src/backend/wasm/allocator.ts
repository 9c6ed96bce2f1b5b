// A block allocator over the shared WebAssembly.Memory: 64-byte aligned blocks, segregated free lists
// with O(1) free and neighbour coalescing, and on-demand memory growth. Bookkeeping lives on the JS
// side, never in wasm memory, so a kernel that overruns a buffer cannot corrupt the allocator.

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

/**
 * Integer-keyed dictionary. Not a Map: V8's Map and Set slow down linearly with their size when the
 * same key is deleted and re-inserted over and over (measured: 13 us per set/delete pair at 20,000
 * entries, 0.3 us for a dictionary-mode object), and an allocator reusing a freed block does exactly
 * that.
 */
type Dict = Record<number, number>;
const dict = (): Dict => Object.create(null) as Dict;

export class WasmAllocator {
  /** Block starts: size in bytes of a live block, minus the size of a free one. */
  private readonly blocks = dict();
  /** End address of each free block -> its start (to coalesce with a left neighbour). */
  private readonly freeEnd = dict();
  /** Doubly linked free list per size class, threaded through the free blocks' starts. */
  private readonly next = dict();
  private readonly prev = dict();
  private readonly binHead = new Float64Array(NUM_CLASSES).fill(-1);
  /** Bit c set when class c's list is non-empty, so finding the first fitting class is a couple of clz32s. */
  private readonly nonEmpty = new Uint32Array(Math.ceil(NUM_CLASSES / 32));
  private top: number;
  private high: number;
  private inUse = 0;
  private live = 0;
  private freeBytes = 0;

  /**
   * Manages [base, end of memory); addresses below `base` (at least 64, so 0 is never a block) are
   * left alone. `zero(ptr, bytes)` clears recycled blocks; the kernels' native memset is much faster
   * than TypedArray.fill, which V8 runs slowly on shared memory.
   */
  constructor(private readonly memory: WebAssembly.Memory, base = ALIGN,
    private readonly zero: (ptr: number, bytes: number) => void = (ptr, bytes) => new Uint8Array(memory.buffer, ptr, bytes).fill(0)) {
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
    this.blocks[ptr] = size;
    this.inUse += size;
    this.live++;
    if (zero && ptr < this.high) this.zero(ptr, Math.min(size, this.high - ptr));
    if (ptr + size > this.high) this.high = ptr + size;
    return ptr;
  }

  /** Returns a block; O(1) apart from coalescing with free neighbours. Freeing twice throws. */
  free(ptr: number): void {
    const size = this.blocks[ptr];
    if (!(size! > 0)) throw new Error(`wasm allocator: ${ptr} is not a live block`);
    delete this.blocks[ptr];
    this.inUse -= size!;
    this.live--;
    let start = ptr;
    let end = ptr + size!;
    const left = this.freeEnd[start];
    if (left !== undefined) {
      this.removeFree(left);
      start = left;
    }
    const right = this.blocks[end];
    if (right !== undefined && right < 0) {
      this.removeFree(end);
      end -= right;
    }
    // A free run that reaches the top gives its space back to the unallocated tail.
    if (end === this.top) this.top = start;
    else this.insertFree(start, end - start);
  }

  /** Size in bytes of the live block at `ptr` (its rounded size). */
  sizeOf(ptr: number): number {
    const size = this.blocks[ptr];
    if (!(size! > 0)) throw new Error(`wasm allocator: ${ptr} is not a live block`);
    return size!;
  }

  get bytesInUse(): number {
    return this.inUse;
  }

  stats(): AllocatorStats {
    return {
      bytesInUse: this.inUse,
      blocksInUse: this.live,
      bytesFree: this.freeBytes,
      highWater: this.high,
      memoryBytes: this.memory.buffer.byteLength,
    };
  }

  private takeFree(size: number): number {
    const c = this.firstNonEmpty(classOf(size));
    if (c < 0) return -1;
    const start = this.binHead[c]!;
    const blockSize = -this.blocks[start]!;
    this.removeFree(start);
    if (blockSize > size) this.insertFree(start + size, blockSize - size);
    return start;
  }

  /** The first class >= c with a free block, or -1. */
  private firstNonEmpty(c: number): number {
    for (let w = c >>> 5; w < this.nonEmpty.length; w++) {
      // Bits below c in its own word do not count.
      const bits = w === c >>> 5 ? this.nonEmpty[w]! & (~0 << (c & 31)) : this.nonEmpty[w]!;
      if (bits !== 0) return (w << 5) + (31 - Math.clz32(bits & -bits));
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
    this.blocks[start] = -size;
    this.freeEnd[start + size] = start;
    this.freeBytes += size;
    const c = classOf(size);
    const head = this.binHead[c]!;
    this.next[start] = head;
    this.prev[start] = -1;
    if (head >= 0) this.prev[head] = start;
    this.binHead[c] = start;
    this.nonEmpty[c >>> 5]! |= 1 << (c & 31);
  }

  private removeFree(start: number): void {
    const size = -this.blocks[start]!;
    delete this.blocks[start];
    delete this.freeEnd[start + size];
    this.freeBytes -= size;
    const c = classOf(size);
    const n = this.next[start]!, p = this.prev[start]!;
    if (p >= 0) this.next[p] = n;
    else this.binHead[c] = n;
    if (n >= 0) this.prev[n] = p;
    delete this.next[start];
    delete this.prev[start];
    if (this.binHead[c]! < 0) this.nonEmpty[c >>> 5]! &= ~(1 << (c & 31));
  }
}
