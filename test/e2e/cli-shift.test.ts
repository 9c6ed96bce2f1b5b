// The image-shift augmentation under the user's control: --shift N (0 turns it off), recorded in
// config.json, named in the header line, and refused where there are no square images to move.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-shift-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

const config = (dir: string): { training: { shift: number } } => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));

test("--shift 0 turns the cnn preset's shifts off; --shift N gives an MLP on the digits shifts", async () => {
  const off = join(tmp, "off"),
    mlp = join(tmp, "mlp"),
    auto = join(tmp, "auto");
  const [a, b, c] = await Promise.all([
    runCli(["train", "--model", "cnn", "--shift", "0", "--epochs", "1", "--limit", "200", "--out", off]),
    runCli(["train", "--model", "mlp-small", "--shift", "3", "--epochs", "1", "--limit", "200", "--out", mlp]),
    runCli(["train", "--model", "cnn", "--epochs", "1", "--limit", "200", "--out", auto]),
  ]);
  for (const r of [a, b, c]) assert.equal(r.code, 0, r.stderr);
  assert.equal(config(off).training.shift, 0);
  assert.doesNotMatch(a.stdout, /shifted/);
  assert.equal(config(mlp).training.shift, 3);
  assert.match(b.stdout, /^model: .*; training images shifted by up to 3 px$/m);
  assert.equal(config(auto).training.shift, 2);
  assert.match(c.stdout, /^model: .*; training images shifted by up to 2 px$/m);
});

test("--shift is checked: whole pixels 0..8, and only for images", async () => {
  const csv = join(tmp, "t.csv");
  writeFileSync(csv, "a,b,y\n" + Array.from({ length: 20 }, (_, i) => `${i},${i % 3},${i % 2}`).join("\n") + "\n");
  const [big, frac, table, help] = await Promise.all([
    runCli(["train", "--shift", "9", "--out", join(tmp, "x1")]),
    runCli(["train", "--shift", "1.5", "--out", join(tmp, "x2")]),
    runCli(["train", "--data", `csv:${csv}`, "--shift", "2", "--out", join(tmp, "x3")]),
    runCli(["train", "--help"]),
  ]);
  assert.equal(big.code, 2);
  assert.equal(
    big.stderr,
    "tensorgrad: option '--shift <pixels>' argument '9' is invalid. expected whole pixels from 0 (no shifts) to 8. (see tensorgrad train --help)\n",
  );
  assert.equal(frac.code, 2);
  assert.match(frac.stderr, /'--shift <pixels>' argument '1\.5' is invalid/);
  assert.equal(table.code, 2, table.stderr);
  assert.equal(
    table.stderr,
    `tensorgrad: --shift 2: augmentation moves the pixels of images, but ${csv} is a table (2 features); leave it out\n`,
  );
  assert.match(help.stdout, /--shift <pixels>/);
});
