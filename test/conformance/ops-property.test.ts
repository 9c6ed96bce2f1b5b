// Property-based tests (fast-check) of the core ops on every backend: random shapes, dtypes and
// operands that are transposed, stepped slices or broadcast (stride-0) views, against a plain-loop
// oracle fed from the reference backend. Seeded, and bounded in runs and in time.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { assertClose } from "../helpers/assert.js";
import { rng } from "../helpers/wasm.js";

type DType = "float32" | "float64" | "int32";
type Flat = { shape: number[]; data: number[] };

/** How an operand of a given logical shape is laid out in memory. */
type Layout =
  | { kind: "contiguous" }
  | { kind: "permuted"; perm: number[] }
  | { kind: "stepped"; dim: number; step: number; start: number }
  | { kind: "expanded"; ones: boolean[] };
interface Operand {
  shape: number[];
  layout: Layout;
  seed: number;
}

const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Builds an operand on the current backend: a base tensor of seeded values, then the view. */
function build(op: Operand, dtype: DType): Tensor {
  const { shape, layout } = op;
  const rand = rng(op.seed);
  const values = (n: number): Float64Array =>
    Float64Array.from({ length: n }, () => (dtype === "int32" ? Math.floor(rand() * 21) - 10 : rand() * 6 - 3));
  const base = (s: number[]): Tensor => tg.tensor(values(size(s)), { shape: s, dtype });
  switch (layout.kind) {
    case "contiguous":
      return base(shape);
    case "permuted": {
      // base shape B[i] = S[perm[i]]; permuting by the inverse gives back S, with permuted strides.
      const inv = layout.perm.map((_, j) => layout.perm.indexOf(j));
      return base(layout.perm.map((p) => shape[p])).permute(inv);
    }
    case "stepped": {
      const s = [...shape];
      s[layout.dim] = shape[layout.dim] * layout.step + layout.start;
      return base(s).slice(layout.dim, layout.start, layout.start + shape[layout.dim] * layout.step, layout.step);
    }
    case "expanded":
      return base(shape.map((d, i) => (layout.ones[i] ? 1 : d))).expand(shape);
  }
}

function layoutFor(rank: number): fc.Arbitrary<Layout> {
  const options: fc.Arbitrary<Layout>[] = [fc.constant({ kind: "contiguous" as const })];
  if (rank >= 2)
    options.push(
      fc
        .shuffledSubarray([...Array(rank).keys()], { minLength: rank, maxLength: rank })
        .map((perm) => ({ kind: "permuted" as const, perm })),
    );
  if (rank >= 1) {
    options.push(
      fc
        .record({ dim: fc.integer({ min: 0, max: rank - 1 }), step: fc.integer({ min: 2, max: 3 }), start: fc.integer({ min: 0, max: 2 }) })
        .map((r) => ({ kind: "stepped" as const, ...r })),
    );
    options.push(fc.array(fc.boolean(), { minLength: rank, maxLength: rank }).map((ones) => ({ kind: "expanded" as const, ones })));
  }
  return fc.oneof(...options);
}

const operand = (shape: number[]): fc.Arbitrary<Operand> =>
  fc.record({ layout: layoutFor(shape.length), seed: fc.integer() }).map((r) => ({ shape, ...r }));
const shapeArb = (minRank = 0, maxRank = 4): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: 5 }), { minLength: minRank, maxLength: maxRank });
const dtypeArb = fc.constantFrom<DType>("float32", "float64", "int32");
const floatArb = fc.constantFrom<DType>("float32", "float64");

/** Two shapes that broadcast to a common one: each drops leading dims and sets some to 1. */
const broadcastPair = shapeArb(0, 4).chain((out) =>
  fc
    .tuple(
      ...[0, 1].map(() =>
        fc.record({
          drop: fc.integer({ min: 0, max: out.length }),
          ones: fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
        }),
      ),
    )
    .map((sides) => sides.map(({ drop, ones }) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)))),
);

/** The values of a tensor read through the reference backend's toArray (row-major, plain numbers). */
function flat(t: Tensor): Flat {
  const out: number[] = [];
  const walk = (v: unknown): void => (Array.isArray(v) ? v.forEach(walk) : void out.push(Number(v)));
  walk(t.toArray());
  return { shape: [...t.shape], data: out };
}

function unravel(i: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}
function ravel(idx: number[], shape: number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
  return i;
}
/** The element of `a` that broadcasting reads for output index `idx`. */
function at(a: Flat, idx: number[]): number {
  const lead = idx.length - a.shape.length;
  return a.data[
    ravel(
      a.shape.map((d, k) => (d === 1 ? 0 : idx[k + lead])),
      a.shape,
    )
  ];
}

