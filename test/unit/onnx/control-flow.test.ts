// loadOnnx on control flow and the ops around it, on hand-built graphs: If picks its branch when it
// runs, Loop carries values and stacks scan outputs, subgraphs read outer values; hostile counts,
// nesting, Scan and external data are typed errors that name what they refuse.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { io, FormatError, Tensor, UnsupportedOpError } from "tensorgrad";
import { AttrType, DataType, encodeModel, type OnnxAttribute, type OnnxGraph, type OnnxNode } from "../../../src/io/onnx/index.js";

const node = (opType: string, inputs: string[], outputs: string[], attrs: OnnxAttribute[] = []): OnnxNode => ({
  opType,
  domain: "",
  name: `${opType}_${outputs[0]}`,
  inputs,
  outputs,
  attributes: new Map(attrs.map((a) => [a.name, a])),
});
const sub = (name: string, g: OnnxGraph): OnnxAttribute => ({ name, type: AttrType.GRAPH, g });
const graph = (nodes: OnnxNode[], inputs: string[], outputs: string[], initializers: OnnxGraph["initializers"] = []): OnnxGraph => ({
  name: "g",
  nodes,
  initializers,
  inputs: inputs.map((name) => ({ name, elemType: DataType.FLOAT, shape: null })),
  outputs: outputs.map((name) => ({ name, elemType: DataType.FLOAT, shape: null })),
});
const model = (g: OnnxGraph) =>
  encodeModel({ irVersion: 8, producerName: "test", producerVersion: "", opsetImports: [{ domain: "", version: 17 }], graph: g });
const int64 = (name: string, v: number[], dims = [v.length]) => ({ name, dataType: DataType.INT64, dims, data: Float64Array.from(v) });
const float = (name: string, v: number[], dims = [v.length]) => ({ name, dataType: DataType.FLOAT, dims, data: Float32Array.from(v) });

function fails(run: () => unknown, type: Function, pattern: RegExp): void {
  assert.throws(run, (e: unknown) => e instanceof type && pattern.test((e as Error).message));
}

