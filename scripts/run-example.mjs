#!/usr/bin/env node
// `npm run example -- <name> [outDir] [--quick]`: runs examples/<name>.ts from the TypeScript
// sources (tsx, with `tensorgrad` resolved to src/ through the "tensorgrad-source" condition).
// Without a name, lists the examples.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const names = readdirSync(join(root, "examples"))
  .filter((f) => f.endsWith(".ts") && f !== "common.ts")
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || !names.includes(name.replace(/\.ts$/, ""))) {
  if (name) console.error(`run-example: no example named "${name}"`);
  console.error(`usage: npm run example -- <name> [outDir] [--quick]\nexamples: ${names.join(", ")}\n(see examples/README.md)`);
  process.exit(name ? 1 : 0);
}
const file = join(root, "examples", `${name.replace(/\.ts$/, "")}.ts`);
const r = spawnSync(process.execPath, ["--conditions=tensorgrad-source", "--import", "tsx", file, ...rest], { stdio: "inherit" });
process.exit(r.status ?? 1);
