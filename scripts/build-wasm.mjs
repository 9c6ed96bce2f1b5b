#!/usr/bin/env node
// Compiles the AssemblyScript kernels (src/backend/wasm/assembly) into the two committed binaries,
// plain SIMD128 and relaxed SIMD, both over an imported shared memory for the worker pool.
// Usage: node scripts/build-wasm.mjs            rebuild src/backend/wasm/build/*.wasm (+ manifest.json)
//        node scripts/build-wasm.mjs --check    rebuild in memory, exit 1 if a committed file differs
//        node scripts/build-wasm.mjs --copy-dist  copy the .wasm files and the worker into dist/
import { readFileSync, writeFileSync, mkdirSync, copyFileSync, existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { createHash } from "node:crypto";

const root = new URL("..", import.meta.url).pathname;
const wasmDir = join(root, "src/backend/wasm");
const entry = relative(root, join(wasmDir, "assembly/index.ts"));

// Shared memory needs a declared maximum: 65536 pages = 4 GiB, the whole 32-bit address space
// (V8 only reserves it). initialMemory 1 keeps the import compatible with any Memory JS creates.
const common = [
  "-O3", "--noAssert", "--runtime", "stub",
  "--enable", "simd", "--enable", "threads",
  "--importMemory", "--sharedMemory", "--initialMemory", "1", "--maximumMemory", "65536",
  "--noExportMemory",
];
export const variants = {
  simd: { file: "kernels-simd.wasm", flags: [] },
  relaxed: { file: "kernels-relaxed.wasm", flags: ["--enable", "relaxed-simd"] },
};

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/**
 * What a build depends on and what it produced: compiler version, flags, a hash per source file and
 * per binary. Tests compare it with the working tree in milliseconds (a full rebuild takes seconds).
 */
export function manifest(outputs) {
  const asmDir = join(wasmDir, "assembly");
  const sources = Object.fromEntries(readdirSync(asmDir).filter((f) => f.endsWith(".ts")).sort()
    .map((f) => [f, sha256(readFileSync(join(asmDir, f)))]));
  const ascVersion = JSON.parse(readFileSync(join(root, "node_modules/assemblyscript/package.json"), "utf8")).version;
  return { ascVersion, flags: common, variants: Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, v.flags])),
    sources, outputs };
}

/** Compiles one variant and returns its bytes, without touching the file system. */
export async function compile(flags) {
  const asc = (await import("assemblyscript/asc")).default;
  let binary = null;
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main([entry, "--outFile", "kernels.wasm", ...common, ...flags], {
    stdout: asc.createMemoryStream(),
    stderr,
    // Relative paths keep absolute checkout locations out of the binary (deterministic builds).
    readFile: (name, baseDir) => {
      try { return readFileSync(join(root, baseDir, name), "utf8"); } catch { return null; }
    },
    writeFile: (name, contents) => { if (name.endsWith(".wasm")) binary = contents; },
    listFiles: () => [],
  });
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
  checkModule(binary);
  return binary;
}

/**
 * Guards the properties the loader relies on: no data segments (each worker instantiates the module
 * on the same shared memory, and active segments would be re-written into live tensors) and no
 * imports beyond env.memory, env.abort and the host maths (Math.pow, Math.sin, Math.cos).
 */
function checkModule(bytes) {
  const mod = new WebAssembly.Module(bytes);
  for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.module !== "env" || !["memory", "abort", "pow", "sin", "cos"].includes(imp.name)) {
      throw new Error(`unexpected import ${imp.module}.${imp.name}`);
    }
  }
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p++];
    let size = 0, shift = 0, b;
    do { b = bytes[p++]; size |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    if (id === 11) throw new Error("kernel module has a data section; the kernels must not use static data");
    p += size;
  }
}

async function main(args) {
  if (args.includes("--copy-dist")) {
    const dst = join(root, "dist/src/backend/wasm");
    mkdirSync(join(dst, "build"), { recursive: true });
    for (const v of Object.values(variants)) copyFileSync(join(wasmDir, "build", v.file), join(dst, "build", v.file));
    copyFileSync(join(wasmDir, "pool-worker.js"), join(dst, "pool-worker.js"));
    console.log(`copied kernels and pool-worker.js to ${relative(root, dst)}`);
    return 0;
  }
  const check = args.includes("--check");
  let stale = 0;
  const outputs = {};
  for (const [name, v] of Object.entries(variants)) {
    // Relaxed SIMD only validates on Node 20 behind a V8 flag; checkModule compiles it.
    if (name === "relaxed") (await import("node:v8")).setFlagsFromString("--experimental-wasm-relaxed-simd");
    const t0 = performance.now();
    const bytes = await compile(v.flags);
    const out = join(wasmDir, "build", v.file);
    outputs[v.file] = sha256(bytes);
    if (check) {
      const same = existsSync(out) && Buffer.compare(readFileSync(out), Buffer.from(bytes)) === 0;
      if (!same) stale++;
      console.log(`${v.file}: ${same ? "up to date" : "DIFFERS from a fresh build"}`);
    } else {
      mkdirSync(join(wasmDir, "build"), { recursive: true });
      writeFileSync(out, bytes);
      console.log(`${relative(root, out)}: ${bytes.length} bytes (${(performance.now() - t0).toFixed(0)} ms)`);
    }
  }
  if (!check) writeFileSync(join(wasmDir, "build/manifest.json"), JSON.stringify(manifest(outputs), null, 2) + "\n");
  return stale ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(await main(process.argv.slice(2)));
}
