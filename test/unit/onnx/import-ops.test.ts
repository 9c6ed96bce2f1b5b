// Import ops that the PyTorch fixtures do not reach, on hand-built graphs with known answers.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { io, FormatError, Tensor, UnsupportedOpError } from "tensorgrad";
import { AttrType, DataType, encodeModel, type OnnxAttribute, type OnnxNode } from "../../../src/io/onnx/index.js";

function graph(nodes: OnnxNode[], inputs: string[], outputs: string[], opset = 17): Uint8Array {
  return encodeModel({
    irVersion: 8,
    producerName: "test",
    producerVersion: "",
    opsetImports: [{ domain: "", version: opset }],
    graph: {
      name: "g",
      nodes,
      initializers: [],
      inputs: inputs.map((name) => ({ name, elemType: DataType.FLOAT, shape: null })),
      outputs: outputs.map((name) => ({ name, elemType: DataType.FLOAT, shape: null })),
    },
  });
}
const ints = (name: string, v: number[]): OnnxAttribute => ({ name, type: AttrType.INTS, ints: v });
const int = (name: string, v: number): OnnxAttribute => ({ name, type: AttrType.INT, i: v });
const node = (opType: string, inputs: string[], outputs: string[], attrs: OnnxAttribute[] = []): OnnxNode => ({
  opType,
  domain: "",
  name: opType,
  inputs,
  outputs,
  attributes: new Map(attrs.map((a) => [a.name, a])),
});
const constInts = (out: string, v: number[]): OnnxNode =>
  node(
    "Constant",
    [],
    [out],
    [{ name: "value", type: AttrType.TENSOR, t: { name: "", dataType: DataType.INT64, dims: [v.length], data: Float64Array.from(v) } }],
  );

