// Shared by the export tests: export a model, run the file in ONNX Runtime on several input sets and
// compare with tensorgrad's own eval-mode outputs to 1e-5 relative.

import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, io, Tensor } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";
import { runOrt } from "./ort.js";
import { decodeModel } from "../../../src/io/onnx/index.js";

export const TOL = { rtol: 1e-5, atol: 1e-6 };

/** A forward's tensors in order, nested arrays flattened (as exportOnnx names the outputs). */
export function flat(v: unknown): Tensor[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v as Tensor];
}

/** Exports `model` on `example`, then checks ONNX Runtime against tensorgrad on each input set. */
export async function check(model: nn.Module, example: Tensor[], runs: Tensor[][], opts: io.ExportOnnxOptions = {}): Promise<Uint8Array> {
  const bytes = io.exportOnnx(model, example, null, opts);
  model.eval();
  for (const inputs of [example, ...runs]) {
    const expected = flat(tg.noGrad(() => model.forward(...inputs)));
    const got = await runOrt(bytes, inputs);
    assert.equal(got.length, expected.length, "number of outputs");
    expected.forEach((e, i) => {
      assert.deepEqual(got[i].dims, [...e.shape], `output ${i} shape`);
      assertClose(got[i].data, e.toFloat32Array(), { ...TOL, what: `output ${i} at input shape [${inputs[0].shape}]` });
    });
  }
  return bytes;
}

/** Example inputs of `shape` with the batch dim replaced by each of `batches`. */
export const batches = (shape: number[], sizes = [1, 3, 8]) => sizes.map((b) => [tg.randn([b, ...shape.slice(1)])]);

/** How many nodes of `op` the graph in `bytes` holds. */
export function countOps(bytes: Uint8Array, op: string): number {
  return decodeModel(bytes).graph.nodes.filter((n) => n.opType === op).length;
}
