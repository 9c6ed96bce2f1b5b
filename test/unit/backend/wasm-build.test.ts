// The committed kernel binaries match their sources: the manifest written by scripts/build-wasm.mjs
// records the compiler version, flags and a hash of every source and binary (a fast check, always
// on). The full rebuild-and-compare takes 5-20 s of Binaryen, so it runs only when
// TENSORGRAD_WASM_BUILD_CHECK=1 (CI can equally run `node scripts/build-wasm.mjs --check`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";

// The build script is plain JavaScript without type declarations: import it by URL and type the
// three exports used here.
interface BuildScript {
  compile(flags: string[]): Promise<Uint8Array>;
  manifest(outputs: Record<string, string>): unknown;
  variants: Record<string, { file: string; flags: string[] }>;
}
const scriptUrl: string = new URL("../../../scripts/build-wasm.mjs", import.meta.url).href;
const { compile, manifest, variants } = (await import(scriptUrl)) as BuildScript;

const buildDir = new URL("../../../src/backend/wasm/build/", import.meta.url);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const stale = "run `npm run build:wasm` and commit src/backend/wasm/build/";

test("the committed binaries were built from the current sources and flags", () => {
  const recorded = JSON.parse(readFileSync(new URL("manifest.json", buildDir), "utf8"));
  const outputs = Object.fromEntries(Object.values(variants).map((v) => [v.file, sha256(readFileSync(new URL(v.file, buildDir)))]));
  assert.deepEqual(manifest(outputs), recorded, stale);
});

test("a fresh build is byte-identical to the committed one", { skip: process.env.TENSORGRAD_WASM_BUILD_CHECK !== "1" }, async () => {
  for (const [name, v] of Object.entries(variants)) {
    if (name === "relaxed") (await import("node:v8")).setFlagsFromString("--experimental-wasm-relaxed-simd");
    const fresh = await compile(v.flags);
    assert.ok(Buffer.compare(readFileSync(new URL(v.file, buildDir)), Buffer.from(fresh)) === 0, `${v.file}: ${stale}`);
  }
});
