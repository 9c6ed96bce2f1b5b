// The linear primitive (one "linear" kernel forward) against the composite it replaced,
// x.matmul(W.T).add(b): values and all three gradients on both backends, float32 and float64, 1-D to
// 3-D inputs, transposed views of x and W, no bias; gradcheck in float64; the wasm kernel's one-GEMM
// path and its fallback.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { linearPrim } from "../../../src/ops/primitives/linear.js";
import { assertClose } from "../../helpers/assert.js";
import { calls, rng } from "../../helpers/wasm.js";

type DType = "float32" | "float64";
const BACKENDS = tg.listBackends();

function seeded(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => 2 * r() - 1);
}

const fused = (x: Tensor, w: Tensor, b: Tensor | null) => linearPrim(b ? [x, w, b] : [x, w], undefined);
const plain = (x: Tensor, w: Tensor, b: Tensor | null) => (b ? x.matmul(w.T).add(b) : x.matmul(w.T));

/**
 * A leaf of `shape` holding seeded values; `transposed` builds it as the transpose of a contiguous
 * tensor of the last two dims swapped (so its last dim is strided), `permuted` (3-D) as the swap of
 * a contiguous tensor's first two dims (leading dims that fold into no single row stride).
 */
function leaf(shape: number[], seed: number, dtype: DType, layout: "plain" | "transposed" | "permuted" = "plain"): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let t: Tensor;
  if (layout === "transposed") {
    const s = [...shape];
    [s[s.length - 2], s[s.length - 1]] = [s[s.length - 1]!, s[s.length - 2]!];
    t = tg.tensor(seeded(n, seed), { shape: s, dtype }).transpose(-1, -2);
  } else if (layout === "permuted") {
    t = tg.tensor(seeded(n, seed), { shape: [shape[1]!, shape[0]!, ...shape.slice(2)], dtype }).transpose(0, 1);
  } else {
    t = tg.tensor(seeded(n, seed), { shape, dtype });
  }
  t.requiresGrad = true;
  return t;
}

interface Case {
  what: string;
  x: number[];
  n: number;
  bias?: boolean;
  xLayout?: "plain" | "transposed" | "permuted";
  wTransposed?: boolean;
}
const CASES: Case[] = [
  { what: "1-D x", x: [7], n: 5 },
  { what: "2-D x", x: [6, 9], n: 5 },
  { what: "2-D x, no bias", x: [6, 9], n: 5, bias: false },
  { what: "3-D x", x: [2, 3, 8], n: 6 },
  { what: "3-D x, no bias", x: [2, 3, 8], n: 6, bias: false },
  { what: "transposed x", x: [6, 9], n: 5, xLayout: "transposed" },
  { what: "transposed W", x: [6, 9], n: 5, wTransposed: true },
  { what: "both transposed, no bias", x: [5, 7], n: 4, xLayout: "transposed", wTransposed: true, bias: false },
  { what: "3-D x with permuted leading dims", x: [3, 4, 6], n: 5, xLayout: "permuted" },
  { what: "1-D x, transposed W", x: [9], n: 3, wTransposed: true },
  { what: "one output feature", x: [4, 6], n: 1 },
  { what: "empty input features (K = 0)", x: [3, 0], n: 4 },
];

/** Output and the three gradients of `fn` under a seeded upstream gradient (fresh leaves each time). */
function run(fn: typeof fused, c: Case, dtype: DType) {
  const K = c.x[c.x.length - 1]!;
  const x = leaf(c.x, 1, dtype, c.xLayout);
  const w = leaf([c.n, K], 2, dtype, c.wTransposed ? "transposed" : "plain");
  const b = c.bias === false ? null : leaf([c.n], 3, dtype);
  const y = fn(x, w, b);
  const outShape = [...c.x.slice(0, -1), c.n];
  y.backward(
    tg.tensor(
      seeded(
        outShape.reduce((p, d) => p * d, 1),
        4,
      ),
      { shape: outShape, dtype },
    ),
  );
  return { y, x: x.grad!, w: w.grad!, b: b?.grad ?? null };
}

describe("linearPrim equals x.matmul(W.T).add(b)", () => {
  after(() => tg.setBackend("wasm"));
  for (const backend of BACKENDS) {
    for (const dtype of ["float32", "float64"] as const) {
      // Sums of at most 9 products of values in [-1, 1]: a few ulp apart where the fused kernel adds the
      // bias inside the GEMM (wasm, float32) rather than rounding the product first.
      const tol = dtype === "float32" ? { rtol: 1e-6, atol: 1e-6 } : { rtol: 1e-14, atol: 1e-15 };
      for (const c of CASES) {
        it(`${c.what}, ${dtype} on ${backend}`, () => {
          tg.setBackend(backend);
          const want = run(plain, c, dtype),
            got = run(fused, c, dtype);
          assert.deepEqual([...got.y.shape], [...want.y.shape], "output shape");
          assert.equal(got.y.dtype, dtype);
          assert.ok(got.y.isContiguous, "output is contiguous");
          assertClose(got.y.toTypedArray(), want.y.toTypedArray(), { ...tol, what: "output" });
          for (const k of ["x", "w", "b"] as const) {
            if (want[k] === null) {
              assert.equal(got[k], null, `no bias, no bias gradient`);
              continue;
            }
            assert.deepEqual([...got[k]!.shape], [...want[k]!.shape], `d${k} shape`);
            assertClose(got[k]!.toTypedArray(), want[k]!.toTypedArray(), { ...tol, what: `d${k}` });
          }
          // The weight's gradient goes to the optimizer as it is: contiguous unless W is itself a view.
          if (!c.wTransposed) assert.ok(got.w.isContiguous, "dW is contiguous");
        });
      }
    }
  }

  it("computes gradients only for the inputs that require them", () => {
    const x = tg.tensor(seeded(12, 5), { shape: [3, 4] });
    const w = tg.tensor(seeded(8, 6), { shape: [2, 4], requiresGrad: true });
    const b = tg.tensor([0.5, -0.25]);
    const y = fused(x, w, b);
    const grads = linearPrim.spec.vjp!(tg.onesLike(y), { inputs: [x, w, b], output: y, params: undefined });
    assert.equal(grads[0], null, "dx");
    assert.ok(grads[1] !== null, "dW");
    assert.equal(grads[2], null, "db");
  });

  it("promotes dtypes as the composite did and refuses integer operands", () => {
    const x = tg.tensor(seeded(6, 7), { shape: [2, 3] });
    const w = tg.tensor(seeded(6, 8), { shape: [2, 3], dtype: "float64" });
    assert.equal(fused(x, w, null).dtype, "float64");
    assert.equal(fused(x, w.float(), tg.tensor([1, 2], { dtype: "int32" })).dtype, "float32");
    assert.throws(
      () => fused(x.int(), w, null),
      new tg.DTypeError("linear: expected floating-point input and weight, got int32 and float64"),
    );
  });
});

