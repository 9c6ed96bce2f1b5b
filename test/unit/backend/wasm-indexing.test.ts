// The wasm backend's index kernels (assembly/indexing.ts): gather / scatterAdd along one dim of
// contiguous float32 data and argmax/argmin along a strided middle dim, against plain loops and the
// reference backend, with ties, NaNs, SIMD tails, the threaded path and the reference fallbacks.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { wasmBackend } from "../../../src/backend/wasm/index.js";
import { calls } from "../../helpers/wasm.js";

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.fround(-2 + (4 * s) / 2 ** 32);
  }
  return out;
}

function indices(n: number, size: number, seed: number): Int32Array {
  const v = values(n, seed);
  return Int32Array.from(v, (x) => Math.min(size - 1, Math.floor(((x + 2) / 4) * size)));
}

/** Row-major offset of `pos` in `shape`. */
const offsetOf = (shape: readonly number[], pos: readonly number[]): number => pos.reduce((o, p, d) => o * shape[d]! + p, 0);

/** Every position of `shape`, row-major. */
function* positions(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let t = 0; t < n; t++) {
    const pos: number[] = [];
    let r = t;
    for (let d = shape.length - 1; d >= 0; d--) {
      pos.unshift(r % shape[d]!);
      r = Math.floor(r / shape[d]!);
    }
    yield pos;
  }
}

/** gather along `dim` by definition, and the scatter-add of `g` back (the gradient), in float32 in index order. */
function expected(xv: Float32Array, xShape: number[], iv: Int32Array, iShape: number[], dim: number, gv: Float32Array) {
  const out = new Float32Array(iv.length),
    grad = new Float32Array(xv.length);
  let t = 0;
  for (const pos of positions(iShape)) {
    const src = [...pos];
    src[dim] = iv[t]!;
    const o = offsetOf(xShape, src);
    out[t] = xv[o]!;
    grad[o] = Math.fround(grad[o]! + gv[t]!);
    t++;
  }
  return { out, grad };
}

function gatherCase(xShape: number[], iShape: number[], dim: number, seed: number): { taken: number; scattered: number } {
  const xv = values(
    xShape.reduce((a, b) => a * b, 1),
    seed,
  );
  const iv = indices(
    iShape.reduce((a, b) => a * b, 1),
    xShape[dim]!,
    seed + 1,
  );
  const gv = values(iv.length, seed + 2);
  const want = expected(xv, xShape, iv, iShape, dim, gv);
  tg.setBackend("wasm");
  const x = tg.tensor(xv, { shape: xShape, requiresGrad: true });
  const index = tg.tensor(iv, { shape: iShape, dtype: "int32" });
  let y: Tensor | undefined;
  const taken = calls("gatherDim", () => {
    y = x.gather(dim, index);
  });
  assert.deepEqual([...y!.shape], iShape);
  assert.deepEqual(Array.from(y!.toFloat32Array()), Array.from(want.out), `gather dim ${dim} of ${xShape}`);
  const scattered = calls("scatterAddDim", () => y!.backward(tg.tensor(gv, { shape: iShape })));
  assert.deepEqual(Array.from(x.grad!.toFloat32Array()), Array.from(want.grad), `scatterAdd (gather's gradient) dim ${dim} of ${xShape}`);
  return { taken, scattered };
}

