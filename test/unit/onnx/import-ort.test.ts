// Import ops checked against ONNX Runtime: hand-built graphs (Einsum with an ellipsis, Resize in cubic
// mode) run by onnxruntime-web and by loadOnnx on the same inputs, compared to 1e-5 relative.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { io, Tensor, UnsupportedOpError, FormatError } from "tensorgrad";
import { AttrType, DataType, encodeModel, type OnnxAttribute, type OnnxNode } from "../../../src/io/onnx/index.js";
import { assertClose } from "../../helpers/assert.js";
import { runOrt } from "./ort.js";
import { webgpuSkipReason } from "../../helpers/webgpu.js";

const gpuSkip = await webgpuSkipReason("loadOnnx on WebGPU");

const str = (name: string, v: string): OnnxAttribute => ({ name, type: AttrType.STRING, s: v });
const int = (name: string, v: number): OnnxAttribute => ({ name, type: AttrType.INT, i: v });
const float = (name: string, v: number): OnnxAttribute => ({ name, type: AttrType.FLOAT, f: v });

/** A one-node float32 graph over `inputs`, with `consts` as initializers (int64 or float32 lists). */
function oneNode(
  op: string,
  inputs: string[],
  attrs: OnnxAttribute[],
  consts: Record<string, { ints?: number[]; floats?: number[] }> = {},
): Uint8Array {
  const node: OnnxNode = { opType: op, domain: "", name: op, inputs, outputs: ["y"], attributes: new Map(attrs.map((a) => [a.name, a])) };
  const initializers = Object.entries(consts).map(([name, c]) =>
    c.ints
      ? { name, dataType: DataType.INT64, dims: [c.ints.length], data: Float64Array.from(c.ints) }
      : { name, dataType: DataType.FLOAT, dims: [c.floats!.length], data: Float32Array.from(c.floats!) },
  );
  const graphInputs = inputs.filter((n) => n !== "" && !(n in consts));
  return encodeModel({
    irVersion: 8,
    producerName: "test",
    producerVersion: "",
    opsetImports: [{ domain: "", version: 17 }],
    graph: {
      name: "g",
      nodes: [node],
      initializers,
      inputs: graphInputs.map((name) => ({ name, elemType: DataType.FLOAT, shape: null })),
      outputs: [{ name: "y", elemType: DataType.FLOAT, shape: null }],
    },
  });
}

/** Runs `bytes` in ONNX Runtime and through loadOnnx; the outputs must agree in shape and value. */
async function sameAsOrt(bytes: Uint8Array, xs: Tensor[], what: string): Promise<Tensor> {
  const [want] = await runOrt(bytes, xs);
  const m = await io.loadOnnx(bytes);
  const got = m.forward(...xs) as Tensor;
  assert.deepEqual([...got.shape], want.dims, `${what}: shape`);
  assertClose(got.toFloat32Array(), want.data, { rtol: 1e-5, atol: 1e-5, what });
  return got;
}

describe("loadOnnx Einsum with an ellipsis, against ONNX Runtime", () => {
  tg.manualSeed(31);
  const cases: [string, number[][]][] = [
    [
      "...ij,...jk->...ik",
      [
        [2, 3, 4, 5],
        [2, 3, 5, 6],
      ],
    ],
    [
      "...ij,...jk->...ik",
      [
        [2, 1, 3, 4],
        [2, 5, 4, 6],
      ],
    ],
    [
      "...ij,...jk",
      [
        [2, 3, 4],
        [2, 4, 5],
      ],
    ],
    ["...i->...", [[2, 3, 4]]],
    [
      "b...d,b...d->b...",
      [
        [2, 3, 4, 5],
        [2, 3, 4, 5],
      ],
    ],
    [
      "...,...->...",
      [
        [3, 1],
        [3, 4],
      ],
    ],
    [
      "...i,...i,...i->...",
      [
        [2, 4],
        [2, 4],
        [1, 4],
      ],
    ],
    ["ij...->ji...", [[2, 3, 4, 5]]],
    ["...ij->...", [[3, 4]]],
  ];
  for (const [equation, shapes] of cases) {
    it(`"${equation}" on ${shapes.map((s) => `[${s}]`).join(", ")}`, async () => {
      const names = shapes.map((_, i) => `x${i}`);
      await sameAsOrt(
        oneNode("Einsum", names, [str("equation", equation)]),
        shapes.map((s) => tg.randn(s)),
        equation,
      );
    });
  }

  // ONNX Runtime wants as many ellipsis dims in every operand; numpy and the ONNX spec broadcast them
  // right-aligned, as tensorgrad's matmul does.
  it("ellipses of different ranks broadcast right-aligned, as matmul", async () => {
    const m = await io.loadOnnx(oneNode("Einsum", ["a", "b"], [str("equation", "...ij,...jk->...ik")]));
    const a = tg.randn([2, 3, 4, 5]),
      b = tg.randn([3, 5, 6]);
    const got = m.forward(a, b) as Tensor;
    assert.deepEqual([...got.shape], [2, 3, 4, 6]);
    assertClose(got.toFloat32Array(), a.matmul(b).toFloat32Array(), { rtol: 1e-5, atol: 1e-5 });
  });

  it("an operand shorter than its letters, or two ellipses in one term, is a FormatError; a diagonal is unsupported", async () => {
    const run = async (eq: string, shapes: number[][]) =>
      (
        await io.loadOnnx(
          oneNode(
            "Einsum",
            shapes.map((_, i) => `x${i}`),
            [str("equation", eq)],
          ),
        )
      ).forward(...shapes.map((s) => tg.randn(s)));
    await assert.rejects(
      run("...ijk->...", [[2, 3]]),
      (e: unknown) => e instanceof FormatError && /rank 2, fewer than the letters of "...ijk"/.test((e as Error).message),
    );
    await assert.rejects(
      run("...i...->i", [[2, 3]]),
      (e: unknown) => e instanceof FormatError && /more than one ellipsis/.test((e as Error).message),
    );
    await assert.rejects(
      run("...ii->...i", [[2, 3, 3]]),
      (e: unknown) => e instanceof UnsupportedOpError && e.op === "Einsum" && /diagonal/.test((e as Error).message),
    );
  });
});

