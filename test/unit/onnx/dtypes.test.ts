// Element types across ONNX export and import: float64 models stay float64 where ONNX Runtime has
// float64 kernels and are refused by name where it has not; integer index tensors (Embedding,
// gather, argmax, comparisons) give graphs ONNX Runtime accepts and runs exactly.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, io, Tensor, DTypeError } from "tensorgrad";
import { AttrType, DataType, encodeModel } from "../../../src/io/onnx/index.js";
import { assertClose } from "../../helpers/assert.js";
import { runOrt } from "./ort.js";

const F = nn.functional;

/** A float64 network: linear layers, tanh, a layer norm, softmax and a mean, all with float64 weights. */
class Float64Net extends nn.Module {
  readonly w1 = this.registerParameter("w1", tg.randn([6, 4], { dtype: "float64" }));
  readonly b1 = this.registerParameter("b1", tg.randn([6], { dtype: "float64" }));
  readonly w2 = this.registerParameter("w2", tg.randn([3, 6], { dtype: "float64" }));
  forward(x: Tensor): Tensor {
    const h = F.linear(x, this.w1, this.b1).tanh();
    const n = F.layerNorm(h, [6]);
    return F.linear(n.sub(n.mean(0, true)), this.w2, null)
      .softmax(-1)
      .add(1e-12);
  }
}

