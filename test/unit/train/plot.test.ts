// The PNG rasteriser: CRC-32 check values, a decodable file (signature, IHDR, chunk CRCs, pixels
// back through inflate), and charts of the expected size.

import { test } from "node:test";
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { train } from "tensorgrad";

const { crc32, encodePng, lineChart, confusionMatrixChart, Canvas, niceTicks } = train.plot;

/** Reads a PNG's chunks, checking each CRC; returns IHDR fields and the raw IDAT bytes. */
function readPng(png: Uint8Array): { width: number; height: number; header: number[]; idat: Uint8Array; types: string[] } {
  assert.deepEqual(Array.from(png.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const types: string[] = [];
  let at = 8,
    width = 0,
    height = 0,
    header: number[] = [];
  const idat: Uint8Array[] = [];
  while (at < png.length) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const body = png.subarray(at + 8, at + 8 + len);
    assert.equal(view.getUint32(at + 8 + len), crc32(png.subarray(at + 4, at + 8 + len)), `${type} CRC`);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      header = Array.from(body.subarray(8));
    }
    if (type === "IDAT") idat.push(body);
    types.push(type);
    at += 12 + len;
  }
  return { width, height, header, idat: Buffer.concat(idat), types };
}

test("crc32 check values", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new TextEncoder().encode("IEND")), 0xae426082);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test("encodePng writes a valid RGBA PNG whose pixels decode back (Sub filter undone)", () => {
  const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 128, 10, 20, 30, 255, 200, 200, 200, 0]);
  const png = readPng(encodePng(2, 2, rgba));
  assert.deepEqual([png.width, png.height], [2, 2]);
  assert.deepEqual(png.header, [8, 6, 0, 0, 0]);
  assert.deepEqual(png.types, ["IHDR", "IDAT", "IEND"]);
  const raw = inflateSync(png.idat);
  const pixels: number[] = [];
  for (let y = 0; y < 2; y++) {
    const row = raw.subarray(y * 9, y * 9 + 9);
    assert.equal(row[0], 1);
    for (let i = 0; i < 8; i++) pixels.push((row[1 + i] + (i >= 4 ? pixels[y * 8 + i - 4] : 0)) & 255);
  }
  assert.deepEqual(pixels, Array.from(rgba));
  assert.throws(() => encodePng(2, 2, new Uint8Array(15)), /encodePng: expected 16 bytes for 2x2 RGBA, got 15/);
});

test("canvas drawing: anti-aliased line coverage, text pixels, charts of the requested size", () => {
  const c = new Canvas(20, 10);
  c.polyline(
    [
      [2, 5],
      [18, 5],
    ],
    "#000000",
    2,
  );
  const px = (x: number, y: number) => c.data[(y * 20 + x) * 4];
  assert.equal(px(10, 4), 0); // on the line: full coverage
  assert.equal(px(10, 5), 0);
  assert.equal(px(10, 7), 255); // two pixels away: untouched
  c.text("l", 0, 0, { color: "#000000" }); // 12 px DejaVu Sans: the "l" stem covers column 1 fully
  assert.ok(px(1, 3) < 80 && px(2, 3) < 220, "the stem");
  assert.equal(px(5, 3), 255);

  const chart = readPng(
    lineChart(
      [
        { label: "training", values: [1, 0.5, NaN, 0.2] },
        { label: "validation", values: [1.1, 0.7, 0.6, 0.5] },
      ],
      { title: "Loss", width: 640, height: 400 },
    ),
  );
  assert.deepEqual([chart.width, chart.height], [640, 400]);
  const cm = readPng(
    confusionMatrixChart(
      [
        [5, 1],
        [0, 7],
      ],
      { labels: ["no", "yes"] },
    ),
  );
  assert.ok(cm.width > 100 && cm.height > 100);
  assert.throws(() => confusionMatrixChart([[1, 2]]), /confusionMatrixChart: expected a square K×K matrix/);
  assert.deepEqual(
    niceTicks(0, 1, 5).ticks.map((t) => +t.toFixed(10)),
    [0, 0.2, 0.4, 0.6, 0.8, 1],
  );
  assert.deepEqual(
    niceTicks(0.13, 0.87, 6).ticks.map((t) => +t.toFixed(10)),
    [0.2, 0.4, 0.6, 0.8],
  );
});