describe("loadOnnx ops on hand-built graphs", () => {
  const x = tg.arange(12).reshape([2, 6]);

  it("Split: sizes as an input (opset 13+) and equal parts", async () => {
    const bySizes = await io.loadOnnx(
      graph([constInts("s", [1, 2, 3]), node("Split", ["x", "s"], ["a", "b", "c"], [int("axis", 1)])], ["x"], ["a", "b", "c"]),
    );
    const [a, b, c] = bySizes.forward(x) as Tensor[];
    assert.deepEqual(
      [a.toArray(), b.toArray(), c.toArray()],
      [
        [[0], [6]],
        [
          [1, 2],
          [7, 8],
        ],
        [
          [3, 4, 5],
          [9, 10, 11],
        ],
      ],
    );
    const equal = await io.loadOnnx(graph([node("Split", ["x"], ["a", "b"], [int("axis", -1)])], ["x"], ["a", "b"]));
    assert.deepEqual(
      (equal.forward(x) as Tensor[]).map((t) => t.toArray()),
      [
        [
          [0, 1, 2],
          [6, 7, 8],
        ],
        [
          [3, 4, 5],
          [9, 10, 11],
        ],
      ],
    );
  });

  it("Tile, and shape arithmetic on the host (Shape, Gather, Mul, Concat into Reshape)", async () => {
    const m = await io.loadOnnx(
      graph(
        [
          constInts("reps", [2, 1]),
          node("Tile", ["x", "reps"], ["t"]),
          node("Shape", ["t"], ["shape"]),
          constInts("idx", [0]),
          node("Gather", ["shape", "idx"], ["rows"]),
          constInts("two", [2]),
          node("Mul", ["rows", "two"], ["r2"]),
          constInts("minus1", [-1]),
          node("Concat", ["r2", "minus1"], ["target"], [int("axis", 0)]),
          node("Reshape", ["t", "target"], ["y"]),
        ],
        ["x"],
        ["y"],
      ),
    );
    const y = m.forward(x) as Tensor;
    assert.deepEqual([...y.shape], [8, 3]);
    assert.deepEqual(y.toArray().slice(3, 5), [
      [9, 10, 11],
      [0, 1, 2],
    ]);
  });

  it("Gemm with alpha, beta and transA", async () => {
    const m = await io.loadOnnx(
      graph(
        [
          node(
            "Gemm",
            ["a", "b", "c"],
            ["y"],
            [int("transA", 1), { name: "alpha", type: AttrType.FLOAT, f: 2 }, { name: "beta", type: AttrType.FLOAT, f: 0.5 }],
          ),
        ],
        ["a", "b", "c"],
        ["y"],
      ),
    );
    const a = tg.tensor([
        [1, 2],
        [3, 4],
      ]),
      b = tg.tensor([
        [1, 0],
        [0, 1],
      ]),
      c = tg.tensor([10, 20]);
    assert.deepEqual((m.forward(a, b, c) as Tensor).toArray(), [
      [7, 16],
      [9, 18],
    ]);
  });

  it("Einsum: implicit output, a broadcast letter, an ellipsis; Resize: sizes from an input; what they refuse names the node", async () => {
    const str = (name: string, v: string): OnnxAttribute => ({ name, type: AttrType.STRING, s: v });
    const ein = await io.loadOnnx(graph([node("Einsum", ["a", "b"], ["y"], [str("equation", "ij,jk")])], ["a", "b"], ["y"]));
    assert.deepEqual(
      (
        ein.forward(
          tg.tensor([
            [1, 2],
            [3, 4],
          ]),
          tg.tensor([
            [1, 0],
            [1, 1],
          ]),
        ) as Tensor
      ).toArray(),
      [
        [3, 2],
        [7, 4],
      ],
    );
    const outer = await io.loadOnnx(graph([node("Einsum", ["a", "b"], ["y"], [str("equation", "i,j->ij")])], ["a", "b"], ["y"]));
    assert.deepEqual((outer.forward(tg.tensor([1, 2]), tg.tensor([3])) as Tensor).toArray(), [[3], [6]]);
    // Attention's score product as one batched matmul, against the same sum written out.
    const q = tg.randn([2, 3, 4, 5]),
      k = tg.randn([2, 1, 6, 5]);
    const att = await io.loadOnnx(graph([node("Einsum", ["q", "k"], ["y"], [str("equation", "bhqd,bhkd->bhqk")])], ["q", "k"], ["y"]));
    const want = q.unsqueeze(3).mul(k.unsqueeze(2)).sum(4);
    const got = att.forward(q, k) as Tensor;
    assert.deepEqual([...got.shape], [2, 3, 4, 6]);
    assert.ok(got.sub(want).abs().max().item() < 1e-5);
    const ellipsis = await io.loadOnnx(graph([node("Einsum", ["a"], ["y"], [str("equation", "...i->...")])], ["a"], ["y"]));
    assert.deepEqual((ellipsis.forward(x) as Tensor).toArray(), [15, 51]);
    const diagonal = await io.loadOnnx(graph([node("Einsum", ["a"], ["y"], [str("equation", "ii->i")])], ["a"], ["y"]));
    assert.throws(
      () => diagonal.forward(tg.eye(3)),
      (e: unknown) => e instanceof UnsupportedOpError && e.op === "Einsum" && /diagonal/.test((e as Error).message),
    );
    const resize = await io.loadOnnx(
      graph([constInts("size", [2, 3]), node("Resize", ["x", "", "", "size"], ["y"], [str("mode", "nearest")])], ["x"], ["y"]),
    );
    assert.deepEqual(
      (
        resize.forward(
          tg.tensor([
            [1, 2],
            [3, 4],
          ]),
        ) as Tensor
      ).toArray(),
      [
        [1, 1, 2],
        [3, 3, 4],
      ],
    );
    const antialias = await io.loadOnnx(
      graph(
        [constInts("size", [2, 3]), node("Resize", ["x", "", "", "size"], ["y"], [str("mode", "cubic"), int("antialias", 1)])],
        ["x"],
        ["y"],
      ),
    );
    assert.throws(
      () => antialias.forward(x),
      (e: unknown) => e instanceof UnsupportedOpError && e.op === "Resize" && /antialias=1/.test((e as Error).message),
    );
    const huge = await io.loadOnnx(
      graph([constInts("size", [1 << 20, 1 << 20]), node("Resize", ["x", "", "", "size"], ["y"])], ["x"], ["y"]),
    );
    assert.throws(
      () => huge.forward(x),
      (e: unknown) => e instanceof FormatError && /would hold 1099511627776 elements/.test((e as Error).message),
    );
  });

  it("gradients through imported ConvTranspose, Resize and Einsum match finite differences (float64)", async () => {
    tg.manualSeed(21);
    const ints64 = (name: string, v: number[]): OnnxAttribute => ({ name, type: AttrType.INTS, ints: v });
    const w = { name: "w", dataType: DataType.DOUBLE, dims: [2, 3, 2, 3], data: Float64Array.from(tg.randn([36]).toFloat32Array()) };
    const bytes = encodeModel({
      irVersion: 8,
      producerName: "test",
      producerVersion: "",
      opsetImports: [{ domain: "", version: 17 }],
      graph: {
        name: "g",
        nodes: [
          node(
            "ConvTranspose",
            ["x", "w"],
            ["u"],
            [ints64("strides", [2, 1]), ints64("pads", [1, 0, 0, 1]), ints64("output_padding", [1, 0])],
          ),
          constInts("size", [1, 3, 5, 4]),
          node("Resize", ["u", "", "", "size"], ["r"], [{ name: "mode", type: AttrType.STRING, s: "linear" }]),
          node("Einsum", ["r", "r"], ["y"], [{ name: "equation", type: AttrType.STRING, s: "nchw,nchv->nhwv" }]),
        ],
        initializers: [w],
        inputs: [{ name: "x", elemType: DataType.DOUBLE, shape: [1, 2, 3, 3] }],
        outputs: [{ name: "y", elemType: DataType.DOUBLE, shape: null }],
      },
    });
    const m = await io.loadOnnx(bytes);
    const x = tg.randn([1, 2, 3, 3], { dtype: "float64" });
    assert.equal(
      tg.gradcheck((xx) => (m.forward(xx) as Tensor).tanh().sum(), [x]),
      true,
    );
    // The weight is a trainable float64 Parameter that receives a gradient.
    (m.forward(x) as Tensor).sum().backward();
    const [[name, p]] = m.namedParameters();
    assert.equal(name, "w");
    assert.deepEqual([p.dtype, [...p.grad!.shape]], ["float64", [2, 3, 2, 3]]);
  });

  it("an op's bad attribute is a FormatError naming the node", async () => {
    const m = await io.loadOnnx(graph([node("Softmax", ["x"], ["y"], [int("axis", 5)])], ["x"], ["y"]));
    assert.throws(() => m.forward(x), /Softmax node "Softmax": axis 5 is out of range for rank 2/);
  });
});
