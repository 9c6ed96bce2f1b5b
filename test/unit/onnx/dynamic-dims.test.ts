// Dynamic dims through tensor code that computes sizes in JavaScript (x.shape[0] * t, zeros([B, H]),
// arange(T), a mean over the batch): exported once, run by ONNX Runtime at other batch sizes and
// lengths; what cannot be made dynamic is a typed error instead of a graph frozen at the traced size.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, io, Tensor, UnsupportedOpError } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";
import { runOrt } from "./ort.js";

/** Exports on `example` and checks ONNX Runtime and the importer against the model on each of `runs`. */
async function check(model: nn.Module, example: Tensor[], runs: Tensor[][], opts: io.ExportOnnxOptions): Promise<Uint8Array> {
  const bytes = io.exportOnnx(model, example, null, opts);
  const back = io.loadOnnxSync(bytes);
  for (const inputs of [example, ...runs]) {
    const want = [tg.noGrad(() => model.forward(...inputs))].flat(2) as Tensor[];
    const got = await runOrt(bytes, inputs);
    const mine = [back.forward(...inputs)].flat() as Tensor[];
    want.forEach((w, i) => {
      const what = `output ${i} at input shape [${inputs[0].shape}]`;
      assert.deepEqual(got[i].dims, [...w.shape], what);
      assertClose(got[i].data, w.toFloat32Array(), { rtol: 1e-5, atol: 1e-5, what });
      assertClose(mine[i].toFloat32Array(), w.toFloat32Array(), { rtol: 1e-5, atol: 1e-5, what: `${what} (loadOnnx)` });
    });
  }
  return bytes;
}

/** Multi-head self-attention written by hand, with every size read from x.shape in JavaScript. */
class HandAttention extends nn.Module {
  readonly qkv = new nn.Linear(8, 24);
  readonly pos = new nn.Embedding(16, 8);
  forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape;
    const H = 2,
      D = C / H;
    const h = x.add(this.pos.forward(tg.arange(T, { dtype: "int32" })));
    const [q, k, v] = this.qkv.forward(h).chunk(3, -1);
    // [B, T, C] → [B·H, T, D]: the target's first dim moves with the batch.
    const heads = (t: Tensor) =>
      t
        .reshape([B, T, H, D])
        .transpose(1, 2)
        .reshape([B * H, T, D]);
    const att = heads(q).matmul(heads(k).transpose(1, 2)).div(Math.sqrt(D)).softmax(-1);
    const y = att
      .matmul(heads(v))
      .reshape([B, H, T, D])
      .transpose(1, 2)
      .reshape([B * T, C]);
    return y.reshape([B, T, C]);
  }
}

/** Sizes from the batch: a state of zeros([B, 4]), a flatten to [B·T·C], a mean over the batch. */
class BatchArithmetic extends nn.Module {
  readonly fc = new nn.Linear(12, 4);
  forward(x: Tensor): Tensor[] {
    const B = x.shape[0];
    const flat = x.reshape([B * 12]).reshape([B, 12]);
    const state = tg.zeros([B, 4]).add(this.fc.forward(flat));
    const centred = state.sub(state.mean(0, true)); // the count B is a constant of the graph
    return [tg.cat([centred, tg.ones([B, 1])], 1), x.slice(0, 0, B - 1).sum(0)]; // B - 1: an affine end
  }
}

describe("exportOnnx: dynamic dims through sizes computed in JavaScript", () => {
  it("hand-written attention: batch and length both dynamic (reshape targets, arange positions)", async () => {
    tg.manualSeed(3);
    const m = new HandAttention();
    const runs = [
      [1, 3],
      [4, 7],
      [3, 2],
    ].map(([b, t]) => [tg.randn([b, t, 8])]);
    await check(m, [tg.randn([2, 5, 8])], runs, { dynamicAxes: { input_0: { 0: "batch", 1: "time" } } });
  });

  it("zeros([B, H]), a flatten over the batch, a mean over it and a slice ending at B - 1", async () => {
    tg.manualSeed(4);
    const m = new BatchArithmetic();
    const bytes = await check(m, [tg.randn([3, 2, 6])], [[tg.randn([2, 2, 6])], [tg.randn([7, 2, 6])]], { dynamicBatch: true });
    // The graph declares the outputs' dims: the first follows the batch, the second does not.
    const g = io.loadOnnxSync(bytes);
    assert.deepEqual(
      g.outputInfo.map((o) => o.shape),
      [
        ["batch", 5],
        [2, 6],
      ],
    );
  });

  it("an example batch of 1 still gives a dynamic graph (tracing happens at 2 and 3)", async () => {
    tg.manualSeed(5);
    const m = new BatchArithmetic();
    await check(m, [tg.randn([1, 2, 6])], [[tg.randn([5, 2, 6])]], { dynamicBatch: true });
  });

  it("a loop over the batch in JavaScript is an UnsupportedOpError, not a graph frozen at one size", () => {
    const loop = new (class extends nn.Module {
      forward(x: Tensor) {
        return tg.stack(
          x.unbind(0).map((row) => row.relu()),
          0,
        );
      }
    })();
    assert.throws(
      () => io.exportOnnx(loop, [tg.randn([3, 4])], null, { dynamicBatch: true }),
      (e: unknown) => e instanceof UnsupportedOpError && /nodes at one size of "batch"/.test((e as Error).message),
    );
    // Without a dynamic batch it exports (and runs at the traced size).
    assert.ok(io.exportOnnx(loop, [tg.randn([3, 4])]).length > 0);
  });

  it("a constant made from the batch size that shape arithmetic cannot express names itself", () => {
    const squares = new (class extends nn.Module {
      forward(x: Tensor) {
        const B = x.shape[0];
        return x.mul(tg.tensor(Array.from({ length: B }, (_, i) => i * i + 1)).reshape([B, 1]));
      }
    })();
    assert.throws(
      () => io.exportOnnx(squares, [tg.randn([3, 4])], null, { dynamicBatch: true }),
      (e: unknown) =>
        e instanceof UnsupportedOpError &&
        /constant "constant_tmp" \(shape \[3\]\) .* changes with dynamic dim "batch"/.test((e as Error).message),
    );
  });

  it("the export check runs the graph at a third batch size: B·B fitted from two sizes is caught", () => {
    const gram = new (class extends nn.Module {
      forward(x: Tensor) {
        const B = x.shape[0];
        return x.matmul(x.transpose(0, 1)).reshape([B * B]);
      }
    })();
    assert.throws(
      () => io.exportOnnx(gram, [tg.randn([3, 4])], null, { dynamicBatch: true }),
      (e: unknown) => e instanceof UnsupportedOpError && /second input of shape \[5, 4\]/.test((e as Error).message),
    );
  });

  it("a dynamic dim named on inputs of different sizes is a ValueError", () => {
    const two = new (class extends nn.Module {
      forward(a: Tensor, b: Tensor) {
        return a.sum(0).add(b.sum(0));
      }
    })();
    assert.throws(() => io.exportOnnx(two, [tg.randn([2, 3]), tg.randn([4, 3])], null, { dynamicBatch: true }), tg.ValueError);
  });
});
