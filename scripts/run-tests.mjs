#!/usr/bin/env node
// Runs every *.test.ts under test/ with Node's built-in test runner, straight from the TypeScript
// sources (tsx), resolving `tensorgrad` to src/ through the "tensorgrad-source" export condition.
// Usage: node scripts/run-tests.mjs [substring-filter ...]
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const files = walk(join(root, "test"))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error("run-tests: no test files matched");
  process.exit(1);
}
// WebGPU tests run on SwiftShader, the Vulkan CPU driver Debian's chromium package ships, when no
// Vulkan driver is chosen already (Dawn finds no adapter on a machine without a GPU otherwise).
const env = { ...process.env };
const swiftshader = "/usr/lib/chromium/vk_swiftshader_icd.json";
if (!env.VK_ICD_FILENAMES && existsSync(swiftshader)) {
  env.VK_ICD_FILENAMES = swiftshader;
  env.LD_LIBRARY_PATH = ["/usr/lib/chromium", env.LD_LIBRARY_PATH].filter(Boolean).join(":");
}
const args = ["--conditions=tensorgrad-source", "--import", "tsx", "--test", "--test-concurrency=2", ...files];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env });
process.exit(r.status ?? 1);