function broadcastOracle(a: Flat, b: Flat, f: (x: number, y: number) => number): Flat {
  const r = Math.max(a.shape.length, b.shape.length);
  const pad = (s: number[]) => [...Array(r - s.length).fill(1), ...s];
  const shape = pad(a.shape).map((d, i) => Math.max(d, pad(b.shape)[i]));
  return { shape, data: Array.from({ length: size(shape) }, (_, i) => f(at(a, unravel(i, shape)), at(b, unravel(i, shape)))) };
}

function reduceOracle(a: Flat, dim: number, keepdim: boolean, f: (xs: number[]) => number): Flat {
  const kept = a.shape.map((d, i) => (i === dim ? 1 : d));
  const data = Array.from({ length: size(kept) }, (_, i) => {
    const idx = unravel(i, kept);
    return f(
      Array.from(
        { length: a.shape[dim] },
        (_, k) =>
          a.data[
            ravel(
              idx.map((v, j) => (j === dim ? k : v)),
              a.shape,
            )
          ],
      ),
    );
  });
  return { shape: keepdim ? kept : a.shape.filter((_, i) => i !== dim), data };
}

/** Float32 results are held to float32 rounding of a float64 oracle; float64 to float64; int32 exactly. */
function check(what: string, got: Tensor, want: Flat, dtype: DType, scale = 1): void {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  assert.equal(got.dtype, dtype, `${what}: dtype`);
  const tol =
    dtype === "int32"
      ? { rtol: 0, atol: 0 }
      : dtype === "float64"
        ? { rtol: 1e-12, atol: 1e-12 * scale }
        : { rtol: 2e-6, atol: 2e-6 * scale };
  assertClose(flat(got).data, dtype === "float32" ? want.data.map(Math.fround) : want.data, { ...tol, what });
}

/** Runs `body` once per backend with that backend selected; inputs are read back on the reference one. */
function onEveryBackend(body: (backend: string) => void): void {
  for (const backend of tg.listBackends()) {
    tg.setBackend(backend);
    try {
      body(backend);
    } finally {
      tg.setBackend("js");
    }
  }
}

// Seeded for repeatable CI runs; each property stops after numRuns or the time limit, whichever first.
const params = (seed: number): fc.Parameters<unknown> => ({ seed, numRuns: 60, interruptAfterTimeLimit: 2500 });

const BINARY: Record<string, { f: (x: number, y: number) => number; floatOnly?: boolean }> = {
  add: { f: (x, y) => x + y },
  sub: { f: (x, y) => x - y },
  mul: { f: (x, y) => x * y },
  div: { f: (x, y) => x / y, floatOnly: true },
  maximum: { f: Math.max },
  minimum: { f: Math.min },
};
const UNARY: Record<string, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  relu: (x) => Math.max(0, x),
  exp: Math.exp,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

