// Files from outside that are wrong in ways the readers did not check: file-system errors that
// named no path (or a temporary file), temporary files left by killed writers, a CSV read with the
// wrong delimiter, IDX training and test images of different sizes.

import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data, io, FormatError } from "tensorgrad";

const root = mkdtempSync(join(tmpdir(), "tg-file-errors-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("file-system errors name the file", () => {
  it("writeFileAtomic onto a directory names the target, not the temporary file", () => {
    const target = join(root, "out-is-a-dir");
    mkdirSync(target);
    assert.throws(
      () => io.writeFileAtomic(target, "x"),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, "EISDIR");
        assert.equal(e.message, `cannot write ${target}: EISDIR: illegal operation on a directory`);
        return true;
      },
    );
    assert.deepEqual(
      readdirSync(root).filter((n) => n.endsWith(".tmp")),
      [],
    );
  });

  it("writeFileAtomic into a missing folder names the target", () => {
    const target = join(root, "missing", "predictions.txt");
    assert.throws(() => io.writeFileAtomic(target, "x"), {
      code: "ENOENT",
      message: `cannot write ${target}: ENOENT: no such file or directory`,
    });
  });

  it("a full disk midway names the target and leaves no temporary file", () => {
    // What writeSync throws on ENOSPC (no path in it); raised here from the writer, after some bytes.
    const target = join(root, "full.bin");
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
    assert.throws(
      () =>
        io.writeFileAtomic(target, (write) => {
          write(new Uint8Array(10));
          throw enospc;
        }),
      {
        code: "ENOSPC",
        path: target,
        message: `cannot write ${target}: ENOSPC: no space left on device`,
      },
    );
    assert.deepEqual(
      readdirSync(root).filter((n) => n.includes("full.bin")),
      [],
    );
  });

  it("loadCsv and readIdx of a directory name it", () => {
    const dir = join(root, "a-dir.csv");
    mkdirSync(dir);
    assert.throws(() => data.loadCsv(dir, { target: -1 }), {
      code: "EISDIR",
      message: `cannot read ${dir}: EISDIR: illegal operation on a directory`,
    });
    assert.throws(() => data.readIdx(dir), { code: "EISDIR", message: `cannot read ${dir}: EISDIR: illegal operation on a directory` });
  });
});

describe("safetensors headers nested deeper than the format", () => {
  it("are a FormatError before they are parsed, not a stack overflow", () => {
    const deep = (json: string): string => {
      const header = Buffer.from(json),
        length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(header.length));
      const path = join(root, "deep.safetensors");
      writeFileSync(path, Buffer.concat([length, header]));
      return path;
    };
    const n = 100_000;
    const arrays = deep(`{"a":${"[".repeat(n)}${"]".repeat(n)}}`);
    const message = `loadSafetensors: ${arrays}: the header nests ${n + 1} levels deep; the format has at most 3 ({name: {shape: [...]}})`;
    assert.throws(() => io.loadSafetensors(arrays), { name: "FormatError", message });
    assert.throws(() => io.readSafetensorsHeader(arrays), {
      name: "FormatError",
      message: message.replace("loadSafetensors", "readSafetensorsHeader"),
    });
    const objects = deep(`{"__metadata__":${'{"a":'.repeat(n)}1${"}".repeat(n)}}`);
    assert.throws(() => io.loadSafetensors(objects), { name: "FormatError" });
    // Brackets inside strings are not nesting.
    const tricky = 'a "quoted" [[[[{{{{ \\ ]]]]';
    const quoted = deep(JSON.stringify({ __metadata__: { k: tricky } }));
    assert.equal(io.loadSafetensors(quoted).metadata.k, tricky);
  });
});

describe("removeStaleTempFiles", () => {
  it("removes the temporary files of dead writers and keeps live ones and other files", () => {
    const dir = mkdtempSync(join(root, "stale-"));
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const names = {
      dead: `.model.safetensors.${dead}.m1abc.0.tmp`,
      live: `.model.safetensors.${process.pid}.m1abc.1.tmp`,
      other: ".hidden.tmp",
      real: "model.safetensors",
    };
    for (const n of Object.values(names)) writeFileSync(join(dir, n), "partial");
    assert.deepEqual(io.removeStaleTempFiles(dir), [names.dead]);
    assert.deepEqual(readdirSync(dir).sort(), [names.live, names.other, names.real].sort());
  });
});

