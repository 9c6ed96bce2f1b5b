// Runs exported ONNX models in ONNX Runtime (onnxruntime-web's WebAssembly build, which needs no
// native binaries) so export tests compare tensorgrad against an independent implementation.

import * as ort from "onnxruntime-web";
import type { Tensor } from "tensorgrad";

ort.env.wasm.numThreads = 1;

/**
 * Runs `bytes` on `inputs` (fed in graph-input order) and returns the outputs in graph-output order,
 * with their ONNX Runtime type ("float32", "float64", "int32", "int64", …) and exact values.
 */
export async function runOrt(
  bytes: Uint8Array,
  inputs: readonly Tensor[],
): Promise<{ dims: number[]; data: Float32Array; type: string; values: Float64Array }[]> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((name, i) => {
    const t = inputs[i];
    feeds[name] =
      t.dtype === "bool"
        ? new ort.Tensor("bool", Uint8Array.from(t.toFloat32Array()), [...t.shape])
        : t.dtype === "int32"
          ? new ort.Tensor("int32", Int32Array.from(t.toFloat32Array()), [...t.shape])
          : t.dtype === "float64"
            ? new ort.Tensor("float64", Float64Array.from(t.contiguousData()), [...t.shape])
            : new ort.Tensor("float32", t.toFloat32Array(), [...t.shape]);
  });
  const results = await session.run(feeds);
  const out = session.outputNames.map((name) => {
    const r = results[name];
    const values = Float64Array.from(r.data as ArrayLike<number | bigint>, Number);
    return { dims: [...r.dims], data: Float32Array.from(values), type: r.type, values };
  });
  await session.release();
  return out;
}
