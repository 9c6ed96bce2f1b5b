// ONNX export and import: tracing a forward pass into an ONNX graph, and running an ONNX graph as
// an nn.Module. Part of the public io namespace (see src/io-namespace.ts).

export { exportOnnx, type ExportOnnxOptions } from "./export.js";
export { loadOnnx, loadOnnxSync, type LoadOnnxOptions } from "./load.js";
export { OnnxModule, SUPPORTED_ONNX_OPS } from "./onnx-module.js";
export type { OnnxSource } from "../io/onnx/index.js";
