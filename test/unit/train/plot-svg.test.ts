// The SVG form of a drawing: each Canvas operation as one element (rectangles, outlines, lines
// broken at non-finite points, discs, text anchored and rotated as in the PNG, escaped), pixels set
// one by one refused, and the charts' SVGs carrying their titles, labels and one path per series.

import { test } from "node:test";
import assert from "node:assert/strict";
import { train, ValueError } from "tensorgrad";

const { Canvas, lineChartSvg, confusionMatrixChartSvg } = train.plot;

test("Canvas.toSvg writes every operation as an element, in drawing order", () => {
  const c = new Canvas(40, 30, "#fafafa");
  c.fillRect(1, 2, 10, 5, [255, 0, 0], 0.5);
  c.strokeRect(0, 0, 40, 30, "#000000", 2);
  c.polyline(
    [
      [0, 0],
      [10, 5.555],
      [NaN, 1],
      [20, 20],
      [30, 10],
    ],
    "#1f77b4",
    2,
  );
  c.disc(5, 6, 2.5, "#00ff00");
  c.text('a<b & "c"', 20, 15, { scale: 2, align: "center", baseline: "middle", rotate: true, color: "#333333" });
  assert.equal(
    c.toSvg(),
    [
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30" viewBox="0 0 40 30">',
      '<rect width="40" height="30" fill="#fafafa"/>',
      '<rect x="1" y="2" width="10" height="5" fill="#ff0000" fill-opacity="0.5"/>',
      '<rect x="1" y="1" width="38" height="28" fill="none" stroke="#000000" stroke-width="2"/>',
      '<path d="M0 0L10 5.56M20 20L30 10" fill="none" stroke="#1f77b4" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>',
      '<circle cx="5" cy="6" r="2.5" fill="#00ff00"/>',
      '<text x="20" y="15" font-family="DejaVu Sans, Verdana, sans-serif" font-size="15" fill="#333333" text-anchor="middle" dominant-baseline="central" transform="rotate(-90 20 15)">a&lt;b &amp; &quot;c&quot;</text>',
      "</svg>",
      "",
    ].join("\n"),
  );
});

test("pixels set one by one have no vector form: toSvg is a ValueError, toPng still works", () => {
  const c = new Canvas(4, 4);
  c.blend(1, 1, [0, 0, 0], 1);
  assert.throws(
    () => c.toSvg(),
    (e: unknown) => e instanceof ValueError && /blend\(\) have no vector form; use toPng\(\)/.test((e as Error).message),
  );
  assert.equal(c.toPng()[1], 0x50);
});

test("the charts' SVGs hold their titles, axis labels, tick labels and one path per series", () => {
  const svg = lineChartSvg(
    [
      { label: "training", values: [1, 0.5, 0.25, 0.2] },
      { label: "validation", values: [1.1, 0.7, 0.6, 0.65], color: "#ff7f0e" },
    ],
    { title: "Loss", xLabel: "epoch", yLabel: "cross entropy" },
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="800" height="500" viewBox="0 0 800 500">\n/);
  for (const label of ["Loss", "epoch", "cross entropy", "training", "validation"])
    assert.match(svg, new RegExp(`>${label}</text>`), label);
  assert.match(svg, /transform="rotate\(-90 [\d.]+ [\d.]+\)">cross entropy<\/text>/, "the y label reads upwards");
  // Two data lines; each has 4 points (one move, three lines).
  const paths = [...svg.matchAll(/<path d="(M[^"]*)" fill="none" stroke="(#[0-9a-f]{6})"/g)].filter(
    (m) => (m[1].match(/L/g) ?? []).length === 3,
  );
  assert.deepEqual(paths.map((m) => m[2]).sort(), ["#1f77b4", "#ff7f0e"]);

  const cm = confusionMatrixChartSvg(
    [
      [5, 1],
      [0, 6],
    ],
    { title: "Test set", labels: ["cat", "dog"] },
  );
  for (const label of ["Test set", "cat", "dog", "5", "1", "0", "6"]) assert.match(cm, new RegExp(`>${label}</text>`), label);
});
