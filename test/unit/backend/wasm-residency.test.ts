// The wasm backend's memory as a bounded cache (src/backend/wasm/residency.ts): past the budget the
// least recently used blocks no running kernel holds are copied out to the JS heap and their blocks
// reused; a kernel that touches an evicted storage copies it back in. Values never change.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, optim } from "tensorgrad";
import { hostData, type Kernel, type HostStorage, type View } from "../../../src/backend/backend.js";
import { WasmAllocator } from "../../../src/backend/wasm/allocator.js";
import { Block, Residency } from "../../../src/backend/wasm/residency.js";
import { wasmBackend } from "../../../src/backend/wasm/index.js";
import { WasmStorage } from "../../../src/backend/wasm/storage.js";

const KB = 1024;

/** A cache over a fresh memory, storages that are just their block, and a kernel that records what it saw. */
function setup(budget: { bytes?: number; blocks?: number }) {
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 1024, shared: true });
  const allocator = new WasmAllocator(memory);
  const blocks = new WeakMap<object, Block>();
  // Made on first request, as WasmStorage does; `lifelinesMade` counts them.
  const lifelines = new WeakMap<object, object>();
  let lifelinesMade = 0;
  const lifelineOf = (s: object): object => {
    let l = lifelines.get(s);
    if (l === undefined) {
      lifelines.set(s, (l = {}));
      lifelinesMade++;
    }
    return l;
  };
  const r = new Residency(allocator, (s) => blocks.get(s), lifelineOf, budget);
  // A kernel that does nothing: what makes a storage a kernel's rather than fresh host data (below).
  const touch = r.guard(() => {});
  /** A storage filled with `fill` as a kernel's output would be (`fresh`: as data just loaded from the host). */
  const storage = (fill: number, length = 256, fresh = false): HostStorage => {
    const s = {
      dtype: "float32",
      length,
      backend: null as never,
      get data() {
        return r.elements(blocks.get(s)!);
      },
    } as HostStorage;
    blocks.set(s, r.alloc(s, "float32", length, true, true));
    s.data.fill(fill);
    if (!fresh) touch({ storage: s, offset: 0, shape: [length], strides: [1] }, [], undefined);
    return s;
  };
  const view = (s: HostStorage): View => ({ storage: s, offset: 0, shape: [s.length], strides: [1] });
  // y = x + 1 on the views' data, as a reference kernel does; `during` runs inside (to allocate there).
  const add1 = (during?: () => void): Kernel =>
    r.guard((out, [x]) => {
      during?.();
      const o = hostData(out.storage),
        d = hostData(x!.storage);
      for (let i = 0; i < o.length; i++) o[i] = d[i]! + 1;
    });
  const ptr = (s: HostStorage) => blocks.get(s)!.ptr;
  // The DataLoader's batch gather on `rows`-row views, guarded under its kernel name as the backend does.
  const rows = (s: HostStorage, n: number): View => ({ storage: s, offset: 0, shape: [n, s.length / n], strides: [s.length / n, 1] });
  const gatherRows = r.guard((out, [x], { indices }: { indices: number[] }) => {
    const o = hostData(out.storage),
      d = hostData(x!.storage),
      n = x!.shape[1]!;
    indices.forEach((i, j) => o.set(d.subarray(i * n, (i + 1) * n), j * n));
  }, "gatherRows");
  const host = (s: HostStorage) => r.hostData(blocks.get(s)!);
  return { r, allocator, storage, view, add1, ptr, rows, gatherRows, host, lifelinesMade: () => lifelinesMade };
}

