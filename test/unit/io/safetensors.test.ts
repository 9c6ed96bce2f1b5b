// safetensors: reading a file PyTorch's tensors were written to (every dtype), writing the exact bytes
// the format's reference layout gives (test/fixtures/gen_safetensors.py also had torch read our
// file back), and a FormatError naming the file and the problem for each kind of corruption.

import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "tensorgrad";
import { io, Tensor } from "tensorgrad";

type Entry = { dtype: string; stored: string; shape: number[]; values: (number | string)[] };
type Fixture = {
  fromTorch: { file: string; metadata: Record<string, string>; tensors: Record<string, Entry> };
  i64OutOfRange: { file: string; name: string; element: number; value: string };
  ours: { file: string; metadata: Record<string, string>; tensors: Record<string, Entry> };
};
const fixtureUrl = (p: string) => new URL(`../../fixtures/${p}`, import.meta.url);
const fixture: Fixture = JSON.parse(readFileSync(fixtureUrl("safetensors.json"), "utf8"));
const num = (v: number | string) => (typeof v === "string" ? Number(v) : v);

const root = mkdtempSync(join(tmpdir(), "tg-st-"));
after(() => rmSync(root, { recursive: true, force: true }));

function build(e: Entry): Tensor {
  const values = e.values.map(num);
  const arr =
    e.dtype === "float64"
      ? Float64Array.from(values)
      : e.dtype === "int32" || e.dtype === "bool"
        ? Int32Array.from(values)
        : Float32Array.from(values);
  return tg.tensor(arr, { shape: e.shape, dtype: e.dtype as "float32" });
}

