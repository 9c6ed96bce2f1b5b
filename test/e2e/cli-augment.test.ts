// Flips and rotations of training images (besides shifts): recorded in config.json, named in the
// header line and the report, repeated exactly by the same seed, and refused for tables.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { runCli } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-augment-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

/** Colour squares: a red blob left of centre or a blue one right of it, jittered by `k`. */
function makeFolder(dir: string, n: number): void {
  for (const [name, left] of [
    ["left", true],
    ["right", false],
  ] as const) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let k = 0; k < n; k++) {
      const png = new PNG({ width: 16, height: 16 });
      const cx = (left ? 4 : 11) + (k % 3) - 1,
        cy = 6 + (k % 5);
      for (let y = 0; y < 16; y++) {
        for (let x = 0; x < 16; x++) {
          const on = (x - cx) ** 2 + (y - cy) ** 2 <= 6;
          png.data.set(on ? (left ? [220, 30, 30, 255] : [30, 30, 220, 255]) : [240, 240, 240, 255], (y * 16 + x) * 4);
        }
      }
      writeFileSync(join(dir, name, `${k}.png`), PNG.sync.write(png));
    }
  }
}

const metrics = (dir: string): { loss: number; valLoss: number }[] =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

test("--flip --rotate --shift on an image folder: recorded, reported, and repeated by the seed", async () => {
  const data = join(tmp, "blobs");
  makeFolder(data, 20);
  const args = (out: string, seed: string): string[] => [
    "train",
    "--data",
    data,
    "--color",
    "rgb",
    "--image-size",
    "12",
    "--model",
    "mlp-small",
    "--flip",
    "--rotate",
    "12.5",
    "--shift",
    "1",
    "--epochs",
    "3",
    "--seed",
    seed,
    "--out",
    join(tmp, out),
  ];
  const [a, b, c] = await Promise.all([runCli(args("a", "4")), runCli(args("b", "4")), runCli(args("c", "5"))]);
  for (const r of [a, b, c]) assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(readFileSync(join(tmp, "a", "config.json"), "utf8"));
  assert.equal(config.training.shift, 1);
  assert.equal(config.training.flip, true);
  assert.equal(config.training.rotate, 12.5);
  assert.match(a.stdout, /^model: .*; training images shifted by up to 1 px, flipped left-right at random, rotated by up to 12\.5°$/m);
  assert.match(
    readFileSync(join(tmp, "a", "report.md"), "utf8"),
    /^\| augmentation \| shifted by up to 1 px, flipped left\-right at random, rotated by up to 12\.5° \|$/m,
  );
  // Same seed: the same draws, so the same losses to the last digit; another seed: other losses.
  const ma = metrics(join(tmp, "a")),
    mb = metrics(join(tmp, "b")),
    mc = metrics(join(tmp, "c"));
  assert.equal(ma.length, 3);
  assert.deepEqual(
    ma.map((m) => m.loss),
    mb.map((m) => m.loss),
  );
  assert.notDeepEqual(
    ma.map((m) => m.loss),
    mc.map((m) => m.loss),
  );
  for (const m of ma) assert.ok(Number.isFinite(m.loss) && m.loss > 0 && Number.isFinite(m.valLoss));
});

test("the augmentation flags are checked and refused for tables", async () => {
  const csv = join(tmp, "t.csv");
  writeFileSync(csv, "a,b,y\n" + Array.from({ length: 20 }, (_, i) => `${i},${i % 3},${i % 2}`).join("\n") + "\n");
  const [flip, both, big, neg, help] = await Promise.all([
    runCli(["train", "--data", `csv:${csv}`, "--flip", "--out", join(tmp, "x1")]),
    runCli(["train", "--data", `csv:${csv}`, "--flip", "--rotate", "5", "--out", join(tmp, "x2")]),
    runCli(["train", "--rotate", "50", "--out", join(tmp, "x3")]),
    runCli(["train", "--rotate", "-3", "--out", join(tmp, "x4")]),
    runCli(["train", "--help"]),
  ]);
  assert.equal(flip.code, 2);
  assert.equal(
    flip.stderr,
    `tensorgrad: --flip: augmentation moves the pixels of images, but ${csv} is a table (2 features); leave it out\n`,
  );
  assert.equal(both.code, 2);
  assert.equal(
    both.stderr,
    `tensorgrad: --flip and --rotate 5: augmentation moves the pixels of images, but ${csv} is a table (2 features); leave them out\n`,
  );
  assert.equal(big.code, 2);
  assert.equal(
    big.stderr,
    "tensorgrad: option '--rotate <degrees>' argument '50' is invalid. expected degrees from 0 (no rotations) to 45. (see tensorgrad train --help)\n",
  );
  assert.equal(neg.code, 2);
  assert.match(help.stdout, /--flip/);
  assert.match(help.stdout, /--rotate <degrees>/);
  // Nothing is left behind by a refused run.
  assert.throws(() => readFileSync(join(tmp, "x1", "config.json")), { code: "ENOENT" });
});