describe("wasm index kernels", () => {
  test("gather and its scatterAdd gradient along the first, a middle and the last dim", () => {
    // Index sizes along dim smaller, equal and larger than the input's, so indices repeat and gradients add.
    for (const [xShape, iShape, dim] of [
      [[2, 3, 4, 5], [2, 3, 7, 5], 2],
      [[2, 3, 4, 5], [2, 3, 1, 5], 2],
      [[5, 3, 2], [9, 3, 2], 0],
      [[4, 6], [4, 3], 1],
      [[7], [12], 0],
    ] as [number[], number[], number][]) {
      assert.deepEqual(gatherCase(xShape, iShape, dim, 11 + dim), { taken: 1, scattered: 1 }, `${xShape} → ${iShape} dim ${dim}`);
    }
  });

  test("large enough to split across threads", () => {
    // Max-pooling's shapes in a LeNet batch: [64, 6, 4 window rows, 144 windows], argmax index [.., 1, ..].
    assert.deepEqual(gatherCase([64, 6, 4, 144], [64, 6, 1, 144], 2, 3), { taken: 1, scattered: 1 });
    assert.deepEqual(gatherCase([64, 6, 4, 144], [64, 6, 3, 144], 2, 4), { taken: 1, scattered: 1 });
  });

  test("an index smaller than the input outside dim, or a strided input, uses the reference kernel", () => {
    assert.deepEqual(gatherCase([3, 5, 4], [2, 5, 3], 1, 21), { taken: 0, scattered: 0 });
    tg.setBackend("wasm");
    const x = tg.tensor(values(24, 5), { shape: [4, 6] });
    const index = tg.tensor(indices(12, 4, 6), { shape: [6, 2], dtype: "int32" });
    const xt = x.transpose(0, 1); // [6, 4], not contiguous
    let y: Tensor | undefined;
    assert.equal(
      calls("gatherDim", () => {
        y = xt.gather(1, index);
      }),
      0,
    );
    const xv = x.toFloat32Array(),
      iv = index.toTypedArray();
    const want = Array.from({ length: 12 }, (_, t) => xv[iv[t]! * 6 + Math.floor(t / 2)]!);
    assert.deepEqual(Array.from(y!.toFloat32Array()), want);
  });

  test("argmax / argmin along a middle dim: first extreme, NaN wins, SIMD lanes and tail", () => {
    tg.setBackend("wasm");
    // [2, 5, 7]: reduce dim 1 (stride 7); 7 columns = one vector of 4 plus a tail of 3.
    const X = [
      [
        [1, 3, 3, 0, 5, 2, 9],
        [4, 3, 1, 0, 5, 2, 9],
        [4, 1, 3, NaN, 7, 2, 1],
        [0, 3, 3, NaN, 7, NaN, 9],
        [4, 0, 1, 0, -1, 2, 8],
      ],
      [
        [-1, -1, -1, -1, -1, -1, -1],
        [-1, -2, -1, -1, -1, -1, -1],
        [-3, -1, NaN, -1, -1, -1, Infinity],
        [0, 0, 0, 0, 0, 0, 0],
        [-Infinity, 5, 6, 7, 8, 9, NaN],
      ],
    ];
    const x = tg.tensor(X.flat(2), { shape: [2, 5, 7] });
    const first = (max: boolean) =>
      X.map((plane) =>
        plane[0]!.map((_, c) => {
          const col = plane.map((row) => row[c]!);
          const nan = col.findIndex(Number.isNaN);
          return nan >= 0 ? nan : col.indexOf(max ? Math.max(...col) : Math.min(...col));
        }),
      );
    for (const max of [true, false]) {
      let y: Tensor | undefined;
      assert.equal(
        calls("argMid", () => {
          y = max ? x.argmax(1) : x.argmin(1);
        }),
        1,
      );
      assert.equal(y!.dtype, "int32");
      assert.deepEqual([...y!.shape], [2, 7]);
      assert.deepEqual(y!.toArray(), first(max), max ? "argmax" : "argmin");
    }
    // Spelled out for argmax: ties go to the first row, a NaN beats everything after it.
    assert.deepEqual(x.argmax(1).toArray(), [
      [1, 0, 0, 2, 2, 3, 0],
      [3, 4, 2, 4, 4, 4, 4],
    ]);
  });

  test("max pooling's argmax over window rows agrees with the reference backend, threaded", () => {
    const shape = [64, 6, 4, 144];
    const xv = values(64 * 6 * 4 * 144, 9).map((v) => Math.round(v * 2) / 2); // many ties
    tg.setBackend("js");
    const want = tg.tensor(xv, { shape }).argmax(2, true).toArray();
    tg.setBackend("wasm");
    const x = tg.tensor(xv, { shape });
    let got: Tensor | undefined;
    assert.equal(
      calls("argMid", () => {
        got = x.argmax(2, true);
      }),
      1,
    );
    assert.deepEqual(got!.toArray(), want);
  });
});
