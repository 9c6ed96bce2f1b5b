#!/usr/bin/env node
// The JavaScript runtimes tensorgrad is tested on, installed from the npm registry (the `node`, `bun`
// and `deno` packages ship their binaries) into the git-ignored folder .runtimes/, one folder per
// pinned version, so the test suite and CI never depend on what happens to be on the machine.
// Usage: node scripts/runtimes.mjs [name ...]   installs what is missing, prints "name version path"
// Library: import { ensureRuntimes } from "./runtimes.mjs"

import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const RUNTIMES_DIR = join(root, ".runtimes");

/**
 * name -> npm package, exact version, the binary inside the package folder, the arguments that make
 * the runtime run a plain ES module (Deno: with read, environment and write access, and no more), and
 * those that make it run one node:test file from the TypeScript sources (`tensorgrad` resolved to
 * src/ through the "tensorgrad-source" condition).
 */
const NODE_TEST = ["--conditions=tensorgrad-source", "--import", "tsx", "--test", "--test-reporter=tap"];
export const RUNTIMES = {
  node22: { pkg: "node", version: "22.23.3", bin: "node_modules/node/bin/node", run: [], test: NODE_TEST },
  node24: { pkg: "node", version: "24.21.0", bin: "node_modules/node/bin/node", run: [], test: NODE_TEST },
  node26: { pkg: "node", version: "26.10.0", bin: "node_modules/node/bin/node", run: [], test: NODE_TEST },
  bun: {
    pkg: "bun",
    version: "1.4.5",
    bin: "node_modules/bun/bin/bun.exe",
    run: ["run"],
    test: ["test", "--conditions=tensorgrad-source"],
  },
  deno: {
    pkg: "deno",
    version: "2.9.6",
    bin: "node_modules/deno/deno",
    run: ["run", "--allow-read", "--allow-env", "--allow-write"],
    // The tests import "./x.js" for x.ts, as tsc wants; --sloppy-imports lets Deno do the same.
    test: ["test", "--allow-read", "--allow-env", "--allow-write", "--no-check", "--sloppy-imports", "--conditions=tensorgrad-source"],
  },
};

function reportedVersion(bin) {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (r.status !== 0) return null;
  const m = /(\d+\.\d+\.\d+)/.exec(r.stdout);
  return m ? m[1] : null;
}

/** Installs `name` (a key of RUNTIMES) unless its binary is already there; returns its description. */
export function ensureRuntime(name) {
  const spec = RUNTIMES[name];
  if (!spec) throw new Error(`runtimes: unknown runtime "${name}" (expected ${Object.keys(RUNTIMES).join(", ")})`);
  const dir = join(RUNTIMES_DIR, `${spec.pkg}-${spec.version}`);
  const bin = join(dir, spec.bin);
  if (!existsSync(bin) || reportedVersion(bin) !== spec.version) {
    // Install beside the final folder and rename, so an interrupted install never looks complete.
    const tmp = `${dir}.partial-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, "package.json"), JSON.stringify({ name: `tensorgrad-runtime-${name}`, private: true }) + "\n");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const r = spawnSync(
      npm,
      ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", `${spec.pkg}@${spec.version}`],
      { cwd: tmp, encoding: "utf8" },
    );
    const got = existsSync(join(tmp, spec.bin)) ? reportedVersion(join(tmp, spec.bin)) : null;
    if (r.status !== 0 || got !== spec.version) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`runtimes: npm install ${spec.pkg}@${spec.version} failed (binary reports ${got}):\n${r.stderr}`);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return { name, version: spec.version, bin, run: spec.run, test: spec.test };
}

export function ensureRuntimes(names = Object.keys(RUNTIMES)) {
  return names.map(ensureRuntime);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2);
  for (const r of ensureRuntimes(names.length ? names : undefined)) console.log(`${r.name} ${r.version} ${r.bin}`);
}
