// The wasm backend's bool kernels: comparisons of float32 operands writing bool (int32 0/1) and
// `where` reading a bool condition run on the SIMD kernels (not the reference), with the reference
// backend's values: NaNs and infinities, SIMD tails, broadcast operands and the threaded path.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { calls, rng } from "../../helpers/wasm.js";

/** Values with repeats (so eq/ge/le have ties), ±0, ±Infinity and NaN mixed in. */
function values(n: number, seed: number): number[] {
  const r = rng(seed),
    specials = [NaN, Infinity, -Infinity, 0, -0];
  return Array.from({ length: n }, () => (r() < 0.1 ? specials[Math.floor(r() * specials.length)]! : Math.round(r() * 8 - 4) / 2));
}

/** `fn` on the js backend and on wasm (with how many times the wasm runtime's `method` ran). */
function both(method: string, fn: () => Tensor): { js: unknown; wasm: unknown; dtype: string; kernelCalls: number } {
  tg.setBackend("js");
  const js = fn().toArray();
  tg.setBackend("wasm");
  let out: Tensor | undefined;
  const kernelCalls = calls(method, () => {
    out = fn();
  });
  return { js, wasm: out!.toArray(), dtype: out!.dtype, kernelCalls };
}

const COMPARISONS = ["eq", "ne", "gt", "lt", "ge", "le"] as const;

describe("wasm bool kernels", () => {
  for (const op of COMPARISONS) {
    test(`${op} of float32 tensors gives bool on the SIMD kernel, equal to the reference (tails, broadcasts, threads)`, () => {
      for (const [sa, sb] of [
        [[1], [1]],
        [[7], [7]],
        [
          [3, 9],
          [3, 9],
        ],
        [[5, 6], [6]],
        [
          [5, 1],
          [5, 6],
        ],
        [[4, 33], [1]],
        [
          [300, 700],
          [300, 700],
        ],
      ] as [number[], number[]][]) {
        const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
        const a = values(n(sa), 1 + sa.length),
          b = values(n(sb), 7 + sb.length);
        const r = both("binary", () => tg.tensor(a, { shape: sa })[op](tg.tensor(b, { shape: sb })));
        assert.equal(r.dtype, "bool");
        assert.equal(r.kernelCalls, 1, `${op} ${sa} ${sb} took the reference kernel`);
        assert.deepEqual(r.wasm, r.js, `${op} ${sa} ${sb}`);
      }
    });
  }

  test("a comparison with a scalar and .bool() (x != 0, NaN true) run on the SIMD kernel", () => {
    const x = values(1027, 3);
    let r = both("binary", () => tg.tensor(x).gt(0.5));
    assert.equal(r.kernelCalls, 1);
    assert.deepEqual(r.wasm, r.js);
    r = both("binary", () => tg.tensor(x).bool());
    assert.equal(r.kernelCalls, 1);
    assert.deepEqual(r.wasm, r.js);
    assert.equal((r.wasm as boolean[]).filter(Boolean).length, x.filter((v) => v !== 0).length);
  });

  test("where and maskedFill with a bool condition run on the SIMD kernel, equal to the reference", () => {
    for (const [sc, sx] of [
      [[9], [9]],
      [
        [4, 10],
        [4, 10],
      ],
      [
        [4, 1],
        [4, 10],
      ],
      [[10], [4, 10]],
      [
        [250, 800],
        [250, 800],
      ],
    ] as [number[], number[]][]) {
      const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const c = values(n(sc), 11),
        x = values(n(sx), 12),
        y = values(n(sx), 13);
      let r = both("where", () => tg.where(tg.tensor(c, { shape: sc }).gt(0), tg.tensor(x, { shape: sx }), tg.tensor(y, { shape: sx })));
      assert.equal(r.kernelCalls, 1, `where ${sc} ${sx}`);
      assert.deepEqual(r.wasm, r.js);
      r = both("where", () => tg.tensor(x, { shape: sx }).maskedFill(tg.tensor(c, { shape: sc }).le(0), -Infinity));
      assert.equal(r.kernelCalls, 1, `maskedFill ${sc} ${sx}`);
      assert.deepEqual(r.wasm, r.js);
    }
  });

  test("comparisons of int32 tensors still give the reference's bool values", () => {
    const a = [3, -1, 2 ** 30, 7, 0],
      b = [3, 2, 2 ** 30 + 1, -7, 0];
    const r = both("binary", () => tg.tensor(a, { dtype: "int32" }).lt(tg.tensor(b, { dtype: "int32" })));
    assert.deepEqual(r.wasm, [false, true, true, false, false]);
    assert.deepEqual(r.wasm, r.js);
  });
});
