// The part of the ONNX model format (onnx.proto) that tensorgrad reads and writes, as plain data:
// a model holds opset imports and one graph of nodes, initializers and typed inputs and outputs.

/** TensorProto.DataType values tensorgrad reads (others are refused with a FormatError). */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  DOUBLE: 11,
} as const;

/** AttributeProto.AttributeType values. */
export const AttrType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  GRAPHS: 10,
} as const;

/**
 * A constant tensor. FLOAT data is held as float32; DOUBLE, integer and boolean data as float64, so
 * doubles keep their precision and int64 values their exact value up to ±2^53 (see wire.readVarint on the rest).
 */
export interface OnnxTensor {
  name: string;
  dataType: number;
  dims: number[];
  data: Float32Array | Float64Array;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: string[];
  /** A subgraph (If's branches, Loop's body). */
  g?: OnnxGraph;
}

export interface OnnxNode {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  /** Keyed by attribute names from the file, hence a Map. */
  attributes: Map<string, OnnxAttribute>;
}

/** A graph input's or output's type: element type and dims (a number, a symbolic name, or unknown). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: (number | string | null)[] | null;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxOpset {
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImports: OnnxOpset[];
  graph: OnnxGraph;
}

/** The opset version of the default ("" or "ai.onnx") domain, or undefined when not imported. */
export function defaultOpset(model: OnnxModel): number | undefined {
  return model.opsetImports.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version;
}
