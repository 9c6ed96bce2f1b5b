// The one-line `@example` in the sources' doc comments (what the API reference shows) cannot rot:
// each one that is a self-contained expression followed by `// result` is run, and the result must
// equal the value the comment states: a number, a string, a nested list (of values, or the shape
// after "shape"), a typed array, or "SomeError: message" for a call that throws. Examples that use
// variables of their own (`model`, `x`) or TypeScript syntax, or that state their result in words,
// are only type-checked by `npm run docs`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import * as tg from "tensorgrad";

const root = new URL("../..", import.meta.url).pathname;
// Run from a scratch folder, so an example that writes a file cannot leave it in the repository.
const scratch = mkdtempSync(join(tmpdir(), "tg-comment-examples-"));
process.chdir(scratch);
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

interface Example {
  where: string;
  expr: string;
  stated: string;
}

const examples: Example[] = sourceFiles(join(root, "src")).flatMap((file) =>
  readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line, i) => {
      const m = /^\s*\* @example (.+?)\s+\/\/ (.+)$/.exec(line);
      return m ? [{ where: `${relative(root, file)}:${i + 1}`, expr: m[1], stated: m[2] }] : [];
    }),
);

type Stated = { kind: "value"; value: unknown; shape: boolean } | { kind: "throws"; name: string; message: string };

/** The leading literal of a bracketed list, with the text after it. */
function leadingList(text: string): string | null {
  if (!text.startsWith("[")) return null;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "[") depth++;
    else if (text[i] === "]" && --depth === 0) return text.slice(0, i + 1);
  }
  return null;
}

/** What the comment says the example gives, or null when it says it in words. */
function parseStated(stated: string): Stated | null {
  const thrown = /^(ShapeError|DTypeError|ValueError|FormatError|AsyncReadError): (.+)$/.exec(stated);
  if (thrown) return thrown[2].startsWith("…") ? null : { kind: "throws", name: thrown[1], message: thrown[2] };
  let text = stated;
  let shape = false;
  if (text.startsWith("shape ")) {
    shape = true;
    text = text.slice(6);
  }
  text = text.replace(/^(Float32Array|Float64Array|Int32Array) /, "");
  const list = leadingList(text);
  if (list !== null) {
    try {
      return { kind: "value", shape, value: JSON.parse(list.replace(/-?Infinity|NaN/g, (s) => `"${s}"`)) };
    } catch {
      return null; // prose inside the brackets ("[values [3, 2, 1], …]")
    }
  }
  const num = /^-?\d+(\.\d+)?(e-?\d+)?(?=$|[\s,:;(])/.exec(text);
  if (num) return { kind: "value", shape, value: Number(num[0]) };
  const str = /^"(?:[^"\\]|\\.)*"/.exec(text);
  if (str) return { kind: "value", shape, value: JSON.parse(str[0]) };
  if (/^(true|false)(?=$|[\s,:;(])/.test(text)) return { kind: "value", shape, value: text.startsWith("true") };
  return null;
}

const isTypedArray = (v: unknown): v is ArrayLike<number> => ArrayBuffer.isView(v) && !(v instanceof DataView);

/** A result as plain data: tensors as nested lists, typed arrays as lists. */
function plain(v: unknown): unknown {
  if (v instanceof tg.Tensor) return v.toArray();
  if (isTypedArray(v)) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/** Whether `got` equals `want` to the four decimals (or 4–5 significant digits) the comments print. */
function close(got: unknown, want: unknown): boolean {
  if (typeof want === "string" && /^-?Infinity$|^NaN$/.test(want)) return typeof got === "number" && String(got) === want;
  if (typeof want === "number") return typeof got === "number" && Math.abs(got - want) <= 6e-5 + 1e-4 * Math.abs(want);
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => close(got[i], w));
  return got === want;
}

