// Wasm memory as a bounded cache over tensor storage the garbage collector owns. Each storage's
// elements live in a block of wasm memory while kernels use them; when the blocks outgrow a budget,
// the least recently used ones that no running kernel holds are copied out to ordinary typed arrays
// (which the collector frees with their storage) and the blocks reused; a kernel that touches an
// evicted storage copies it back in. Nothing here needs a dead storage to be reported: that is what
// keeps memory flat inside one long synchronous loop, where no finalizer can run.
// A block that gatherRows filled from another (a DataLoader batch: rows of the dataset) keeps how to
// refill it instead, and eviction drops its elements without copying them: in such a loop most evicted
// blocks are dead batches, and their copies would be garbage whose collection each engine schedules
// its own way. It is refilled from the source if ever used again; a write to either side (any kernel
// writing it, or the host touching its `data` outside a kernel) ends the arrangement, the source
// first handing its current elements to the blocks that still depend on it.
import type { DType, Kernel, Storage, TypedArray, View } from "../backend.js";
import type { WasmAllocator } from "./allocator.js";
import type { HeapViews } from "./heap.js";
import { platform } from "#platform";

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };
const MB = 1 << 20;
/**
 * Tracked bytes kept resident before the least recently used are evicted (grows by half when too
 * small). A loop fills whatever budget there is with dead blocks between evictions, so it is about
 * what wasm memory settles at.
 */
const INITIAL_BUDGET = 32 * MB;
/** Likewise in blocks: each resident block costs a queue entry and a finalization record. */
const INITIAL_BLOCKS = 8192;

const FREED = 0,
  RESIDENT = 1,
  EVICTED = 2,
  DROPPED = 3;

/** A source block as gathered from: its elements stay valid for its dependents until `snapshot` is set. */
class Origin {
  snapshot: TypedArray | null = null;
  constructor(readonly source: Block) {}
}

/** How a block's elements are recomputed: rows `indices` of `rowSize` elements from `offset` in the origin's elements. */
interface Recipe {
  readonly origin: Origin;
  readonly offset: number;
  readonly rowSize: number;
  readonly indices: Int32Array;
}

/** A block's entry in the finalization registry, emptied when the block leaves it (see Residency.registry). */
interface Registration {
  block: Block | null;
}

/** One storage's elements: where they are, and the cache's bookkeeping. The cache never holds the storage. */
export class Block {
  /** Byte address in wasm memory while resident, else 0. */
  ptr = 0;
  /** RESIDENT (the elements are at `ptr`), EVICTED (`host` holds them), DROPPED (no elements: `recipe` refills them) or FREED. */
  state = FREED;
  /** How to recompute the elements (a gathered batch), while nothing has written them since. */
  recipe: Recipe | null = null;
  /** Set while blocks gathered from this one may rely on its elements. */
  origin: Origin | null = null;
  /**
   * The host copy while evicted (else empty). A resident block keeps no view of wasm memory: a view
   * would keep the buffer it was made on alive after the memory grows, and JavaScriptCore counts every
   * such buffer at the memory's full size (see elements()).
   */
  host: TypedArray;
  /** Whether the cache may evict it and frees it when its storage dies (not while a transient region holds it). */
  tracked = false;
  /** Clock of the last kernel call that used it. */
  used = 0;
  /**
   * Eviction passes over it once, growing the budget if it cannot get under it otherwise, rather than
   * copy it out and straight back in: data the program has just loaded (a data set, a model's weights)
   * and no kernel has used yet, or a data set that batches were gathered from since the last pass.
   */
  fresh = true;
  /** Neighbours in the cache's recency list while tracked and resident (older, newer). */
  prev: Block | null = null;
  next: Block | null = null;
  /** Its finalization record, once tracked and resident through a turn of the event loop. */
  registration: Registration | null = null;
  /**
   * Until then: its storage (whose lifeline the record will watch, made only then: a loop that never
   * yields makes none), its index in the cache's waiting list, and the turn it joined.
   */
  owner: Storage | null = null;
  waitingAt = -1;
  waitingSince = 0;
  constructor(
    readonly id: number,
    readonly dtype: DType,
    readonly length: number,
    host: TypedArray = EMPTY[dtype],
  ) {
    this.host = host;
  }
  get bytes(): number {
    return this.length * BYTES[this.dtype];
  }
}

