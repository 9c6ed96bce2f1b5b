// Atomic writes: a write that fails midway (a tensor whose serialisation throws, a callback that
// throws after some bytes) leaves the previous file byte-for-byte intact and no temporary file.

import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "tensorgrad";
import { io, Tensor } from "tensorgrad";

const root = mkdtempSync(join(tmpdir(), "tg-atomic-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A real tensor whose data cannot be read: serialisation throws after the header is written. */
function poisoned(shape: number[]): Tensor {
  const t = tg.ones(shape);
  Object.defineProperty(t, "contiguousData", {
    value: () => {
      throw new Error("disk on fire");
    },
  });
  return t;
}

describe("writeFileAtomic", () => {
  it("keeps the old safetensors file when a tensor's serialisation throws midway", () => {
    const dir = mkdtempSync(join(root, "st-"));
    const path = join(dir, "model.safetensors");
    io.saveSafetensors(path, { a: tg.arange(4) });
    const before = readFileSync(path);
    // "a" (F32) is written first, then "b" throws: the temporary file is already part-written.
    assert.throws(() => io.saveSafetensors(path, { a: tg.arange(4).add(1), b: poisoned([3]) }), { message: "disk on fire" });
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(dir), ["model.safetensors"]);
    assert.deepEqual(io.loadSafetensors(path).tensors.a.toArray(), [0, 1, 2, 3]);
  });

  it("keeps the old checkpoint when saving a new one fails", () => {
    const dir = mkdtempSync(join(root, "ckpt-"));
    const path = join(dir, "ckpt.safetensors");
    const good = { stateDict: () => ({ w: tg.ones([2]) }), loadStateDict: () => undefined };
    io.saveCheckpoint(path, { model: good, epoch: 1 });
    const before = readFileSync(path);
    const bad = { stateDict: () => ({ w: tg.ones([2]), z: poisoned([2]) }), loadStateDict: () => undefined };
    assert.throws(() => io.saveCheckpoint(path, { model: bad, epoch: 2 }), { message: "disk on fire" });
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(dir), ["ckpt.safetensors"]);
    assert.equal(io.loadCheckpoint(path, { model: good }).epoch, 1);
  });

  it("removes the temporary file when a writer callback throws after writing", () => {
    const dir = mkdtempSync(join(root, "cb-"));
    const path = join(dir, "log.csv");
    io.writeFileAtomic(path, "epoch,loss\n0,1.5\n");
    assert.throws(
      () =>
        io.writeFileAtomic(path, (write) => {
          write(Buffer.from("epoch,loss\n0,1.5\n1,"));
          throw new Error("interrupted");
        }),
      { message: "interrupted" },
    );
    assert.equal(readFileSync(path, "utf8"), "epoch,loss\n0,1.5\n");
    assert.deepEqual(readdirSync(dir), ["log.csv"]);
  });

  it("writes bytes, text and chunks, keeping the replaced file's permissions", () => {
    const dir = mkdtempSync(join(root, "ok-"));
    const path = join(dir, "out.bin");
    io.writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    chmodSync(path, 0o600);
    io.writeFileAtomic(path, (write) => {
      write(Buffer.from("ab"));
      write(Buffer.from("c"));
    });
    assert.equal(readFileSync(path, "utf8"), "abc");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ["out.bin"]);
  });
});
