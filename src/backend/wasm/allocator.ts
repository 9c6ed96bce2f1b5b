// A block allocator over the shared WebAssembly.Memory: 64-byte aligned blocks, segregated free lists
// with O(1) free and neighbour coalescing, and on-demand memory growth. Bookkeeping lives on the JS
// side, never in wasm memory, so a kernel that overruns a buffer cannot corrupt the allocator.
import { HeapViews } from "./heap.js";

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
// Block generations wrap at 2^26, so unit * 2^26 + generation stays an exact integer (< 2^52).
const GEN_MASK = (1 << 26) - 1;

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
  /** Bytes of the allocator's own bookkeeping tables (on the JS heap, not in wasm memory). */
  tableBytes: number;
}

/** Units (64 B of heap) a chunk of each bookkeeping table covers: 4 MiB of heap, 256 KiB a table. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/**
 * Bookkeeping tables indexed by address / 64 (every block boundary is a multiple of 64), grown with the
 * heap's top. Typed arrays rather than objects or Maps: a training step frees and re-allocates the same
 * addresses over and over, which costs about 1.4 us per operation with dictionary-mode objects (V8's
 * Map is worse still) and a few tens of ns here. They are read and written only at block boundaries,
 * in chunks of CHUNK units: growing adds chunks and copies nothing. (Flat arrays doubled and copied all
 * five: 31-33 ms and 3,000 page faults in one go when an MLP's heap passed 49 MB, and a transient 1.5x
 * of the tables' size.) A chunk is made only when a block starts or ends in it: until then the tables
 * share one all-zero chunk, which reads as "no block here". Every read and write is at a boundary, and
 * boundaries are made in two places only (the top handing out a block, a free block split), which make
 * their chunks first; merging free blocks only removes boundaries. Chunks inside a large block (a data set's
 * tensor) are never made, so the tables cost 20 bytes per 64 bytes only where blocks are small, not
 * 31% of the whole heap (memory that every engine also counts toward its next collection).
 */
class Tables {
  // Each table is a list of chunks: entry u is chunks[u >>> CHUNK_BITS][u & CHUNK_MASK]. The allocator
  // indexes them inline rather than through accessor methods: until V8 optimizes it (the first epoch
  // or so of a training run) every call is interpreted, and accessors cost 3-4 ms more of a small MLP's
  // first epoch (CPU profile).
  /** Block starts: size in units of 64 B of a live block, minus the size of a free one, 0 for none. */
  readonly blocks: Int32Array[] = [];
  /** End unit of each free block -> its start unit + 1 (0: no free block ends there). */
  readonly freeEnd: Int32Array[] = [];
  /** Doubly linked free list per size class through the free blocks' start units (-1 ends it). */
  readonly next: Int32Array[] = [];
  readonly prev: Int32Array[] = [];
  /** How many blocks have started at each unit (mod 2^26): tells a block from a later one at the same address. */
  readonly gen: Int32Array[] = [];
  /** Valid indices: [0, units). */
  units = 0;

  constructor(units: number) {
    this.ensure(units - 1);
  }

  /** Makes index `unit` valid (readable; see own() for writing). */
  ensure(unit: number): void {
    while (unit >= this.units) {
      for (const c of [this.blocks, this.freeEnd, this.next, this.prev, this.gen]) c.push(UNTOUCHED);
      this.units += CHUNK;
    }
  }

  /** Bytes of the chunks made so far, all five tables. */
  bytes(): number {
    let made = 0;
    for (const c of this.blocks) if (c !== UNTOUCHED) made++;
    return made * 5 * CHUNK * 4;
  }

  /** Makes index `unit` (valid already) writable: its chunk of each table becomes its own. */
  own(unit: number): void {
    const k = unit >>> CHUNK_BITS;
    if (this.blocks[k] !== UNTOUCHED) return;
    for (const c of [this.blocks, this.freeEnd, this.next, this.prev, this.gen]) c[k] = new Int32Array(CHUNK);
  }
}

