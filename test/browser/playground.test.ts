// The playground in headless Chromium, served by `tensorgrad playground`'s server: the page loads
// with no console errors, settings come from the URL and go back into it, training the spiral set
// reaches ≥ 95 % test accuracy, the charts (loss, decision map, weight and gradient histograms) change
// as it trains, the digits and XOR train too, and Step/Reset do what they say. Screenshots go to the
// test's temp folder (its path is printed), each checked to be a PNG.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "puppeteer-core";
import { startPlayground } from "../../cli/commands/playground.js";
import { ensureBuilt, launchChromium, root } from "./harness.js";

const shots = mkdtempSync(join(tmpdir(), "tg-playground-shots-"));
const stop: (() => Promise<void>)[] = [];
let browser: Awaited<ReturnType<typeof launchChromium>>["browser"];
let url = "";

function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir).map((n) => (statSync(join(dir, n)).isDirectory() ? newest(join(dir, n)) : statSync(join(dir, n)).mtimeMs)),
  );
}

before(async () => {
  ensureBuilt();
  const app = join(root, "dist/playground/app.js");
  if (
    !existsSync(app) ||
    statSync(app).mtimeMs < Math.max(newest(join(root, "playground")), statSync(join(root, "dist/src/index.js")).mtimeMs)
  ) {
    execFileSync(process.execPath, [join(root, "scripts/build-playground.mjs")], { cwd: root, stdio: "ignore" });
  }
  const server = await startPlayground({ port: 0, host: "127.0.0.1" });
  url = server.url;
  stop.push(server.close);
  const chromium = await launchChromium();
  browser = chromium.browser;
  stop.push(chromium.close);
});

after(async () => {
  for (const s of stop.reverse()) await s();
  console.log(`playground screenshots: ${shots}`);
});

/** Opens the playground with `query`, collecting console errors and page errors. */
async function open(query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1180, height: 720 });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}?${query}`);
  await page.waitForFunction("window.playground && window.playground.trainer !== null && window.playground.draws > 0", {
    timeout: 60_000,
    polling: 100,
  });
  return { page, errors };
}

/** Saves a screenshot into the test's folder and checks that a PNG landed there. */
async function shot(page: Page, name: string): Promise<void> {
  const path = join(shots, name);
  await page.screenshot({ path });
  assert.deepEqual([...readFileSync(path).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${path} is a PNG`);
}

const canvasHash = (page: Page, id: string) =>
  page.evaluate((id) => {
    const c = document.getElementById(id) as HTMLCanvasElement;
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]!) >>> 0;
    return h;
  }, id);

