// Names read from a file never reach Object.prototype: checkpoints and safetensors whose tensor or
// metadata names are "__proto__", "constructor" or "toString" give FormatErrors or plain keys, and the
// process's objects are unchanged afterwards.

import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "tensorgrad";
import { FormatError, io, nn, optim, Tensor } from "tensorgrad";

const root = mkdtempSync(join(tmpdir(), "tg-hostile-"));
after(() => rmSync(root, { recursive: true, force: true }));

const PROBES = ["polluted", "toString", "output", "out", "valueOf"];

/** Fails if any probe key became visible on a fresh object (and undoes it so later tests still run). */
function assertPrototypeClean(): void {
  const leaked = PROBES.filter((k) => Object.hasOwn(Object.prototype, k) && !["toString", "valueOf"].includes(k));
  const changed = ["toString", "valueOf"].filter(
    (k) => (Object.prototype as any)[k] !== (k === "toString" ? originalToString : originalValueOf),
  );
  for (const k of leaked) delete (Object.prototype as any)[k];
  if (changed.length > 0) {
    Object.prototype.toString = originalToString;
    Object.prototype.valueOf = originalValueOf;
  }
  assert.deepEqual([...leaked, ...changed], [], "Object.prototype was changed by a file");
  assert.equal(String({}), "[object Object]");
}
const originalToString = Object.prototype.toString;
const originalValueOf = Object.prototype.valueOf;
afterEach(assertPrototypeClean);

/** Writes a safetensors file from raw header JSON text and float32 data (the header is not re-encoded). */
function writeRaw(path: string, headerJson: string, data: Float32Array): void {
  const header = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + header.length + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(new Uint8Array(data.buffer), 8 + header.length);
  writeFileSync(path, out);
}

function setup() {
  tg.manualSeed(0);
  const model = new nn.Linear(2, 1);
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.1 });
  model
    .forward(tg.ones([1, 2]))
    .sum()
    .backward();
  optimizer.step();
  return { model, optimizer };
}

/** A valid checkpoint's header and data with extra tensors spliced in under hostile names. */
function craftCheckpoint(path: string, extraNames: string[], mutateMeta?: (meta: Record<string, string>) => void): void {
  const good = join(root, "good.safetensors");
  const { model, optimizer } = setup();
  io.saveCheckpoint(good, { model, optimizer, epoch: 1 });
  const { tensors, metadata } = io.loadSafetensors(good);
  const meta = { ...metadata };
  mutateMeta?.(meta);
  const entries: [string, readonly number[], Float32Array][] = Object.entries(tensors).map(([k, t]) => [
    k,
    t.shape,
    Float32Array.from([t.toArray()].flat(3) as number[]),
  ]);
  for (const name of extraNames) entries.push([name, [1], new Float32Array([7])]);
  const header: string[] = [`"__metadata__":${JSON.stringify(meta)}`];
  let at = 0;
  for (const [name, shape, values] of entries) {
    header.push(
      `${JSON.stringify(name)}:{"dtype":"F32","shape":${JSON.stringify(shape)},"data_offsets":[${at},${at + values.byteLength}]}`,
    );
    at += values.byteLength;
  }
  const data = new Float32Array(at / 4);
  let offset = 0;
  for (const [, , values] of entries) {
    data.set(values, offset);
    offset += values.length;
  }
  writeRaw(path, `{${header.join(",")}}`, data);
}

describe("hostile names in checkpoints", () => {
  for (const key of ["polluted", "toString", "output"]) {
    it(`a tensor named optimizer.__proto__.${key} is a FormatError and pollutes nothing`, () => {
      const path = join(root, `proto-${key}.safetensors`);
      craftCheckpoint(path, [`optimizer.__proto__.${key}`]);
      const { model, optimizer } = setup();
      assert.throws(
        () => io.loadCheckpoint(path, { model, optimizer }),
        (e: unknown) => {
          assert.ok(e instanceof FormatError, `expected a FormatError, got ${e}`);
          assert.match((e as Error).message, /loadCheckpoint: .*"optimizer\.__proto__\.\w+" is not named optimizer\.<paramIndex>\.<name>/);
          return true;
        },
      );
      assert.equal(({} as any)[key === "toString" ? "polluted" : key], undefined);
    });
  }

  it("indices that are not plain decimal integers are refused (constructor, 1e3, -1, 01)", () => {
    for (const index of ["constructor", "1e3", "-1", "01", " 1"]) {
      const path = join(root, `index-${index.trim()}.safetensors`);
      craftCheckpoint(path, [`optimizer.${index}.exp_avg`]);
      const { model, optimizer } = setup();
      assert.throws(() => io.loadCheckpoint(path, { model, optimizer }), FormatError);
    }
  });

  it("optimizer values keyed __proto__ in the metadata are a FormatError", () => {
    const path = join(root, "values-proto.safetensors");
    craftCheckpoint(path, [], (meta) => {
      const parsed = JSON.parse(meta.optimizer);
      meta.optimizer = JSON.stringify(parsed).replace(/"values":\{/, `"values":{"__proto__":{"polluted":1},`);
    });
    const { model, optimizer } = setup();
    assert.throws(
      () => io.loadCheckpoint(path, { model, optimizer }),
      /loadCheckpoint: .*values has key "__proto__", expected a parameter index/,
    );
  });

  it("a per-parameter state name __proto__ stays a plain key of that state", () => {
    const path = join(root, "state-proto.safetensors");
    craftCheckpoint(path, ["optimizer.0.__proto__"]);
    const { model, optimizer } = setup();
    // The optimizer rejects the value's shape ([1] against the weight's [1, 2]), naming the key.
    assert.throws(() => io.loadCheckpoint(path, { model, optimizer }), /state\[0\]\.__proto__/);
  });

  it("the untouched checkpoint still loads (the crafting itself is sound)", () => {
    const path = join(root, "plain.safetensors");
    craftCheckpoint(path, []);
    const { model, optimizer } = setup();
    assert.deepEqual(io.loadCheckpoint(path, { model, optimizer }), { epoch: 1 });
  });
});

describe("hostile names in safetensors", () => {
  it("tensor and metadata names __proto__ and constructor are plain keys", () => {
    const path = join(root, "names.safetensors");
    writeRaw(
      path,
      '{"__metadata__":{"__proto__":"m","constructor":"c"},"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"constructor":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
      new Float32Array([1.5, 2.5]),
    );
    const { tensors, metadata } = io.loadSafetensors(path);
    assert.deepEqual(Object.keys(tensors).sort(), ["__proto__", "constructor"]);
    assert.ok(tensors["__proto__"] instanceof Tensor);
    assert.deepEqual(tensors["__proto__"].toArray(), [1.5]);
    assert.deepEqual(tensors["constructor"].toArray(), [2.5]);
    assert.equal(metadata["__proto__"], "m");
    assert.equal(metadata["constructor"], "c");
    assert.equal(Object.getPrototypeOf(tensors), null);
  });

  it("a state dict with a __proto__ key is an unexpected key for loadStateDict, not a prototype", () => {
    const path = join(root, "sd.safetensors");
    writeRaw(
      path,
      '{"weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"bias":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}',
      new Float32Array([1, 2, 3, 4]),
    );
    const model = new nn.Linear(2, 1);
    assert.throws(() => model.loadStateDict(io.loadSafetensors(path).tensors), /unexpected keys: "__proto__"/);
    const { unexpectedKeys } = model.loadStateDict(io.loadSafetensors(path).tensors, { strict: false });
    assert.deepEqual(unexpectedKeys, ["__proto__"]);
    assert.deepEqual(model.weight.toArray(), [[1, 2]]);
  });
});