/** The chunk every table shares where no block starts or ends yet: all zero, and never written. */
export const UNTOUCHED = new Int32Array(CHUNK);

export class WasmAllocator {
  private readonly t: Tables;
  /** First free block (start unit) of each size class, -1 when empty. */
  private readonly binHead = new Int32Array(NUM_CLASSES).fill(-1);
  /**
   * Bit c set when class c's list is non-empty, so finding the first fitting class is a couple of clz32s.
   * Int32 words: a Uint32Array read of a word with bit 31 set is a double, which threw away the optimized
   * allocator ("lost precision").
   */
  private readonly nonEmpty = new Int32Array(Math.ceil(NUM_CLASSES / 32));
  /**
   * Called after the memory grew, with the first byte no block has used yet and the memory's new end:
   * the runtime has idle pool workers touch those pages ahead of use (WasmPool.prefault).
   */
  onGrow: ((from: number, to: number) => void) | undefined;
  /** Whole-memory views for host code, renewed whenever this allocator grows the memory. */
  readonly heap: HeapViews;
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
  constructor(
    private readonly memory: WebAssembly.Memory,
    base = ALIGN,
    private readonly zero: (ptr: number, bytes: number) => void = (ptr, bytes) => new Uint8Array(memory.buffer, ptr, bytes).fill(0),
  ) {
    this.top = Math.ceil(Math.max(base, ALIGN) / ALIGN) * ALIGN;
    this.high = this.top;
    this.t = new Tables(Math.max(1024, this.top / ALIGN + 1));
    this.heap = new HeapViews(memory);
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
    const t = this.t,
      u = ptr / ALIGN,
      k = u >>> CHUNK_BITS,
      i = u & CHUNK_MASK;
    t.blocks[k]![i] = size / ALIGN;
    t.gen[k]![i] = (t.gen[k]![i]! + 1) & GEN_MASK;
    this.inUse += size;
    this.live++;
    if (zero && ptr < this.high) this.zero(ptr, Math.min(size, this.high - ptr));
    if (ptr + size > this.high) this.high = ptr + size;
    return ptr;
  }

  /** Returns a block; O(1) apart from coalescing with free neighbours. Freeing twice throws. */
  free(ptr: number): void {
    const t = this.t;
    const u = ptr / ALIGN;
    const units = Number.isInteger(u) && u < t.units ? t.blocks[u >>> CHUNK_BITS]![u & CHUNK_MASK]! : 0;
    if (!(units > 0)) throw new Error(`wasm allocator: ${ptr} is not a live block`);
    t.blocks[u >>> CHUNK_BITS]![u & CHUNK_MASK] = 0;
    this.inUse -= units * ALIGN;
    this.live--;
    let start = u;
    let end = u + units;
    const left = t.freeEnd[start >>> CHUNK_BITS]![start & CHUNK_MASK]!;
    if (left !== 0) {
      this.removeFree(left - 1);
      start = left - 1;
    }
    const right = end < t.units ? t.blocks[end >>> CHUNK_BITS]![end & CHUNK_MASK]! : 0;
    if (right < 0) {
      this.removeFree(end);
      end -= right;
    }
    // A free run that reaches the top gives its space back to the unallocated tail.
    if (end * ALIGN === this.top) this.top = start * ALIGN;
    else this.insertFree(start, end - start);
  }

  /**
   * A number naming the live block at `ptr` and no later block at the same address: what a finalizer
   * holds, so that freeing by tag after the block was already freed (and perhaps handed out again)
   * does nothing.
   */
  tagOf(ptr: number): number {
    const u = ptr / ALIGN;
    return u * (GEN_MASK + 1) + this.t.gen[u >>> CHUNK_BITS]![u & CHUNK_MASK]!;
  }

