// Image files to pixels: area resizing, transparency onto white, grey as BT.601 luma, channel-major
// colour; and hostile files refused from their header (typed errors, before any pixels are decoded).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import jpeg from "jpeg-js";
import * as tg from "../../../src/index.js";
import { imageDimensions, readImage, toPixels } from "../../../cli/image-decode.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-image-decode-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

const rgba = (width: number, height: number, px: number[]): { width: number; height: number; data: Uint8Array } => ({
  width,
  height,
  data: Uint8Array.from(px),
});

describe("toPixels", () => {
  it("averages the source pixels each output pixel covers, channel-major for rgb", () => {
    // 2x2 → 1x1: the mean of red, green, blue and white.
    const img = rgba(2, 2, [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
    assert.deepEqual([...toPixels(img, 1, "rgb")], [0.5, 0.5, 0.5]);
    // Grey: 0.299 R + 0.587 G + 0.114 B, in [0, 1].
    assert.ok(Math.abs(toPixels(img, 1, "gray")[0] - (0.299 * 510 + 0.587 * 510 + 0.114 * 510) / 1020) < 1e-6);
    // 2x2 kept: [R plane, G plane, B plane].
    assert.deepEqual([...toPixels(img, 2, "rgb")], [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1]);
  });

  it("flattens transparency onto white and enlarges by repeating the nearest pixel", () => {
    // One black pixel half transparent: half way to white.
    const img = rgba(1, 1, [0, 0, 0, 128]);
    const v = 1 - 128 / 255;
    assert.deepEqual(
      [...toPixels(img, 2, "gray")].map((x) => x.toFixed(6)),
      Array(4).fill(v.toFixed(6)),
    );
  });

  it("resizes a 4x2 image to 2x2 by the mean of each 2x1 block", () => {
    const g = (v: number): number[] => [v, v, v, 255];
    const img = rgba(4, 2, [...g(0), ...g(255), ...g(255), ...g(255), ...g(0), ...g(0), ...g(0), ...g(255)]);
    // Output pixel (0,0) covers source columns 0-1 of row 0, and so on.
    assert.deepEqual(
      [...toPixels(img, 2, "gray")].map((x) => Number(x.toFixed(6))),
      [0.5, 1, 0, 0.5],
    );
  });
});

describe("readImage", () => {
  it("decodes PNG and JPEG files to the same grey for a flat colour", () => {
    const png = new PNG({ width: 3, height: 5 });
    for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : 200;
    writeFileSync(join(tmp, "a.png"), PNG.sync.write(png));
    const raw = Buffer.alloc(8 * 8 * 4, 200);
    writeFileSync(join(tmp, "a.jpg"), jpeg.encode({ width: 8, height: 8, data: raw }, 100).data);
    assert.deepEqual(
      [...readImage(join(tmp, "a.png"), 2, "gray")].map((x) => x.toFixed(4)),
      Array(4).fill((200 / 255).toFixed(4)),
    );
    for (const v of readImage(join(tmp, "a.jpg"), 2, "gray")) assert.ok(Math.abs(v - 200 / 255) < 2 / 255, String(v));
  });

  it("throws FormatError for files that are not what their name says, or that are cut short", () => {
    writeFileSync(join(tmp, "text.png"), "hello, not an image");
    assert.throws(() => readImage(join(tmp, "text.png"), 4, "gray"), {
      name: "FormatError",
      message: `${join(tmp, "text.png")}: not a valid PNG image (no PNG signature)`,
    });
    const png = new PNG({ width: 16, height: 16 });
    png.data.fill(90);
    const whole = PNG.sync.write(png);
    writeFileSync(join(tmp, "cut.png"), whole.subarray(0, whole.length - 30));
    assert.throws(
      () => readImage(join(tmp, "cut.png"), 4, "gray"),
      (e: Error) => e instanceof tg.FormatError && e.message.startsWith(`${join(tmp, "cut.png")}: not a valid PNG image (`),
    );
    writeFileSync(join(tmp, "junk.jpg"), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 1, 2, 3]));
    assert.throws(() => readImage(join(tmp, "junk.jpg"), 4, "gray"), {
      name: "FormatError",
      message: `${join(tmp, "junk.jpg")}: not a valid JPEG image (no frame header)`,
    });
  });

  it("refuses an image whose header claims more than 50 megapixels, before decoding it", () => {
    const png = new PNG({ width: 1, height: 1 });
    const bytes = PNG.sync.write(png);
    // Rewrite IHDR's width and height to 100,000 x 100,000 (the CRC no longer matches: never read).
    bytes.writeUInt32BE(100_000, 16);
    bytes.writeUInt32BE(100_000, 20);
    writeFileSync(join(tmp, "huge.png"), bytes);
    assert.deepEqual(imageDimensions(bytes, "png", "huge.png"), { width: 100_000, height: 100_000 });
    assert.throws(() => readImage(join(tmp, "huge.png"), 4, "gray"), {
      name: "ValueError",
      message: `${join(tmp, "huge.png")}: an image of 100000x100000 pixels is larger than the 50,000,000 pixels an image may have`,
    });
  });
});