describe("loadOnnx Resize in cubic mode, against ONNX Runtime", () => {
  tg.manualSeed(32);
  const x = tg.randn([1, 2, 5, 4]);
  const cases: [string, OnnxAttribute[], { scales?: number[]; sizes?: number[] }][] = [
    ["half_pixel ×2 (scales)", [], { scales: [1, 1, 2, 2] }],
    [
      "pytorch_half_pixel to [8, 7] (torch's bicubic)",
      [str("coordinate_transformation_mode", "pytorch_half_pixel")],
      { sizes: [1, 2, 8, 7] },
    ],
    ["align_corners to [9, 6]", [str("coordinate_transformation_mode", "align_corners")], { sizes: [1, 2, 9, 6] }],
    ["asymmetric ×1.5", [str("coordinate_transformation_mode", "asymmetric")], { scales: [1, 1, 1.5, 1.5] }],
    ["downscale to [3, 2]", [], { sizes: [1, 2, 3, 2] }],
    ["exclude_outside, cubic_coeff_a -0.5", [int("exclude_outside", 1), float("cubic_coeff_a", -0.5)], { scales: [1, 1, 2, 3] }],
    ["pytorch_half_pixel to a size of 1", [str("coordinate_transformation_mode", "pytorch_half_pixel")], { sizes: [1, 2, 1, 3] }],
  ];
  for (const [name, attrs, { scales, sizes }] of cases) {
    it(name, async () => {
      const inputs = scales ? ["x", "", "scales"] : ["x", "", "", "sizes"];
      const bytes = oneNode(
        "Resize",
        inputs,
        [str("mode", "cubic"), ...attrs],
        scales ? { scales: { floats: scales } } : { sizes: { ints: sizes! } },
      );
      await sameAsOrt(bytes, [x], name);
    });
  }

  it("gradients flow through cubic Resize (float64, finite differences)", async () => {
    const bytes = oneNode("Resize", ["x", "", "scales"], [str("mode", "cubic")], { scales: { floats: [1, 1, 2, 1.5] } });
    const m = await io.loadOnnx(bytes);
    assert.equal(
      tg.gradcheck((xx) => (m.forward(xx) as Tensor).sin().sum(), [tg.randn([1, 1, 3, 4], { dtype: "float64" })]),
      true,
    );
  });
});

describe("loadOnnx: initializers a node reads as numbers", () => {
  tg.manualSeed(33);
  const cases: [string, Uint8Array, Tensor, string[]][] = [
    [
      "Resize scales",
      oneNode("Resize", ["x", "", "scales"], [str("mode", "linear")], { scales: { floats: [1, 1, 2, 1.5] } }),
      tg.randn([1, 2, 3, 4]),
      ["scales"],
    ],
    [
      "Clip bounds",
      oneNode("Clip", ["x", "lo", "hi"], [], { lo: { floats: [-0.5] }, hi: { floats: [0.75] } }),
      tg.randn([3, 4]),
      ["hi", "lo"],
    ],
    [
      "Pad fill",
      oneNode("Pad", ["x", "pads", "fill"], [], { pads: { ints: [0, 1, 1, 2] }, fill: { floats: [1.5] } }),
      tg.randn([2, 3]),
      ["fill"],
    ],
  ];
  for (const [name, bytes, x, buffers] of cases) {
    it(`${name}: buffers rather than trainable weights, matching ONNX Runtime`, async () => {
      await sameAsOrt(bytes, [x], name);
      const m = await io.loadOnnx(bytes);
      assert.deepEqual(m.namedParameters(), []);
      assert.deepEqual(
        m
          .namedBuffers()
          .map(([k]) => k)
          .sort(),
        buffers,
      );
    });
  }

  it("on WebGPU too, with no read back from the device", { skip: gpuSkip ?? false }, async () => {
    const initial = tg.getBackend().name;
    const expected = await Promise.all(cases.map(async ([, bytes, x]) => (await runOrt(bytes, [x]))[0]));
    await tg.setBackend("webgpu");
    try {
      for (const [k, [name, bytes, x]] of cases.entries()) {
        const m = await io.loadOnnx(bytes);
        const y = m.forward(x.toBackend("webgpu")) as Tensor;
        assert.deepEqual([...y.shape], expected[k].dims, `${name}: shape`);
        assertClose(Float32Array.from(await y.data()), expected[k].data, { rtol: 1e-5, atol: 1e-5, what: name });
      }
    } finally {
      await tg.setBackend(initial);
    }
  });
});
