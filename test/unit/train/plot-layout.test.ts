// Chart text and layout read from the pixels: anti-aliased glyphs of the stated size, titles that
// fit inside the image, and confusion-matrix column labels that stay apart (turned upright when
// they are wider than a cell).

import { test } from "node:test";
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { train } from "tensorgrad";

const { confusionMatrixChart, lineChart, Canvas } = train.plot;

/** Decodes the RGBA PNGs train.plot writes (one IDAT stream, every row "Sub"-filtered). */
function decode(png: Uint8Array): { width: number; height: number; dark: (x: number, y: number) => boolean } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const width = view.getUint32(16),
    height = view.getUint32(20);
  const parts: Uint8Array[] = [];
  for (let at = 8; at < png.length;) {
    const len = view.getUint32(at);
    if (String.fromCharCode(...png.subarray(at + 4, at + 8)) === "IDAT") parts.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(parts));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * (width * 4 + 1), (y + 1) * (width * 4 + 1));
    assert.equal(row[0], 1);
    for (let i = 0; i < width * 4; i++) rgba[y * width * 4 + i] = (row[1 + i] + (i >= 4 ? rgba[y * width * 4 + i - 4] : 0)) & 255;
  }
  // "Ink": clearly darker than the white background (text, frame, cells of the matrix).
  return { width, height, dark: (x, y) => rgba[(y * width + x) * 4] < 200 };
}

test("text is anti-aliased DejaVu Sans: partial coverage at the edges, inside the measured box", () => {
  const c = new Canvas(60, 30);
  c.text("Hg", 5, 5, { color: "#000000", scale: 2 });
  const values = new Set<number>();
  let minX = 99,
    maxX = -1,
    minY = 99,
    maxY = -1;
  for (let y = 0; y < 30; y++) {
    for (let x = 0; x < 60; x++) {
      const v = c.data[(y * 60 + x) * 4];
      if (v === 255) continue;
      values.add(v);
      [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
    }
  }
  assert.ok(values.has(0), "some pixels fully covered");
  assert.ok(values.size > 20, `grey levels at the edges: ${values.size}`);
  // 15 px DejaVu: "H" is 11 px tall, and "g" hangs below the baseline.
  assert.ok(maxY - minY + 1 >= 14 && maxY - minY + 1 <= 18, `height ${maxY - minY + 1}`);
  assert.ok(minX >= 5 && maxX - minX + 1 >= 16 && maxX - minX + 1 <= 22, `width ${maxX - minX + 1}`);
});

test("a long title fits inside a small confusion matrix and a line chart", () => {
  const title = "Confusion matrix (test set) of a rather long experiment name";
  for (const png of [
    confusionMatrixChart(
      [
        [5, 1],
        [0, 7],
      ],
      { title, labels: ["no", "yes"] },
    ),
    lineChart([{ label: "a", values: [1, 2] }], { title, width: 640, height: 300 }),
  ]) {
    const img = decode(png);
    let inkRows = 0;
    for (let y = 0; y < 50; y++) {
      for (const x of [0, 1, 2, img.width - 3, img.width - 2, img.width - 1])
        assert.equal(img.dark(x, y), false, `ink at the edge (${x}, ${y})`);
      if (Array.from({ length: img.width }, (_, x) => img.dark(x, y)).some(Boolean)) inkRows++;
    }
    assert.ok(inkRows >= 12, "the title is drawn");
  }
});

/**
 * Runs of columns holding ink in rows [y0, y1), gaps under 5 px bridged (the dot of an upright "i"
 * stands apart from its stem): separate labels are separate runs.
 */
function inkRuns(img: ReturnType<typeof decode>, y0: number, y1: number): number {
  let runs = 0,
    gap = Infinity;
  for (let x = 0; x < img.width; x++) {
    let ink = false;
    for (let y = y0; y < y1 && !ink; y++) ink = img.dark(x, y);
    if (ink && gap >= 5) runs++;
    gap = ink ? 0 : gap + 1;
  }
  return runs;
}

test("confusion-matrix column labels never run into each other", () => {
  for (const [labels, upright] of [
    [["setosa", "versicolor", "virginica"], true],
    [["0", "1", "2", "3"], false],
  ] as const) {
    const k = labels.length;
    const img = decode(
      confusionMatrixChart(
        Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 9 : 1))),
        { labels: [...labels] },
      ),
    );
    // The matrix's frame: the lowest row that is dark across most of the image's middle.
    const mid = Math.floor(img.width / 2);
    let bottom = 0;
    for (let y = 0; y < img.height; y++) if (img.dark(mid - 20, y) && img.dark(mid + 20, y) && img.dark(mid, y)) bottom = y;
    // The label band: from below the frame to the first blank row after ink.
    let y = bottom + 2;
    while (y < img.height && inkRuns(img, y, y + 1) === 0) y++;
    const start = y;
    while (y < img.height && inkRuns(img, y, y + 1) > 0) y++;
    assert.equal(inkRuns(img, start, y), k, `${k} separate labels`);
    // Upright labels are taller than a line of text; flat ones are one line high.
    assert.equal(y - start > 30, upright, `band height ${y - start}`);
  }
});