function run(expr: string): { value: unknown } | { error: unknown } | null {
  const { nn, optim, data, train, io } = tg;
  let fn: (...args: unknown[]) => unknown;
  try {
    // Statements separated by "; " run in order; the last one's value is the result.
    const parts = expr.replace(/;\s*$/, "").split(/;\s+/);
    fn = new Function(
      "tg",
      "nn",
      "F",
      "optim",
      "data",
      "train",
      "io",
      `${parts.slice(0, -1).join(";\n")};\nreturn (${parts[parts.length - 1]});`,
    ) as typeof fn;
  } catch {
    return null; // TypeScript syntax: left to the type-check
  }
  tg.manualSeed(0);
  try {
    return { value: fn(tg, nn, nn.functional, optim, data, train, io) };
  } catch (error) {
    return error instanceof ReferenceError ? null : { error };
  }
}

test("every self-contained one-line @example gives the result its comment states", (t) => {
  const failures: string[] = [];
  let checked = 0;
  for (const ex of examples) {
    const stated = parseStated(ex.stated);
    if (stated === null) continue;
    const outcome = run(ex.expr);
    if (outcome === null) continue;
    checked++;
    if (stated.kind === "throws") {
      const e = "error" in outcome ? (outcome.error as Error) : null;
      if (!(e instanceof Error) || e.name !== stated.name || !e.message.startsWith(stated.message)) {
        failures.push(
          `${ex.where}: ${ex.expr}\n  expected ${stated.name}: ${stated.message}\n  got ${e ? `${e.name}: ${e.message}` : "no error"}`,
        );
      }
      continue;
    }
    if ("error" in outcome) {
      failures.push(`${ex.where}: ${ex.expr}\n  threw ${(outcome.error as Error).name}: ${(outcome.error as Error).message}`);
      continue;
    }
    const v = outcome.value;
    // A tensor whose comment gives its shape, with or without the word "shape".
    const ok = close(plain(v), stated.value) || (v instanceof tg.Tensor && close([...v.shape], stated.value));
    if (!ok || (stated.shape && !(v instanceof tg.Tensor && close([...v.shape], stated.value)))) {
      failures.push(`${ex.where}: ${ex.expr}\n  comment says ${JSON.stringify(stated.value)}, got ${JSON.stringify(plain(v))}`);
    }
  }
  t.diagnostic(`${checked} of ${examples.length} one-line examples checked`);
  assert.deepEqual(failures, [], `${failures.length} doc-comment examples disagree with their comments:\n${failures.join("\n")}`);
  // The parser must keep finding examples to check: a regression that skips them all would pass.
  assert.ok(checked >= 150, `only ${checked} of ${examples.length} one-line examples were checked`);
});

test("the checker reads the forms the comments use", () => {
  assert.deepEqual(parseStated("[0.5, 1.5], float32"), { kind: "value", shape: false, value: [0.5, 1.5] });
  assert.deepEqual(parseStated("shape [1, 27, 64]"), { kind: "value", shape: true, value: [1, 27, 64] });
  assert.deepEqual(parseStated("Int32Array [1, 0]"), { kind: "value", shape: false, value: [1, 0] });
  assert.deepEqual(parseStated("0.6931 (log 2)"), { kind: "value", shape: false, value: 0.6931 });
  assert.deepEqual(parseStated('"4m05s"'), { kind: "value", shape: false, value: "4m05s" });
  assert.deepEqual(parseStated("ShapeError: matmul: cannot"), { kind: "throws", name: "ShapeError", message: "matmul: cannot" });
  assert.equal(parseStated("each element 0 or 2"), null);
  assert.equal(parseStated("[values [3, 2, 1], indices [0, 2, 1]]"), null);
  assert.equal(close([1, "-Infinity", 3], [1, "-Infinity", 3]), false); // got values are numbers
  assert.equal(close([1, -Infinity, 3], [1, "-Infinity", 3]), true);
  assert.equal(close([0.76159], [0.7616]), true);
  assert.equal(close([0.75], [0.7616]), false);
});