describe("ops on random shapes, strides and broadcasts, every backend", () => {
  it("binary element-wise ops broadcast like the oracle", () => {
    const arb = broadcastPair.chain(([sa, sb]) =>
      fc.record({ a: operand(sa), b: operand(sb), dtype: dtypeArb, op: fc.constantFrom(...Object.keys(BINARY)) }),
    );
    fc.assert(
      fc.property(arb, ({ a, b, dtype, op }) => {
        const dt = BINARY[op].floatOnly && dtype === "int32" ? "float32" : dtype;
        // Divisors kept away from zero: the oracle and float32 disagree near a pole.
        const safe = (t: Tensor): Tensor => (op === "div" ? t.abs().add(0.5) : t);
        const want = broadcastOracle(flat(build(a, dt)), flat(safe(build(b, dt))), BINARY[op].f);
        onEveryBackend((backend) => {
          const got = (tg as unknown as Record<string, (x: Tensor, y: Tensor) => Tensor>)[op](build(a, dt), safe(build(b, dt)));
          check(`${backend} ${op} ${dt} [${a.shape}] [${b.shape}]`, got, want, dt, 10);
        });
      }),
      params(20261207),
    );
  });

  it("unary element-wise ops on every layout", () => {
    const arb = shapeArb().chain((s) => fc.record({ a: operand(s), dtype: floatArb, op: fc.constantFrom(...Object.keys(UNARY)) }));
    fc.assert(
      fc.property(arb, ({ a, dtype, op }) => {
        const x = flat(build(a, dtype));
        const want = { shape: x.shape, data: x.data.map(UNARY[op]) };
        onEveryBackend((backend) => {
          const t = build(a, dtype) as unknown as Record<string, () => Tensor>;
          check(`${backend} ${op} ${dtype} [${a.shape}] ${a.layout.kind}`, t[op](), want, dtype, 20);
        });
      }),
      params(7),
    );
  });

  it("sum, mean and max over a dimension, with and without keepdim", () => {
    const arb = shapeArb(1).chain((s) =>
      fc.record({
        a: operand(s),
        dtype: dtypeArb,
        dim: fc.integer({ min: -s.length, max: s.length - 1 }),
        keepdim: fc.boolean(),
        op: fc.constantFrom("sum", "mean", "max"),
      }),
    );
    fc.assert(
      fc.property(arb, ({ a, dtype, dim, keepdim, op }) => {
        const dt = op === "mean" && dtype === "int32" ? "float32" : dtype;
        const d = dim < 0 ? dim + a.shape.length : dim;
        const f =
          op === "sum"
            ? (xs: number[]) => xs.reduce((p, q) => p + q, 0)
            : op === "mean"
              ? (xs: number[]) => xs.reduce((p, q) => p + q, 0) / xs.length
              : (xs: number[]) => Math.max(...xs);
        const want = reduceOracle(flat(build(a, dt)), d, keepdim, f);
        onEveryBackend((backend) => {
          const t = build(a, dt);
          const got = op === "sum" ? t.sum(dim, keepdim) : op === "mean" ? t.mean(dim, keepdim) : t.max(dim, keepdim);
          check(`${backend} ${op}(${dim}, ${keepdim}) ${dt} [${a.shape}] ${a.layout.kind}`, got, want, dt, 20);
        });
      }),
      params(11),
    );
  });

  it("softmax over any dimension sums to one and matches the oracle", () => {
    const arb = shapeArb(1).chain((s) => fc.record({ a: operand(s), dtype: floatArb, dim: fc.integer({ min: 0, max: s.length - 1 }) }));
    fc.assert(
      fc.property(arb, ({ a, dtype, dim }) => {
        const x = flat(build(a, dtype));
        const max = reduceOracle(x, dim, true, (xs) => Math.max(...xs));
        const e = broadcastOracle(x, max, (v, m) => Math.exp(v - m));
        const want = broadcastOracle(
          e,
          reduceOracle(e, dim, true, (xs) => xs.reduce((p, q) => p + q, 0)),
          (v, s) => v / s,
        );
        onEveryBackend((backend) =>
          check(`${backend} softmax(${dim}) ${dtype} [${a.shape}] ${a.layout.kind}`, build(a, dtype).softmax(dim), want, dtype),
        );
      }),
      params(13),
    );
  });

  it("matmul of batched, broadcast and strided operands", () => {
    const arb = fc
      .record({
        batch: broadcastPair,
        m: fc.integer({ min: 1, max: 5 }),
        k: fc.integer({ min: 1, max: 6 }),
        n: fc.integer({ min: 1, max: 5 }),
        dtype: floatArb,
      })
      .chain(({ batch: [ba, bb], m, k, n, dtype }) =>
        fc.record({ a: operand([...ba, m, k]), b: operand([...bb, k, n]), dtype: fc.constant(dtype) }),
      );
    fc.assert(
      fc.property(arb, ({ a, b, dtype }) => {
        const A = flat(build(a, dtype)),
          B = flat(build(b, dtype));
        const [m, k] = a.shape.slice(-2),
          n = b.shape.at(-1)!;
        const ba = { shape: a.shape.slice(0, -2), data: [] as number[] },
          bb = { shape: b.shape.slice(0, -2), data: [] as number[] };
        const batch = broadcastOracle(
          { ...ba, data: Array(size(ba.shape)).fill(0) },
          { ...bb, data: Array(size(bb.shape)).fill(0) },
          () => 0,
        ).shape;
        const shape = [...batch, m, n];
        const data = Array.from({ length: size(shape) }, (_, i) => {
          const idx = unravel(i, shape);
          const [r, c] = idx.slice(-2),
            lead = idx.slice(0, -2);
          let s = 0;
          for (let j = 0; j < k; j++) s += at(A, [...lead, r, j]) * at(B, [...lead, j, c]);
          return s;
        });
        onEveryBackend((backend) =>
          check(
            `${backend} matmul ${dtype} [${a.shape}] [${b.shape}] ${a.layout.kind}/${b.layout.kind}`,
            build(a, dtype).matmul(build(b, dtype)),
            { shape, data },
            dtype,
            20,
          ),
        );
      }),
      params(17),
    );
  });
});
