// The op codes that select a wasm kernel's operation are written twice, in the AssemblyScript
// sources and in the TypeScript runtime that calls them; this keeps the two tables equal.
import { it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { UNARY_OPS, BINARY_OPS, BOOL_OUT, REDUCE_OPS } from "../../../src/backend/wasm/runtime.js";

const assembly = new URL("../../../src/backend/wasm/assembly/", import.meta.url);

/** The `const NAME = n, ...` declarations of an AssemblyScript file's line starting with `first`. */
function constants(file: string, first: string): Map<string, number> {
  const src = readFileSync(new URL(file, assembly), "utf8");
  const line = src.split("\n").find((l) => l.startsWith(`const ${first} = `));
  assert.ok(line, `${file}: no "const ${first} = ..." line`);
  const out = new Map<string, number>();
  for (const m of line.slice("const ".length).replace(/;.*$/, "").split(",")) {
    const [name, value] = m.split("=").map((s) => s.trim());
    out.set(name!, Number(value));
  }
  return out;
}

/** The TypeScript table with each name spelled as the AssemblyScript constant. */
function spelled(table: Record<string, number>, alias: Record<string, string> = {}): Map<string, number> {
  return new Map(Object.entries(table).map(([name, code]) => [alias[name] ?? name.toUpperCase(), code]));
}

it("unary op codes agree between AssemblyScript and TypeScript", () => {
  assert.deepEqual(constants("elementwise.ts", "NEG"), spelled(UNARY_OPS));
});

it("binary op codes agree between AssemblyScript and TypeScript", () => {
  assert.deepEqual(constants("elementwise.ts", "ADD"), spelled(BINARY_OPS, { maximum: "MAX", minimum: "MIN" }));
});

it("the bool-output offset agrees, and clears every binary op code", () => {
  assert.deepEqual(constants("elementwise.ts", "BOOL_OUT"), new Map([["BOOL_OUT", BOOL_OUT]]));
  assert.ok(Math.max(...Object.values(BINARY_OPS)) < BOOL_OUT);
});

it("reduction op codes agree between AssemblyScript and TypeScript", () => {
  assert.deepEqual(constants("reduce.ts", "SUM"), spelled(REDUCE_OPS));
});

it("every op code is a distinct small integer", () => {
  for (const table of [UNARY_OPS, BINARY_OPS, REDUCE_OPS]) {
    const codes = Object.values(table).sort((a, b) => a - b);
    assert.deepEqual(
      codes,
      codes.map((_, i) => i),
    );
  }
});
