// The WebAssembly kernels against plain float64 loops, in both builds (SIMD128 and relaxed SIMD):
// GEMM in all four transpose combinations on awkward shapes, element-wise ops with measured error
// bounds, reductions, softmax, where/gather, and im2col/col2im.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import {
  WasmRuntime,
  type UnaryOp,
  type BinaryOp,
  type RowOperand,
  type ConvArgs,
  convOutSize,
} from "../../../src/backend/wasm/runtime.js";
import { rng } from "../../helpers/wasm.js";

const U = 2 ** -24; // float32 unit roundoff

/** erf in float64: Maclaurin series below 2.5, Lentz continued fraction for erfc above (both ~1e-14). */
function erf64(x: number): number {
  const ax = Math.abs(x);
  if (!Number.isFinite(ax)) return Number.isNaN(x) ? NaN : Math.sign(x);
  let r: number;
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = ax,
      c = ax,
      d = 0;
    for (let n = 1; n < 300; n++) {
      d = 1 / (ax + (n / 2) * d);
      c = ax + n / 2 / c;
      f *= c * d;
      if (Math.abs(c * d - 1) < 1e-16) break;
    }
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

const runtimes: WasmRuntime[] = [];
after(() => Promise.all(runtimes.map((rt) => rt.close())));

/** Copies values into a fresh wasm block and returns its address. */
function put(rt: WasmRuntime, values: ArrayLike<number>): number {
  const ptr = rt.allocator.alloc(Math.max(1, values.length) * 4);
  rt.f32(ptr, values.length).set(values);
  return ptr;
}

function randoms(n: number, r: () => number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

function sameFloat(a: number, b: number): boolean {
  return Number.isNaN(a) ? Number.isNaN(b) : a === b;
}

for (const flavor of ["simd", "relaxed"] as const) {
  const rt = new WasmRuntime({ threads: 1, relaxedSimd: flavor === "relaxed" });
  runtimes.push(rt);

  describe(`wasm kernels (${flavor})`, () => {
    test("loads the requested build", () => assert.equal(rt.flavor, flavor));

    test("sgemm: every transpose combination on awkward shapes, within the float32 dot-product bound", (t) => {
      const r = rng(1);
      // M < 4 takes the unpacked path; K > 256 crosses a KC block; N < 8, M and N off the 4x8 tile.
      const shapes = [
        [67, 45, 300],
        [1, 45, 300],
        [2, 77, 13],
        [3, 33, 64],
        [4, 8, 1],
        [130, 9, 513],
        [5, 20, 0],
        [37, 131, 257],
      ];
      let worst = 0;
      for (const [M, N, K] of shapes as [number, number, number][]) {
        for (const ta of [false, true])
          for (const tb of [false, true])
            for (const accumulate of [false, true]) {
              // A is a view into a wider buffer (row stride K + 3) when not transposed, to test strides.
              const lda = ta ? M : K + 3;
              const A = randoms((ta ? K : M) * lda, r),
                B = randoms(K * N, r),
                C0 = randoms(M * N, r);
              const a = put(rt, A),
                b = put(rt, B),
                c = put(rt, C0);
              const am = ta ? { ptr: a, rowStride: 1, colStride: lda } : { ptr: a, rowStride: lda, colStride: 1 };
              const bm = tb ? { ptr: b, rowStride: 1, colStride: K } : { ptr: b, rowStride: N, colStride: 1 };
              rt.sgemm(M, N, K, am, bm, { ptr: c, rowStride: N }, { accumulate });
              const got = rt.f32(c, M * N);
              for (let i = 0; i < M; i++)
                for (let j = 0; j < N; j++) {
                  let s = accumulate ? C0[i * N + j]! : 0;
                  let mag = Math.abs(s);
                  for (let k = 0; k < K; k++) {
                    const p = A[i * am.rowStride + k * am.colStride]! * B[k * bm.rowStride + j * bm.colStride]!;
                    s += p;
                    mag += Math.abs(p);
                  }
                  // Worst-case rounding of a length-(K+1) float32 dot product: gamma_{K+1} * sum |terms|.
                  const n = K + 1;
                  const bound = ((n * U) / (1 - n * U)) * mag;
                  const err = Math.abs(got[i * N + j]! - s);
                  assert.ok(err <= bound, `${M}x${N}x${K} ta=${ta} tb=${tb} acc=${accumulate} [${i},${j}]: err ${err} > ${bound}`);
                  if (mag > 0) worst = Math.max(worst, err / mag);
                }
              rt.allocator.free(a);
              rt.allocator.free(b);
              rt.allocator.free(c);
            }
      }
      t.diagnostic(`sgemm max |error| / sum|a*b| = ${worst.toExponential(2)}`);
    });

    test("sgemm on two threads: split by column panels (few rows) and by rows, both A and B layouts", async () => {
      const rt2 = new WasmRuntime({ threads: 2, relaxedSimd: flavor === "relaxed" });
      runtimes.push(rt2);
      await rt2.ready();
      const claimsBefore = rt2.pool.chunkCounts()[1]!;
      const r = rng(5);
      // [64, 130, 784]: a layer on one batch (panels split; A, in whole slivers, read in place from
      // either layout; a partial last panel; K past three KC blocks); [128, 67, 300]: a weight gradient
      // (A a transposed view, read in place); [6, 3001, 25]: a convolution's few output channels over
      // many pixels (A packed: 6 rows are not whole slivers); [7, 25, 5000]: its weight gradient (few
      // slivers, long K); [300, 70, 400]: A too large to pack whole, split by rows.
      // [6, 25, 36864] and [3, 9, 5000]: too few panels to share, long K: split by slices of K.
      const shapes = [
        [64, 130, 784],
        [128, 67, 300],
        [6, 3001, 25],
        [7, 25, 5000],
        [300, 70, 400],
        [6, 25, 36864],
        [5, 9, 5000],
      ];
      for (const [M, N, K] of shapes as [number, number, number][]) {
        for (const ta of [false, true])
          for (const tb of [false, true])
            for (const accumulate of [false, true]) {
              // A is a view into a wider buffer (row stride K + 3) when not transposed, to test strides.
              const lda = ta ? M : K + 3;
              const A = randoms((ta ? K : M) * lda, r),
                B = randoms(K * N, r),
                C0 = randoms(M * N, r);
              const a = put(rt2, A),
                b = put(rt2, B),
                c = put(rt2, C0);
              const am = ta ? { ptr: a, rowStride: 1, colStride: lda } : { ptr: a, rowStride: lda, colStride: 1 };
              const bm = tb ? { ptr: b, rowStride: 1, colStride: K } : { ptr: b, rowStride: N, colStride: 1 };
              rt2.sgemm(M, N, K, am, bm, { ptr: c, rowStride: N }, { accumulate });
              const got = rt2.f32(c, M * N);
              for (let i = 0; i < M; i++)
                for (let j = 0; j < N; j++) {
                  let s = accumulate ? C0[i * N + j]! : 0;
                  let mag = Math.abs(s);
                  for (let k = 0; k < K; k++) {
                    const p = A[i * am.rowStride + k * am.colStride]! * B[k * bm.rowStride + j * bm.colStride]!;
                    s += p;
                    mag += Math.abs(p);
                  }
                  const n = K + 1;
                  const err = Math.abs(got[i * N + j]! - s);
                  assert.ok(
                    err <= ((n * U) / (1 - n * U)) * mag,
                    `${M}x${N}x${K} ta=${ta} tb=${tb} acc=${accumulate} [${i},${j}]: err ${err}`,
                  );
                }
              rt2.allocator.free(a);
              rt2.allocator.free(b);
              rt2.allocator.free(c);
            }
      }
      assert.ok(rt2.pool.chunkCounts()[1]! > claimsBefore, "the worker took part");
    });

    test("sgemm on two threads with a broadcast A: one row for every row (row stride 0), one column for every column", async () => {
      // Views of an expanded tensor reach the kernel as they are; read in place, a zero stride must not
      // be mistaken for the kernel's mark of a packed A (both strides 0).
      const rt2 = new WasmRuntime({ threads: 2, relaxedSimd: flavor === "relaxed" });
      runtimes.push(rt2);
      await rt2.ready();
      const r = rng(11);
      const M = 64,
        N = 130,
        K = 784;
      for (const [rowStride, colStride, len] of [
        [0, 1, K],
        [1, 0, M],
      ] as [number, number, number][]) {
        const A = randoms(len, r),
          B = randoms(K * N, r);
        const a = put(rt2, A),
          b = put(rt2, B),
          c = put(rt2, new Float32Array(M * N));
        rt2.sgemm(M, N, K, { ptr: a, rowStride, colStride }, { ptr: b, rowStride: 1, colStride: K }, { ptr: c, rowStride: N });
        const got = rt2.f32(c, M * N);
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let s = 0,
              mag = 0;
            for (let k = 0; k < K; k++) {
              const p = A[i * rowStride + k * colStride]! * B[k + j * K]!;
              s += p;
              mag += Math.abs(p);
            }
            const err = Math.abs(got[i * N + j]! - s);
            assert.ok(err <= (((K + 1) * U) / (1 - (K + 1) * U)) * mag, `strides [${rowStride}, ${colStride}] [${i},${j}]: err ${err}`);
          }
        rt2.allocator.free(a);
        rt2.allocator.free(b);
        rt2.allocator.free(c);
      }
    });

    test("gemm_cols reads A in place (element strides) exactly as it reads A packed", () => {
      // The two paths run the same multiply-adds in the same order, so the results are bitwise equal.
      const e = rt.kernels.exports,
        r = rng(9);
      const M = 8,
        N = 20,
        K = 300,
        panels = Math.ceil(N / 8);
      for (const ta of [false, true]) {
        const lda = ta ? M + 4 : K + 3;
        const A = randoms((ta ? K : M) * lda, r),
          B = randoms(K * N, r);
        const a = put(rt, A),
          b = put(rt, B),
          c1 = put(rt, new Float32Array(M * N)),
          c2 = put(rt, new Float32Array(M * N));
        const [ars, acs] = ta ? [1, lda] : [lda, 1];
        const ap = rt.allocator.alloc(M * K * 4),
          ws = rt.allocator.alloc(e.gemm_workspace_bytes());
        e.gemm_pack_a(M, K, a, ars, acs, ap, 0, M / 4);
        e.gemm_cols(M, N, K, ap, 0, 0, b, N, 1, c1, N, 0, ws, 0, panels);
        e.gemm_cols(M, N, K, a, ars, acs, b, N, 1, c2, N, 0, ws, 0, panels);
        assert.deepEqual(Array.from(rt.f32(c2, M * N)), Array.from(rt.f32(c1, M * N)), `ta=${ta}`);
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += A[3 * ars + k * acs]! * B[k * N + j]!;
          assert.ok(Math.abs(rt.f32(c2, M * N)[3 * N + j]! - s) < 1e-4, `ta=${ta} [3,${j}]`);
        }
        for (const p of [a, b, c1, c2, ap, ws]) rt.allocator.free(p);
      }
    });

    // Measured max relative errors on the SIMD build (relaxed within 10 %), over 2^16 points per op:
    // exp 9.7e-8, log 1.6e-7, tanh 1.4e-7, sigmoid 1.5e-7, erf 1.8e-7, sin/cos 6e-8 (about 1-3 ulp).
    const accuracy: [UnaryOp, (x: number) => number, number, number, number][] = [
      ["exp", Math.exp, -87.3, 88.7, 2e-7],
      ["log", Math.log, 1e-30, 3e38, 2.5e-7],
      ["tanh", Math.tanh, -12, 12, 2e-7],
      ["sigmoid", (x) => 1 / (1 + Math.exp(-x)), -80, 30, 2e-7],
      ["erf", erf64, -5, 5, 2.5e-7],
      ["sin", Math.sin, -200, 200, 1.2e-7],
      ["cos", Math.cos, -200, 200, 1.2e-7],
      // Large arguments: the f64 range reduction holds to 2^20, the host's Math.sin takes over beyond.
      ["sin", Math.sin, -3e6, 3e6, 1.2e-7],
    ];
    for (const [op, f, lo, hi, bound] of accuracy) {
      test(`unary ${op}: relative error <= ${bound} on [${lo}, ${hi}]`, (t) => {
        const n = 1 << 16;
        const xs = new Float32Array(n);
        const r = rng(2);
        for (let i = 0; i < n; i++) {
          const u = i < n / 2 ? i / (n / 2 - 1) : r();
          // log spans 68 decades: sample its exponent uniformly; others get a dense grid near 0 too.
          xs[i] =
            op === "log" ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : i % 8 === 0 ? (u - 0.5) * 2 : lo + u * (hi - lo);
        }
        if (op === "log") for (let i = 0; i < 512; i++) xs[i] = 1 + (i - 256) * 2 ** -20;
        const x = put(rt, xs),
          y = rt.allocator.alloc(n * 4);
        rt.unary(op, x, y, n);
        const ys = rt.f32(y, n);
        let worst = 0;
        for (let i = 0; i < n; i++) {
          const ref = f(xs[i]!);
          // Relative error where the result is a normal float32; absolute 2^-149 below that.
          const err = Math.abs(ys[i]! - ref);
          const rel = Math.abs(ref) >= 2 ** -126 ? err / Math.abs(ref) : err <= 2 ** -148 ? 0 : Infinity;
          assert.ok(rel <= bound, `${op}(${xs[i]}) = ${ys[i]}, expected ${ref} (rel ${rel})`);
          worst = Math.max(worst, rel);
        }
        t.diagnostic(`${op} max relative error ${worst.toExponential(2)} (${(worst / U).toFixed(2)} ulp)`);
        rt.allocator.free(x);
        rt.allocator.free(y);
      });
    }

    test("unary: special values and the exact ops", () => {
      const inputs = [0, -0, 1, -1, 0.5, -2.5, 3e38, -3e38, 1e-40, -1e-40, 1e-45, Infinity, -Infinity, NaN, 89, -104, 200, 1e4, -1e5];
      const exact: Record<string, (x: number) => number> = {
        neg: (x) => -x,
        abs: Math.abs,
        sqrt: Math.sqrt,
        relu: (x) => (Number.isNaN(x) ? NaN : x > 0 ? x : 0),
        sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), // torch.sign(NaN) is 0 (test/fixtures/fidelity.json)
        exp: Math.exp,
        log: Math.log,
        tanh: Math.tanh,
        sigmoid: (x) => 1 / (1 + Math.exp(-x)),
        erf: erf64,
        sin: Math.sin,
        cos: Math.cos,
      };
      const x = put(rt, inputs),
        y = rt.allocator.alloc(inputs.length * 4);
      const f32 = new Float32Array(inputs);
      for (const [op, f] of Object.entries(exact)) {
        rt.unary(op as UnaryOp, x, y, inputs.length);
        const ys = rt.f32(y, inputs.length);
        for (let i = 0; i < inputs.length; i++) {
          const want = Math.fround(f(f32[i]!));
          const got = ys[i]!;
          const close = sameFloat(got, want) || Math.abs(got - want) <= 3e-7 * Math.abs(want) + 2 ** -148 || (got === 0 && want === 0);
          assert.ok(close, `${op}(${f32[i]}) = ${got}, expected ${want}`);
        }
      }
    });

    test("binary: every op on same-shape, bias-row, per-row-scalar and scalar operands, exactly", () => {
      const ops: [BinaryOp, (a: number, b: number) => number][] = [
        ["add", (a, b) => a + b],
        ["sub", (a, b) => a - b],
        ["mul", (a, b) => a * b],
        ["div", (a, b) => a / b],
        ["pow", Math.pow],
        ["maximum", (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b))],
        ["minimum", (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b))],
        ["eq", (a, b) => +(a === b)],
        ["gt", (a, b) => +(a > b)],
        ["lt", (a, b) => +(a < b)],
        ["ge", (a, b) => +(a >= b)],
        ["le", (a, b) => +(a <= b)],
        ["ne", (a, b) => +(a !== b)],
        ["reluGrad", (a, b) => (a > 0 ? b : 0)],
      ];
      const R = 7,
        C = 13;
      const r = rng(3);
      const A = randoms(R * C, r, -3, 3),
        B = randoms(R * C, r, -3, 3);
      A[5] = NaN;
      B[17] = NaN;
      A[20] = B[20]!;
      A[30] = 0;
      B[30] = 0;
      A[40] = 2;
      B[40] = 0.5;
      A[41] = -8;
      B[41] = 3;
      const a = put(rt, A),
        b = put(rt, B),
        y = rt.allocator.alloc(R * C * 4);
      // (b operand, element getter) for each broadcast pattern.
      const patterns: [string, RowOperand, (i: number, j: number) => number][] = [
        ["same shape", { ptr: b, rowStride: C, colStep: 1 }, (i, j) => B[i * C + j]!],
        ["bias row", { ptr: b, rowStride: 0, colStep: 1 }, (_i, j) => B[j]!],
        ["per-row scalar", { ptr: b, rowStride: 1, colStep: 0 }, (i) => B[i]!],
        ["scalar", { ptr: b + 8, rowStride: 0, colStep: 0 }, () => B[2]!],
      ];
      for (const [op, f] of ops)
        for (const [name, bOp, bAt] of patterns)
          for (const swap of [false, true]) {
            const aOp: RowOperand = { ptr: a, rowStride: C, colStep: 1 };
            if (swap) rt.binary(op, R, C, bOp, aOp, y);
            else rt.binary(op, R, C, aOp, bOp, y);
            const ys = rt.f32(y, R * C);
            for (let i = 0; i < R; i++)
              for (let j = 0; j < C; j++) {
                const av = A[i * C + j]!,
                  bv = bAt(i, j);
                const want = Math.fround(swap ? f(bv, av) : f(av, bv));
                assert.ok(
                  sameFloat(ys[i * C + j]!, want),
                  `${op} ${name}${swap ? " swapped" : ""} [${i},${j}]: ${ys[i * C + j]} vs ${want}`,
                );
              }
          }
    });

    test("where and strided gather", () => {
      const R = 5,
        C = 11;
      const r = rng(4);
      const cond = Array.from({ length: R * C }, () => (r() < 0.5 ? 0 : r() < 0.5 ? 1 : -2));
      const A = randoms(R * C, r),
        B = randoms(C, r);
      const cp = put(rt, cond),
        ap = put(rt, A),
        bp = put(rt, B),
        y = rt.allocator.alloc(R * C * 4);
      rt.where(
        R,
        C,
        { ptr: cp, rowStride: C, colStep: 1 },
        { ptr: ap, rowStride: C, colStep: 1 },
        { ptr: bp, rowStride: 0, colStep: 1 },
        y,
      );
      const ys = rt.f32(y, R * C);
      for (let i = 0; i < R * C; i++) assert.equal(ys[i], cond[i] !== 0 ? A[i] : B[i % C]);
      // gather a transposed, broadcast view of a [3, 4, 5] buffer: shape [5, 2, 4, 3] strides [1, 0, 5, 20].
      const X = randoms(60, r),
        xp = put(rt, X),
        g = rt.allocator.alloc(120 * 4);
      rt.gather(xp, [5, 2, 4, 3], [1, 0, 5, 20], g);
      const gs = rt.f32(g, 120);
      let e = 0;
      for (let i0 = 0; i0 < 5; i0++)
        for (let i1 = 0; i1 < 2; i1++)
          for (let i2 = 0; i2 < 4; i2++)
            for (let i3 = 0; i3 < 3; i3++) {
              assert.equal(gs[e++], X[i0 + i2 * 5 + i3 * 20]);
            }
      rt.gather(xp, [60], [1], g);
      assert.deepEqual(Array.from(rt.f32(g, 60)), Array.from(X));
    });

    test("reductions over the last axis and over columns", () => {
      const r = rng(5);
      for (const L of [1, 3, 8, 33, 1000]) {
        const R = 5,
          stride = L + 3;
        const X = randoms(R * stride, r, -10, 10);
        if (L > 3) {
          X[2 * stride + 1] = X[2 * stride + L - 1] = 50;
          X[3 * stride + 2] = NaN;
        }
        const x = put(rt, X),
          y = rt.allocator.alloc(R * 4);
        for (const op of ["sum", "max", "min", "argmax", "argmin"] as const) {
          rt.reduceRows(op, x, stride, R, L, y);
          const out = op.startsWith("arg") ? rt.i32(y, R) : rt.f32(y, R);
          for (let i = 0; i < R; i++) {
            const row = Array.from(X.subarray(i * stride, i * stride + L));
            const nan = row.findIndex(Number.isNaN);
            if (op === "sum") {
              const s = row.reduce((p, v) => p + v, 0);
              const mag = row.reduce((p, v) => p + Math.abs(v), 0);
              assert.ok(
                sameFloat(out[i]!, Math.fround(s)) || Math.abs(out[i]! - s) <= U * Math.abs(s) + L * 2 ** -52 * mag,
                `sum row ${i} L ${L}`,
              );
            } else if (op === "max" || op === "min") {
              const want = nan >= 0 ? NaN : op === "max" ? Math.max(...row) : Math.min(...row);
              assert.ok(sameFloat(out[i]!, want), `${op} row ${i} L ${L}: ${out[i]} vs ${want}`);
            } else {
              const ext = op === "argmax" ? Math.max(...row) : Math.min(...row);
              const want = nan >= 0 ? nan : row.indexOf(ext);
              assert.equal(out[i], want, `${op} row ${i} L ${L}`);
            }
          }
        }
      }
      const R = 37,
        C = 23,
        stride = C + 2;
      const X = randoms(R * stride, r);
      X[4 * stride + 6] = NaN;
      const x = put(rt, X),
        y = rt.allocator.alloc(C * 4);
      for (const op of ["sum", "max", "min"] as const) {
        rt.reduceCols(op, x, stride, R, C, y);
        const out = rt.f32(y, C);
        for (let j = 0; j < C; j++) {
          const col = Array.from({ length: R }, (_, i) => X[i * stride + j]!);
          if (op === "sum") {
            const s = col.reduce((p, v) => p + v, 0);
            assert.ok(sameFloat(out[j]!, Math.fround(s)) || Math.abs(out[j]! - s) <= U * Math.abs(s) + 1e-12, `col sum ${j}`);
          } else {
            const want = col.some(Number.isNaN) ? NaN : op === "max" ? Math.max(...col) : Math.min(...col);
            assert.ok(sameFloat(out[j]!, want), `col ${op} ${j}`);
          }
        }
      }
    });

    test("softmax and log-softmax rows against float64", (t) => {
      const r = rng(6);
      let worst = 0;
      for (const L of [1, 5, 100, 1003]) {
        const R = 6,
          stride = L + 1;
        const X = randoms(R * stride, r, -15, 15);
        for (let i = 0; i < R * stride; i++) X[i] = X[i]! + (i % 3) * 40; // large offsets: the max shift matters
        const x = put(rt, X),
          y = rt.allocator.alloc(R * L * 4);
        for (const log of [false, true]) {
          rt.softmaxRows(x, stride, R, L, y, { log });
          const ys = rt.f32(y, R * L);
          for (let i = 0; i < R; i++) {
            const row = Array.from(X.subarray(i * stride, i * stride + L));
            const m = Math.max(...row);
            const s = row.reduce((p, v) => p + Math.exp(v - m), 0);
            for (let j = 0; j < L; j++) {
              const d = row[j]! - m;
              if (log) {
                const want = d - Math.log(s);
                // float32 rounding of (x - m), of ln(sum) and of the difference.
                assert.ok(Math.abs(ys[i * L + j]! - want) <= 3 * U * (Math.abs(d) + Math.log(s) + 1), `logsoftmax L ${L}`);
              } else {
                const want = Math.exp(d) / s;
                // exp's own error plus the rounding of x - m, which exp turns into a relative |x - m| * u.
                const tol = (4e-7 + Math.abs(d) * U) * want + 2 ** -148;
                const err = Math.abs(ys[i * L + j]! - want);
                assert.ok(err <= tol, `softmax L ${L} [${i},${j}]: ${ys[i * L + j]} vs ${want}`);
                if (want > 1e-30) worst = Math.max(worst, err / want);
              }
            }
          }
        }
      }
      t.diagnostic(`softmax max relative error ${worst.toExponential(2)}`);
    });

    test("im2col and col2im match direct loops (stride, padding, dilation; both column layouts)", () => {
      const cases: Omit<ConvArgs, "OH" | "OW">[] = [
        { N: 2, C: 3, H: 7, W: 9, KH: 3, KW: 2, sh: 2, sw: 1, ph: 1, pw: 0, dh: 1, dw: 2 },
        { N: 1, C: 2, H: 5, W: 5, KH: 3, KW: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 },
        { N: 1, C: 1, H: 4, W: 11, KH: 2, KW: 3, sh: 1, sw: 3, ph: 2, pw: 2, dh: 2, dw: 1 },
        { N: 3, C: 2, H: 6, W: 6, KH: 1, KW: 1, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1 },
      ];
      const r = rng(7);
      for (const c of cases)
        for (const batchColumns of [false, true]) {
          const g: ConvArgs = { ...c, OH: convOutSize(c.H, c.KH, c.sh, c.ph, c.dh), OW: convOutSize(c.W, c.KW, c.sw, c.pw, c.dw) };
          const L = g.OH * g.OW,
            rows = g.C * g.KH * g.KW;
          // Small integers: every col2im sum is exact, so both directions compare exactly.
          const X = Float32Array.from({ length: g.N * g.C * g.H * g.W }, () => Math.floor(r() * 19) - 9);
          const cols = Float32Array.from({ length: g.N * rows * L }, () => Math.floor(r() * 19) - 9);
          const want = new Float32Array(g.N * rows * L),
            back = new Float32Array(X.length);
          const inside = new Uint8Array(want.length);
          for (let n = 0; n < g.N; n++)
            for (let ch = 0; ch < g.C; ch++)
              for (let ki = 0; ki < g.KH; ki++)
                for (let kj = 0; kj < g.KW; kj++) {
                  const row = (ch * g.KH + ki) * g.KW + kj;
                  for (let oh = 0; oh < g.OH; oh++)
                    for (let ow = 0; ow < g.OW; ow++) {
                      const ih = oh * g.sh - g.ph + ki * g.dh,
                        iw = ow * g.sw - g.pw + kj * g.dw;
                      // [N, rows, L] (torch's unfold), or [rows, N*L] with the images side by side.
                      const ci = (batchColumns ? row * g.N + n : n * rows + row) * L + oh * g.OW + ow;
                      if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                      const xi = ((n * g.C + ch) * g.H + ih) * g.W + iw;
                      want[ci] = X[xi]!;
                      inside[ci] = 1;
                      back[xi] = back[xi]! + cols[ci]!;
                    }
                }
          const xp = put(rt, X),
            colp = rt.allocator.alloc(want.length * 4);
          for (const pad of [0, -Infinity]) {
            rt.f32(colp, want.length).fill(NaN); // every entry must be written, padding included
            rt.im2col(xp, colp, g, pad, batchColumns);
            const padded = Array.from(want, (v, i) => (inside[i] ? v : pad));
            assert.deepEqual(Array.from(rt.f32(colp, want.length)), padded, `im2col pad ${pad} ${batchColumns} ${JSON.stringify(c)}`);
          }
          const cp = put(rt, cols),
            xb = rt.allocator.alloc(X.length * 4);
          rt.f32(xb, X.length).fill(NaN);
          rt.col2im(cp, xb, g, batchColumns);
          assert.deepEqual(Array.from(rt.f32(xb, X.length)), Array.from(back), `col2im ${batchColumns} ${JSON.stringify(c)}`);
        }
    });
  });
}