/** What the cache holds and has done, for memoryStats() and tests. */
export interface ResidencyStats {
  /** Bytes and blocks of tracked storages resident in wasm memory. */
  residentBytes: number;
  residentBlocks: number;
  /** The current budget (bytes, blocks); it grows by half while it is too small for the working set. */
  budgetBytes: number;
  budgetBlocks: number;
  /** Storages copied out, and copied back in, since the start. */
  evictions: number;
  restores: number;
  evictedBytes: number;
  restoredBytes: number;
  /** Of the evictions, those that dropped a gathered block's elements instead of copying them; of the restores, those that re-gathered. */
  drops: number;
  regathers: number;
  droppedBytes: number;
  /** Sources copied because they were written while gathered blocks depended on them. */
  snapshots: number;
}

type BlockOf = (s: Storage) => Block | undefined;
/** An object that only the storage references (so it dies with it) and that references nothing; made on first call. */
type LifelineOf = (s: Storage) => object;

export class Residency {
  // Tracked resident blocks as a doubly linked list, least recently used first: a kernel call moves
  // its operands to the back, eviction takes from the front.
  private oldest: Block | null = null;
  private newest: Block | null = null;
  private residentBlocks = 0;
  private residentBytes = 0;
  private nextId = 1;
  // Kernel calls so far, and while one runs (depth > 0), the clock at the outermost one's start:
  // blocks used since then are in use and never evicted.
  private clock = 1;
  private depth = 0;
  private protectFrom = Infinity;
  private budgetBytes: number;
  private budgetBlocks: number;
  // Bytes brought into wasm memory (allocated or restored) and restored, since the budget last changed.
  private windowIn = 0;
  private windowRestored = 0;
  private evictions = 0;
  private restores = 0;
  private evictedBytes = 0;
  private restoredBytes = 0;
  private drops = 0;
  private droppedBytes = 0;
  private regathers = 0;
  private snapshots = 0;
  // Frees the block of a storage that died resident, when the runtime runs finalizers (between tasks).
  // What is registered is the storage's lifeline, a leaf object made for the purpose, and what is held a
  // Registration emptied on unregistering, never the storage or the block: engines keep a record's
  // target and held value alive through their young-generation collections. And only blocks that
  // stayed resident through a turn of the event loop are registered (see onTurn): a synchronous loop
  // lets no finalizer run, and a record (or a lifeline) made for each of its short-lived storages would
  // be garbage, old-generation garbage that only a full collection frees for the records. Until then a
  // waiting block holds its storage, which references nothing the cache does not hold anyway. Eviction
  // and free unregister (a record nobody unregisters would wait on the heap for a cleanup task that a
  // synchronous loop never lets run).
  private readonly registry = new FinalizationRegistry<Registration>((r) => this.died(r));
  // Tracked resident blocks not registered yet; event-loop turns seen, and whether one is awaited.
  private readonly waiting: Block[] = [];
  private turns = 0;
  private turnAwaited = false;
  private registered = 0;
  // The row numbers of the latest recipe (recipes never change theirs, so they can share them).
  private lastRows = new Int32Array(0);

  private readonly heap: HeapViews;

  /**
   * `blockOf` finds a storage's block (undefined for storages outside wasm memory), `lifelineOf` the
   * object whose death the registry watches for it (asked only when the block is registered).
   */
  constructor(
    private readonly allocator: WasmAllocator,
    private readonly blockOf: BlockOf,
    private readonly lifelineOf: LifelineOf,
    { bytes = INITIAL_BUDGET, blocks = INITIAL_BLOCKS }: { bytes?: number; blocks?: number } = {},
  ) {
    this.budgetBytes = bytes;
    this.budgetBlocks = blocks;
    this.heap = allocator.heap;
  }

