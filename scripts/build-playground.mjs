#!/usr/bin/env node
// Builds the playground into dist/playground: the page, its stylesheet, one ES module bundle of
// playground/src/app.ts against the built package (dist/, browser conditions) and the digits asset
// the bundle fetches from beside itself. Run after `tsc` (npm run build does).
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "dist/playground");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: [join(root, "playground/src/app.ts")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: false,
  outfile: join(out, "app.js"),
  logLevel: "warning",
  alias: { tensorgrad: join(root, "dist/src/index.js") },
});
for (const f of ["index.html", "style.css"]) copyFileSync(join(root, "playground", f), join(out, f));
copyFileSync(join(root, "src/data/mnist-digits.bin"), join(out, "mnist-digits.bin"));
console.log(`playground: ${out}`);