  /** Frees the block named by `tag` if it is still that block; returns whether it did. */
  freeTagged(tag: number): boolean {
    const gen = tag % (GEN_MASK + 1);
    const u = (tag - gen) / (GEN_MASK + 1);
    const t = this.t;
    if (u >= t.units || t.blocks[u >>> CHUNK_BITS]![u & CHUNK_MASK]! <= 0 || t.gen[u >>> CHUNK_BITS]![u & CHUNK_MASK] !== gen) return false;
    this.free(u * ALIGN);
    return true;
  }

  /** Size in bytes of the live block at `ptr` (its rounded size). */
  sizeOf(ptr: number): number {
    const u = ptr / ALIGN;
    const units = Number.isInteger(u) && u < this.t.units ? this.t.blocks[u >>> CHUNK_BITS]![u & CHUNK_MASK]! : 0;
    if (!(units > 0)) throw new Error(`wasm allocator: ${ptr} is not a live block`);
    return units * ALIGN;
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
      tableBytes: this.t.bytes(),
    };
  }

  /** A free block of at least `size` bytes (its remainder stays free), or -1. */
  private takeFree(size: number): number {
    const c = this.firstNonEmpty(classOf(size));
    if (c < 0) return -1;
    const start = this.binHead[c]!;
    const units = size / ALIGN;
    const blockUnits = -this.t.blocks[start >>> CHUNK_BITS]![start & CHUNK_MASK]!;
    this.removeFree(start);
    if (blockUnits > units) {
      this.t.own(start + units); // a new boundary (see Tables)
      this.insertFree(start + units, blockUnits - units);
    }
    return start * ALIGN;
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
      this.heap.forget();
    }
    this.top = need;
    // New boundaries (see Tables): this block's start and the top, where the next one will start.
    this.t.ensure(need / ALIGN);
    this.t.own(ptr / ALIGN);
    this.t.own(need / ALIGN);
    if (need > have) this.onGrow?.(Math.max(need, this.high), this.memory.buffer.byteLength);
    return ptr;
  }

  /** Files the free block of `units` units at unit `start`. */
  private insertFree(start: number, units: number): void {
    const t = this.t;
    const end = start + units;
    t.blocks[start >>> CHUNK_BITS]![start & CHUNK_MASK] = -units;
    t.freeEnd[end >>> CHUNK_BITS]![end & CHUNK_MASK] = start + 1;
    this.freeBytes += units * ALIGN;
    const c = classOf(units * ALIGN);
    const head = this.binHead[c]!;
    t.next[start >>> CHUNK_BITS]![start & CHUNK_MASK] = head;
    t.prev[start >>> CHUNK_BITS]![start & CHUNK_MASK] = -1;
    if (head >= 0) t.prev[head >>> CHUNK_BITS]![head & CHUNK_MASK] = start;
    this.binHead[c] = start;
    this.nonEmpty[c >>> 5]! |= 1 << (c & 31);
  }

  /** Unlinks the free block at unit `start` (the caller reuses or merges it). */
  private removeFree(start: number): void {
    const t = this.t;
    const k = start >>> CHUNK_BITS,
      i = start & CHUNK_MASK;
    const units = -t.blocks[k]![i]!;
    const end = start + units;
    t.blocks[k]![i] = 0;
    t.freeEnd[end >>> CHUNK_BITS]![end & CHUNK_MASK] = 0;
    this.freeBytes -= units * ALIGN;
    const c = classOf(units * ALIGN);
    const n = t.next[k]![i]!,
      p = t.prev[k]![i]!;
    if (p >= 0) t.next[p >>> CHUNK_BITS]![p & CHUNK_MASK] = n;
    else this.binHead[c] = n;
    if (n >= 0) t.prev[n >>> CHUNK_BITS]![n & CHUNK_MASK] = p;
    if (this.binHead[c]! < 0) this.nonEmpty[c >>> 5]! &= ~(1 << (c & 31));
  }
}
