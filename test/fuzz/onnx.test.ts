// Fuzzing ONNX graphs whose nodes ask for outputs of hostile sizes: Pad with huge, negative and
// mixed pads (on any axes, any fill), Resize with huge sizes, ConvTranspose with huge strides. Each
// run gives exactly the shape an independent computation predicts, or a FormatError when that shape
// is over the element limit or negative — decided before the work, so none of them allocates or
// loops over the huge output. Seeded and bounded; TG_FUZZ_SEED / TG_FUZZ_RUNS / TG_FUZZ_MS as in
// formats.test.ts.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as tg from "tensorgrad";
import { io, FormatError, Tensor, TensorgradError } from "tensorgrad";
import { AttrType, DataType, encodeModel, type OnnxAttribute, type OnnxNode, type OnnxTensor } from "../../src/io/onnx/index.js";

const SEED = Number(process.env.TG_FUZZ_SEED ?? 0);
const RUNS = { numRuns: Number(process.env.TG_FUZZ_RUNS ?? 200), interruptAfterTimeLimit: Number(process.env.TG_FUZZ_MS ?? 3000) };
/** The loader's default element limit (1 GiB of float32). */
const LIMIT = 2 ** 28;

/** fc.assert, with the failing run's own message in the error (the test runner hides `cause`). */
function check<T extends unknown[]>(prop: fc.IProperty<T>, params: fc.Parameters<T>): void {
  try {
    fc.assert(prop, params);
  } catch (e) {
    const cause = (e as { cause?: Error }).cause;
    throw new Error(`${(e as Error).message}\n${cause ? `cause: ${cause.message}` : ""}`);
  }
}

function oneNode(n: OnnxNode, initializers: OnnxTensor[]): Uint8Array {
  return encodeModel({
    irVersion: 8,
    producerName: "fuzz",
    producerVersion: "",
    opsetImports: [{ domain: "", version: 17 }],
    graph: {
      name: "g",
      nodes: [n],
      initializers,
      inputs: [{ name: "x", elemType: DataType.FLOAT, shape: null }],
      outputs: [{ name: "y", elemType: DataType.FLOAT, shape: null }],
    },
  });
}
const ints = (name: string, v: number[]): OnnxTensor => ({ name, dataType: DataType.INT64, dims: [v.length], data: Float64Array.from(v) });
const node = (opType: string, inputs: string[], attrs: OnnxAttribute[] = []): OnnxNode => ({
  opType,
  domain: "",
  name: opType,
  inputs,
  outputs: ["y"],
  attributes: new Map(attrs.map((a) => [a.name, a])),
});

/** Runs the one-node graph on `x`: the output shape, or "too big" for a FormatError; anything else fails. */
function outcome(bytes: Uint8Array, x: Tensor): number[] | "too big" {
  try {
    return [...(io.loadOnnxSync(bytes).forward(x) as Tensor).shape];
  } catch (e) {
    if (e instanceof FormatError && /would hold|give the shape|output would have/.test(e.message)) return "too big";
    if (e instanceof TensorgradError) throw new Error(`unexpected ${e.constructor.name}: ${e.message}`);
    throw new Error(`untyped ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  }
}

const expectShape = (shape: number[]): number[] | "too big" =>
  shape.some((d) => d < 0) || shape.reduce((a, b) => a * b, 1) > LIMIT ? "too big" : shape;

/** Pads mostly small (some negative, cropping), some huge enough to pass the limit alone or together. */
const pad = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -2, max: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2 ** 14, max: 2 ** 16 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2 ** 28, max: 2 ** 52 }) },
);

describe("fuzz: ONNX nodes asking for hostile output sizes", { timeout: 120_000 }, () => {
  it("Pad: the predicted shape, or a FormatError decided before any padding", () => {
    check(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
        fc.array(pad, { minLength: 8, maxLength: 8 }),
        fc.constantFrom(0, 1.5),
        fc.boolean(),
        (shape, allPads, fill, someAxes) => {
          const axes = someAxes ? shape.map((_, i) => i).filter((i) => i % 2 === 0) : shape.map((_, i) => i);
          const pads = [...allPads.slice(0, axes.length), ...allPads.slice(4, 4 + axes.length)];
          const inputs = ["x", "pads", "value", ...(someAxes ? ["axes"] : [])];
          const inits = [
            ints("pads", pads),
            { name: "value", dataType: DataType.FLOAT, dims: [], data: Float32Array.of(fill) },
            ...(someAxes ? [ints("axes", axes)] : []),
          ];
          const want = [...shape];
          axes.forEach((a, i) => (want[a] += pads[i] + pads[axes.length + i]));
          // A crop larger than the dim is refused too (a negative size).
          const got = outcome(oneNode(node("Pad", inputs), inits), tg.ones(shape));
          assert.deepEqual(got, expectShape(want));
        },
      ),
      { seed: SEED + 21, ...RUNS },
    );
  });

  it("a Pad over several axes is refused on its whole output shape, before the first axis is padded", () => {
    // Each axis alone stays under the limit; the old per-axis check allocated two of them first.
    const bytes = oneNode(node("Pad", ["x", "pads"]), [ints("pads", [0, 0, 0, 4000, 4000, 4000])]);
    assert.throws(
      () => io.loadOnnxSync(bytes).forward(tg.ones([1, 10, 1])),
      (e: unknown) =>
        e instanceof FormatError && /the padded tensor \[4001, 4010, 4001\] would hold 64192084010 elements/.test((e as Error).message),
    );
  });

  it("the padded values: the input inside, the fill around it, negative pads cropping", () => {
    const bytes = oneNode(node("Pad", ["x", "pads", "value"]), [
      ints("pads", [1, -1, 0, 2]),
      { name: "value", dataType: DataType.FLOAT, dims: [], data: Float32Array.of(9) },
    ]);
    assert.deepEqual(
      (
        io.loadOnnxSync(bytes).forward(
          tg.tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        ) as Tensor
      ).toArray(),
      [
        [9, 9, 9, 9],
        [2, 3, 9, 9],
        [5, 6, 9, 9],
      ],
    );
  });

  it("Resize and ConvTranspose: huge sizes and strides are FormatErrors before any work", () => {
    // Sizes small enough to run quickly, or so large that one alone passes the limit.
    const size = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 2 ** 29, max: 2 ** 40 }));
    check(
      fc.property(size, size, (h, w) => {
        const str = (name: string, s: string): OnnxAttribute => ({ name, type: AttrType.STRING, s });
        const got = outcome(
          oneNode(node("Resize", ["x", "", "", "sizes"], [str("mode", "linear")]), [ints("sizes", [1, 1, h, w])]),
          tg.ones([1, 1, 2, 2]),
        );
        const want = expectShape([1, 1, h, w]);
        if (want === "too big") assert.equal(got, "too big");
        else assert.deepEqual(got, want);
      }),
      { seed: SEED + 22, ...RUNS, numRuns: Math.min(RUNS.numRuns, 40) },
    );
    check(
      fc.property(fc.integer({ min: 2 ** 14, max: 2 ** 40 }), (stride) => {
        const weight: OnnxTensor = { name: "w", dataType: DataType.FLOAT, dims: [1, 1, 2, 2], data: new Float32Array(4).fill(1) };
        const strides: OnnxAttribute = { name: "strides", type: AttrType.INTS, ints: [stride, stride] };
        assert.equal(outcome(oneNode(node("ConvTranspose", ["x", "w"], [strides]), [weight]), tg.ones([1, 1, 3, 3])), "too big");
      }),
      { seed: SEED + 23, ...RUNS, numRuns: Math.min(RUNS.numRuns, 40) },
    );
  });
});
