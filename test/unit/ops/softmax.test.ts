// softmax and logSoftmax as primitives with the fused "softmax" kernel: equal to the plain composites
// they replaced (values and gradients, infinite rows included) on both backends, 0-d and empty
// tensors, and every layout the wasm kernel takes (in place, gathered, a dim that is not last).
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";
import { calls, rng } from "../../helpers/wasm.js";

type DType = "float32" | "float64";
const BACKENDS = tg.listBackends();

// The same maths as composites: the row maximum subtracted first (the raw maximum, as torch, so rows
// with +inf or only -inf are NaN for both).
const plain = {
  softmax: (x: Tensor, dim: number) => {
    const e = x.sub(x.detach().max(dim, true)).exp();
    return e.div(e.sum(dim, true));
  },
  logSoftmax: (x: Tensor, dim: number) => {
    const shifted = x.sub(x.detach().max(dim, true));
    return shifted.sub(shifted.exp().sum(dim, true).log());
  },
};
const fused = {
  softmax: (x: Tensor, dim: number) => x.softmax(dim),
  logSoftmax: (x: Tensor, dim: number) => x.logSoftmax(dim),
};
type Op = keyof typeof plain;

function seeded(n: number, seed: number, lo = -8, hi = 8): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Output and input gradient of `fn` under upstream gradient `g` (a fresh leaf each time). */
function run(fn: (x: Tensor) => Tensor, values: number[], shape: number[], dtype: DType, g: number[], transpose: boolean) {
  let x = tg.tensor(values, { shape, dtype });
  if (transpose) x = x.transpose(-1, -2).contiguous().transpose(-1, -2);
  x.requiresGrad = true;
  const y = fn(x);
  y.backward(tg.tensor(g, { shape, dtype }));
  return { y: y.toTypedArray(), grad: x.grad!.toTypedArray() };
}

describe("softmax / logSoftmax equal the plain composites", () => {
  after(() => tg.setBackend("wasm"));
  const ninf = -Infinity;
  // Rows (along dim 1 of [3, 5]) with -inf entries (in the vector part and the tail), a row of -inf only.
  const withNegInf = [ninf, 1, 2, 0.5, ninf, 0.5, ninf, 0.25, -1, 3, ninf, ninf, ninf, ninf, ninf];
  const cases: { what: string; shape: number[]; dim: number; values: number[]; transpose?: boolean }[] = [
    { what: "[6, 9] last dim", shape: [6, 9], dim: 1, values: seeded(54, 1) },
    { what: "[6, 9] dim 0", shape: [6, 9], dim: 0, values: seeded(54, 2) },
    { what: "[2, 5, 3] middle dim", shape: [2, 5, 3], dim: 1, values: seeded(30, 3) },
    { what: "[5, 7] transposed storage, last dim", shape: [5, 7], dim: 1, values: seeded(35, 4), transpose: true },
    { what: "[5, 7] transposed storage, dim 0", shape: [5, 7], dim: 0, values: seeded(35, 5), transpose: true },
    { what: "[3, 5] rows with -inf", shape: [3, 5], dim: 1, values: withNegInf },
  ];
  for (const backend of BACKENDS) {
    for (const dtype of ["float32", "float64"] as const) {
      // A few ulp apart: the kernel rounds once per element, the composite once per op, and its
      // x - logsumexp(x) cancels near the row maximum, to a few ulp of the logits' size (|x| <= 8).
      const eps = dtype === "float32" ? 2 ** -23 : 2 ** -52;
      for (const op of ["softmax", "logSoftmax"] as const) {
        const tol = { rtol: 16 * eps, atol: op === "softmax" ? eps : 64 * eps };
        for (const c of cases) {
          it(`${op} ${c.what}, ${dtype} on ${backend}`, () => {
            tg.setBackend(backend);
            const g = seeded(c.values.length, 99, -1, 1);
            const want = run((x) => plain[op](x, c.dim), c.values, c.shape, dtype, g, c.transpose ?? false);
            const got = run((x) => fused[op](x, c.dim), c.values, c.shape, dtype, g, c.transpose ?? false);
            assertClose(got.y, want.y, { ...tol, what: "output" });
            assertClose(got.grad, want.grad, { ...tol, what: "gradient" });
          });
        }
      }
    }
  }

  // Infinite maxima: the values only (the composites' gradients there are NaN where the primitives'
  // follow the formula). A row of +inf entries and finite ones is NaN throughout for both, as torch
  // (torch 1.13: log_softmax([inf, 1]) = [nan, nan]).
  for (const backend of BACKENDS) {
    for (const dtype of ["float32", "float64"] as const) {
      it(`infinite rows, ${dtype} on ${backend}`, () => {
        tg.setBackend(backend);
        const inf = Infinity;
        const values = [inf, 1, 0, -1, 2, 0.5, 1, inf, inf, ninf, ninf, ninf, ninf, ninf, ninf, ninf, 2, 1, 0, 3];
        const x = tg.tensor(values, { shape: [4, 5], dtype });
        for (const op of ["softmax", "logSoftmax"] as Op[]) {
          const want = plain[op](x, 1).toTypedArray(),
            got = fused[op](x, 1).toTypedArray();
          assertClose(got, want, { rtol: 2e-6, atol: 1e-7, what: op });
        }
        const ls = fused.logSoftmax(x, 1).toTypedArray();
        assert.ok(Array.from(ls.slice(0, 5)).every(Number.isNaN), `logSoftmax [inf, 1, ...]: ${ls.slice(0, 5)}`);
        assert.ok(Array.from(ls.slice(10, 15)).every(Number.isNaN), "an all -inf row is NaN");
        assert.ok(Array.from(fused.softmax(x, 1).toTypedArray().slice(0, 10)).every(Number.isNaN), "softmax of a row with +inf is NaN");
      });
    }
  }
});