  /**
   * A block of `length` elements for `storage` (zero-filled unless `zero` is false). Tracked blocks
   * are evictable and freed when the storage dies; untracked ones (a transient region's) stay put
   * until free() or track(). Throws RangeError when wasm memory cannot grow.
   */
  alloc(storage: Storage, dtype: DType, length: number, zero: boolean, tracked: boolean): Block {
    const bytes = length * BYTES[dtype];
    if (tracked) this.makeRoom(bytes);
    const ptr = this.allocator.alloc(bytes, zero);
    const block = new Block(this.nextId++, dtype, length);
    block.ptr = ptr;
    block.state = RESIDENT;
    if (tracked) {
      this.windowIn += bytes;
      this.enqueue(storage, block);
    }
    return block;
  }

  /** Makes an untracked block evictable and collectable (a storage kept from a transient region). */
  track(storage: Storage): void {
    const b = this.blockOf(storage);
    if (b === undefined || b.tracked || b.state !== RESIDENT) return;
    this.makeRoom(b.bytes);
    this.enqueue(storage, b);
  }

  /** Returns a storage's memory now (its owner knows it is dead); idempotent. */
  free(b: Block): void {
    b.recipe = null; // (dead: nothing to gather again)
    this.written(b);
    if (b.state === RESIDENT) {
      if (b.tracked) this.dequeue(b);
      this.allocator.free(b.ptr);
      b.ptr = 0;
    }
    b.state = FREED;
  }

  /**
   * `k` with every operand's block resident and safe from eviction while it runs (so its addresses
   * and `data` views hold), evicted operands copied back in first.
   */
  guard(k: Kernel, name = ""): Kernel {
    const gathers = name === "gatherRows";
    // The optimizer updates (adamStep, sgdStep, ...) write their state buffers, inputs, in place.
    const writesInputs = name.endsWith("Step");
    return ((out: View, inputs: readonly View[], params: unknown) => {
      const clock = ++this.clock;
      if (this.depth++ === 0) this.protectFrom = clock;
      try {
        // Mark every operand in use before restoring any, so that restoring one cannot evict another.
        let evicted = this.use(out, clock);
        for (let i = 0; i < inputs.length; i++) evicted = this.use(inputs[i]!, clock) || evicted;
        if (evicted) {
          this.bringIn(out);
          for (let i = 0; i < inputs.length; i++) this.bringIn(inputs[i]!);
        }
        // Every kernel writes its output; the optimizer updates their inputs too.
        this.writing(out);
        if (writesInputs) for (let i = 0; i < inputs.length; i++) this.writing(inputs[i]!);
        k(out, inputs, params);
        if (gathers) {
          this.recordGather(out, inputs[0]!, params as { indices: ArrayLike<number> });
          const source = this.blockOf(inputs[0]!.storage);
          if (source !== undefined) source.fresh = true;
        }
      } finally {
        if (--this.depth === 0) this.protectFrom = Infinity;
      }
    }) as Kernel;
  }

  /**
   * A storage's elements for the host, outside or inside a kernel (refilled first if dropped). Outside
   * any kernel the caller may write them, so whatever relied on them being unchanged stops relying.
   */
  hostData(b: Block): TypedArray {
    if (b.state === DROPPED) this.materialize(b);
    if (this.depth === 0) this.written(b);
    return this.elements(b);
  }

  /**
   * Elements [from, to) of the block, as one view, for reading only (`Backend.readSync`, whose views
   * no caller writes): unlike hostData it ends no arrangement, so reading a batch's labels (a loss
   * checking its targets) leaves the batch to be dropped on eviction, and reading a data set copies
   * nothing for the batches gathered from it.
   */
  hostRange(b: Block, from: number, to: number): TypedArray {
    if (b.state === DROPPED) this.materialize(b);
    if (b.state !== RESIDENT) return b.host.subarray(from, to);
    const at = b.ptr / BYTES[b.dtype];
    return heapOf(this.heap, b.dtype).subarray(at + from, at + to);
  }