describe("wasm residency cache", () => {
  test("past the block budget the least recently used blocks go to the JS heap, down to 7/8 of it", () => {
    const { r, storage, view, add1, ptr } = setup({ blocks: 8 });
    const s = Array.from({ length: 8 }, (_, i) => storage(i));
    // A kernel uses s[0] and s[1]: they become the most recently used.
    add1()(view(s[1]!), [view(s[0]!)], undefined);
    assert.equal(r.stats().evictions, 0);
    storage(100); // the 9th block: evict down to 7/8 of the budget, less room for it
    assert.deepEqual(
      s.map((x) => ptr(x) !== 0),
      [true, true, false, false, true, true, true, true],
    );
    assert.deepEqual(r.stats(), {
      residentBytes: 7 * KB,
      residentBlocks: 7,
      budgetBytes: 32 << 20,
      budgetBlocks: 8,
      evictions: 2,
      restores: 0,
      evictedBytes: 2 * KB,
      restoredBytes: 0,
      drops: 0,
      regathers: 0,
      droppedBytes: 0,
      snapshots: 0,
    });
    // Evicted values are intact on the heap, and not in wasm memory.
    assert.equal(s[2]!.data.buffer instanceof SharedArrayBuffer, false);
    assert.deepEqual([...s[2]!.data.subarray(0, 3)], [2, 2, 2]);
    assert.equal(s[0]!.data[0], 0);
    assert.equal(s[1]!.data[0], 1, "s[1] = s[0] + 1");
  });

  test("a kernel on an evicted storage copies it back in first, with what was written to it meanwhile", () => {
    const { r, storage, view, add1, ptr } = setup({ blocks: 4 });
    const a = storage(5),
      out = storage(0);
    r.evictAll();
    assert.equal(ptr(a), 0);
    a.data[3] = 40; // written on the heap copy, as nn.init or an optimizer may
    add1()(view(out), [view(a)], undefined);
    assert.notEqual(ptr(a), 0);
    assert.equal(a.data.buffer instanceof SharedArrayBuffer, true);
    assert.deepEqual([...out.data.subarray(0, 5)], [6, 6, 6, 41, 6]);
    assert.deepEqual([r.stats().evictions, r.stats().restores, r.stats().restoredBytes], [2, 2, 2 * KB]);
  });

  test("a running kernel's operands are never evicted, even when it allocates past the budget", () => {
    const { r, storage, view, add1, ptr } = setup({ blocks: 2 });
    const x = storage(1),
      out = storage(0);
    let inside: HostStorage | undefined;
    add1(() => {
      inside = storage(7);
      assert.notEqual(ptr(x), 0);
      assert.notEqual(ptr(out), 0);
    })(view(out), [view(x)], undefined);
    assert.equal(out.data[0], 2);
    assert.equal(inside!.data[0], 7);
    // Nothing could go: the budget grew (by half) instead.
    assert.deepEqual([r.stats().evictions, r.stats().budgetBlocks], [0, 3]);
  });

  test("data no kernel has used yet is passed over once, the budget growing instead of copying it out", () => {
    const { r, storage, view, add1, ptr } = setup({ blocks: 4 });
    const data = [storage(1, 256, true), storage(2, 256, true), storage(3, 256, true)];
    const made = storage(4);
    storage(5); // the 5th block: the kernel's block goes, the fresh data stays and the budget grows
    assert.deepEqual(
      data.map((x) => ptr(x) !== 0),
      [true, true, true],
    );
    assert.equal(ptr(made), 0);
    assert.deepEqual([r.stats().evictions, r.stats().budgetBlocks], [1, 6]);
    // Passed over once only: later passes take the least recently used, here the two unused ones.
    add1()(view(storage(0)), [view(data[2]!)], undefined);
    storage(6);
    storage(7);
    assert.deepEqual(
      data.map((x) => ptr(x) !== 0),
      [false, false, true],
    );
    assert.deepEqual(
      data.map((x) => x.data[0]),
      [1, 2, 3],
    );
  });

  test("the budget grows by half while evicted data keeps coming back (a working set larger than the budget)", () => {
    const { r, storage, view, add1 } = setup({ bytes: 8 * KB });
    // 12 live 1 KiB storages used round robin: each use restores one the previous round evicted, until
    // the budget holds all 13 (8 KiB, then 12, then 18).
    const s = Array.from({ length: 12 }, (_, i) => storage(i));
    const out = storage(0);
    for (let round = 0; round < 4; round++) for (const x of s) add1()(view(out), [view(x)], undefined);
    const st = r.stats();
    assert.equal(st.budgetBytes, 18 * KB);
    assert.ok(st.restores > 0);
    const restoresThen = st.restores;
    for (let round = 0; round < 4; round++) for (const x of s) add1()(view(out), [view(x)], undefined);
    assert.equal(r.stats().restores, restoresThen, "once the working set fits, nothing is restored again");
    assert.deepEqual(
      s.map((x) => x.data[0]),
      s.map((_, i) => i),
    );
  });

  test("dispose frees at once, resident or evicted; the bytes and blocks accounting returns to zero", () => {
    const { r, allocator, storage } = setup({});
    const before = allocator.stats().blocksInUse;
    const a = storage(1),
      b = storage(2);
    r.evictAll();
    const blockOf = (s: HostStorage) => (r as unknown as { blockOf: (s: HostStorage) => Block }).blockOf(s);
    r.free(blockOf(a));
    const c = storage(3);
    r.free(blockOf(c));
    r.free(blockOf(c));
    r.free(blockOf(b));
    assert.equal(allocator.stats().blocksInUse, before);
    assert.deepEqual([r.stats().residentBytes, r.stats().residentBlocks], [0, 0]);
  });

  test("finalization records only for blocks resident through a whole turn of the event loop; eviction drops them", async () => {
    const { r, storage, view, add1, lifelinesMade } = setup({ blocks: 16 });
    const turn = () => new Promise((done) => setTimeout(done, 5));
    // A synchronous loop of 100 short-lived storages: no record and no lifeline at all, and no more
    // waiting than are resident.
    const kept = [storage(0), storage(1)];
    for (let i = 0; i < 100; i++) add1()(view(storage(i)), [view(kept[0]!)], undefined);
    assert.deepEqual(r.registrations(), { registered: 0, waiting: r.stats().residentBlocks });
    assert.equal(lifelinesMade(), 0);
    await turn(); // the first turn: they have not lived through a whole one yet
    assert.equal(r.registrations().registered, 0);
    assert.equal(lifelinesMade(), 0);
    await turn();
    assert.deepEqual(r.registrations(), { registered: r.stats().residentBlocks, waiting: 0 });
    assert.equal(lifelinesMade(), r.stats().residentBlocks, "one lifeline per registered block, made then");
    r.evictAll();
    assert.deepEqual(r.registrations(), { registered: 0, waiting: 0 });
  });
});