describe("playground page", { timeout: 240_000 }, () => {
  it("trains the spiral set to ≥ 95 % test accuracy, cross-origin isolated on wasm, charts updating", async () => {
    const { page, errors } = await open("dataset=spirals&width=64&epochs=50&schedule=cosine&lr=0.02");
    assert.equal(await page.evaluate("crossOriginIsolated"), true);
    assert.equal(await page.$eval("#set-width", (e) => (e as HTMLInputElement).value), "64");
    assert.equal(await page.$eval("#set-schedule", (e) => (e as HTMLSelectElement).value), "cosine");
    const before = {
      loss: await canvasHash(page, "loss"),
      view: await canvasHash(page, "view"),
      weights: await canvasHash(page, "weights"),
    };
    const gradsBefore = await canvasHash(page, "grads");
    await shot(page, "spirals-start.png");
    await page.click("#play");
    // Paused as soon as epoch 5 is seen, in the page itself: a run of 50 epochs can take about a second,
    // so pausing from here after reading the charts could find it already finished.
    await page.waitForFunction(
      () => {
        const pg = (window as any).playground;
        if (pg.trainer.epoch < 5) return false;
        (document.getElementById("play") as HTMLButtonElement).click();
        return true;
      },
      { timeout: 120_000, polling: "raf" },
    );
    assert.ok(((await page.evaluate("window.playground.trainer.epoch")) as number) < 50, "paused before the run ended");
    assert.notEqual(await canvasHash(page, "loss"), before.loss, "the loss chart changed");
    assert.notEqual(await canvasHash(page, "view"), before.view, "the decision map changed");
    assert.notEqual(await canvasHash(page, "weights"), before.weights, "the weight histogram changed");
    const gradsEarly = await canvasHash(page, "grads");
    assert.notEqual(gradsEarly, gradsBefore, "the gradient histogram appeared");
    // Pause stops between batches and training stays stopped until Train is pressed again.
    assert.equal(await page.evaluate("window.playground.running"), false);
    assert.equal(await page.$eval("#play", (e) => e.textContent), "Train");
    // The batches already started (at most 30 ms of them) finish first.
    await new Promise((r) => setTimeout(r, 500));
    const paused = await page.evaluate("window.playground.trainer.epoch");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await page.evaluate("window.playground.trainer.epoch"), paused, "no epoch while paused");
    await page.click("#play");
    assert.deepEqual(
      await page.evaluate(() => ({
        label: document.getElementById("play")!.textContent,
        running: (window as any).playground.running,
        error: (window as any).playground.error,
      })),
      { label: "Pause", running: true, error: null },
    );
    await page.waitForFunction("!window.playground.running && window.playground.trainer.epoch === 50", { timeout: 180_000, polling: 250 });
    const history = (await page.evaluate("window.playground.trainer.history")) as { testAccuracy: number; trainLoss: number }[];
    assert.equal(history.length, 50);
    assert.ok(history[49]!.testAccuracy >= 0.95, `test accuracy ${history[49]!.testAccuracy}`);
    assert.ok(history[49]!.trainLoss < history[0]!.trainLoss / 4, `train loss ${history[0]!.trainLoss} -> ${history[49]!.trainLoss}`);
    assert.match(await page.$eval("#epoch", (e) => e.textContent ?? ""), /^epoch 50 · .* test accuracy \d+\.\d %$/);
    assert.equal(await page.evaluate("window.playground.error"), null);
    assert.notEqual(await canvasHash(page, "grads"), gradsEarly, "the gradient histogram kept changing");
    await shot(page, "spirals-trained.png");
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("same settings, same run: the URL reproduces a run epoch for epoch; Step trains one epoch; Reset starts over", async () => {
    const query = "dataset=circles&samples=200&depth=1&width=8&optimizer=sgd&lr=0.3&seed=5&batchSize=20";
    const runs: number[][] = [];
    for (let k = 0; k < 2; k++) {
      const { page, errors } = await open(query);
      for (let e = 1; e <= 3; e++) {
        await page.click("#step");
        await page.waitForFunction(`window.playground.trainer.epoch === ${e} && window.playground.draws > ${e}`, {
          timeout: 60_000,
          polling: 100,
        });
      }
      runs.push((await page.evaluate("window.playground.trainer.history.map((h) => h.trainLoss)")) as number[]);
      await page.click("#reset");
      await page.waitForFunction("window.playground.trainer.epoch === 0", { timeout: 60_000, polling: 100 });
      assert.equal(await page.$eval("#epoch", (e) => e.textContent), "epoch 0");
      assert.deepEqual(errors, []);
      await page.close();
    }
    assert.equal(runs[0]!.length, 3);
    assert.deepEqual(runs[0], runs[1]);
  });

  it("trains the bundled digits and the XOR set, showing each one's view", async () => {
    for (const [query, least] of [
      ["dataset=digits&samples=1000&epochs=3", 0.8],
      ["dataset=xor&samples=200&epochs=20", 0.9],
    ] as const) {
      const { page, errors } = await open(query);
      const view = await canvasHash(page, "view");
      await page.click("#play");
      await page.waitForFunction("!window.playground.running && window.playground.trainer.epoch > 0", { timeout: 120_000, polling: 200 });
      const history = (await page.evaluate("window.playground.trainer.history")) as { testAccuracy: number }[];
      assert.equal(history.length, Number(new URLSearchParams(query).get("epochs")), query);
      assert.ok(history.at(-1)!.testAccuracy >= least, `${query}: test accuracy ${history.at(-1)!.testAccuracy}`);
      assert.notEqual(await canvasHash(page, "view"), view, `${query}: the view changed`);
      await shot(page, `${new URLSearchParams(query).get("dataset")}.png`);
      assert.deepEqual(errors, []);
      await page.close();
    }
  });

  it("shows vanishing gradients fixed by batch norm, exploding ones tamed by clipping, and a CNN on the digits", async () => {
    /** Opens `query`, trains to the end and returns the history and the first layer's gradient norm. */
    const train = async (query: string) => {
      const { page, errors } = await open(query);
      await page.click("#play");
      await page.waitForFunction("!window.playground.running && window.playground.trainer.epoch > 0", { timeout: 120_000, polling: 200 });
      const history = (await page.evaluate("window.playground.trainer.history")) as { trainLoss: number | null; testAccuracy: number }[];
      const grad0 = (await page.evaluate("window.playground.trainer.model.parameters()[0].grad.norm().item()")) as number;
      const parameters = (await page.evaluate("window.playground.trainer.model.numParameters()")) as number;
      const model = await page.$eval("#set-model", (e) => (e as HTMLSelectElement).value);
      const norms = await page.$eval("#gradnorms", (e) => e.textContent ?? "");
      assert.equal(await page.evaluate("window.playground.error"), null, query);
      assert.deepEqual(errors, [], query);
      await page.close();
      return { history, grad0, parameters, model, norms, last: history.at(-1)! };
    };
    // Six ReLU layers from N(0, 0.01²): the first layer's gradient is zero and the loss stays at ln 2.
    const deep = "dataset=circles&samples=400&depth=6&width=16&optimizer=sgd&lr=0.1&epochs=8&init=small";
    const vanished = await train(deep);
    assert.ok(vanished.grad0 < 1e-6, `first-layer gradient ${vanished.grad0}`);
    assert.ok(vanished.last.trainLoss! > 0.68, `loss ${vanished.last.trainLoss}`);
    // The page shows it layer by layer: with tanh the gradient shrinks geometrically toward the input
    // (about 6e-11 at the first layer, 4e-4 at the output); with ReLU every unit is dead (all 0).
    const byLayer = (text: string): number[] => {
      const shown = /^gradient norm by layer, input to output: (.+)$/.exec(text);
      assert.ok(shown, text);
      return shown[1]!.split(" · ").map(Number);
    };
    assert.equal(byLayer(vanished.norms).length, 7, "six hidden layers and the output");
    const tanh = byLayer((await train(`${deep}&activation=tanh`)).norms);
    assert.equal(tanh.length, 7);
    assert.ok(tanh[0]! < 1e-8 && tanh[6]! > 1e4 * tanh[0]!, `tanh: ${tanh.join(", ")}`);
    const normed = await train(`${deep}&norm=batch`);
    assert.ok(normed.grad0 > 1e-3, `first-layer gradient with batch norm ${normed.grad0}`);
    // Every layer gets a gradient (batch norm's own scales are not counted as layers).
    const fed = byLayer(normed.norms);
    assert.equal(fed.length, 7, normed.norms);
    assert.ok(
      fed.every((v) => v > 1e-3),
      normed.norms,
    );
    assert.ok(normed.last.testAccuracy >= 0.85, `accuracy with batch norm ${normed.last.testAccuracy}`);
    // N(0, 1) weights in six wide layers: plain SGD overflows to NaN; clipping the gradient norm keeps it finite and falling.
    const wide = "dataset=circles&samples=400&depth=6&width=64&optimizer=sgd&lr=0.1&epochs=5&init=large";
    const exploded = await train(wide);
    assert.equal(exploded.last.trainLoss, null, "a NaN loss (null once serialised)");
    const clipped = await train(`${wide}&clip=1`);
    assert.ok(
      clipped.history.every((h) => h.trainLoss !== null && Number.isFinite(h.trainLoss)),
      JSON.stringify(clipped.history),
    );
    assert.ok(
      clipped.last.trainLoss! < clipped.history[0]!.trainLoss! / 2,
      `clipped loss ${clipped.history[0]!.trainLoss} -> ${clipped.last.trainLoss}`,
    );
    // Two conv-pool blocks before the hidden layers: 208 + 3,216 conv parameters, 25,120 + 1,056 + 330 dense ones.
    const cnn = await train("dataset=digits&samples=1000&epochs=2&model=cnn");
    assert.equal(cnn.model, "cnn");
    assert.equal(cnn.parameters, 29930);
    assert.ok(cnn.last.testAccuracy >= 0.8, `CNN test accuracy ${cnn.last.testAccuracy}`);
    // Convolutions need images: on the spirals a CNN falls back to the MLP.
    const points = await open("dataset=spirals&model=cnn");
    assert.equal(await points.page.$eval("#set-model", (e) => (e as HTMLSelectElement).value), "mlp");
    assert.deepEqual(points.errors, []);
    await points.page.close();
  });

  it("writes changed settings into the URL and ignores values outside their range", async () => {
    const { page, errors } = await open("dataset=sine&depth=99&optimizer=nonsense&loss=crossEntropy");
    assert.equal(await page.$eval("#set-depth", (e) => (e as HTMLInputElement).value), "2", "depth 99 is out of range: the default");
    assert.equal(await page.$eval("#set-optimizer", (e) => (e as HTMLSelectElement).value), "adam");
    assert.equal(await page.$eval("#set-loss", (e) => (e as HTMLSelectElement).value), "mse", "a regression set gets a regression loss");
    await page.select("#set-activation", "tanh");
    await page.waitForFunction("location.search.includes('activation=tanh')", { timeout: 10_000 });
    assert.equal(new URL(page.url()).searchParams.get("dataset"), "sine");
    await page.click("#step");
    await page.waitForFunction("window.playground.trainer.epoch === 1 && window.playground.draws > 1", { timeout: 60_000, polling: 100 });
    await shot(page, "sine.png");
    assert.deepEqual(errors, []);
    await page.close();
  });
});
