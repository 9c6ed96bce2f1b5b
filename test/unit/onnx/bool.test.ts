// bool tensors through ONNX: comparisons export as ONNX's bool-typed comparisons (no cast to float,
// as torch.onnx exports them), bool masks feed Where directly, bool buffers become BOOL initializers,
// and ONNX Runtime and loadOnnx both read the file back with bool outputs.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, io, Tensor } from "tensorgrad";
import { runOrt } from "./ort.js";
import { decodeModel, DataType } from "../../../src/io/onnx/index.js";

class Masks extends nn.Module {
  readonly keep: Tensor;
  constructor() {
    super();
    this.keep = this.registerBuffer("keep", tg.tensor([true, false, true, true]));
  }
  forward(x: Tensor): Tensor[] {
    const positive = x.gt(0);
    return [
      positive,
      x.maskedFill(x.lt(-0.5).logicalOr(this.keep.logicalNot()), 0),
      positive.sum(-1),
      positive.logicalAnd(this.keep).any(-1),
      x.ne(x.mul(2)).logicalXor(positive),
    ];
  }
}

describe("bool through ONNX", () => {
  tg.manualSeed(3);
  const model = new Masks();
  const x = tg.tensor([
    [0.5, -1, 2, 0],
    [-0.25, 3, -0.75, 1],
  ]);
  const expected = tg.noGrad(() => model.forward(x));
  const bytes = io.exportOnnx(model, [x]);
  const graph = decodeModel(bytes).graph;

  it("declares bool outputs, a BOOL initializer, and no cast of a comparison to float", () => {
    assert.deepEqual(
      expected.map((t) => t.dtype),
      ["bool", "float32", "int32", "bool", "bool"],
    );
    assert.deepEqual(
      graph.outputs.map((o) => o.elemType),
      [DataType.BOOL, DataType.FLOAT, DataType.INT32, DataType.BOOL, DataType.BOOL],
    );
    assert.equal(graph.initializers.find((i) => i.name === "keep")?.dataType, DataType.BOOL);
    const greater = graph.nodes.find((n) => n.opType === "Greater")!;
    assert.ok(
      !graph.nodes.some(
        (n) => n.opType === "Cast" && n.inputs.includes(greater.outputs[0]!) && n.attributes.get("to")?.i === DataType.FLOAT,
      ),
    );
  });

  it("ONNX Runtime gives tensorgrad's values with bool types", async () => {
    const got = await runOrt(bytes, [x]);
    assert.deepEqual(
      got.map((g) => g.type),
      ["bool", "float32", "int32", "bool", "bool"],
    );
    got.forEach((g, i) => {
      assert.deepEqual(g.dims, [...expected[i]!.shape]);
      assert.deepEqual(Array.from(g.values), Array.from(expected[i]!.toFloat32Array()), `output ${i}`);
    });
  });

  it("loadOnnx reads it back: bool outputs and a bool buffer", () => {
    const loaded = io.loadOnnxSync(bytes);
    const outs = loaded.forward(x) as Tensor[];
    assert.deepEqual(
      outs.map((t) => t.dtype),
      ["bool", "float32", "int32", "bool", "bool"],
    );
    outs.forEach((t, i) => assert.deepEqual(t.toArray(), expected[i]!.toArray(), `output ${i}`));
    assert.deepEqual(loaded.stateDict()["keep"]!.toArray(), [true, false, true, true]);
  });
});