describe("gathered blocks under eviction", () => {
  /** A 4-row source holding 0..255 and a 2-row batch of its rows 3 and 1. */
  function gathered() {
    const t = setup({});
    const src = t.storage(0);
    for (let i = 0; i < 256; i++) src.data[i] = i;
    const batch = t.storage(-1, 128);
    t.gatherRows(t.rows(batch, 2), [t.rows(src, 4)], { indices: [3, 1] });
    const expected = [...Array.from({ length: 64 }, (_, k) => 192 + k), ...Array.from({ length: 64 }, (_, k) => 64 + k)];
    return { ...t, src, batch, expected };
  }

  test("the data set a batch was gathered from is passed over once by the next eviction, the batch dropped", () => {
    const { r, storage, rows, gatherRows, ptr } = setup({ blocks: 4 });
    const src = storage(7),
      batch = storage(-1, 128);
    gatherRows(rows(batch, 2), [rows(src, 4)], { indices: [3, 1] });
    storage(1);
    const other = storage(2);
    storage(3); // the 5th block: the batch and the oldest other block go, the source stays
    assert.deepEqual([ptr(src) !== 0, ptr(batch) !== 0, ptr(other) !== 0], [true, false, true]);
    assert.deepEqual([r.stats().drops, r.stats().evictions], [1, 2]);
    storage(4);
    storage(5); // no gather since: the source goes like any block
    assert.equal(ptr(src), 0);
    assert.deepEqual([src.data[0], src.data[255]], [7, 7], "its elements copied out");
  });

  test("eviction drops a batch's elements instead of copying them; a kernel using it gathers them again", () => {
    const { r, storage, view, add1, ptr, batch, expected } = gathered();
    r.evictAll();
    assert.equal(ptr(batch), 0);
    const st = r.stats();
    assert.deepEqual([st.evictions, st.evictedBytes, st.drops, st.droppedBytes], [2, 1.5 * KB, 1, 0.5 * KB]);
    assert.equal((r as unknown as { blockOf: (s: HostStorage) => Block }).blockOf(batch).host.length, 0, "nothing kept on the heap");
    const out = storage(0, 128);
    add1()(view(out), [view(batch)], undefined);
    assert.notEqual(ptr(batch), 0);
    assert.deepEqual(
      [...out.data],
      expected.map((v) => v + 1),
    );
    assert.deepEqual([r.stats().restores, r.stats().regathers, r.stats().restoredBytes], [1, 1, 0.5 * KB]);
  });

  test("the host reading a dropped batch gets its rows on the heap, and the batch is copied from then on", () => {
    const { r, batch, host, expected } = gathered();
    r.evictAll();
    const data = host(batch);
    assert.equal(data.buffer instanceof SharedArrayBuffer, false);
    assert.deepEqual([...data], expected);
    assert.deepEqual([r.stats().regathers, r.stats().restores], [1, 0]);
    // The host may have written it: the next eviction copies.
    r.evictAll();
    assert.deepEqual([r.stats().drops, r.stats().evictions], [1, 2]);
  });

  test("host reads (readSync) end no arrangement: the batch read is still dropped, the source read is not copied", () => {
    const { r, ptr, src, batch, expected } = gathered();
    const block = (x: HostStorage) => (r as unknown as { blockOf: (s: HostStorage) => Block }).blockOf(x);
    assert.deepEqual([...r.hostRange(block(batch), 0, 128)], expected);
    assert.deepEqual([...r.hostRange(block(src), 192, 196)], [192, 193, 194, 195]);
    r.evictAll();
    assert.deepEqual([r.stats().drops, r.stats().evictions, r.stats().snapshots], [1, 2, 0]);
    assert.equal(ptr(batch), 0);
    // Read while dropped: its rows on the heap, gathered again; still a batch of the source.
    assert.deepEqual([...r.hostRange(block(batch), 64, 66)], [64, 65]);
    assert.equal(r.stats().regathers, 1);
    assert.notEqual(block(batch).recipe, null);
  });

  test("a source written after the gather hands its old rows to the dropped batch first", () => {
    const { r, storage, view, add1, src, batch, host, expected } = gathered();
    r.evictAll();
    add1()(view(src), [view(storage(1000))], undefined); // src = 1001 everywhere
    assert.equal(r.stats().snapshots, 1);
    assert.deepEqual([...host(batch)], expected);
    assert.equal(src.data[0], 1001);
  });

  test("a batch a kernel wrote to is copied on eviction, with what was written", () => {
    const { r, storage, view, add1, batch, host } = gathered();
    add1()(view(batch), [view(storage(7, 128))], undefined);
    r.evictAll();
    assert.deepEqual([r.stats().drops, r.stats().evictions], [0, 3]);
    assert.deepEqual([...host(batch)], Array(128).fill(8));
  });
});

