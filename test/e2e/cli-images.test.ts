// Folders of images as training data: one subfolder per class (PNG and JPEG of different sizes,
// made here), resized and turned grey or kept in colour; eval rebuilds the same inputs; a folder
// with train/ and test/ keeps its own split; corrupt or oversized files stop the run with their name.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import jpeg from "jpeg-js";
import { runCli } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-images-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

/** A dark bar on a light background, across or down the picture, at a position set by `k`. */
function bar(size: number, vertical: boolean, k: number): Buffer {
  const data = Buffer.alloc(size * size * 4);
  const at = 2 + (k % (size - 5));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = (vertical ? x : y) >= at && (vertical ? x : y) < at + 3;
      const v = on ? 20 + ((x * 7 + y * 3 + k) % 30) : 230 - ((x + y + k) % 20);
      data.set([v, v, on ? 60 : v, 255], (y * size + x) * 4);
    }
  }
  return data;
}

function writeImage(path: string, size: number, pixels: Buffer): void {
  if (path.endsWith(".png")) {
    const png = new PNG({ width: size, height: size });
    pixels.copy(png.data);
    writeFileSync(path, PNG.sync.write(png));
  } else writeFileSync(path, jpeg.encode({ width: size, height: size, data: pixels }, 90).data);
}

/** `n` images per class: PNGs of 20 pixels and JPEGs of 24, in class folders under `dir`. */
function makeFolder(dir: string, n: number, offset = 0): void {
  for (const [name, vertical] of [
    ["across", false],
    ["down", true],
  ] as const) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < n; i++) {
      const k = i + offset,
        jpg = k % 3 === 0,
        size = jpg ? 24 : 20;
      writeImage(join(dir, name, `${k}.${jpg ? "jpg" : "png"}`), size, bar(size, vertical, k));
    }
  }
}

test("a folder of class folders trains, and eval reads it the same way", async () => {
  const dir = join(tmp, "bars");
  makeFolder(dir, 40);
  writeFileSync(join(dir, "across", "notes.txt"), "not an image");
  const out = join(tmp, "run");
  const r = await runCli(["train", "--data", dir, "--image-size", "12", "--model", "mlp-small", "--epochs", "15", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(
      `^data: ${dir} \\(2 classes, 80 images as 12x12 gray, 1 other files ignored\\); 64 training samples \\(10% held out for validation\\), 16 test samples$`,
      "m",
    ),
  );
  const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  assert.deepEqual(config.data, { kind: "images", dir, size: 12, color: "gray", testSplit: 0.2 });
  assert.deepEqual(config.classes, ["across", "down"]);
  assert.equal(config.model.inputSize, 144);
  assert.equal(config.standardize.mean.length, 1, "images get one overall mean");
  const accuracy = /^test accuracy: (\d\.\d{4})$/m.exec(r.stdout)![1];
  assert.ok(Number(accuracy) >= 0.9, `accuracy ${accuracy}`);
  const ev = await runCli(["eval", "--checkpoint", join(out, "model.safetensors")]);
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout, new RegExp(`test samples: 16\\n[^]*test accuracy: ${accuracy}\\n$`));

  // predict: one new image, and a folder of them (lines name their files).
  const fresh = join(tmp, "fresh");
  mkdirSync(fresh);
  for (let k = 0; k < 6; k++) writeImage(join(fresh, `${k < 3 ? "a" : "d"}${k}.${k % 2 ? "jpg" : "png"}`), 22, bar(22, k >= 3, 200 + k));
  writeFileSync(join(fresh, "README"), "skipped");
  const [one, many, wrong] = await Promise.all([
    runCli(["predict", "--checkpoint", join(out, "model.safetensors"), "--input", join(fresh, "d3.jpg")]),
    runCli(["predict", "--checkpoint", join(out, "model.safetensors"), "--input", fresh]),
    runCli(["predict", "--checkpoint", join(out, "model.safetensors"), "--input", join(dir, "down", "0.jpg.csv")]),
  ]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, "down\n");
  assert.equal(many.code, 0, many.stderr);
  assert.equal(many.stdout, "a0.png,across\na1.jpg,across\na2.png,across\nd3.jpg,down\nd4.png,down\nd5.jpg,down\n");
  assert.equal(wrong.code, 1);
});

test("rgb images give the cnn preset three input channels; train/ and test/ folders keep their split", async () => {
  const dir = join(tmp, "split");
  makeFolder(join(dir, "train"), 12);
  makeFolder(join(dir, "test"), 5, 100);
  const out = join(tmp, "rgb");
  const r = await runCli([
    "train",
    "--data",
    `images:${dir}`,
    "--image-size",
    "16",
    "--color",
    "rgb",
    "--model",
    "cnn",
    "--epochs",
    "1",
    "--validation-split",
    "0",
    "--out",
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^data: .*\(2 classes, 34 images as 16x16 rgb\); 24 training samples \(0% held out for validation\), 10 test samples$/m,
  );
  const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  assert.deepEqual(config.model.inputShape, [3, 16, 16]);
  assert.equal(config.training.shift, 0, "shifts move one-channel images only");
});

test("a corrupt or oversized image stops the run with its path and a typed reason", async () => {
  const cases: [string, Buffer | string, string][] = [
    ["text.png", "just text", "not a valid PNG image (no PNG signature)"],
    ["cut.jpg", Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00]), "not a valid JPEG image (no frame header)"],
    [
      "huge.png",
      (() => {
        const b = PNG.sync.write(new PNG({ width: 1, height: 1 }));
        b.writeUInt32BE(30_000, 16);
        b.writeUInt32BE(30_000, 20);
        return b;
      })(),
      "an image of 30000x30000 pixels is larger than the 50,000,000 pixels an image may have",
    ],
  ];
  const runs = cases.map(([name, bytes], i) => {
    const dir = join(tmp, `bad${i}`);
    makeFolder(dir, 3);
    writeFileSync(join(dir, "down", name), bytes);
    return runCli(["train", "--data", dir, "--epochs", "1", "--test-split", "0.01", "--out", join(tmp, `bad-out${i}`)]);
  });
  const results = await Promise.all(runs);
  results.forEach((r, i) => {
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `tensorgrad: ${join(tmp, `bad${i}`, "down", cases[i][0])}: ${cases[i][2]}\n`);
  });
  const misplaced = await runCli(["train", "--image-size", "16", "--out", join(tmp, "misplaced")]);
  assert.equal(misplaced.code, 2);
  assert.equal(misplaced.stderr, "tensorgrad: --image-size applies to a folder of images, not to the bundled digits\n");
  const empty = join(tmp, "empty");
  mkdirSync(join(empty, "a"), { recursive: true });
  const e = await runCli(["train", "--data", empty, "--out", join(tmp, "empty-out")]);
  assert.equal(e.code, 1);
  assert.equal(e.stderr, `tensorgrad: ${empty}: no .png, .jpg or .jpeg images in its class folders\n`);
});
