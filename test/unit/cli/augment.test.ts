// Image augmentation of the command line checked on images whose augmented values are known:
// flips mirror exactly, a rotation of a ramp reads back the angle drawn, and a seed repeats it all.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { AugmentedImages } from "../../../cli/augment.js";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test("--flip: each image is itself or its exact mirror, as the seeded draws say", () => {
  // Two channels of 3x4 (non-square, so rows and columns cannot be confused).
  const img = range(24).map((v) => v * 1.5 - 7);
  const ds = new AugmentedImages(
    tg.tensor([img], { shape: [1, 24] }),
    tg.tensor([0], { dtype: "int32" }),
    [2, 3, 4],
    { shift: 0, flip: true, rotate: 0 },
    -99,
  );
  const mirror = range(24).map((i) => {
    const p = Math.floor(i / 12),
      r = Math.floor((i % 12) / 4),
      c = i % 4;
    return img[p * 12 + r * 4 + (3 - c)];
  });
  tg.manualSeed(5);
  const expected = tg.randint(0, 2, [16]).toTypedArray();
  tg.manualSeed(5);
  const [x, y] = ds.getBatch(new Array(16).fill(0));
  assert.deepEqual(x.shape, [16, 24]);
  assert.deepEqual(y.toArray(), new Array(16).fill(0));
  const rows = x.toArray() as number[][];
  for (let k = 0; k < 16; k++) assert.deepEqual(rows[k], expected[k] === 1 ? mirror : img, `sample ${k}`);
  // Both outcomes occur in 16 draws of this seed, so the check above saw each.
  assert.ok(expected.includes(0) && expected.includes(1));
});

test("--rotate: a ramp rotated about its centre reads back the drawn angle; outside pixels get the fill", () => {
  const side = 9,
    c0 = (side - 1) / 2;
  // value = column: bilinear interpolation of a linear ramp is exact, so every pixel whose source
  // lies inside the image equals the source column cx − sin θ·(r − cy) + cos θ·(c − cx).
  const ramp = range(side * side).map((i) => i % side);
  const ds = new AugmentedImages(
    tg.tensor([ramp], { shape: [1, side * side] }),
    tg.tensor([1], { dtype: "int32" }),
    [1, side, side],
    { shift: 0, flip: false, rotate: 20 },
    -5,
  );
  tg.manualSeed(11);
  const u = tg.rand([6]).toTypedArray();
  tg.manualSeed(11);
  const rows = ds.getBatch(new Array(6).fill(0))[0].toArray() as number[][];
  for (let k = 0; k < 6; k++) {
    const theta = ((2 * u[k] - 1) * 20 * Math.PI) / 180;
    assert.ok(Math.abs(theta) <= (20 * Math.PI) / 180);
    let inside = 0;
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        const ry = r - c0,
          rx = c - c0;
        const sr = c0 + Math.cos(theta) * ry + Math.sin(theta) * rx,
          sc = c0 - Math.sin(theta) * ry + Math.cos(theta) * rx;
        const v = rows[k][r * side + c];
        if (sr >= 0 && sr <= side - 1 && sc >= 0 && sc <= side - 1) {
          assert.ok(Math.abs(v - sc) < 1e-4, `sample ${k} (${r}, ${c}): ${v} vs ${sc}`);
          inside++;
        } else if (sr <= -1 || sr >= side || sc <= -1 || sc >= side) assert.equal(v, -5);
      }
    }
    assert.ok(inside >= 60, `${inside} pixels inside`);
    // The centre is fixed by any rotation.
    assert.ok(Math.abs(rows[k][c0 * side + c0] - c0) < 1e-6);
  }
});

test("shifts alone move whole pixels as before; the same seed gives the same batch, another seed another", () => {
  const img = range(64).map((v) => v + 1);
  const ds = new AugmentedImages(
    tg.tensor([img], { shape: [1, 64] }),
    tg.tensor([0], { dtype: "int32" }),
    [1, 8, 8],
    { shift: 2, flip: true, rotate: 10 },
    0,
  );
  const draw = (seed: number): number[][] => {
    tg.manualSeed(seed);
    return ds.getBatch([0, 0, 0, 0])[0].toArray() as number[][];
  };
  assert.deepEqual(draw(3), draw(3));
  assert.notDeepEqual(draw(3), draw(4));

  const shiftOnly = new AugmentedImages(
    tg.tensor([img], { shape: [1, 64] }),
    tg.tensor([0], { dtype: "int32" }),
    [1, 8, 8],
    { shift: 2, flip: false, rotate: 0 },
    0,
  );
  tg.manualSeed(7);
  const s = tg.randint(-2, 3, [1, 2]).toTypedArray();
  tg.manualSeed(7);
  const out = shiftOnly.getBatch([0])[0].toArray() as number[][];
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++) {
      const sr = r - s[0],
        sc = c - s[1];
      assert.equal(out[0][r * 8 + c], sr >= 0 && sr < 8 && sc >= 0 && sc < 8 ? img[sr * 8 + sc] : 0);
    }
  }
});
