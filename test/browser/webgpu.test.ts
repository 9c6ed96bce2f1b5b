// The WebGPU backend in headless Chromium (--enable-unsafe-webgpu --enable-unsafe-swiftshader gives a
// SwiftShader adapter on a machine without a GPU): the op table and its float32 gradcheck on
// navigator.gpu, the typed error of a synchronous read, and a small fit.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GRAD_CASES, isFloat64Case, noGradcheck, parseOpFixtures } from "../conformance/op-cases.js";
import { bundleForBrowser, ensureBuilt, launchChromium, root, scratchProject, serve, type Served } from "./harness.js";

interface Result {
  error?: string;
  backend: string;
  adapter: string | null;
  conformance: { cases: number; run: number; skipped: number; failures: string[] };
  gradcheck: { checked: number; failures: string[] };
  syncRead: string;
  training: { firstLoss: number; lastLoss: number; accuracy: number; predicted: number };
}

const fixtures = parseOpFixtures(readFileSync(join(root, "test/fixtures/ops.json"), "utf8"));

describe("WebGPU in headless Chromium", { timeout: 300_000 }, () => {
  let url = "";
  let stop: (() => Promise<void>)[] = [];
  let browser: Awaited<ReturnType<typeof launchChromium>>["browser"];

  before(async () => {
    ensureBuilt();
    const project = scratchProject("tg-webgpu-page-");
    stop.push(async () => project.cleanup());
    const bundle = await bundleForBrowser(join(root, "test/browser/webgpu-page.ts"), [join(project.dir, "node_modules")]);
    assert.deepEqual(bundle.errors, []);
    const files = new Map<string, Served>([
      ["index.html", { type: "text/html", body: `<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>` }],
      ["page.js", { type: "text/javascript", body: bundle.code }],
      ["ops.json", { type: "application/json", body: readFileSync(join(root, "test/fixtures/ops.json")) }],
      ["op-table.json", { type: "application/json", body: readFileSync(join(root, "test/conformance/op-table.json")) }],
    ]);
    const server = await serve(files);
    url = server.url;
    stop.push(server.close);
    const chromium = await launchChromium({ webgpu: true });
    browser = chromium.browser;
    stop.push(chromium.close);
  });

  after(async () => {
    for (const s of stop.reverse()) await s();
    stop = [];
  });

  it("runs the op table and its gradcheck on navigator.gpu, refuses synchronous reads and trains through fit", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => void errors.push(String(e)));
    await page.goto(`${url}/plain/`);
    await page.waitForFunction("window.__result !== undefined", { timeout: 280_000, polling: 250 });
    const r = (await page.evaluate("window.__result")) as Result;
    await page.close();
    assert.equal(r.error, undefined);
    assert.deepEqual(errors, []);
    assert.equal(r.backend, "webgpu");
    assert.ok(r.adapter !== null, "the adapter names itself");
    const table = JSON.parse(readFileSync(join(root, "test/conformance/op-table.json"), "utf8")).cases.length as number;
    assert.equal(r.conformance.cases, table);
    assert.equal(r.conformance.run + r.conformance.skipped, table);
    assert.ok(r.conformance.skipped <= 10, `float64 and 16-bit rounding cases skipped: ${r.conformance.skipped}`);
    assert.deepEqual(r.conformance.failures, []);
    // The float32 gradcheck of every differentiable float32 case, and of the fused-path cases.
    const gradchecked = fixtures.cases.filter((c) => noGradcheck(c) === null && !isFloat64Case(c)).length + GRAD_CASES.length;
    assert.equal(r.gradcheck.checked, gradchecked);
    assert.deepEqual(r.gradcheck.failures, []);
    assert.equal(
      r.syncRead,
      'AsyncReadError: toArray: this tensor lives on the "webgpu" backend, whose memory cannot be read synchronously; use `await t.array()` (or `await t.cpu()` for a copy on the CPU)',
    );
    assert.ok(r.training.lastLoss < r.training.firstLoss / 2, `loss fell: ${r.training.firstLoss} -> ${r.training.lastLoss}`);
    assert.ok(r.training.accuracy >= 0.95, `accuracy ${r.training.accuracy}`);
    assert.equal(r.training.predicted, 512);
  });
});
