// The package as bundlers see it: esbuild and Vite bundles for the browser build with no error and no
// warning but Vite's size advisory (no Node built-in reaches them; the page's scripts stay in a budget) and run in Chromium on the wasm backend with worker threads;
// an esbuild ESM bundle for Node runs on the wasm backend with its workers, with nothing beside it.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { bundleForBrowser, ensureBuilt, launchChromium, scratchProject, serve, type Served } from "./harness.js";

// Ends with window.__result for the page test; the Node bundle prints the same object as JSON.
const probe = (report: string) => `import * as tg from "tensorgrad";
const backend = tg.getBackend();
await backend.ready?.();
const a = tg.arange(256 * 256).reshape([256, 256]).div(65536);
// Products until a worker has taken a chunk (bounded to 20 s, yielding between tries): a worker woken
// from its sleep may arrive after the caller finished, and on a loaded machine the pool backs off to
// the calling thread for a while.
const workerClaims = () => (backend.runtime ? backend.runtime.pool.chunkCounts().slice(1).reduce((s, c) => s + c, 0) : 0);
let value = 0;
const until = performance.now() + 20000;
do {
  for (let i = 0; i < 10; i++) value = a.matmul(a.T).sum().item();
  if (workerClaims() > 0 || !backend.runtime) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
} while (performance.now() < until);
const claims = workerClaims();
${report}({ backend: backend.name, threads: backend.threads, claims, value, bytes: tg.io.saveSafetensors({ a }).length });
`;

// sum over i,j of (A A^T)[i,j] = sum over k of (column sum of A)^2, in float64.
const EXPECTED = (() => {
  let total = 0;
  for (let k = 0; k < 256; k++) {
    let col = 0;
    for (let i = 0; i < 256; i++) col += (i * 256 + k) / 65536;
    total += col * col;
  }
  return total;
})();

describe("bundlers", { timeout: 300_000 }, () => {
  const cleanups: (() => unknown)[] = [];
  let project = "";
  before(() => {
    ensureBuilt();
    const p = scratchProject("tg-bundlers-");
    project = p.dir;
    cleanups.push(p.cleanup);
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  /** Serves `files` cross-origin isolated, opens the page, returns window.__result and console errors. */
  async function runInChromium(files: Map<string, Served>): Promise<{ result: any; problems: string[] }> {
    const server = await serve(files);
    const { browser, close } = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (m) => void (["error", "warn"].includes(m.type()) && problems.push(m.text())));
      page.on("pageerror", (e) => void problems.push(String(e)));
      await page.goto(`${server.url}/isolated/`);
      await page.waitForFunction("window.__result !== undefined", { timeout: 60_000, polling: 100 });
      return { result: await page.evaluate("window.__result"), problems };
    } finally {
      await close();
      await server.close();
    }
  }

  function checkRun(result: any): void {
    assert.equal(result.backend, "wasm");
    assert.ok(Math.abs(result.value - EXPECTED) <= 1e-4 * EXPECTED, `${result.value} vs ${EXPECTED}`);
    // The safetensors layout: 8-byte length, the JSON header padded to 8 bytes, the data.
    const header = `{"a":{"dtype":"F32","shape":[256,256],"data_offsets":[0,${256 * 256 * 4}]}}`;
    assert.equal(result.bytes, 8 + Math.ceil(header.length / 8) * 8 + 256 * 256 * 4);
  }

  it("esbuild, platform browser: no errors or warnings, and the bundle runs threaded in Chromium", async () => {
    writeFileSync(join(project, "browser-entry.js"), probe("window.__result = "));
    const { code, errors, warnings } = await bundleForBrowser(join(project, "browser-entry.js"), []);
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, []);
    assert.doesNotMatch(code, /from\s*["']node:|require\(["'](fs|os|path|worker_threads|v8|vm|zlib|readline)["']\)/);
    const { result, problems } = await runInChromium(
      new Map<string, Served>([
        ["index.html", { type: "text/html", body: `<!doctype html><script type="module" src="app.js"></script>` }],
        ["app.js", { type: "text/javascript", body: code }],
      ]),
    );
    assert.deepEqual(problems, []);
    checkRun(result);
    assert.ok(result.threads > 1 && result.claims > 0, JSON.stringify(result));
  });

  it("Vite: the production build has no errors or warnings, and runs threaded in Chromium", async () => {
    const { build } = await import("vite");
    const app = join(project, "vite-app");
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, "index.html"), `<!doctype html><script type="module" src="./main.js"></script>\n`);
    writeFileSync(join(app, "main.js"), probe("window.__result = "));
    const warnings: string[] = [];
    const logger = {
      info: () => undefined,
      clearScreen: () => undefined,
      hasErrorLogged: () => false,
      hasWarned: false,
      warn: (msg: string) => void warnings.push(msg),
      warnOnce: (msg: string) => void warnings.push(msg),
      error: (msg: string) => void warnings.push(`error: ${msg}`),
    };
    await build({
      root: app,
      logLevel: "warn",
      customLogger: logger,
      configFile: false,
      build: { outDir: join(app, "dist"), emptyOutDir: true, target: "es2022", reportCompressedSize: false },
    });
    // Vite's advisory about chunks over 500 kB is about size, not correctness (any app with a model
    // library passes it: the two embedded kernel builds alone are ~150 kB); the script's size is
    // checked against its own budget below instead.
    assert.deepEqual(
      warnings.filter((w) => !w.includes("Some chunks are larger than 500 kB after minification")),
      [],
    );
    const scripts = readdirSync(join(app, "dist/assets")).filter((f) => f.endsWith(".js"));
    const scriptBytes = scripts.reduce((n, f) => n + statSync(join(app, "dist/assets", f)).size, 0);
    assert.ok(scriptBytes < 600_000, `the page's scripts are ${scriptBytes} bytes (budget 600,000)`);
    const files = new Map<string, Served>();
    files.set("index.html", {
      type: "text/html",
      body: readFileSync(join(app, "dist/index.html")).toString().replaceAll('src="/assets/', 'src="assets/'),
    });
    for (const f of readdirSync(join(app, "dist/assets"))) {
      const body = readFileSync(join(app, "dist/assets", f)).toString();
      assert.doesNotMatch(body, /from\s*["']node:|__vite-browser-external/, f);
      files.set(`assets/${f}`, { type: "text/javascript", body });
    }
    const { result, problems } = await runInChromium(files);
    assert.deepEqual(problems, []);
    checkRun(result);
    assert.ok(result.threads > 1 && result.claims > 0, JSON.stringify(result));
  });

  it("esbuild, platform node, ESM: the bundle runs on the wasm backend with its worker threads, alone in a directory", async () => {
    writeFileSync(join(project, "node-entry.js"), probe("console.log(JSON.stringify").replace(/\}\);\n$/, "}));\n"));
    const out = join(project, "alone", "app.mjs");
    const result = await esbuild.build({
      entryPoints: [join(project, "node-entry.js")],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      outfile: out,
      logLevel: "silent",
    });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.warnings, []);
    // Threads default to the hardware's; at least two, so the workers are exercised on any machine.
    const threads = Math.max(2, availableParallelism());
    const run = spawnSync(process.execPath, [out], {
      cwd: join(project, "alone"),
      encoding: "utf8",
      env: { PATH: process.env.PATH, TENSORGRAD_THREADS: String(threads) },
    });
    assert.equal(run.stderr, "");
    assert.equal(run.status, 0);
    const report = JSON.parse(run.stdout);
    checkRun(report);
    assert.equal(report.threads, threads);
    assert.ok(report.claims > 0, "no worker ran a chunk");
  });
});
