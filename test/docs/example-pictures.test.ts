// Every example's pictures are in the docs: docs/images/examples/<name>/ holds the PNGs the
// examples' table names for it, and every picture examples/README.md shows exists.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const readme = readFileSync(join(root, "examples/README.md"), "utf8");
const names = readdirSync(join(root, "examples"))
  .filter((f) => f.endsWith(".ts") && f !== "common.ts")
  .map((f) => f.slice(0, -3));

test("each example's table row names pictures that are in docs/images/examples/<name>/", () => {
  for (const name of names) {
    const row = readme.split("\n").find((l) => l.includes(`[\`${name}\`](${name}.ts)`));
    assert.ok(row, `examples/README.md has a row for ${name}`);
    const pictures = [
      ...row
        .split("|")
        .at(-2)!
        .matchAll(/`([\w*-]+\.png)`/g),
    ].map((m) => m[1]);
    assert.ok(pictures.length > 0, `${name}: the row names its pictures`);
    const have = readdirSync(join(root, "docs/images/examples", name));
    for (const p of pictures) {
      const re = new RegExp(`^${p.replace(/\./g, "\\.").replace(/\*/g, ".+")}$`);
      assert.ok(
        have.some((f) => re.test(f)),
        `${name}: ${p} in docs/images/examples/${name}/ (has ${have.join(", ")})`,
      );
    }
  }
});

test("every picture examples/README.md shows exists", () => {
  const srcs = [...readme.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(srcs.length >= names.length, `${srcs.length} pictures for ${names.length} examples`);
  for (const src of srcs) assert.ok(existsSync(join(root, "examples", src)), src);
});
