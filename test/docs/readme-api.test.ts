// README's "Everything in the API" section names every public function, class and constant: each
// export of the index and of every namespace under it, and each public Tensor member. A new public symbol that
// the README does not list fails here, as an undocumented one fails `npm run docs`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const start = readme.indexOf("### Everything in the API");
const section = readme.slice(start, readme.indexOf("\n#", start + 1));

/** Whether `name` appears in the section as a whole word (between non-identifier characters). */
function listed(name: string): boolean {
  const escaped = name.replace(/[$]/g, "\\$");
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}([^A-Za-z0-9_$]|$)`).test(section);
}

/** Whether `v` is a namespace object (`export * as name`), whose members are listed one by one. */
const isNamespace = (v: unknown): v is object =>
  typeof v === "object" && v !== null && (v as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === "Module";

/** Every runtime export under `ns`, namespaces walked into, as ["nn.functional.relu", "relu"]. */
function exportsOf(ns: object, where: string): [string, string][] {
  return Object.entries(ns).flatMap(([name, value]): [string, string][] =>
    isNamespace(value) ? exportsOf(value, `${where}.${name}`) : [[`${where}.${name}`, name]],
  );
}

// Public by TypeScript's rules but marked @internal (left out of the API reference too).
const internalTensorMembers = new Set(["constructor", "toString", "contiguousData"]);

test("README's section exists and is not empty", () => {
  assert.ok(start >= 0, 'README.md has no "### Everything in the API" section');
  assert.ok(section.length > 2000, `the section is only ${section.length} characters`);
});

test("README names every export of the index and its namespaces", () => {
  const all = exportsOf(tg, "tg");
  assert.ok(all.length > 400, `expected over 400 exports, found ${all.length}`);
  const missing = all.filter(([, name]) => !listed(name)).map(([path]) => path);
  assert.deepEqual(missing, [], `README's "Everything in the API" does not name: ${missing.join(", ")}`);
});

test("README names every public Tensor method and property", () => {
  const members = Object.getOwnPropertyNames(tg.Tensor.prototype).filter((k) => !k.startsWith("_") && !internalTensorMembers.has(k));
  assert.ok(members.length > 100, `expected over 100 Tensor members, got ${members.length}`);
  const missing = members.filter((k) => !listed(k));
  assert.deepEqual(missing, [], `README's "Everything in the API" does not name the Tensor members: ${missing.join(", ")}`);
});

test("the check itself tells a listed name from an unlisted one", () => {
  assert.equal(listed("indexSelect"), true);
  assert.equal(listed("index"), false); // a prefix of a listed name is not a match
  assert.equal(listed("definitelyNotAnExport"), false);
});