describe("linearPrim gradcheck (float64)", () => {
  after(() => tg.setBackend("wasm"));
  const f64 = (shape: number[], seed: number) =>
    tg.tensor(
      seeded(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      { shape, dtype: "float64" },
    );
  const checks: [string, (...t: Tensor[]) => Tensor, Tensor[]][] = [
    ["1-D x", (x, w, b) => fused(x!, w!, b!), [f64([4], 1), f64([3, 4], 2), f64([3], 3)]],
    ["2-D x", (x, w, b) => fused(x!, w!, b!), [f64([5, 4], 4), f64([3, 4], 5), f64([3], 6)]],
    ["3-D x, no bias", (x, w) => fused(x!, w!, null), [f64([2, 3, 4], 7), f64([5, 4], 8)]],
    ["transposed x and W", (xt, wt, b) => fused(xt!.T, wt!.T, b!), [f64([4, 5], 9), f64([4, 3], 10), f64([3], 11)]],
    ["permuted 3-D x", (x, w, b) => fused(x!.transpose(0, 1), w!, b!), [f64([3, 2, 4], 12), f64([3, 4], 13), f64([3], 14)]],
  ];
  for (const backend of BACKENDS) {
    for (const [what, fn, inputs] of checks) {
      it(`${what} on ${backend}`, () => {
        tg.setBackend(backend);
        assert.equal(tg.gradcheck(fn, inputs), true);
      });
    }
  }
});

describe("the wasm linear kernel", () => {
  after(() => tg.setBackend("wasm"));
  if (!BACKENDS.includes("wasm")) return;

  // [what, x, n, bias, x layout, W transposed, sgemm calls, gather calls (the bias rows)].
  const layouts: [string, number[], number, boolean, "plain" | "transposed" | "permuted", boolean, number, number][] = [
    ["[64, 784] x [128, 784] with bias: one gather, one GEMM", [64, 784], 128, true, "plain", false, 1, 1],
    ["without bias: one GEMM only", [64, 100], 30, false, "plain", false, 1, 0],
    ["1-D x", [50], 20, true, "plain", false, 1, 1],
    ["[4, 6, 16]: leading dims fold into one row stride", [4, 6, 16], 8, true, "plain", false, 1, 1],
    ["transposed x and W, read through strides", [33, 17], 9, true, "transposed", true, 1, 1],
    ["leading dims that do not fold: x gathered into rows, the bias filled, one sgemm", [3, 4, 6], 5, true, "permuted", false, 1, 2],
  ];
  for (const [what, xShape, n, bias, xLayout, wT, sgemms, gathers] of layouts) {
    it(`${what} matches the reference`, () => {
      const K = xShape[xShape.length - 1]!;
      const make = () => ({
        x: leaf(xShape, 21, "float32", xLayout).detach(),
        w: leaf([n, K], 22, "float32", wT ? "transposed" : "plain").detach(),
        b: bias ? leaf([n], 23, "float32").detach() : null,
      });
      tg.setBackend("js");
      const r = make();
      const want = fused(r.x, r.w, r.b).toTypedArray();
      tg.setBackend("wasm");
      const { x, w, b } = make();
      let y: Tensor | undefined;
      let g = 0,
        fills = 0;
      // Gathers of x (gather) and fills of the bias rows (gather2d) alike.
      const s = calls("sgemm", () => {
        g = calls("gather", () => {
          fills = calls("gather2d", () => {
            y = fused(x, w, b);
          });
        });
      });
      assert.equal(s, sgemms, "sgemm calls");
      assert.equal(g + fills, gathers, "gather calls");
      assertClose(y!.toTypedArray(), want, { rtol: 1e-5, atol: 1e-5, what });
    });
  }

  it("float64 runs the reference (no sgemm call)", () => {
    tg.setBackend("wasm");
    const x = tg.tensor(seeded(12, 8), { shape: [3, 4], dtype: "float64" });
    const w = tg.tensor(seeded(8, 9), { shape: [2, 4], dtype: "float64" });
    assert.equal(
      calls("sgemm", () => fused(x, w, tg.zeros([2], { dtype: "float64" }))),
      0,
    );
  });
});
