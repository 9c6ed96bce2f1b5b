// io.loadOnnx: an ONNX model (a file path or bytes) as an nn.Module that runs on tensorgrad ops.

import { readOnnxModel, type OnnxSource } from "../io/onnx/index.js";
import { OnnxModule } from "./onnx-module.js";

/**
 * Loads an ONNX model as an OnnxModule: `forward(...inputs)` runs the graph on the current backend;
 * float initializers are trainable Parameters keyed in `stateDict()` by their initializer names
 * (BatchNorm statistics are buffers). A malformed or hostile file throws a FormatError; an op
 * loadOnnx cannot run throws an UnsupportedOpError naming it. Async so that a future source (a URL,
 * a stream) fits the same call.
 * @example const net = await io.loadOnnx("resnet.onnx"); net.forward(tg.randn([1, 3, 224, 224]));
 */
export async function loadOnnx(source: OnnxSource): Promise<OnnxModule> {
  return loadOnnxSync(source);
}

/** loadOnnx without the promise. */
export function loadOnnxSync(source: OnnxSource): OnnxModule {
  return new OnnxModule(readOnnxModel(source));
}
