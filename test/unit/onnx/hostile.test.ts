// ONNX files are untrusted: truncated files, wrong wire types, huge dims, cycles and random
// corruption give FormatErrors (an op the file names that loadOnnx does not know is an
// UnsupportedOpError), never a crash, a hang or an allocation the file's size does not justify.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { io, FormatError, TensorgradError, UnsupportedOpError, Tensor } from "tensorgrad";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/onnx/${name}`, import.meta.url)));

/** A tiny protobuf writer for hand-made hostile messages. */
function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x > 0n ? b | 0x80 : b);
  } while (x > 0n);
  return out;
}
const key = (field: number, wire: number) => varint(field * 8 + wire);
const bytesField = (field: number, payload: number[] | Uint8Array) => [...key(field, 2), ...varint(payload.length), ...payload];
const intField = (field: number, v: number | bigint) => [...key(field, 0), ...varint(v)];
const str = (field: number, s: string) => bytesField(field, [...new TextEncoder().encode(s)]);

const opset = (v = 17) => bytesField(8, intField(2, v));
const node = (op: string, inputs: string[], outputs: string[]) =>
  bytesField(1, [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), ...str(4, op)]);
const valueInfo = (field: number, name: string) => bytesField(field, [...str(1, name), ...bytesField(2, bytesField(1, intField(1, 1)))]);
const model = (graph: number[]) => new Uint8Array([...intField(1, 8), ...bytesField(7, graph), ...opset()]);

async function rejects(bytes: Uint8Array, pattern: RegExp, type: new (...a: any[]) => Error = FormatError): Promise<void> {
  await assert.rejects(io.loadOnnx(bytes), (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.match((e as Error).message, pattern);
    return true;
  });
}

