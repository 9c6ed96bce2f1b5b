// The wasm backend's strided copy: writing into a slice of a larger tensor (cat, slicing's adjoint,
// a strided setter) runs the view-to-view kernel, not the reference loops, with the reference's values:
// transposed and broadcast sources, step slices, SIMD tails, int32, and the threaded path.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { calls, rng } from "../../helpers/wasm.js";

function randn(shape: number[], seed: number): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tg.tensor(Array.from({ length: n }, () => Math.round((r() * 2 - 1) * 1000) / 64)).reshape(shape);
}

/** `fn` on the js backend and on wasm, with how many times the wasm runtime's strided copy ran. */
function both(fn: () => Tensor): { js: unknown; wasm: unknown; kernelCalls: number } {
  tg.setBackend("js");
  const js = fn().toArray();
  tg.setBackend("wasm");
  let out: Tensor | undefined;
  const kernelCalls = calls("copyStrided", () => {
    out = fn();
  });
  return { js, wasm: out!.toArray(), kernelCalls };
}

describe("wasm strided copy", () => {
  test("cat along inner and middle dims, contiguous and transposed parts, tails and the threaded size", () => {
    for (const [n, t, d] of [
      [2, 3, 5],
      [4, 16, 33],
      [64, 16, 128],
    ] as const) {
      for (const dim of [1, 2]) {
        const r = both(() => {
          const a = randn([n, t, d], 1);
          const b = randn([d, t, n], 2).permute([2, 1, 0]);
          return tg.cat([a, b, a], dim);
        });
        assert.deepEqual(r.wasm, r.js, `cat [${n}, ${t}, ${d}] dim ${dim}`);
        assert.equal(r.kernelCalls, 3, `cat [${n}, ${t}, ${d}] dim ${dim}: one strided copy a part`);
      }
    }
  });

  test("a slice's gradient (the adjoint of slicing, steps included) and a rank-4 cat of int32", () => {
    const r = both(() => {
      const x = randn([6, 10, 12], 3).requiresGrad_();
      const y = x
        .slice(1, 2, 9, 3)
        .mul(randn([6, 3, 12], 4))
        .sum();
      y.backward();
      return x.grad!;
    });
    assert.deepEqual(r.wasm, r.js);
    assert.ok(r.kernelCalls >= 1, `slice backward ran the strided copy ${r.kernelCalls} times`);
    const ints = both(() => {
      const a = tg.arange(0, 2 * 3 * 4 * 5, 1, { dtype: "int32" }).reshape([2, 3, 4, 5]);
      return tg.cat([a, a.flip([3])], 2);
    });
    assert.deepEqual(ints.wasm, ints.js);
    assert.equal(ints.kernelCalls, 2);
  });

  test("shapes that stay rank 5 after collapsing go to the reference, with the same values", () => {
    const r = both(() => {
      const a = randn([2, 3, 2, 3, 2], 5).permute([4, 3, 2, 1, 0]);
      return tg.cat([a, a], 3);
    });
    assert.deepEqual(r.wasm, r.js);
    assert.equal(r.kernelCalls, 0);
  });
});