describe("loadOnnx: control flow", () => {
  it("If runs the branch its condition picks; branches read outer values; gradients flow through", () => {
    const then = graph([node("Mul", ["x", "two"], ["t"])], [], ["t"]);
    const otherwise = graph([node("Neg", ["x"], ["e"])], [], ["e"]);
    const m = io.loadOnnxSync(
      model(
        graph(
          [node("Greater", ["s", "zero"], ["c"]), node("If", ["c"], ["y"], [sub("then_branch", then), sub("else_branch", otherwise)])],
          ["x", "s"],
          ["y"],
          [float("two", [2], []), float("zero", [0], [])],
        ),
      ),
    );
    const x = tg.tensor([1, -2, 3], { requiresGrad: true });
    const y = m.forward(x, tg.tensor(1)) as Tensor;
    assert.deepEqual(y.toArray(), [2, -4, 6]);
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, 2, 2]);
    assert.deepEqual((m.forward(x, tg.tensor(-1)) as Tensor).toArray(), [-1, 2, -3]);
  });

  it("Loop: constant trip count, a carried value, a scan output, the iteration number and an early exit", () => {
    // acc ← acc·x + i, scanning acc; stops once i reaches `stop` (the condition the body computes).
    const body = graph(
      [
        node("Cast", ["i"], ["fi"], [{ name: "to", type: AttrType.INT, i: DataType.FLOAT }]),
        node("Mul", ["acc", "x"], ["ax"]),
        node("Add", ["ax", "fi"], ["acc2"]),
        node("Identity", ["acc2"], ["scan"]),
        node("Less", ["i", "stop"], ["more"]),
      ],
      ["i", "cond", "acc"],
      ["more", "acc2", "scan"],
    );
    body.inputs[0].elemType = DataType.INT64;
    const loop = (trips: number) =>
      io.loadOnnxSync(
        model(
          graph(
            [node("Loop", ["n", "", "acc0"], ["final", "all"], [sub("body", body)])],
            ["x", "acc0"],
            ["final", "all"],
            [int64("n", [trips], []), int64("stop", [2], [])],
          ),
        ),
      );
    const [final, all] = loop(3).forward(tg.tensor([2, 3]), tg.tensor([1, 1])) as Tensor[];
    // i = 0: [2, 3]; i = 1: [5, 10]; i = 2: [12, 32].
    assert.deepEqual(all.toArray(), [
      [2, 3],
      [5, 10],
      [12, 32],
    ]);
    assert.deepEqual(final.toArray(), [12, 32]);
    // The body's condition ends a longer loop after i = 2 as well.
    assert.deepEqual((loop(50).forward(tg.tensor([2, 3]), tg.tensor([1, 1])) as Tensor[])[0].toArray(), [12, 32]);
  });

  it("a hostile trip count or an endless condition is a FormatError before or at the iteration limit", () => {
    const body = graph([node("Identity", ["c"], ["c2"]), node("Identity", ["v"], ["v2"])], ["i", "c", "v"], ["c2", "v2"]);
    const huge = io.loadOnnxSync(
      model(graph([node("Loop", ["n", "", "x"], ["y"], [sub("body", body)])], ["x"], ["y"], [int64("n", [2 ** 40], [])])),
    );
    fails(() => huge.forward(tg.tensor([1])), FormatError, /trip count 1099511627776 exceeds the 100000 iterations/);
    const endless = io.loadOnnxSync(
      model(
        graph(
          [node("Loop", ["", "t", "x"], ["y"], [sub("body", body)])],
          ["x"],
          ["y"],
          [{ name: "t", dataType: DataType.BOOL, dims: [], data: Float64Array.of(1) }],
        ),
      ),
    );
    fails(() => endless.forward(tg.tensor([1])), FormatError, /still true after 100000 iterations/);
  });

  it("subgraphs nested past the limit are a FormatError when the file is read", () => {
    let g = graph([node("Relu", ["x"], ["y"])], [], ["y"]);
    for (let d = 0; d < 12; d++) g = graph([node("If", ["c"], [`y${d}`], [sub("then_branch", g), sub("else_branch", g)])], [], [`y${d}`]);
    assert.throws(
      () => io.loadOnnxSync(model(g)),
      (e: unknown) => e instanceof FormatError && /nested more than 8 deep/.test((e as Error).message),
    );
  });

  it("a subgraph reading a value defined after its node is a FormatError; Scan is an UnsupportedOpError naming the node", () => {
    const then = graph([node("Relu", ["late"], ["t"])], [], ["t"]);
    fails(
      () =>
        io.loadOnnxSync(
          model(
            graph(
              [node("If", ["c"], ["y"], [sub("then_branch", then), sub("else_branch", then)]), node("Relu", ["c"], ["late"])],
              ["c"],
              ["y"],
            ),
          ),
        ),
      FormatError,
      /reads "late", which no earlier node/,
    );
    const body = graph([node("Identity", ["s"], ["s2"])], ["s"], ["s2"]);
    assert.throws(
      () => io.loadOnnxSync(model(graph([node("Scan", ["x"], ["y"], [sub("body", body)])], ["x"], ["y"]))),
      (e: unknown) => e instanceof UnsupportedOpError && e.op === "Scan" && e.where === "Scan_y",
    );
  });

  it("external data is a FormatError naming the tensor and its file", () => {
    // A graph whose one initializer has external_data { key: "location", value: "weights.bin" } and
    // data_location = EXTERNAL, written field by field.
    const text = (s: string) => [...new TextEncoder().encode(s)];
    const entry = [0x0a, 8, ...text("location"), 0x12, 11, ...text("weights.bin")];
    const tensorProto = [0x08, 1, 0x10, 1, 0x42, 1, ...text("w"), 0x6a, entry.length, ...entry, 0x70, 1];
    const graphProto = [0x2a, tensorProto.length, ...tensorProto];
    const file = new Uint8Array([0x08, 8, 0x3a, graphProto.length, ...graphProto, 0x42, 2, 0x10, 17]);
    assert.throws(
      () => io.loadOnnxSync(file),
      (e: unknown) =>
        e instanceof FormatError && /TensorProto "w" keeps its data in the external file "weights.bin"/.test((e as Error).message),
    );
  });
});
