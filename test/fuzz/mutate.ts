// Mutations for the file-format fuzz suite: hostile JSON values and edits anywhere in a JSON tree,
// and byte-level edits of a file, as fast-check arbitraries (so failures shrink to a minimal edit).

import fc from "fast-check";

/** Stands for 100,000 nested arrays; `encodeJson` writes them (JSON.stringify itself would overflow). */
export const DEEP = "\u0000deep";

/** JSON text of a mutated tree, with each DEEP marker written out as 100,000 nested arrays. */
export function encodeJson(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.includes("\\u0000deep") ? text.replaceAll('"\\u0000deep"', "[".repeat(100_000) + "]".repeat(100_000)) : text;
}

/** Values that broke parsers before: huge and odd numbers, prototype keys, deep nesting, long strings. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  // The commonest breakers, drawn most often: a wrong type where an object, list or number was.
  { arbitrary: fc.constantFrom<unknown>(null, -1, "", [], {}, true, "x"), weight: 6 },
  fc.constantFrom<unknown>(
    -1,
    0,
    1,
    0.5,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    1e308,
    -1e308,
    null,
    true,
    false,
    "",
    "NaN",
    "Infinity",
    "__proto__",
    "constructor",
    "toString",
    [],
    {},
    [[]],
    [0],
    [-1],
    [1e9, 1e9],
    [2 ** 32, 2 ** 32, 2 ** 32],
    { __proto__: null, polluted: 1 },
    { $float: "NaN" },
    { $float: 7 },
  ),
  fc.integer({ min: 6, max: 200 }).map((n) => JSON.parse("[".repeat(n) + "]".repeat(n))),
  fc.constantFrom(DEEP),
  fc.integer({ min: 1, max: 5000 }).map((n) => "x".repeat(n)),
  fc.jsonValue({ maxDepth: 3 }),
);

export type JsonEdit = { kind: "replace" | "rename" | "delete"; depth: number; pick: number; value: unknown; key: string };

export const jsonEdit: fc.Arbitrary<JsonEdit> = fc.record({
  kind: fc.constantFrom("replace", "rename", "delete"),
  depth: fc.nat(),
  pick: fc.nat(),
  value: hostileValue,
  key: fc.constantFrom("__proto__", "constructor", "toString", "prototype", "0", "-1", "1e3", "", "optimizer.__proto__.x"),
});

type Node = Record<string, unknown> | unknown[];

/** The (parent, key) pairs of a JSON tree by depth (the first 8 levels), root level first. */
function slots(root: Node): [Node, string][][] {
  const levels: [Node, string][][] = [];
  const walk = (n: Node, depth: number): void => {
    if (depth >= 8) return;
    for (const k of Object.keys(n)) {
      (levels[depth] ??= []).push([n, k]);
      const v = (n as Record<string, unknown>)[k];
      if (v !== null && typeof v === "object") walk(v as Node, depth + 1);
    }
  };
  walk(root, 0);
  return levels;
}

/** Applies edits to a copy of `json` (which must be an object or array). Keys are set as own properties. */
export function applyJsonEdits(json: unknown, edits: JsonEdit[]): unknown {
  const root = structuredClone(json) as Node;
  for (const e of edits) {
    // A depth first, then a slot at it: shallow fields (a param group, a shape) get their share.
    const levels = slots(root);
    if (levels.length === 0) break;
    const level = levels[e.depth % levels.length];
    const [parent, key] = level[e.pick % level.length];
    const p = parent as Record<string, unknown>;
    if (e.kind === "replace") Object.defineProperty(p, key, { value: e.value, enumerable: true, writable: true, configurable: true });
    else if (e.kind === "delete") delete p[key];
    else if (!Array.isArray(parent)) {
      const v = p[key];
      delete p[key];
      Object.defineProperty(p, e.key, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  return root;
}

export type ByteEdit = { kind: "set" | "insert" | "remove" | "truncate"; at: number; byte: number; count: number };

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.record({
  kind: fc.constantFrom("set", "insert", "remove", "truncate"),
  at: fc.nat(),
  byte: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff, 0x22, 0x5b, 0x7b, 0x2c, 0x30),
  count: fc.integer({ min: 1, max: 8 }),
});

export function applyByteEdits(bytes: Uint8Array, edits: ByteEdit[]): Buffer {
  let b = Buffer.from(bytes);
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % (b.length + 1);
    if (e.kind === "set" && b.length > 0) b.fill(e.byte, Math.min(at, b.length - 1), Math.min(at + e.count, b.length));
    else if (e.kind === "insert") b = Buffer.concat([b.subarray(0, at), Buffer.alloc(e.count, e.byte), b.subarray(at)]);
    else if (e.kind === "remove") b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.count)]);
    else if (e.kind === "truncate") b = b.subarray(0, at);
  }
  return b;
}