/** A safetensors file from a header object and raw data bytes (no validation: for corrupt cases). */
function craft(name: string, header: unknown, dataBytes: number[] | Uint8Array, { headerText }: { headerText?: string } = {}): string {
  const json = Buffer.from(headerText ?? JSON.stringify(header), "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const path = join(root, name);
  writeFileSync(path, Buffer.concat([len, json, Buffer.from(dataBytes)]));
  return path;
}

describe("loadSafetensors", () => {
  it("reads PyTorch's tensors of every dtype with the documented conversions", () => {
    const path = fixtureUrl(fixture.fromTorch.file).pathname;
    const { tensors, metadata } = io.loadSafetensors(path);
    assert.deepEqual({ ...metadata }, fixture.fromTorch.metadata);
    assert.deepEqual(Object.keys(tensors).sort(), Object.keys(fixture.fromTorch.tensors).sort());
    const stored = new Set(Object.values(fixture.fromTorch.tensors).map((e) => e.stored));
    assert.deepEqual([...stored].sort(), ["BF16", "BOOL", "F16", "F32", "F64", "I32", "I64", "I8", "U8"]);
    for (const [name, e] of Object.entries(fixture.fromTorch.tensors)) {
      const t = tensors[name];
      assert.deepEqual([t.dtype, [...t.shape]], [e.dtype, e.shape], name);
      assert.deepEqual(Array.from(t.toTypedArray()), e.values.map(num), `${name} (${e.stored})`);
    }
  });

  it("refuses an I64 value outside the int32 range", () => {
    const path = fixtureUrl(fixture.i64OutOfRange.file).pathname;
    assert.throws(() => io.loadSafetensors(path), {
      name: "FormatError",
      message: `loadSafetensors: ${path}: tensor "step" (I64) holds 2147483648 at element 1, outside the int32 range [-2147483648, 2147483647] that tensorgrad stores integers in`,
    });
  });

  it("reads only the header with readSafetensorsHeader", () => {
    const h = io.readSafetensorsHeader(fixtureUrl(fixture.fromTorch.file).pathname);
    assert.deepEqual({ ...h.metadata }, { format: "pt" });
    assert.deepEqual(h.tensors.weight.dtype, "F32");
    assert.deepEqual(h.tensors.weight.shape, [2, 3]);
    assert.deepEqual(h.tensors.empty.dataOffsets[1] - h.tensors.empty.dataOffsets[0], 0);
  });
});

describe("saveSafetensors", () => {
  it("writes the reference layout byte for byte (the file torch read back in gen_safetensors.py)", () => {
    const record: Record<string, Tensor> = {};
    for (const [name, e] of Object.entries(fixture.ours.tensors)) record[name] = build(e);
    const path = join(root, "ours.safetensors");
    io.saveSafetensors(path, record, fixture.ours.metadata);
    assert.deepEqual(readFileSync(path), readFileSync(fixtureUrl(fixture.ours.file)));
    const back = io.loadSafetensors(path);
    assert.deepEqual({ ...back.metadata }, fixture.ours.metadata);
    for (const [name, t] of Object.entries(record)) {
      assert.deepEqual([back.tensors[name].dtype, back.tensors[name].shape], [t.dtype, t.shape], name);
      assert.deepEqual(back.tensors[name].toTypedArray(), t.toTypedArray(), name);
    }
  });

  it("matches the format's own serialisation example", () => {
    // safetensors' test_serialization: "attn.0", F32 [1, 2, 3] holding 0..5 — a 64-byte header, no padding.
    const path = join(root, "attn.safetensors");
    io.saveSafetensors(path, { "attn.0": tg.arange(6).reshape([1, 2, 3]) });
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    const expected = Buffer.concat([
      Buffer.from([64, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from(header),
      Buffer.from(new Float32Array([0, 1, 2, 3, 4, 5]).buffer),
    ]);
    assert.deepEqual(readFileSync(path), expected);
  });

  it("writes non-contiguous views in logical order", () => {
    const path = join(root, "view.safetensors");
    const t = tg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]).T;
    io.saveSafetensors(path, { t });
    assert.deepEqual(io.loadSafetensors(path).tensors.t.toArray(), [
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  it("rejects what the format cannot hold", () => {
    const path = join(root, "bad.safetensors");
    assert.throws(() => io.saveSafetensors(path, { __metadata__: tg.zeros([1]) }), {
      name: "ValueError",
      message: 'saveSafetensors: "__metadata__" is reserved by the format and cannot name a tensor',
    });
    assert.throws(() => io.saveSafetensors(path, { a: tg.zeros([1]) }, { epoch: 3 as unknown as string }), {
      name: "ValueError",
      message: 'saveSafetensors: metadata "epoch" is a number; the format only stores strings',
    });
    assert.throws(() => io.saveSafetensors(path, { a: [1, 2] as unknown as Tensor }), {
      name: "ValueError",
      message: 'saveSafetensors: "a" is not a Tensor',
    });
  });
});

describe("corrupt safetensors files are FormatErrors naming the file and the problem", () => {
  const info = (dtype: string, shape: number[], offsets: [number, number]) => ({ dtype, shape, data_offsets: offsets });
  const eight = [0, 0, 128, 63, 0, 0, 0, 64]; // float32 1, 2

  const cases: [string, () => string, string | RegExp][] = [
    [
      "a file shorter than the length field",
      () => {
        const p = join(root, "tiny.safetensors");
        writeFileSync(p, Buffer.from([1, 2, 3]));
        return p;
      },
      "the file has 3 bytes, too few for the 8-byte header length; not a safetensors file",
    ],
    [
      "a header length beyond the file",
      () => {
        const p = join(root, "long.safetensors");
        const b = Buffer.alloc(20);
        b.writeBigUInt64LE(1000n);
        writeFileSync(p, b);
        return p;
      },
      "the header length 1000 runs past the end of the file (20 bytes); the file is truncated or not a safetensors file",
    ],
    [
      "bad JSON",
      () => craft("json.safetensors", null, eight, { headerText: '{"a": {"dtype": "F32",' }),
      /^the header is not valid JSON \(.+\)$/,
    ], // the parenthesis quotes V8's parser, which varies by Node version
    [
      "offsets outside the data section (truncated data)",
      () => craft("trunc.safetensors", { a: info("F32", [2], [0, 8]) }, eight.slice(0, 6)),
      'tensor "a": data_offsets [0, 8] lie outside the data section (6 bytes); the file is truncated or corrupt',
    ],
    [
      "overlapping offsets",
      () => craft("overlap.safetensors", { a: info("F32", [2], [0, 8]), b: info("F32", [1], [4, 8]) }, eight),
      'tensor "b": data_offsets [4, 8] overlap tensor "a" (which ends at 8)',
    ],
    [
      "a byte count that does not match dtype × shape",
      () => craft("count.safetensors", { a: info("F32", [3], [0, 8]) }, eight),
      'tensor "a": data_offsets [0, 8] hold 8 bytes, but dtype F32 with shape [3] needs 12',
    ],
    [
      "bytes belonging to no tensor",
      () => craft("trailing.safetensors", { a: info("F32", [1], [0, 4]) }, eight),
      "the data section has 8 bytes but the tensors cover only 4",
    ],
    [
      "an unknown dtype",
      () => craft("dtype.safetensors", { a: info("F128", [1], [0, 8]) }, eight),
      'tensor "a": unknown dtype "F128" (expected one of BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64)',
    ],
    [
      "non-string metadata",
      () => craft("meta.safetensors", { __metadata__: { epoch: 3 }, a: info("F32", [2], [0, 8]) }, eight),
      '__metadata__ "epoch" is 3, expected a string',
    ],
  ];
  for (const [what, make, problem] of cases) {
    it(what, () => {
      const path = make();
      const prefix = `loadSafetensors: ${path}: `;
      assert.throws(
        () => io.loadSafetensors(path),
        (e: Error) => {
          assert.equal(e.name, "FormatError");
          assert.ok(e.message.startsWith(prefix), e.message);
          if (typeof problem === "string") assert.equal(e.message.slice(prefix.length), problem);
          else assert.match(e.message.slice(prefix.length), problem);
          return true;
        },
      );
    });
  }

  it("a well-formed crafted file loads (the corrupt cases differ only in the defect)", () => {
    const path = craft("good.safetensors", { a: info("F32", [2], [0, 8]) }, eight);
    assert.deepEqual(io.loadSafetensors(path).tensors.a.toArray(), [1, 2]);
  });
});