describe("data checked before it reaches a model", () => {
  it("a CSV that parses into no feature columns is a FormatError that suggests the delimiter", () => {
    const semi = join(root, "semi.csv");
    writeFileSync(semi, "a;b;y\n1;2;0\n3;4;1\n");
    assert.throws(() => data.loadCsv(semi, { target: -1 }), {
      name: "FormatError",
      message: `loadCsv: ${semi}: no feature columns: the file has 1 column ("a;b;y") and "a;b;y" is the target; is "," the file's delimiter?`,
    });
    const only = join(root, "only-target.csv");
    writeFileSync(only, "y\n0\n1\n");
    assert.throws(() => data.loadCsv(only, { target: "y" }), FormatError);
    assert.deepEqual(data.loadCsv(semi, { target: -1, delimiter: ";" }).x.shape, [2, 2]);
  });

  it('integerLabels: "map" makes classes of the labels present only', () => {
    const path = join(root, "big-labels.csv");
    writeFileSync(path, "a,y\n1,50000\n2,0\n3,50000\n");
    const indexed = data.loadCsv(path, { target: "y" });
    assert.equal(indexed.classes!.length, 50001);
    const mapped = data.loadCsv(path, { target: "y", integerLabels: "map" });
    assert.deepEqual(mapped.classes, [0, 50000]);
    assert.deepEqual(Array.from(mapped.y.toTypedArray()), [1, 0, 1]);
  });

  it("loadMnistIdx refuses training and test images of different sizes", () => {
    const dir = mkdtempSync(join(root, "idx-"));
    const idx = (magic: number, shape: number[]): Buffer => {
      const head = Buffer.alloc(4 + 4 * shape.length);
      head.writeUInt32BE(magic, 0);
      shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([head, Buffer.alloc(shape.reduce((a, b) => a * b, 1))]);
    };
    writeFileSync(join(dir, "train-images-idx3-ubyte"), idx(0x803, [2, 4, 4]));
    writeFileSync(join(dir, "train-labels-idx1-ubyte"), idx(0x801, [2]));
    writeFileSync(join(dir, "t10k-images-idx3-ubyte"), idx(0x803, [1, 3, 5]));
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), idx(0x801, [1]));
    assert.throws(() => data.loadMnistIdx(dir), {
      name: "FormatError",
      message: `loadMnistIdx: ${dir}: training images are 4x4 pixels but test images are 3x5; expected the same size`,
    });
  });
});

describe("checkpoint metadata of the wrong shape", () => {
  it("is a FormatError naming the entry, before anything is loaded", async () => {
    const { nn, optim } = await import("tensorgrad");
    const model = new nn.Linear(2, 1);
    const optimizer = new optim.Adam(model.parameters());
    const path = join(root, "ckpt.safetensors");
    io.saveCheckpoint(path, { model, optimizer });
    const bytes = (await import("node:fs")).readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
    const withMeta = (key: string, value: string): string => {
      const h = structuredClone(header);
      h.__metadata__[key] = value;
      const json = Buffer.from(JSON.stringify(h)),
        len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      const p = join(root, `ckpt-${key}.safetensors`);
      writeFileSync(p, Buffer.concat([len, json, bytes.subarray(8 + n)]));
      return p;
    };
    const load = (p: string) => () =>
      io.loadCheckpoint(p, { model: new nn.Linear(2, 1), optimizer: new optim.Adam(new nn.Linear(2, 1).parameters()) });
    let p = withMeta("optimizer", "null");
    assert.throws(load(p), {
      name: "FormatError",
      message: `loadCheckpoint: ${p}: metadata "optimizer" is not an object with paramGroups and values`,
    });
    p = withMeta("optimizer", '{"paramGroups":[null],"values":{}}');
    assert.throws(load(p), {
      name: "FormatError",
      message: `loadCheckpoint: ${p}: metadata "optimizer" has no paramGroups list of objects`,
    });
    p = withMeta("rng", '{"s":["a",0,0,0],"spare":null}');
    assert.throws(load(p), {
      name: "FormatError",
      message: `loadCheckpoint: ${p}: metadata "rng" is not a generator state (four 32-bit words, not all zero, and a spare normal or null)`,
    });
    assert.throws(() => optimizer.loadStateDict({ state: {}, paramGroups: [null as never] }), { name: "ValueError" });
  });
});