describe("wasm backend under eviction", () => {
  test("training from a DataLoader with every block evicted between steps gives the same weights, bit for bit", () => {
    const run = (evict: boolean) => {
      tg.setBackend("wasm");
      try {
        tg.manualSeed(5);
        const model = new nn.Sequential(new nn.Linear(12, 16), new nn.ReLU(), new nn.Linear(16, 3));
        const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
        const x = tg.randn([40, 12]),
          y = tg.tensor(
            Array.from({ length: 40 }, (_, i) => i % 3),
            { dtype: "int32" },
          );
        const loader = new tg.data.DataLoader(new tg.data.TensorDataset(x, y), { batchSize: 8 });
        for (let epoch = 0; epoch < 2; epoch++) {
          for (const [xb, yb] of loader) {
            if (evict) wasmBackend.collect();
            opt.zeroGrad();
            nn.functional.crossEntropy(model.forward(xb!), yb!).backward();
            opt.step();
          }
        }
        return model.parameters().map((p) => p.toArray());
      } finally {
        tg.setBackend("js");
      }
    };
    const plain = run(false);
    wasmBackend.collect(); // what the first run left resident goes now, not counted below
    const before = wasmBackend.memoryStats();
    const evicted = run(true);
    const after = wasmBackend.memoryStats();
    // 10 steps of an x and a y batch, each dropped at its own step and gathered again once (x by the
    // first kernel, y by crossEntropy reading the labels to check their range, a read that leaves y a
    // batch), and both dropped again at the next step but the last: 20 + 2 × 9.
    assert.deepEqual([after.drops - before.drops, after.regathers - before.regathers, after.snapshots - before.snapshots], [38, 20, 0]);
    assert.deepEqual(evicted, plain);
  });

  test("training with every block evicted between steps gives the same weights, bit for bit", () => {
    const run = (evict: boolean) => {
      tg.setBackend("wasm");
      try {
        tg.manualSeed(4);
        const model = new nn.Sequential(new nn.Linear(12, 16), new nn.ReLU(), new nn.BatchNorm1d(16), new nn.Linear(16, 3));
        const opt = new optim.RMSprop(model.parameters(), { lr: 0.01, momentum: 0.5 });
        const adam = new optim.Adam(model.parameters(), { lr: 0.01 });
        const x = tg.randn([10, 12]),
          y = tg.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], { dtype: "int32" });
        for (let i = 0; i < 6; i++) {
          if (evict) wasmBackend.collect();
          (i % 2 ? opt : adam).zeroGrad();
          nn.functional.crossEntropy(model.forward(x), y).backward();
          nn.utils.clipGradNorm(model.parameters(), 0.5);
          if (evict) wasmBackend.collect();
          (i % 2 ? opt : adam).step();
        }
        return model.parameters().map((p) => p.toArray());
      } finally {
        tg.setBackend("js");
      }
    };
    const evictionsBefore = wasmBackend.memoryStats().evictions;
    const plain = run(false);
    const evicted = run(true);
    assert.ok(wasmBackend.memoryStats().evictions - evictionsBefore > 100, "the second run really ran on evicted storages");
    assert.deepEqual(evicted, plain);
  });

  test("a training step's batches are dropped on eviction, the labels too (the loss reads them without ending the arrangement)", () => {
    tg.setBackend("wasm");
    try {
      tg.manualSeed(3);
      const model = new nn.Linear(12, 3);
      const x = tg.randn([40, 12]),
        y = tg.tensor(
          Array.from({ length: 40 }, (_, i) => i % 3),
          { dtype: "int32" },
        );
      const loader = new tg.data.DataLoader(new tg.data.TensorDataset(x, y), { batchSize: 8 });
      wasmBackend.collect();
      const before = wasmBackend.memoryStats();
      let kept: tg.Tensor[] = [];
      for (const [xb, yb] of loader) {
        nn.functional.crossEntropy(model.forward(xb!), yb!).backward();
        kept = [xb!, yb!];
        wasmBackend.collect();
      }
      const after = wasmBackend.memoryStats();
      // Five batches of images (8×12 floats) and of labels (8 int32), each dropped once, nothing copied.
      assert.equal(after.drops - before.drops, 10);
      assert.equal(after.droppedBytes - before.droppedBytes, 5 * (8 * 12 * 4 + 8 * 4));
      assert.deepEqual(kept[1]!.toArray(), [2, 0, 1, 2, 0, 1, 2, 0]);
    } finally {
      tg.setBackend("js");
    }
  });

  test("a storage's data is the heap copy while evicted and wasm memory once a kernel used it", () => {
    tg.setBackend("wasm");
    try {
      const t = tg.tensor([1, 2, 3]);
      wasmBackend.collect();
      const s = t.storage as WasmStorage;
      assert.equal(s.ptr, 0);
      assert.equal(s.data.buffer instanceof SharedArrayBuffer, false);
      assert.deepEqual(t.toArray(), [1, 2, 3], "reads need no copy back");
      assert.deepEqual(t.mul(2).toArray(), [2, 4, 6]);
      assert.notEqual(s.ptr, 0);
      assert.equal(s.data.buffer instanceof SharedArrayBuffer, true);
      assert.equal(JSON.stringify(s), '{"backend":{"name":"wasm"},"dtype":"float32","length":3,"data":{"0":1,"1":2,"2":3}}');
    } finally {
      tg.setBackend("js");
    }
  });
});
