// The layering of STYLE.md, checked: imports point one way (backend knows nothing above it; nn,
// optim, data and io do not reach into the layers that use them), only io writes files, and the
// command line and benchmarks use the public index alone.

import { it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "assembly" ? [] : files(p);
    return /\.(ts|js|mjs)$/.test(name) ? [p] : [];
  });
}

/** Relative import targets of a file, as paths from the repository root. */
function imports(file: string): string[] {
  const src = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']/g)) {
    if (m[1].startsWith(".")) out.push(relative(root, resolve(dirname(file), m[1])));
    else out.push(m[1]);
  }
  return out;
}

const area = (p: string) => p.split("/").slice(0, 2).join("/");

it("imports point one way", () => {
  const forbidden: Record<string, string[]> = {
    "src/platform": ["src/backend", "src/tensor", "src/autograd", "src/ops", "src/nn", "src/optim", "src/data", "src/io", "src/train"],
    "src/backend": ["src/tensor", "src/autograd", "src/ops", "src/nn", "src/optim", "src/data", "src/io", "src/train"],
    "src/autograd": ["src/nn", "src/optim", "src/data", "src/io", "src/train"],
    "src/ops": ["src/nn", "src/optim", "src/data", "src/io", "src/train"],
    "src/tensor": ["src/nn", "src/optim", "src/data", "src/io", "src/train"],
    "src/nn": ["src/optim", "src/data", "src/io", "src/train"],
    "src/optim": ["src/data", "src/io", "src/train"],
    "src/data": ["src/nn", "src/optim", "src/io", "src/train"],
    "src/io": ["src/nn", "src/optim", "src/data", "src/train"],
    // ONNX export and import trace and build modules, so they sit above nn and io, beside train.
    "src/onnx": ["src/optim", "src/data", "src/train"],
  };
  const bad: string[] = [];
  for (const file of files(join(root, "src"))) {
    const from = relative(root, file);
    const rules = forbidden[area(from)] ?? [];
    for (const target of imports(file)) {
      if (rules.some((r) => target === r || target.startsWith(r + "/"))) bad.push(`${from} imports ${target}`);
    }
  }
  assert.deepEqual(bad, []);
});

it("only src/io writes files", () => {
  const writers = /\b(writeFileSync|writeFile|appendFileSync|createWriteStream|renameSync)\b|\bopenSync\([^)]*["']w/;
  const bad = files(join(root, "src"))
    .map((f) => relative(root, f))
    .filter((f) => !f.startsWith("src/io/") && writers.test(readFileSync(join(root, f), "utf8")));
  assert.deepEqual(bad, []);
});

it("cli/, bench/ and examples/ use the public index only", () => {
  const bad: string[] = [];
  for (const dir of ["cli", "bench", "examples"]) {
    for (const file of files(join(root, dir))) {
      // Kernel-level microbenchmarks (bench/wasm-*.ts) measure the backend itself, below the API.
      const kernelBench = /^bench\/wasm-[^/]+\.ts$/.test(relative(root, file));
      for (const target of imports(file)) {
        if (kernelBench && target.startsWith("src/backend/")) continue;
        if (target.startsWith("src/") && target !== "src/index.js" && target !== "src/index")
          bad.push(`${relative(root, file)} imports ${target}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

it('Node built-ins only in the Node side of each "#" import, which has a browser twin', () => {
  // A browser bundle resolves package.json's "imports" with the "browser" condition; every other file
  // under src/ is shared, so a node: import there would break browser bundles.
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { imports: Record<string, Record<string, string>> };
  const nodeSide = new Set<string>(["src/backend/wasm/pool-worker.js"]);
  for (const [name, targets] of Object.entries(pkg.imports)) {
    assert.deepEqual(Object.keys(targets), ["browser", "tensorgrad-source", "default"], name);
    const source = targets["tensorgrad-source"]!.replace(/^\.\//, "");
    nodeSide.add(source);
    assert.equal(targets.default, "./dist/" + source.replace(/\.ts$/, ".js"), name);
    const browser = targets.browser!.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts");
    assert.ok(existsSync(join(root, browser)), `${name}: ${browser} is missing`);
  }
  const bad: string[] = [];
  for (const file of files(join(root, "src"))) {
    const from = relative(root, file);
    if (nodeSide.has(from)) continue;
    for (const target of imports(file))
      if (target.startsWith("node:") || ["fs", "path", "os", "worker_threads", "zlib", "v8", "vm"].includes(target))
        bad.push(`${from} imports ${target}`);
  }
  assert.deepEqual(bad, []);
});

it("storage memory is out of reach above the backend", () => {
  // Above src/backend, storage is an opaque handle: values move through kernels (copy_, fill_, the
  // optimizer updates, ...), and host values enter and leave only through the backend's write, read
  // and readSync, which a backend whose memory is on a device implements as an upload and a read-back.
  // No file above the backend touches `data` of a storage or asks the backend for a host view of it.
  const touches =
    /\bstorage\s*[?!]?\.\s*data\b|\{[^}]*\bdata\b[^}]*\}\s*=\s*[\w.]*\bstorage\b|\bhostData\s*\(|\bisHostStorage\b|\bHostStorage\b/;
  const bad = files(join(root, "src"))
    .map((f) => relative(root, f))
    .filter((f) => !f.startsWith("src/backend/"))
    .filter((f) => touches.test(readFileSync(join(root, f), "utf8").replace(/^\s*(\/\/|\*).*$/gm, "")));
  assert.deepEqual(bad, []);
  // Host values cross the boundary at these places only: a new tensor's values (creation), the reads
  // of a tensor (tensor.ts), moving a tensor between backends (tensor.ts), and the host-side rounding
  // of float16/bfloat16 casts (half.ts; a device backend refuses it with a DTypeError).
  const io = /\.(write|read|readSync)\(\s*[\w.]*storage\b/;
  const crossing = files(join(root, "src"))
    .map((f) => relative(root, f))
    .filter((f) => !f.startsWith("src/backend/") && io.test(readFileSync(join(root, f), "utf8")));
  assert.deepEqual(crossing.sort(), ["src/tensor/creation.ts", "src/tensor/half.ts", "src/tensor/tensor.ts"]);
});
