// `tensorgrad runs --compare`: several runs' curves in one PNG at the report's chart size, each run
// in its own colour, and the mistakes (unknown run, a figure not logged, too many runs) named.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { runCli } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-compare-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const runs = join(tmp, "runs");

/** Pixels of exactly this colour in a decoded PNG. */
function count(png: PNG, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === r && png.data[i + 1] === g && png.data[i + 2] === b) n++;
  return n;
}

test("--compare draws the chosen runs into one 800x500 picture, one colour each", async () => {
  const csv = join(tmp, "t.csv");
  writeFileSync(
    csv,
    "a,b,y\n" + Array.from({ length: 80 }, (_, i) => `${(i * 7) % 11},${(i * 5) % 13},${(i * 7) % 11 > 5 ? "p" : "q"}`).join("\n") + "\n",
  );
  const trained = await Promise.all(
    ["first", "second", "third"].map((name, k) =>
      runCli([
        "train",
        "--data",
        `csv:${csv}`,
        "--epochs",
        String(3 + k),
        "--patience",
        "0",
        "--seed",
        String(k),
        "--out",
        join(runs, name),
        "--quiet",
      ]),
    ),
  );
  for (const r of trained) assert.equal(r.code, 0, r.stderr);
  // Each run's own report has a learning-rate chart too.
  assert.match(readFileSync(join(runs, "first", "report.md"), "utf8"), /^!\[lr\.png\]\(lr\.png\)$/m);
  assert.equal(PNG.sync.read(readFileSync(join(runs, "first", "lr.png"))).width, 800);

  const out = join(tmp, "cmp.png"),
    acc = join(tmp, "acc.png");
  const [two, three] = await Promise.all([
    runCli(["runs", runs, "--compare", "first", join(runs, "third"), "--out", out]),
    runCli(["runs", runs, "--compare", "first", "second", "third", "--metric", "loss", "--out", acc]),
  ]);
  assert.equal(two.code, 0, two.stderr);
  assert.equal(two.stdout, `wrote ${out}: valLoss of first, third\n`);
  assert.equal(three.stdout, `wrote ${acc}: loss of first, second, third\n`);
  const a = PNG.sync.read(readFileSync(out)),
    b = PNG.sync.read(readFileSync(acc));
  assert.deepEqual([a.width, a.height, b.width, b.height], [800, 500, 800, 500]);
  // The palette's first two colours drawn (lines, markers, legend), the third not; all three in the other.
  assert.ok(count(a, "#1f77b4") > 200 && count(a, "#ff7f0e") > 200, `${count(a, "#1f77b4")} ${count(a, "#ff7f0e")}`);
  assert.equal(count(a, "#2ca02c"), 0);
  // (Curves may cover one another where runs agree; the legend's swatch and marker alone draw 80.)
  for (const c of ["#1f77b4", "#ff7f0e", "#2ca02c"]) assert.ok(count(b, c) > 60, `${c}: ${count(b, c)}`);
});

test("--compare names what is wrong: an unknown run, a figure not logged, too many runs, --metric alone", async () => {
  const [unknown, metric, many, alone] = await Promise.all([
    runCli(["runs", runs, "--compare", "first", "nope"]),
    runCli(["runs", runs, "--compare", "first", "--metric", "mae", "--out", join(tmp, "x.png")]),
    runCli(["runs", runs, "--compare", ...Array.from({ length: 9 }, () => "first")]),
    runCli(["runs", runs, "--metric", "loss"]),
  ]);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, `tensorgrad: no run folder nope (neither a folder with a config.json nor one under ${runs})\n`);
  assert.equal(metric.code, 1);
  assert.equal(metric.stderr, "tensorgrad: first logged no mae (the runs log loss, accuracy, valLoss, valAccuracy, lr)\n");
  assert.equal(many.code, 2);
  assert.equal(many.stderr, "tensorgrad: --compare draws at most 8 runs in one picture, got 9\n");
  assert.equal(alone.code, 2);
  assert.equal(alone.stderr, "tensorgrad: --metric and --out go with --compare\n");
});
