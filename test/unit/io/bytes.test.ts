// safetensors and checkpoints through bytes: the same bytes as the file the path functions write, read
// back from a Uint8Array, an ArrayBuffer, a view and a fetch Response; wrong sources are ValueErrors.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "tensorgrad";
import { FormatError, io, nn, optim, ValueError } from "tensorgrad";

const tensors = () => ({
  weight: tg.tensor([
    [1.5, -2],
    [3.25, 4],
  ]),
  index: tg.tensor([7, -8, 9], { dtype: "int32" }),
  double: tg.tensor([0.1, 0.2], { dtype: "float64" }),
});
const values = (c: io.SafetensorsContent) =>
  Object.fromEntries(Object.entries(c.tensors).map(([k, t]) => [k, [t.dtype, [...t.shape], Array.from(t.toTypedArray())]]));
const EXPECTED = {
  double: ["float64", [2], [0.1, 0.2]],
  index: ["int32", [3], [7, -8, 9]],
  weight: ["float32", [2, 2], [1.5, -2, 3.25, 4]],
};

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "tg-bytes-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("safetensors as bytes", () => {
  test("saveSafetensors without a path returns the bytes the path version writes", () => {
    const bytes = io.saveSafetensors(tensors(), { format: "pt" });
    assert.ok(bytes instanceof Uint8Array);
    withTmp((dir) => {
      io.saveSafetensors(join(dir, "a.safetensors"), tensors(), { format: "pt" });
      assert.deepEqual(new Uint8Array(readFileSync(join(dir, "a.safetensors"))), bytes);
    });
  });

  test("loadSafetensors reads a Uint8Array, an ArrayBuffer, an unaligned view and a Response", async () => {
    const bytes = io.saveSafetensors(tensors(), { format: "pt" });
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    for (const source of [bytes, bytes.slice().buffer, padded.subarray(3), new DataView(padded.buffer, 3, bytes.length)]) {
      const c = io.loadSafetensors(source);
      assert.deepEqual(values(c), EXPECTED);
      assert.deepEqual({ ...c.metadata }, { format: "pt" });
    }
    const fromResponse = await io.loadSafetensors(new Response(bytes));
    assert.deepEqual(values(fromResponse), EXPECTED);
  });

  test("a failed Response, truncated bytes and a wrong source are typed errors", async () => {
    await assert.rejects(io.loadSafetensors(new Response("gone", { status: 404 })), {
      name: "ValueError",
      message: "loadSafetensors: <response>: the response has HTTP status 404, expected a 2xx status",
    });
    const bytes = io.saveSafetensors(tensors());
    assert.throws(() => io.loadSafetensors(bytes.subarray(0, bytes.length - 4)), FormatError);
    assert.throws(() => io.loadSafetensors(bytes.subarray(0, 5)), {
      name: "FormatError",
      message: "loadSafetensors: <bytes>: the file has 5 bytes, too few for the 8-byte header length; not a safetensors file",
    });
    assert.throws(() => io.loadSafetensors([1, 2, 3] as unknown as Uint8Array), {
      name: "ValueError",
      message: "loadSafetensors: expected a path (string), a Uint8Array, an ArrayBuffer or a fetch Response, got an array",
    });
    assert.throws(() => io.loadSafetensors(42 as unknown as Uint8Array), ValueError);
  });
});

describe("checkpoints as bytes", () => {
  const model = () => new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));

  test("saveCheckpoint without a path returns the file's bytes; loadCheckpoint restores from them", async () => {
    tg.manualSeed(1);
    const m = model();
    const opt = new optim.Adam(m.parameters(), { lr: 0.01 });
    m.forward(tg.randn([5, 3]))
      .sum()
      .backward();
    opt.step();
    const bytes = io.saveCheckpoint({ model: m, optimizer: opt, epoch: 4, extra: { note: "x" } });
    assert.ok(bytes instanceof Uint8Array);
    withTmp((dir) => {
      tg.manualSeed(1);
      const again = model();
      const opt2 = new optim.Adam(again.parameters(), { lr: 0.01 });
      again
        .forward(tg.randn([5, 3]))
        .sum()
        .backward();
      opt2.step();
      io.saveCheckpoint(join(dir, "c.safetensors"), { model: again, optimizer: opt2, epoch: 4, extra: { note: "x" } });
      assert.deepEqual(new Uint8Array(readFileSync(join(dir, "c.safetensors"))), bytes);
    });
    const x = tg.randn([2, 3]);
    for (const source of [bytes, bytes.slice().buffer]) {
      const copy = model();
      const copyOpt = new optim.Adam(copy.parameters(), { lr: 0.01 });
      const loaded = io.loadCheckpoint(source, { model: copy, optimizer: copyOpt });
      assert.deepEqual(loaded, { epoch: 4, extra: { note: "x" } });
      assert.deepEqual(copy.forward(x).toArray(), m.forward(x).toArray());
      assert.deepEqual(copyOpt.stateDict().state[0]!.step, opt.stateDict().state[0]!.step);
    }
    const copy = model();
    assert.deepEqual(await io.loadCheckpoint(new Response(bytes), { model: copy }), { epoch: 4, extra: { note: "x" } });
    assert.deepEqual(copy.forward(x).toArray(), m.forward(x).toArray());
  });

  test("plain safetensors bytes are not a checkpoint", () => {
    assert.throws(() => io.loadCheckpoint(io.saveSafetensors(tensors()), { model: model() }), {
      name: "FormatError",
      message: /^loadCheckpoint: <bytes>: not a tensorgrad checkpoint/,
    });
  });
});
