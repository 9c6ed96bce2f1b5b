// The bundled digits in a page: `await data.loadMnist()` fetches mnist-digits.bin from beside the
// bundle (where a bundler or server puts the file that sits beside the module), then data.mnist()
// gives exactly what it gives in Node. Without loadMnist() first it says what to do.

import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { data } from "tensorgrad";
import { bundleForBrowser, ensureBuilt, launchChromium, root, scratchProject, serve, type Served } from "./harness.js";

const PAGE = `
import { data } from "tensorgrad";
const out = {};
try { data.mnist(); } catch (e) { out.before = e.name + ": " + e.message; }
try {
  await data.loadMnist();
  const train = data.mnist(), test = data.mnist({ train: false, limit: 500 });
  const sum = (a) => { let s = 0; for (const v of a) s += v; return s; };
  out.train = { shape: train.x.shape, pixelSum: sum(train.x.toFloat32Array()), labels: Array.from(train.y.toTypedArray().slice(0, 20)) };
  out.test = { shape: test.x.shape, pixels: Array.from(test.x.toFloat32Array().slice(784 * 3, 784 * 4)) };
} catch (e) { out.error = String(e && e.stack || e); }
window.__result = out;
`;

let url = "";
const stop: (() => Promise<void>)[] = [];
let browser: Awaited<ReturnType<typeof launchChromium>>["browser"];

before(async () => {
  ensureBuilt();
  const project = scratchProject("tg-mnist-page-");
  stop.push(async () => project.cleanup());
  writeFileSync(join(project.dir, "page.mjs"), PAGE);
  const bundle = await bundleForBrowser(join(project.dir, "page.mjs"), [join(project.dir, "node_modules")]);
  assert.deepEqual(bundle.errors, []);
  const files = new Map<string, Served>([
    ["index.html", { type: "text/html", body: `<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>` }],
    ["page.js", { type: "text/javascript", body: bundle.code }],
    ["mnist-digits.bin", { type: "application/octet-stream", body: readFileSync(join(root, "dist/src/data/mnist-digits.bin")) }],
  ]);
  const server = await serve(files);
  url = server.url;
  stop.push(server.close);
  const chromium = await launchChromium();
  browser = chromium.browser;
  stop.push(chromium.close);
});

after(async () => {
  for (const s of stop.reverse()) await s();
});

it("data.loadMnist() in a page, then data.mnist() as in Node", { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(`${url}/plain/`);
  await page.waitForFunction("window.__result !== undefined", { timeout: 100_000, polling: 250 });
  const got = (await page.evaluate("window.__result")) as Record<string, any>;
  await page.close();
  assert.equal(got.error, undefined);
  assert.equal(got.before, "TensorgradError: mnist: no file system to read the digits from here; await data.loadMnist() once first");
  const train = data.mnist(),
    test = data.mnist({ train: false, limit: 500 });
  let pixelSum = 0;
  for (const v of train.x.toFloat32Array()) pixelSum += v;
  assert.deepEqual(got.train, { shape: [8000, 784], pixelSum, labels: Array.from(train.y.toTypedArray().slice(0, 20)) });
  assert.deepEqual(got.test, { shape: [500, 784], pixels: Array.from(test.x.toFloat32Array().slice(784 * 3, 784 * 4)) });
});