  /**
   * A block's elements as they are, without refilling or ending any arrangement (see hostData): a
   * fresh view of the memory's current buffer while resident, else the host copy. Made per call
   * rather than kept: views are cheap, and only the host reads them (kernels take addresses).
   */
  elements(b: Block): TypedArray {
    if (b.state !== RESIDENT) return b.host;
    const at = b.ptr / BYTES[b.dtype];
    return heapOf(this.heap, b.dtype).subarray(at, at + b.length);
  }

  /** A copy of a block's elements on the JS heap, made without a view of wasm memory in between. */
  private copyOf(b: Block): TypedArray {
    if (b.state !== RESIDENT) return b.host.slice();
    const at = b.ptr / BYTES[b.dtype];
    return heapOf(this.heap, b.dtype).slice(at, at + b.length);
  }

  /** A dropped block's elements recomputed into a host copy, as if it had been evicted by copying. */
  private materialize(b: Block): void {
    const host = emptyLike(b);
    this.refill(b, host, 0);
    b.host = host;
    b.state = EVICTED;
    this.regathers++;
  }

  /** Copies every tracked block that no running kernel uses out of wasm memory. */
  evictAll(): void {
    for (let b = this.oldest; b !== null;) {
      const next = b.next;
      if (!(b.used >= this.protectFrom)) this.evict(b);
      b = next;
    }
  }

  /** Resident blocks with a finalization record, and those waiting for a turn of the event loop to get one. */
  registrations(): { registered: number; waiting: number } {
    return { registered: this.registered, waiting: this.waiting.length };
  }

  stats(): ResidencyStats {
    return {
      residentBytes: this.residentBytes,
      residentBlocks: this.residentBlocks,
      budgetBytes: this.budgetBytes,
      budgetBlocks: this.budgetBlocks,
      evictions: this.evictions,
      restores: this.restores,
      evictedBytes: this.evictedBytes,
      restoredBytes: this.restoredBytes,
      drops: this.drops,
      regathers: this.regathers,
      droppedBytes: this.droppedBytes,
      snapshots: this.snapshots,
    };
  }

  private writing(v: View): void {
    const b = this.blockOf(v.storage);
    if (b !== undefined) this.written(b);
  }

  /** `b`'s elements may change: its dependents get the current ones, and it forgets its own recipe. */
  private written(b: Block): void {
    if (b.origin !== null) {
      b.origin.snapshot = this.copyOf(b);
      b.origin = null;
      this.snapshots++;
    }
    if (b.recipe !== null) {
      if (b.state === DROPPED) this.materialize(b);
      b.recipe = null;
    }
  }

