// The protobuf wire reader and writer: varints at the int64 boundaries (negative values take ten
// bytes), packed and unpacked repeated fields, and the exact bytes protobuf writes.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FormatError } from "tensorgrad";
import { ProtoWriter, fields, varints, readVarint } from "../../../src/io/onnx/wire.js";

describe("protobuf wire format", () => {
  it("writes varints as protobuf does and reads them back", () => {
    const cases: [number, number[]][] = [
      [0, [0x08, 0x00]],
      [1, [0x08, 0x01]],
      [127, [0x08, 0x7f]],
      [128, [0x08, 0x80, 0x01]],
      [300, [0x08, 0xac, 0x02]],
      [-1, [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
      [-2, [0x08, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ];
    for (const [v, bytes] of cases) {
      const out = new ProtoWriter().int(1, v).finish();
      assert.deepEqual([...out], bytes, `encoding ${v}`);
      const [f] = [...fields(out, "test")];
      assert.equal(f.varint, v, `decoding ${v}`);
    }
    for (const v of [2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -(2 ** 31), -(2 ** 32) - 5, -(2 ** 53) + 1]) {
      const [f] = [...fields(new ProtoWriter().int(3, v).finish(), "test")];
      assert.equal(f.varint, v, `round trip of ${v}`);
    }
  });

  it("clamps int64 values beyond 2^53 (INT64_MAX, INT64_MIN) to the safe range", () => {
    const max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]; // 2^63 - 1
    const min = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]; // -2^63
    assert.equal(readVarint(Uint8Array.from(max), { at: 0 }, "t"), Number.MAX_SAFE_INTEGER);
    assert.equal(readVarint(Uint8Array.from(min), { at: 0 }, "t"), -Number.MAX_SAFE_INTEGER);
  });

  it("reads repeated integers packed and unpacked alike", () => {
    const packed = new ProtoWriter().packedInts(8, [3, -1, 300]).finish();
    const unpacked = new ProtoWriter().int(8, 3).int(8, -1).int(8, 300).finish();
    assert.deepEqual(
      [...fields(packed, "t")].flatMap((f) => varints(f, "t")),
      [3, -1, 300],
    );
    assert.deepEqual(
      [...fields(unpacked, "t")].flatMap((f) => varints(f, "t")),
      [3, -1, 300],
    );
  });

  it("nested messages and strings", () => {
    const inner = new ProtoWriter().string(1, "héllo").float(2, 1.5);
    const outer = new ProtoWriter().message(3, inner).finish();
    const [f] = [...fields(outer, "t")];
    assert.equal(f.number, 3);
    const [s, x] = [...fields(f.bytes, "t")];
    assert.equal(new TextDecoder().decode(s.bytes), "héllo");
    assert.equal(new DataView(x.bytes.buffer, x.bytes.byteOffset).getFloat32(0, true), 1.5);
  });

  it("a cut-off varint or payload is a FormatError", () => {
    assert.throws(() => [...fields(Uint8Array.from([0x08, 0x80]), "t")], FormatError);
    assert.throws(() => [...fields(Uint8Array.from([0x12, 0x05, 0x01]), "t")], FormatError);
  });
});
