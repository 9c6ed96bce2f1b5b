// tensorgrad in headless Chromium, bundled by esbuild from the built package: the op table on the wasm
// backend in a cross-origin-isolated page (worker threads) and in a plain one (one thread, said once),
// MNIST trained with fit to at least 90 % test accuracy, safetensors and checkpoints through bytes.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { data, io } from "tensorgrad";
import { bundleForBrowser, ensureBuilt, launchChromium, root, scratchProject, serve, type Served } from "./harness.js";

const TRAIN = 4000,
  TEST = 1000;

/** The digits the page trains on, as one safetensors file (the page fetches it). */
function mnistSubset(): Uint8Array {
  const tr = data.mnist({ train: true, limit: TRAIN });
  const te = data.mnist({ train: false, limit: TEST });
  return io.saveSafetensors({ xTrain: tr.x, yTrain: tr.y, xTest: te.x, yTest: te.y });
}

interface PageResult {
  error?: string;
  crossOriginIsolated: boolean;
  backend: string;
  threads: number;
  workerClaims: number;
  conformance: { cases: number; failures: string[] };
  mnist: { epochLosses: number[]; historyLoss: number[]; testAccuracy: number; testCount: number };
  files: Record<string, unknown>;
}

describe("in headless Chromium", { timeout: 300_000 }, () => {
  let url = "";
  let stop: (() => Promise<void>)[] = [];
  let browser: Awaited<ReturnType<typeof launchChromium>>["browser"];
  const opCases = JSON.parse(readFileSync(join(root, "test/conformance/op-table.json"), "utf8")).cases.length as number;

  before(async () => {
    ensureBuilt();
    const project = scratchProject("tg-page-");
    stop.push(async () => project.cleanup());
    const bundle = await bundleForBrowser(join(root, "test/browser/page.ts"), [join(project.dir, "node_modules")]);
    assert.deepEqual(bundle.errors, []);
    const files = new Map<string, Served>([
      ["index.html", { type: "text/html", body: `<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>` }],
      ["page.js", { type: "text/javascript", body: bundle.code }],
      ["ops.json", { type: "application/json", body: readFileSync(join(root, "test/fixtures/ops.json")) }],
      ["safetensors.json", { type: "application/json", body: readFileSync(join(root, "test/fixtures/safetensors.json")) }],
      [
        "from_torch.safetensors",
        { type: "application/octet-stream", body: readFileSync(join(root, "test/fixtures/safetensors/from_torch.safetensors")) },
      ],
      ["mnist.safetensors", { type: "application/octet-stream", body: mnistSubset() }],
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
    stop = [];
  });

  /** Opens the page under `prefix` and returns its result and what it wrote to the console. */
  async function runPage(prefix: "isolated" | "plain"): Promise<{ result: PageResult; console: { type: string; text: string }[] }> {
    const page = await browser.newPage();
    const messages: { type: string; text: string }[] = [];
    page.on("console", (m) => void messages.push({ type: m.type(), text: m.text() }));
    page.on("pageerror", (e) => void messages.push({ type: "pageerror", text: String(e) }));
    await page.goto(`${url}/${prefix}/`);
    await page.waitForFunction("window.__result !== undefined", { timeout: 240_000, polling: 250 });
    const result = (await page.evaluate("window.__result")) as PageResult;
    await page.close();
    return { result, console: messages };
  }

  function checkCommon(result: PageResult, console: { type: string; text: string }[]): void {
    assert.equal(result.error, undefined);
    assert.equal(result.backend, "wasm");
    assert.equal(result.conformance.cases, opCases);
    assert.deepEqual(result.conformance.failures, []);
    const { mnist, files } = result;
    assert.equal(mnist.testCount, TEST);
    assert.equal(mnist.epochLosses.length, 5);
    assert.deepEqual(mnist.epochLosses, mnist.historyLoss);
    assert.ok(mnist.epochLosses[4]! < mnist.epochLosses[0]!, `loss fell: ${mnist.epochLosses}`);
    assert.ok(mnist.testAccuracy >= 0.9, `test accuracy ${mnist.testAccuracy}`);
    // fit's default progress (verbose 1) writes one line per epoch to the console.
    assert.equal(console.filter((m) => m.type === "log" && /^Epoch \d\/5 - /.test(m.text)).length, 5);
    assert.equal(files.isUint8Array, true);
    assert.equal(files.roundTrip, true);
    assert.deepEqual(files.keys, ["0.bias", "0.weight", "2.bias", "2.weight"]);
    assert.deepEqual(files.metadata, { where: "browser" });
    assert.equal(files.checkpointEpoch, 5);
    assert.equal(files.checkpointSame, true);
    assert.deepEqual(files.fixtureMismatches, []);
    assert.deepEqual(files.fixtureMetadata, { format: "pt" });
    assert.match(
      files.missing as string,
      /^ValueError: loadSafetensors: http:\/\/127\.0\.0\.1:\d+\/\w+\/missing\.safetensors: the response has HTTP status 404/,
    );
    assert.match(files.pathSave as string, /^ValueError: writeFileAtomic: cannot write "model\.safetensors": a browser has no file system/);
    // The one error is Chromium reporting the 404 the page asked for on purpose.
    assert.deepEqual(
      console.filter((m) => m.type === "pageerror" || m.type === "error").map((m) => m.text),
      ["Failed to load resource: the server responded with a status of 404 (Not Found)"],
    );
  }

  it("a cross-origin-isolated page runs the wasm kernels on Web Workers", async () => {
    const { result, console } = await runPage("isolated");
    assert.equal(result.error, undefined);
    assert.equal(result.crossOriginIsolated, true);
    assert.ok(result.threads > 1, `threads ${result.threads}`);
    assert.ok(result.workerClaims > 0, "no pool worker ran a chunk");
    checkCommon(result, console);
    assert.deepEqual(
      console.filter((m) => m.type === "warn"),
      [],
    );
  });

  it("a plain page runs them on its own thread and says why, once", async () => {
    const { result, console } = await runPage("plain");
    assert.equal(result.error, undefined);
    assert.equal(result.crossOriginIsolated, false);
    assert.equal(result.threads, 1);
    assert.equal(result.workerClaims, 0);
    checkCommon(result, console);
    const warnings = console.filter((m) => m.type === "warn").map((m) => m.text);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, /^tensorgrad: the wasm backend runs on one thread instead of \d+: the page is not cross-origin isolated/);
  });
});