describe("exportOnnx and loadOnnx: element types", () => {
  it("a float64 model is exported as float64 (initializers, inputs, outputs) and ONNX Runtime matches it to 1e-12", async () => {
    tg.manualSeed(11);
    const m = new Float64Net();
    const x = (b: number) => tg.randn([b, 4], { dtype: "float64" });
    const bytes = io.exportOnnx(m, [x(3)], null, { dynamicBatch: true });
    const back = io.loadOnnxSync(bytes);
    assert.deepEqual([back.inputInfo[0].elemType, back.outputInfo[0].elemType], [DataType.DOUBLE, DataType.DOUBLE]);
    assert.deepEqual(
      back.parameters().map((p) => p.dtype),
      ["float64", "float64", "float64"],
    );
    for (const b of [3, 1, 5]) {
      const input = x(b);
      const want = tg.noGrad(() => m.forward(input));
      const [got] = await runOrt(bytes, [input]);
      assert.equal(got.type, "float64");
      assert.deepEqual(got.dims, [b, 3]);
      assertClose(got.values, want.contiguousData(), { rtol: 1e-12, atol: 1e-14, what: `ONNX Runtime at batch ${b}` });
      const mine = back.forward(input) as Tensor;
      assert.equal(mine.dtype, "float64");
      assertClose(mine.contiguousData(), want.contiguousData(), { rtol: 1e-12, atol: 1e-14, what: `loadOnnx at batch ${b}` });
    }
  });

  it("a float64 op ONNX Runtime only runs in float32 is a DTypeError naming the op, module and tensor", () => {
    const conv = new (class extends nn.Module {
      readonly w = this.registerParameter("w", tg.randn([2, 1, 3, 3], { dtype: "float64" }));
      forward(x: Tensor) {
        return F.conv2d(x, this.w);
      }
    })();
    assert.throws(
      () => io.exportOnnx(conv, [tg.randn([1, 1, 5, 5], { dtype: "float64" })]),
      (e: unknown) =>
        e instanceof DTypeError && /Conv in module "<root>" would read the float64 tensor "input_0"/.test((e as Error).message),
    );
    const gelu = new (class extends nn.Module {
      readonly fc = new nn.Linear(3, 3);
      forward(x: Tensor) {
        return this.fc.forward(x.to("float32")).add(x.gelu().to("float32"));
      }
    })();
    assert.throws(
      () => io.exportOnnx(gelu, [tg.randn([2, 3], { dtype: "float64" })]),
      (e: unknown) => e instanceof DTypeError && /Erf/.test((e as Error).message),
    );
  });

  it("int32 indices: Embedding, gather, argmax and integer comparisons give a graph ONNX Runtime runs exactly", async () => {
    tg.manualSeed(12);
    const m = new (class extends nn.Module {
      readonly emb = new nn.Embedding(10, 4);
      forward(idx: Tensor) {
        const e = this.emb.forward(idx); // [B, T, 4]
        const best = e.argmax(-1); // int32 [B, T]
        const picked = e.gather(2, best.unsqueeze(-1)).squeeze(-1); // [B, T]
        const low = idx.lt(5); // a comparison of int32 with a number
        return [picked.mul(low), best, idx.add(best).mul(2).cumsum(1), e.indexSelect(2, tg.tensor([3, 0], { dtype: "int32" }))];
      }
    })();
    const idx = (b: number) => tg.randint(0, 10, [b, 5], { dtype: "int32" });
    const bytes = io.exportOnnx(m, [idx(2)], null, { dynamicBatch: true });
    for (const b of [2, 4]) {
      const input = idx(b);
      const want = tg.noGrad(() => m.forward(input)) as Tensor[];
      const got = await runOrt(bytes, [input]);
      assert.deepEqual(
        got.map((g) => g.type),
        ["float32", "int32", "int32", "float32"],
      );
      assertClose(got[3].data, want[3].toFloat32Array(), { rtol: 1e-6, atol: 1e-7, what: "indexSelect" });
      assertClose(got[0].data, want[0].toFloat32Array(), { rtol: 1e-6, atol: 1e-7, what: "picked" });
      assert.deepEqual([...got[1].values], [...want[1].contiguousData()]);
      assert.deepEqual([...got[2].values], [...want[2].contiguousData()]);
    }
  });

  it("argmax over everything with keepdim exports its [1, 1] shape", async () => {
    const m = new (class extends nn.Module {
      forward(x: Tensor) {
        return [x.argmax(undefined, true), x.argmin()];
      }
    })();
    const x = tg.tensor([
      [1, 5, 3],
      [4, 2, 6],
    ]);
    const got = await runOrt(io.exportOnnx(m, [x]), [x]);
    assert.deepEqual(got[0].dims, [1, 1]);
    assert.deepEqual([...got[0].values], [5]);
    assert.deepEqual(got[1].dims, []);
    assert.deepEqual([...got[1].values], [0]);
  });

  it("sort, argsort and topk become TopK (int64 indices cast to int32), ties broken as tensorgrad does, at any length", async () => {
    const m = new (class extends nn.Module {
      forward(x: Tensor) {
        const [values, order] = x.sort(1, true);
        const [top, where] = x.topk(2, 1, false);
        return [values, order, top, where, x.argsort(0)];
      }
    })();
    // Rounded to halves so ties are common.
    const x = (b: number, t: number) => tg.randn([b, t]).mul(2).round().div(2);
    const bytes = io.exportOnnx(m, [x(3, 5)], null, { dynamicAxes: { input_0: { 0: "batch", 1: "time" } } });
    const back = io.loadOnnxSync(bytes);
    for (const [b, t] of [
      [3, 5],
      [2, 9],
      [4, 3],
    ]) {
      const input = x(b, t);
      const want = tg.noGrad(() => m.forward(input)) as Tensor[];
      const got = await runOrt(bytes, [input]);
      const mine = back.forward(input) as Tensor[];
      assert.deepEqual(
        got.map((g) => g.type),
        ["float32", "int32", "float32", "int32", "int32"],
      );
      want.forEach((w, i) => {
        assert.deepEqual([...got[i].values], [...w.contiguousData()], `output ${i} at [${b}, ${t}] (ONNX Runtime)`);
        assert.deepEqual([...mine[i].contiguousData()], [...w.contiguousData()], `output ${i} at [${b}, ${t}] (loadOnnx)`);
      });
    }
  });

  it("loadOnnx: ScatterElements (assignment and add, negative int64 indices) and CumSum (reverse)", async () => {
    const attr = (name: string, v: number | string) =>
      typeof v === "number" ? { name, type: AttrType.INT, i: v } : { name, type: AttrType.STRING, s: v };
    const bytes = encodeModel({
      irVersion: 8,
      producerName: "test",
      producerVersion: "",
      opsetImports: [{ domain: "", version: 17 }],
      graph: {
        name: "g",
        nodes: [
          {
            opType: "ScatterElements",
            domain: "",
            name: "set",
            inputs: ["x", "i", "u"],
            outputs: ["a"],
            attributes: new Map([["axis", attr("axis", 1)]]),
          },
          {
            opType: "ScatterElements",
            domain: "",
            name: "add",
            inputs: ["x", "i", "u"],
            outputs: ["b"],
            attributes: new Map([
              ["axis", attr("axis", 1)],
              ["reduction", attr("reduction", "add")],
            ]),
          },
          {
            opType: "CumSum",
            domain: "",
            name: "cs",
            inputs: ["x", "ax"],
            outputs: ["c"],
            attributes: new Map([["reverse", attr("reverse", 1)]]),
          },
        ],
        initializers: [
          { name: "i", dataType: DataType.INT64, dims: [2, 1], data: Float64Array.of(-1, 0) },
          { name: "ax", dataType: DataType.INT64, dims: [], data: Float64Array.of(1) },
        ],
        inputs: [
          { name: "x", elemType: DataType.FLOAT, shape: [2, 3] },
          { name: "u", elemType: DataType.FLOAT, shape: [2, 1] },
        ],
        outputs: ["a", "b", "c"].map((name) => ({ name, elemType: DataType.FLOAT, shape: null })),
      },
    });
    const m = await io.loadOnnx(bytes);
    const [a, b, c] = m.forward(
      tg.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      tg.tensor([[10], [20]]),
    ) as Tensor[];
    assert.deepEqual(a.toArray(), [
      [1, 2, 10],
      [20, 5, 6],
    ]);
    assert.deepEqual(b.toArray(), [
      [1, 2, 13],
      [24, 5, 6],
    ]);
    assert.deepEqual(c.toArray(), [
      [6, 5, 3],
      [15, 11, 6],
    ]);
  });

  it("loadOnnx runs a float64 graph in float64 (1 + 1e-12 survives) and Cast to DOUBLE gives float64", async () => {
    const bytes = encodeModel({
      irVersion: 8,
      producerName: "test",
      producerVersion: "",
      opsetImports: [{ domain: "", version: 17 }],
      graph: {
        name: "g",
        nodes: [
          { opType: "Add", domain: "", name: "add", inputs: ["x", "eps"], outputs: ["y"], attributes: new Map() },
          {
            opType: "Cast",
            domain: "",
            name: "cast",
            inputs: ["f"],
            outputs: ["z"],
            attributes: new Map([["to", { name: "to", type: AttrType.INT, i: DataType.DOUBLE }]]),
          },
        ],
        initializers: [{ name: "eps", dataType: DataType.DOUBLE, dims: [1], data: Float64Array.of(1e-12) }],
        inputs: [
          { name: "x", elemType: DataType.DOUBLE, shape: [1] },
          { name: "f", elemType: DataType.FLOAT, shape: [1] },
        ],
        outputs: [
          { name: "y", elemType: DataType.DOUBLE, shape: [1] },
          { name: "z", elemType: DataType.DOUBLE, shape: [1] },
        ],
      },
    });
    const m = await io.loadOnnx(bytes);
    const [y, z] = m.forward(tg.tensor([1], { dtype: "float64" }), tg.tensor([0.5])) as Tensor[];
    assert.equal(y.dtype, "float64");
    assert.equal(y.item(), 1 + 1e-12);
    assert.equal(z.dtype, "float64");
    // A float32 tensor fed to a float64 input is widened, not rejected.
    assert.equal((m.forward(tg.tensor([1]), tg.tensor([0.5])) as Tensor[])[0].dtype, "float64");
  });
});