  /** After gatherRows wrote `out` from `x`: how to do it again, when both are whole row-major blocks here. */
  private recordGather(out: View, x: View, { indices }: { indices: ArrayLike<number> }): void {
    const bo = this.blockOf(out.storage),
      bx = this.blockOf(x.storage);
    if (bo === undefined || bx === undefined || bo === bx || bx.state === FREED || bo.dtype !== bx.dtype || out.offset !== 0) return;
    const n = x.shape[0]!,
      rowSize = n > 0 ? sizeOf(x.shape) / n : 0;
    if (!(rowSize > 0) || !contiguous(x) || !contiguous(out) || indices.length * rowSize !== bo.length) return;
    let same = this.lastRows.length === indices.length;
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j]!;
      if ((i | 0) !== i || i < 0 || i >= n) return;
      same &&= this.lastRows[j] === i;
    }
    // A batch's inputs and labels are gathered with the same row numbers: one copy serves both.
    if (!same) {
      const rows = new Int32Array(indices.length);
      for (let j = 0; j < indices.length; j++) rows[j] = indices[j]!;
      this.lastRows = rows;
    }
    bo.recipe = { origin: (bx.origin ??= new Origin(bx)), offset: x.offset, rowSize, indices: this.lastRows };
  }

  /** Stamps the operand's block as used by kernel call `clock` and makes it the newest; true if it is evicted. */
  private use(v: View, clock: number): boolean {
    const b = this.blockOf(v.storage);
    if (b === undefined) return false;
    b.used = clock;
    b.fresh = false;
    if (b.tracked && b.state === RESIDENT && b !== this.newest) {
      this.unlink(b);
      this.append(b);
    }
    return b.state === EVICTED || b.state === DROPPED;
  }

  private append(b: Block): void {
    b.prev = this.newest;
    b.next = null;
    if (this.newest !== null) this.newest.next = b;
    else this.oldest = b;
    this.newest = b;
  }

  private unlink(b: Block): void {
    if (b.prev !== null) b.prev.next = b.next;
    else this.oldest = b.next;
    if (b.next !== null) b.next.prev = b.prev;
    else this.newest = b.prev;
    b.prev = b.next = null;
  }

  private enqueue(storage: Storage, b: Block): void {
    b.tracked = true;
    this.append(b);
    this.residentBlocks++;
    this.residentBytes += b.bytes;
    b.owner = storage;
    b.waitingSince = this.turns;
    b.waitingAt = this.waiting.push(b) - 1;
    if (!this.turnAwaited) {
      this.turnAwaited = true;
      platform.afterTurn(this.onTurn);
    }
  }

  /**
   * At a turn of the event loop: registers the blocks that were waiting before the previous turn (so
   * resident through a whole one; most of a training step's blocks are evicted sooner), and waits for
   * the next turn while any block waits.
   */
  private readonly onTurn = (): void => {
    this.turnAwaited = false;
    const turn = this.turns++;
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const b = this.waiting[i]!;
      if (b.waitingSince >= turn) continue;
      const lifeline = this.lifelineOf(b.owner!);
      this.stopWaiting(b);
      const r: Registration = { block: b };
      b.registration = r;
      this.registry.register(lifeline, r, r);
      this.registered++;
    }
    if (this.waiting.length > 0) {
      this.turnAwaited = true;
      platform.afterTurn(this.onTurn);
    }
  };

  /** Takes `b` off the waiting list (the last entry takes its place). */
  private stopWaiting(b: Block): void {
    const last = this.waiting.pop()!;
    if (last !== b) {
      this.waiting[b.waitingAt] = last;
      last.waitingAt = b.waitingAt;
    }
    b.waitingAt = -1;
    b.owner = null;
  }

  private dequeue(b: Block): void {
    this.unlink(b);
    this.residentBlocks--;
    this.residentBytes -= b.bytes;
    if (b.waitingAt >= 0) this.stopWaiting(b);
    const r = b.registration;
    if (r !== null) {
      this.registered--;
      this.registry.unregister(r);
      r.block = null;
      b.registration = null;
    }
  }

  private bringIn(v: View | null): void {
    if (v === null) return;
    const b = this.blockOf(v.storage);
    if (b !== undefined && (b.state === EVICTED || b.state === DROPPED)) this.restore(v.storage, b);
  }

  private restore(s: Storage, b: Block): void {
    const bytes = b.bytes;
    this.makeRoom(bytes);
    let ptr: number;
    try {
      ptr = this.allocator.alloc(bytes, false);
    } catch (err) {
      // Memory exhausted: the kernel runs its reference on the host copy instead.
      if (err instanceof RangeError) {
        if (b.state === DROPPED) this.materialize(b);
        return;
      }
      throw err;
    }
    const heap = heapOf(this.heap, b.dtype),
      at = ptr / BYTES[b.dtype];
    if (b.state === DROPPED) {
      this.refill(b, heap, at);
      this.regathers++;
    } else heap.set(b.host as never, at);
    b.host = EMPTY[b.dtype];
    b.ptr = ptr;
    b.state = RESIDENT;
    this.enqueue(s, b);
    this.restores++;
    this.restoredBytes += bytes;
    this.windowIn += bytes;
    this.windowRestored += bytes;
  }

  private evict(b: Block): void {
    // A gathered block drops its elements; any other is copied by slice() into a fresh ArrayBuffer
    // that belongs to the collector, like any typed array.
    // (A block others were gathered from keeps its elements for them.)
    const dropped = b.recipe !== null && b.origin === null;
    const host = dropped ? EMPTY[b.dtype] : this.copyOf(b);
    this.dequeue(b);
    this.allocator.free(b.ptr);
    b.ptr = 0;
    b.host = host;
    b.state = dropped ? DROPPED : EVICTED;
    if (dropped) {
      this.drops++;
      this.droppedBytes += b.bytes;
    }
    this.evictions++;
    this.evictedBytes += b.bytes;
  }

  /** Writes a dropped block's elements into `into` from element `at` on, from its recipe. */
  private refill(b: Block, into: TypedArray, at: number): void {
    const { origin, offset, rowSize, indices } = b.recipe!;
    const src = origin.snapshot ?? this.elements(origin.source);
    for (let j = 0; j < indices.length; j++) {
      const from = offset + indices[j]! * rowSize;
      into.set(src.subarray(from, from + rowSize) as never, at + j * rowSize);
    }
  }

  private died(r: Registration): void {
    const b = r.block;
    if (b === null) return;
    r.block = null;
    b.registration = null;
    this.registered--;
    if (b.state !== RESIDENT || !b.tracked) return;
    this.written(b);
    this.unlink(b);
    this.residentBlocks--;
    this.residentBytes -= b.bytes;
    this.allocator.free(b.ptr);
    b.ptr = 0;
    b.state = FREED;
  }

  /**
   * Before `bytes` more become resident: when that would pass the budget, evicts the least recently
   * used blocks down to 7/8 of it (so eviction runs once per eighth of the budget allocated, not per
   * allocation), passing over fresh blocks once. The budget grows by half when what is left is all in
   * use by the running kernel or fresh, and when more than an eighth of what was brought in lately was
   * restored (live data evicted and needed again: the budget is below the working set).
   */
  private makeRoom(bytes: number): void {
    if (this.windowIn >= this.budgetBytes) {
      if (this.windowRestored * 8 > this.windowIn) this.grow();
      this.windowIn = this.windowRestored = 0;
    }
    if (this.residentBytes + bytes <= this.budgetBytes && this.residentBlocks < this.budgetBlocks) return;
    const targetBytes = this.budgetBytes - this.budgetBytes / 8 - bytes,
      targetBlocks = this.budgetBlocks - this.budgetBlocks / 8 - 1;
    let spared = false;
    for (let b = this.oldest; b !== null && (this.residentBytes > targetBytes || this.residentBlocks > targetBlocks);) {
      const next = b.next;
      if (b.fresh) {
        b.fresh = false;
        spared = true;
      } else if (!(b.used >= this.protectFrom)) this.evict(b);
      b = next;
    }
    const short = this.residentBytes > targetBytes || this.residentBlocks > targetBlocks;
    if (this.residentBytes + bytes > this.budgetBytes || this.residentBlocks >= this.budgetBlocks || (spared && short)) this.grow();
  }

  // By half rather than doubling: the budget is what wasm memory fills up to, so each step overshoots
  // the working set by less, at the price of a few more rounds of copying when it is far too small.
  private grow(): void {
    this.budgetBytes = Math.ceil((this.budgetBytes * 1.5) / 64) * 64;
    this.budgetBlocks = Math.ceil(this.budgetBlocks * 1.5);
    this.windowIn = this.windowRestored = 0;
  }
}

const EMPTY: Record<DType, TypedArray> = { float32: new Float32Array(0), float64: new Float64Array(0), int32: new Int32Array(0) };

function emptyLike(b: Block): TypedArray {
  return b.dtype === "float32" ? new Float32Array(b.length) : b.dtype === "float64" ? new Float64Array(b.length) : new Int32Array(b.length);
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major with unit innermost stride from its offset: its elements are one run of the storage. */
function contiguous(v: View): boolean {
  let expected = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    if (v.shape[d] !== 1 && v.strides[d] !== expected) return false;
    expected *= v.shape[d]!;
  }
  return true;
}

function heapOf(heap: HeapViews, dtype: DType): TypedArray {
  return dtype === "float32" ? heap.f32 : dtype === "float64" ? heap.f64 : heap.i32;
}
