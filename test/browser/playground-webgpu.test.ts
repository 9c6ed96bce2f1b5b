// The playground on WebGPU in headless Chromium (SwiftShader where the machine has no GPU): chosen by
// the URL, it trains on the device (the page's backend is webgpu, not a silent wasm fallback), the
// loss falls over a few epochs, and the page logs no errors.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startPlayground } from "../../cli/commands/playground.js";
import { ensureBuilt, launchChromium, root } from "./harness.js";

const stop: (() => Promise<void>)[] = [];
let browser: Awaited<ReturnType<typeof launchChromium>>["browser"];
let url = "";

before(async () => {
  ensureBuilt();
  if (!existsSync(join(root, "dist/playground/app.js"))) {
    execFileSync(process.execPath, [join(root, "scripts/build-playground.mjs")], { cwd: root, stdio: "ignore" });
  }
  const server = await startPlayground({ port: 0, host: "127.0.0.1" });
  url = server.url;
  stop.push(server.close);
  const chromium = await launchChromium({ webgpu: true });
  browser = chromium.browser;
  stop.push(chromium.close);
});

after(async () => {
  for (const s of stop.reverse()) await s();
});

describe("playground on WebGPU", { timeout: 240_000 }, () => {
  it("trains the circles set on the device, the loss falling, with no console errors", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${url}?backend=webgpu&dataset=circles&samples=200&depth=1&width=16&lr=0.05&seed=3&batchSize=20`);
    await page.waitForFunction("window.playground && window.playground.trainer !== null && window.playground.draws > 0", {
      timeout: 60_000,
      polling: 100,
    });
    assert.equal(await page.$eval("#set-backend", (e) => (e as HTMLSelectElement).value), "webgpu");
    for (let e = 1; e <= 4; e++) {
      await page.click("#step");
      await page.waitForFunction(`window.playground.trainer.epoch === ${e} && window.playground.draws > ${e}`, {
        timeout: 60_000,
        polling: 100,
      });
    }
    assert.equal(await page.evaluate("window.playground.settings.backend"), "webgpu", "no fallback to wasm");
    const history = (await page.evaluate("window.playground.trainer.history")) as { trainLoss: number }[];
    assert.equal(history.length, 4);
    assert.ok(
      history.every((h) => Number.isFinite(h.trainLoss)),
      `finite losses ${history.map((h) => h.trainLoss)}`,
    );
    assert.ok(history[3]!.trainLoss < history[0]!.trainLoss, `train loss ${history[0]!.trainLoss} -> ${history[3]!.trainLoss}`);
    assert.equal(await page.evaluate("window.playground.error"), null);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