describe("softmax / logSoftmax edge shapes", () => {
  after(() => tg.setBackend("wasm"));
  for (const backend of BACKENDS) {
    it(`0-d and empty tensors on ${backend} (as torch)`, () => {
      tg.setBackend(backend);
      for (const dim of [0, -1]) {
        const x = tg.tensor(2.5, { requiresGrad: true });
        const s = x.softmax(dim),
          l = x.logSoftmax(dim);
        assert.deepEqual([...s.shape], []);
        assert.equal(s.item(), 1);
        assert.equal(l.item(), 0);
        s.add(l).backward();
        assert.equal(x.grad!.item(), 0);
      }
      assert.deepEqual([...tg.zeros([0, 3]).logSoftmax(0).shape], [0, 3]);
      assert.deepEqual([...tg.zeros([2, 0]).softmax(1).shape], [2, 0]);
    });
  }
});

describe("the wasm softmax kernel", () => {
  after(() => tg.setBackend("wasm"));
  if (!BACKENDS.includes("wasm")) return;

  // [shape, dim, transposed storage, calls of the runtime's softmaxRows].
  const layouts: [number[], number, boolean, number][] = [
    [[64, 10], 1, false, 1], // in place: rows at a row stride
    [[3, 4, 9], 2, false, 1], // leading dims fold into one row stride
    [[7, 5], 1, true, 1], // a strided last dim: gathered first
    [[4, 6, 5], 1, false, 1], // a middle dim: gathered, and gathered back
    [[6, 4], 0, true, 1], // dim 0 of a transposed view
    [[5, 1], 0, false, 1], // trailing size-1 dims: rows in place
    [[300, 40], 1, false, 1], // large enough to split across threads
  ];
  for (const [shape, dim, transpose, expectedCalls] of layouts) {
    it(`shape [${shape}] dim ${dim}${transpose ? " (transposed storage)" : ""} matches the reference`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = seeded(n, n + dim, -30, 30);
      const make = () => {
        const x = tg.tensor(values, { shape });
        return transpose ? x.transpose(-1, -2).contiguous().transpose(-1, -2) : x;
      };
      for (const op of ["softmax", "logSoftmax"] as Op[]) {
        tg.setBackend("js");
        const want = fused[op](make(), dim).toTypedArray();
        tg.setBackend("wasm");
        const x = make();
        let y: Tensor | undefined;
        assert.equal(
          calls("softmaxRows", () => {
            y = fused[op](x, dim);
          }),
          expectedCalls,
          `${op}: softmaxRows calls`,
        );
        assert.ok(y!.isContiguous);
        assertClose(y!.toTypedArray(), want, { rtol: 1e-5, atol: 1e-6, what: `${op} [${shape}] dim ${dim}` });
      }
    });
  }

  it("float64 runs the reference (no softmaxRows call)", () => {
    tg.setBackend("wasm");
    const x = tg.tensor(seeded(12, 8), { shape: [3, 4], dtype: "float64" });
    assert.equal(
      calls("softmaxRows", () => x.softmax(1)),
      0,
    );
  });
});
