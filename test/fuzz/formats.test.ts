// Fuzzing every file format tensorgrad reads — safetensors, training checkpoints, run
// configurations, CSV (the library's reader and the command line's) and IDX — from valid files through byte- and JSON-level mutations. Each
// reader must accept the file or throw the library's typed error (the CLI's CliError for run
// configurations): no other exception, no stack overflow, no polluted Object.prototype, no
// allocation beyond the file's own size. Seeded (repeatable) and bounded in runs and in time; for a
// longer hunt, TG_FUZZ_SEED=<n> TG_FUZZ_RUNS=<n> TG_FUZZ_MS=<ms> npm run test:fast -- test/fuzz.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import * as tg from "tensorgrad";
import { data, io, nn, optim, TensorgradError } from "tensorgrad";
import { CliError } from "../../cli/errors.js";
import { parseRunConfig } from "../../cli/run-config.js";
import { checkTrainable, loadData, parseDataSpec } from "../../cli/data.js";
import { applyByteEdits, applyJsonEdits, byteEdit, encodeJson, hostileValue, jsonEdit } from "./mutate.js";

const root = mkdtempSync(join(tmpdir(), "tg-fuzz-"));
after(() => rmSync(root, { recursive: true, force: true }));
// Readers are backend-independent; the reference backend keeps memory figures plain JS buffers.
before(() => tg.setBackend("js"));
after(() => tg.setBackend(tg.listBackends().includes("wasm") ? "wasm" : "js"));

const SEED = Number(process.env.TG_FUZZ_SEED ?? 0);
const RUNS = { numRuns: Number(process.env.TG_FUZZ_RUNS ?? 400), interruptAfterTimeLimit: Number(process.env.TG_FUZZ_MS ?? 1500) };

/** fc.assert, with the failing reader's own message in the error (the test runner hides `cause`). */
function check<T extends unknown[]>(prop: fc.IProperty<T>, params: fc.Parameters<T>): void {
  try {
    fc.assert(prop, params);
  } catch (e) {
    const cause = (e as { cause?: Error }).cause;
    throw new Error(`${(e as Error).message}\n${cause ? `cause: ${cause.message}` : ""}`);
  }
}
const MAX_BUFFERS = 256 * 2 ** 20;
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort().join();
let peakBuffers = 0;

/** Runs a reader: returns normally or throws one of `allowed`; anything else fails the property. */
function typedOnly(read: () => unknown, allowed: Function[] = [TensorgradError]): void {
  try {
    read();
  } catch (e) {
    if (!allowed.some((c) => e instanceof c))
      throw new Error(`untyped ${(e as Error)?.constructor?.name}: ${(e as Error)?.message?.slice(0, 300)}`);
  } finally {
    assert.equal(Object.getOwnPropertyNames(Object.prototype).sort().join(), prototypeKeys, "Object.prototype changed");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    peakBuffers = Math.max(peakBuffers, process.memoryUsage().arrayBuffers);
  }
}

let n = 0;
const file = (bytes: Uint8Array | string): string => {
  const path = join(root, `f${n++ % 8}`);
  writeFileSync(path, bytes);
  return path;
};

/** A safetensors file from a header object and data bytes (the length prefix made to fit). */
function safetensors(header: unknown, body: Uint8Array): Buffer {
  const json = Buffer.from(encodeJson(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, body]);
}
function splitSafetensors(bytes: Buffer): { header: unknown; body: Buffer } {
  const n = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + n).toString()), body: bytes.subarray(8 + n) };
}

