// ONNX export and WebGPU: tracing reads weights synchronously, so a model on the GPU is an
// AsyncReadError naming the tensor and the way out, and that way out (the weights through
// safetensors into the same model on a CPU backend) exports a file ONNX Runtime runs to 1e-5.

import { it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { AsyncReadError, io, nn } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";
import { webgpuSkipReason } from "../../helpers/webgpu.js";
import { runOrt } from "./ort.js";
import { TOL } from "./export-check.js";

const reason = await webgpuSkipReason("ONNX export from WebGPU");
const make = () => new nn.Sequential(new nn.Linear(4, 8), new nn.GELU(), new nn.LayerNorm(8), new nn.Linear(8, 3));

it(
  "a model on WebGPU is an AsyncReadError naming the tensor; exported from the CPU as it says, ONNX Runtime matches",
  { skip: reason ?? false },
  async () => {
    const initial = tg.getBackend().name;
    const x = tg.randn([5, 4]);
    await tg.setBackend("webgpu");
    let gpuModel: nn.Module;
    let expected: Float32Array;
    try {
      tg.manualSeed(31);
      gpuModel = make();
      expected = Float32Array.from(await (gpuModel.forward(x.toBackend("webgpu")) as tg.Tensor).data());
      assert.throws(
        () => io.exportOnnx(gpuModel, [x]),
        (e: unknown) =>
          e instanceof AsyncReadError && /^exportOnnx: the current backend "webgpu" cannot be read synchronously/.test(e.message),
      );
    } finally {
      await tg.setBackend(initial);
    }
    assert.throws(
      () => io.exportOnnx(gpuModel, [x]),
      (e: unknown) =>
        e instanceof AsyncReadError &&
        /^exportOnnx: parameter "0\.weight" lives on the "webgpu" backend/.test(e.message) &&
        e.message.includes("io.saveSafetensorsAsync"),
    );
    const bytes = await io.saveSafetensorsAsync(gpuModel.stateDict());
    const cpuModel = make();
    cpuModel.loadStateDict(io.loadSafetensors(bytes).tensors);
    const [out] = await runOrt(io.exportOnnx(cpuModel, [x], null, { dynamicBatch: true }), [x]);
    assert.deepEqual(out.dims, [5, 3]);
    assertClose(out.data, expected, { ...TOL, what: "ONNX Runtime against the model on WebGPU" });
  },
);