describe("loadOnnx on hostile input", () => {
  it("a hand-made graph loads and runs (the helpers below write valid protobuf)", async () => {
    const m = await io.loadOnnx(model([...node("Relu", ["x"], ["y"]), ...valueInfo(11, "x"), ...valueInfo(12, "y")]));
    assert.deepEqual((m.forward(tg.tensor([-1, 2])) as Tensor).toArray(), [0, 2]);
  });

  it("every truncation of a real model is a FormatError", async () => {
    const bytes = fixture("mlp.onnx");
    for (let n = 0; n < bytes.length; n++) {
      await assert.rejects(io.loadOnnx(bytes.subarray(0, n)), FormatError, `prefix of ${n} bytes`);
    }
  });

  it("wrong wire types are FormatErrors", async () => {
    await rejects(new Uint8Array([...intField(7, 5), ...opset()]), /field 7 should be a message/);
    await rejects(new Uint8Array([...bytesField(1, [1, 2]), ...bytesField(7, [])]), /field 1 should be an integer/);
    await rejects(model([...key(1, 5), 0, 0, 0, 0]), /field 1 should be a message/);
    await rejects(new Uint8Array([...key(7, 3)]), /unknown wire type 3/);
    await rejects(new Uint8Array([...key(7, 2), 0xff, 0xff, 0xff, 0xff, 0x0f]), /claims \d+ bytes but only 0 remain/);
    await rejects(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), /longer than 10 bytes/);
    await rejects(new Uint8Array([0x0a, 0x01, 0xc3]), /no graph|UTF-8|field/);
  });

  it("tensors whose dims claim more data than the file holds are FormatErrors, before any allocation", async () => {
    const tensor = (dims: (number | bigint)[], raw: number[]) =>
      model(bytesField(5, [...dims.flatMap((d) => intField(1, d)), ...intField(2, 1), ...str(8, "w"), ...bytesField(9, raw)]));
    await rejects(tensor([1 << 30, 1 << 30], [0, 0, 0, 0]), /claim more than/);
    await rejects(tensor([2n ** 62n], []), /claim more than|not a size/);
    await rejects(tensor([-3], []), /not a size/);
    await rejects(tensor([1000], [0, 0, 0, 0]), /raw data has 4 bytes but dims \[1000\] need 4000/);
    await rejects(tensor(Array(40).fill(1), [0, 0, 0, 0]), /rank 40 exceeds/);
    const external = model(
      bytesField(5, [
        ...intField(1, 1),
        ...intField(2, 1),
        ...str(8, "w"),
        ...bytesField(13, [...str(1, "location"), ...str(2, "/etc/passwd")]),
      ]),
    );
    await rejects(external, /external file/);
    await rejects(model(bytesField(5, [...intField(1, 1), ...intField(2, 8), ...str(8, "s")])), /data type 8 is not supported/);
  });

  it("cycles, dangling edges and redefinitions are FormatErrors", async () => {
    const cycle = model([...node("Relu", ["b"], ["a"]), ...node("Relu", ["a"], ["b"]), ...valueInfo(12, "b")]);
    await rejects(cycle, /reads "b", which no earlier node, input or initializer defines/);
    await rejects(model([...node("Relu", ["nowhere"], ["y"]), ...valueInfo(12, "y")]), /reads "nowhere"/);
    await rejects(model([...node("Relu", ["x"], ["x"]), ...valueInfo(11, "x"), ...valueInfo(12, "x")]), /redefines "x"/);
    await rejects(model([...node("Relu", ["x"], ["y"]), ...valueInfo(11, "x"), ...valueInfo(12, "z")]), /output "z" is never computed/);
    await rejects(new Uint8Array([...intField(1, 8), ...bytesField(7, [])]), /no default-domain opset/);
  });

  it("shapes that would allocate without bound are FormatErrors when the graph runs", async () => {
    const ints = (name: string, vs: number[]) => bytesField(5, [...str(1, name), ...vs.flatMap((v) => intField(8, v)), ...intField(20, 7)]);
    const constant = (out: string, vs: number[]) => bytesField(1, [...str(2, out), ...str(4, "Constant"), ...ints("value_ints", vs)]);
    const expand = await io.loadOnnx(
      model([
        ...constant("s", [1 << 20, 1 << 20]),
        ...node("Expand", ["x", "s"], ["e"]),
        ...node("Relu", ["e"], ["y"]),
        ...valueInfo(11, "x"),
        ...valueInfo(12, "y"),
      ]),
    );
    assert.throws(
      () => expand.forward(tg.tensor([1])),
      (e: unknown) => e instanceof FormatError && /would hold 1099511627776 elements/.test((e as Error).message),
    );
    const fill = await io.loadOnnx(
      model([...constant("s", [1 << 16, 1 << 16]), ...node("ConstantOfShape", ["s"], ["y"]), ...valueInfo(12, "y")]),
    );
    assert.throws(() => fill.forward(), FormatError);
    const pad = await io.loadOnnx(
      model([...constant("p", [0, 1 << 30, 0, 0]), ...node("Pad", ["x", "p"], ["y"]), ...valueInfo(11, "x"), ...valueInfo(12, "y")]),
    );
    assert.throws(() => pad.forward(tg.ones([2, 2])), FormatError);
  });

  it("an unknown op is an UnsupportedOpError naming it", async () => {
    const m = model([...node("FancyAttention", ["x"], ["y"]), ...valueInfo(11, "x"), ...valueInfo(12, "y")]);
    await assert.rejects(
      io.loadOnnx(m),
      (e: unknown) => e instanceof UnsupportedOpError && e.op === "FancyAttention" && /"FancyAttention"/.test(e.message),
    );
  });

  it("initializer and attribute names cannot reach Object.prototype", async () => {
    const init = (name: string) =>
      bytesField(5, [...intField(1, 1), ...intField(2, 1), ...str(8, name), ...bytesField(9, [0, 0, 0x80, 0x3f])]);
    const bytes = model([
      ...init("__proto__"),
      ...init("constructor"),
      ...init("a.__proto__.b"),
      ...node("Add", ["x", "__proto__"], ["y"]),
      ...valueInfo(11, "x"),
      ...valueInfo(12, "y"),
    ]);
    const m = await io.loadOnnx(bytes);
    assert.deepEqual((m.forward(tg.tensor([1])) as Tensor).toArray(), [2]);
    assert.equal(({} as any).b, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "b"), false);
    assert.deepEqual(
      m
        .namedParameters()
        .map(([k]) => k)
        .sort(),
      ["__proto__", "a.__proto__.b", "constructor"],
    );
    const sd = m.stateDict();
    assert.equal(Object.getPrototypeOf(sd), Object.prototype);
    assert.deepEqual(Object.keys(sd).sort(), ["__proto__", "a.__proto__.b", "constructor"]);
  });

  it("random corruption of real models gives typed errors only, in bounded time", async () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const outcomes = { loaded: 0, ran: 0, typed: 0 };
    const inputs: Record<string, Tensor[]> = {
      "mlp.onnx": [tg.randn([2, 6])],
      "cnn.onnx": [tg.randn([1, 1, 8, 8])],
      "gru.onnx": [tg.randn([1, 5, 3])],
      // Subgraphs (a Loop body, If branches) and ConvTranspose/Resize/Einsum.
      "control.onnx": [tg.randn([2, 4]), tg.tensor(1, { dtype: "int32" })],
      "upsample.onnx": [tg.randn([1, 3, 5, 5])],
    };
    for (const [name, input] of Object.entries(inputs)) {
      const original = fixture(name);
      for (let trial = 0; trial < 150; trial++) {
        const bytes = original.slice();
        const edits = 1 + Math.floor(rand() * 4);
        for (let e = 0; e < edits; e++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
        try {
          // A corrupt shape may legitimately ask for up to the element limit; a small one keeps this quick.
          const m = await io.loadOnnx(bytes, { maxElements: 1 << 20 });
          outcomes.loaded++;
          m.forward(...input);
          outcomes.ran++;
        } catch (err) {
          if (!(err instanceof TensorgradError))
            throw new Error(`${name} trial ${trial}: untyped ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
          outcomes.typed++;
        }
      }
    }
    assert.equal(outcomes.ran + outcomes.typed, 750);
    assert.ok(outcomes.typed > 80, `corruption was noticed ${outcomes.typed} times`);
  });
});