describe("fuzz: file formats give typed errors only", { timeout: 120_000 }, () => {
  it("safetensors", () => {
    const path = join(root, "valid.safetensors");
    io.saveSafetensors(
      path,
      { a: tg.arange(6).reshape([2, 3]), b: tg.tensor([1, -2], { dtype: "int32" }), c: tg.tensor([0.5], { dtype: "float64" }) },
      { format: "pt", k: "v" },
    );
    const valid = readFileSync(path);
    const { header, body } = splitSafetensors(valid);
    const read = (bytes: Uint8Array): void => {
      const p = file(bytes);
      typedOnly(() => io.loadSafetensors(p));
      typedOnly(() => io.readSafetensorsHeader(p));
    };
    check(
      fc.property(fc.array(byteEdit, { minLength: 1, maxLength: 4 }), (edits) => read(applyByteEdits(valid, edits))),
      { seed: SEED + 1, ...RUNS },
    );
    check(
      fc.property(fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), (edits) => read(safetensors(applyJsonEdits(header, edits), body))),
      { seed: SEED + 2, ...RUNS },
    );
  });

  it("checkpoints", () => {
    tg.manualSeed(1);
    const make = () => {
      const model = new nn.Linear(3, 2);
      const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
      const scheduler = new optim.lrScheduler.StepLR(optimizer, { stepSize: 2 });
      return { model, optimizer, scheduler };
    };
    const m = make();
    m.model
      .forward(tg.ones([4, 3]))
      .sum()
      .backward();
    m.optimizer.step();
    m.scheduler.step();
    const path = join(root, "valid-ckpt.safetensors");
    io.saveCheckpoint(path, { ...m, epoch: 3, history: { epoch: [0, 1], loss: [1.5, NaN] }, extra: { note: "x" } });
    const valid = readFileSync(path);
    const { header, body } = splitSafetensors(valid);
    const rng = tg.getRngState();
    const read = (bytes: Uint8Array): void => {
      const p = file(bytes);
      typedOnly(() => io.loadCheckpoint(p, make()));
      tg.setRngState(rng);
    };
    // Edits of the header and, inside __metadata__, of the JSON documents its strings hold.
    const metaEdit = fc.record({
      key: fc.constantFrom(
        "optimizer",
        "optimizer",
        "optimizer",
        "scheduler",
        "scheduler",
        "rng",
        "epoch",
        "history",
        "extra",
        "format",
        "version",
      ),
      edits: fc.array(jsonEdit, { minLength: 1, maxLength: 3 }),
      whole: fc.integer({ min: 0, max: 4 }),
      raw: hostileValue,
    });
    check(
      fc.property(fc.array(jsonEdit, { maxLength: 2 }), fc.array(metaEdit, { maxLength: 2 }), (edits, metaEdits) => {
        const h = applyJsonEdits(header, edits) as Record<string, any>;
        const meta = h?.__metadata__;
        if (meta !== null && typeof meta === "object" && !Array.isArray(meta)) {
          for (const { key, edits: inner, whole, raw } of metaEdits) {
            // One time in five the whole document is replaced, else fields inside it are edited.
            if (whole === 0) meta[key] = encodeJson(raw);
            // A document already made 100,000 deep is left as it is (cloning it would overflow here).
            else if (typeof meta[key] === "string" && meta[key].length < 100_000) {
              let doc: unknown;
              try {
                doc = JSON.parse(meta[key]);
              } catch {
                doc = meta[key]; // "format" and "version" are plain strings
              }
              meta[key] = encodeJson(doc !== null && typeof doc === "object" ? applyJsonEdits(doc, inner) : inner[0].value);
            }
          }
        }
        read(safetensors(h, body));
      }),
      { seed: SEED + 3, ...RUNS },
    );
    check(
      fc.property(fc.array(byteEdit, { minLength: 1, maxLength: 3 }), (edits) => read(applyByteEdits(valid, edits))),
      { seed: SEED + 4, ...RUNS },
    );
  });

  it("run configurations", () => {
    const config = {
      format: "tensorgrad.run",
      version: 1,
      task: "classification",
      loss: "sparse_categorical_crossentropy",
      model: { type: "mlp", preset: "custom", inputSize: 2, hidden: [4, 3], activation: "relu", dropout: 0.1, outputs: 2 },
      data: { kind: "csv", file: "/d/x.csv", target: -1, testSplit: 0.2 },
      standardize: { mean: [0, 1], std: [1, 2] },
      classes: ["a", "b"],
      featureNames: ["x", "y"],
      training: { epochs: 1, batchSize: 32, optimizer: "adam", lr: 0.001, lrSchedule: "cosine", seed: 0, validationSplit: 0.1, limit: 10 },
    };
    const text = JSON.stringify(config);
    check(
      fc.property(fc.array(jsonEdit, { minLength: 1, maxLength: 4 }), (edits) => {
        typedOnly(() => parseRunConfig("config.json", encodeJson(applyJsonEdits(config, edits))), [CliError]);
      }),
      { seed: SEED + 5, ...RUNS },
    );
    check(
      fc.property(fc.array(byteEdit, { minLength: 1, maxLength: 4 }), (edits) => {
        typedOnly(() => parseRunConfig("config.json", applyByteEdits(Buffer.from(text), edits).toString()), [CliError]);
      }),
      { seed: SEED + 6, ...RUNS },
    );
  });

  it("CSV", () => {
    const token = fc.constantFrom(
      "0",
      "1",
      "-2",
      "3.5",
      "1e400",
      "NaN",
      "nan",
      "abc",
      "",
      " ",
      ",",
      ";",
      "\t",
      '"',
      '""',
      '"a,b"',
      "\n",
      "\r\n",
      "\uFEFF",
      "__proto__",
      "constructor",
      "50000",
    );
    const text = fc.array(token, { maxLength: 60 }).map((t) => t.join(""));
    const opts = fc.record({
      target: fc.constantFrom<string | number>(-1, 0, 2, "y", "__proto__", 99),
      header: fc.boolean(),
      delimiter: fc.constantFrom(",", ";", "\t"),
      targetType: fc.constantFrom<"class" | "value">("class", "value"),
      integerLabels: fc.constantFrom<"index" | "map">("index", "map"),
      standardize: fc.boolean(),
    });
    check(
      fc.property(text, opts, (t, o) => {
        const p = file(t);
        typedOnly(() => data.loadCsv(p, o));
      }),
      { seed: SEED + 7, ...RUNS },
    );
  });

  it("CSV as the command line reads it (RFC 4180 records, text columns, empty cells)", () => {
    const token = fc.constantFrom(
      "0",
      "1",
      "-2",
      "3.5",
      "1e400",
      "NaN",
      "abc",
      "",
      " ",
      ",",
      '"',
      '""',
      '"a,\nb"',
      "\n",
      "\r\n",
      "\r",
      "\uFEFF",
      "__proto__",
      "constructor",
      "toString",
      "50000",
    );
    const text = fc.array(token, { maxLength: 60 }).map((t) => t.join(""));
    const opts = fc.record({
      target: fc.constantFrom<string | undefined>(undefined, "0", "-1", "y", "__proto__", "99"),
      task: fc.constantFrom<"classification" | "regression" | undefined>(undefined, "classification", "regression"),
    });
    check(
      fc.property(text, opts, (t, o) => {
        const p = file(t);
        typedOnly(() => {
          const spec = parseDataSpec(`csv:${p}`, { target: o.target, task: o.task });
          checkTrainable(loadData(spec, { seed: 0 }));
        }, [CliError, TensorgradError]);
      }),
      { seed: SEED + 10, ...RUNS },
    );
  });

  it("IDX", () => {
    const idx = (type: number, shape: number[]): Buffer => {
      const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
      const head = Buffer.alloc(4 + 4 * shape.length);
      head.writeUInt32BE((type << 8) | shape.length, 0);
      shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([head, Buffer.alloc(size * shape.reduce((a, b) => a * b, 1), 7)]);
    };
    const valid = fc
      .record({
        type: fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e),
        shape: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
      })
      .map(({ type, shape }) => idx(type, shape));
    const dims = fc.array(fc.constantFrom(0, 1, 0xff, 0x10000, 0x7fffffff, 0xffffffff), { maxLength: 4 });
    check(
      fc.property(valid, fc.array(byteEdit, { maxLength: 3 }), dims, fc.boolean(), (bytes, edits, big, gz) => {
        let b = applyByteEdits(bytes, edits);
        // Huge declared dimensions over a small body: must be refused before allocating.
        big.forEach((d, i) => {
          if (b.length >= 8 + 4 * i) b.writeUInt32BE(d, 4 + 4 * i);
        });
        if (gz) b = gzipSync(b);
        const p = file(b);
        typedOnly(() => data.readIdx(p));
      }),
      { seed: SEED + 8, ...RUNS },
    );
  });

  it("stays within a bounded amount of buffer memory", () => {
    assert.ok(peakBuffers < MAX_BUFFERS, `peak ArrayBuffer memory ${(peakBuffers / 2 ** 20).toFixed(0)} MiB`);
  });
});
