// `tensorgrad train --dashboard` in headless Chromium: the page's loss, accuracy and learning-rate
// charts redraw while training runs, end holding exactly the epochs of metrics.jsonl, the page logs
// no console errors, and the server stops with the run. A screenshot goes to the test's temp folder.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "puppeteer-core";
import { launchChromium } from "./harness.js";
import { runCli } from "../e2e/run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-dashboard-"));
let chromium: Awaited<ReturnType<typeof launchChromium>>;

before(async () => {
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
});

interface Snapshot {
  state: string;
  epochs: number;
  loss: string;
  metric: string;
  lr: string;
}

/** The page's state and a digest of each chart's pixels (a string: tsx's helpers do not exist in the page). */
const snapshot = (page: Page): Promise<Snapshot> =>
  page.evaluate(`(() => {
    const digest = (id) => {
      const c = document.getElementById(id);
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let h = 2166136261;
      for (let i = 0; i < d.length; i += 7) h = Math.imul(h ^ d[i], 16777619);
      return (h >>> 0).toString(16);
    };
    const s = window.dashboard;
    return { state: s.state, epochs: s.records.length, loss: digest("loss"), metric: digest("metric"), lr: digest("lr") };
  })()`) as Promise<Snapshot>;

test("the dashboard's charts follow training epoch by epoch and end with metrics.jsonl's values", async () => {
  const out = join(tmp, "run");
  let announce!: (url: string) => void;
  const announced = new Promise<string>((resolve) => (announce = resolve));
  const training = runCli(["train", "--limit", "2000", "--epochs", "6", "--seed", "2", "--dashboard", "--out", out], 240_000, (stdout) => {
    const m = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/) \(live charts while training\)$/m.exec(stdout);
    if (m) announce(m[1]);
  });
  const url = await Promise.race([announced, training.then((r) => Promise.reject(new Error(`train ended first: ${r.stderr}`)))]);

  const page = await chromium.browser.newPage();
  await page.setViewport({ width: 1000, height: 760 });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);

  const snaps: Snapshot[] = [];
  for (let i = 0; i < 1200; i++) {
    const s = await snapshot(page);
    snaps.push(s);
    if (s.state === "finished" || s.state === "stopped") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const shot = join(tmp, "dashboard.png");
  await page.screenshot({ path: shot, fullPage: true });
  const r = await training;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(snaps.at(-1)!.state, "finished");

  // Seen while training ran: at least two different epoch counts, each drawn differently.
  const live = snaps.filter((s) => s.state === "training" && s.epochs > 0);
  const counts = [...new Set(live.map((s) => s.epochs))];
  assert.ok(counts.length >= 2, `epochs seen while training: ${counts}`);
  const first = live.find((s) => s.epochs === counts[0])!,
    later = live.find((s) => s.epochs === counts.at(-1))!;
  assert.notEqual(first.loss, later.loss);
  assert.notEqual(first.metric, later.metric);
  assert.notEqual(first.lr, later.lr); // cosine: the rate falls each epoch

  // The page holds exactly the run's epochs, to the last digit, and says it finished.
  const logged = readFileSync(join(out, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(logged.length, 6);
  assert.deepEqual(await page.evaluate(() => (window as unknown as { dashboard: { records: unknown[] } }).dashboard.records), logged);
  assert.equal(await page.$eval("#status", (e) => e.textContent), "finished after 6 epochs; the report is in the run folder");
  assert.equal(await page.$eval("#metric-caption", (e) => e.textContent), "Accuracy");
  assert.deepEqual(errors, []);
  assert.ok(statSync(shot).size > 10_000, `screenshot ${shot}`);
  console.log(`# dashboard screenshot: ${shot}`);

  // The server went with the run; the report has its learning-rate chart too.
  await assert.rejects(fetch(url));
  assert.match(readFileSync(join(out, "report.md"), "utf8"), /^!\[lr\.png\]\(lr\.png\)$/m);
  await page.close();
});
