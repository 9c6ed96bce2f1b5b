// Defaults chosen by the size of the data: a small table gets a smaller network, no input dropout and
// early stopping that keeps the best epoch's weights, and the header line says so and why; a large
// table keeps the preset; options given on the command line win.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-defaults-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

/** Rows of three noisy features and a class from the first two: learnable, and quick to overfit when small. */
function table(name: string, rows: number): string {
  let a = 12345;
  const u = (): number => (a = (a * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = ["f1,f2,f3,label"];
  for (let i = 0; i < rows; i++) {
    const x = u(),
      y = u(),
      z = u();
    const label = x + y + 0.6 * (u() - 0.5) > 1 ? "yes" : "no";
    lines.push(`${x.toFixed(3)},${y.toFixed(3)},${z.toFixed(3)},${label}`);
  }
  const path = join(tmp, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

const config = (dir: string): { model: Record<string, unknown>; training: Record<string, unknown> } =>
  JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
const metrics = (dir: string): { epoch: number; valLoss: number }[] =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

test("a small table: mlp-table, up to 200 epochs, early stopping on the validation loss from epoch 51, best weights kept", async () => {
  const csv = table("small.csv", 200),
    out = join(tmp, "small");
  const r = await runCli(["train", "--data", `csv:${csv}`, "--lr", "0.05", "--lr-schedule", "none", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  // 200 rows, 20 % held out for testing: 160 rows to train on (validation included).
  assert.match(
    r.stdout,
    /^defaults for a small table \(160 rows to train on, fewer than 2,000\): model mlp-table \(128-64 hidden units, no dropout\); up to 200 epochs; early stopping 20 epochs after the best validation loss from epoch 51 on, the best weights kept$/m,
  );
  // 3·128 + 128 + 128·64 + 64 + 64·2 + 2
  assert.match(r.stdout, /^model: 3-128-64-2 relu; 8,898 parameters; adam lr 0\.05, batch 64, 200 epochs$/m);
  const c = config(out);
  assert.deepEqual(c.model, {
    type: "mlp",
    preset: "mlp-table",
    inputSize: 3,
    hidden: [128, 64],
    activation: "relu",
    dropout: 0,
    inputDropout: 0,
    outputs: 2,
  });
  assert.equal(c.training.epochs, 200);
  assert.deepEqual(c.training.earlyStopping, { patience: 20, startFrom: 50 });
  // It stopped 20 epochs after the best validation loss of epoch 51 on, and put the best epoch's
  // weights of the whole run back.
  const m = metrics(out),
    val = m.map((e) => e.valLoss);
  const watched = val.slice(50),
    bestWatched = 50 + watched.indexOf(Math.min(...watched));
  const best = val.indexOf(Math.min(...val));
  assert.ok(m.length < 200, `${m.length} epochs`);
  assert.equal(m.length, bestWatched + 1 + 20);
  assert.match(r.stdout, /^stopped early: /m);
  assert.match(
    r.stdout,
    new RegExp(`^restored the weights of epoch ${best + 1} \\(best valLoss ${val[best].toPrecision(4).replace(".", "\\.")}; `, "m"),
  );
  const acc = Number(/^test accuracy: ([\d.]+)$/m.exec(r.stdout)![1]);
  assert.ok(acc >= 0.75, `test accuracy ${acc}`);
});

test("options given win over the small-table defaults; --patience 0 turns early stopping off", async () => {
  const csv = table("small2.csv", 150);
  const [given, off] = await Promise.all([
    runCli(["train", "--data", `csv:${csv}`, "--model", "mlp", "--epochs", "3", "--out", join(tmp, "given")]),
    runCli(["train", "--data", `csv:${csv}`, "--patience", "0", "--epochs", "2", "--out", join(tmp, "off")]),
  ]);
  assert.equal(given.code, 0, given.stderr);
  assert.equal(off.code, 0, off.stderr);
  assert.match(
    given.stdout,
    /^defaults for a small table \(120 rows to train on, fewer than 2,000\): early stopping 20 epochs after the best validation loss from epoch 51 on, the best weights kept; no input dropout \(3 features are too few to drop; it is for pixels\)$/m,
  );
  assert.deepEqual(config(join(tmp, "given")).model, {
    type: "mlp",
    preset: "mlp",
    inputSize: 3,
    hidden: [256, 128],
    activation: "relu",
    dropout: 0.2,
    inputDropout: 0,
    outputs: 2,
  });
  assert.equal(config(join(tmp, "given")).training.epochs, 3);
  assert.deepEqual(config(join(tmp, "given")).training.earlyStopping, { patience: 20, startFrom: 50 });
  assert.match(
    off.stdout,
    /^defaults for a small table \(120 rows to train on, fewer than 2,000\): model mlp-table \(128-64 hidden units, no dropout\)$/m,
  );
  assert.equal(config(join(tmp, "off")).training.earlyStopping, undefined);
  assert.equal(metrics(join(tmp, "off")).length, 2);
});

test("a table of 2,000 rows or more keeps the preset, without early stopping; the digits get no defaults line", async () => {
  const csv = table("large.csv", 2600);
  const [large, digits] = await Promise.all([
    runCli(["train", "--data", `csv:${csv}`, "--epochs", "1", "--out", join(tmp, "large")]),
    runCli(["train", "--epochs", "1", "--limit", "100", "--model", "mlp-small", "--out", join(tmp, "digits")]),
  ]);
  assert.equal(large.code, 0, large.stderr);
  assert.match(
    large.stdout,
    /^defaults for a table of 3 features: no input dropout \(3 features are too few to drop; it is for pixels\)$/m,
  );
  assert.equal(config(join(tmp, "large")).model.preset, "mlp");
  assert.equal(config(join(tmp, "large")).training.earlyStopping, undefined);
  assert.equal(digits.code, 0, digits.stderr);
  assert.doesNotMatch(digits.stdout, /^defaults/m);
});
