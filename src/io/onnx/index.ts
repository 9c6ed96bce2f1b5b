// The ONNX file format: a bounded protobuf reader and writer for the model subset tensorgrad uses.

export { readOnnxModel, readOnnxModelAsync, writeOnnxModel, type OnnxSource } from "./file.js";
export { decodeModel } from "./decode.js";
export { encodeModel } from "./encode.js";
export {
  DataType,
  AttrType,
  defaultOpset,
  type OnnxModel,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxAttribute,
  type OnnxValueInfo,
  type OnnxOpset,
} from "./schema.js";
