// Writing an ONNX model to bytes: the inverse of decode.ts over the same plain-data schema. Tensor
// data goes out as little-endian raw_data, as torch.onnx.export writes it.

import { ProtoWriter } from "./wire.js";
import {
  AttrType,
  DataType,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from "./schema.js";

/** Serializes a ModelProto. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter().int(1, model.irVersion);
  if (model.producerName) w.string(2, model.producerName);
  if (model.producerVersion) w.string(3, model.producerVersion);
  w.message(7, encodeGraph(model.graph));
  for (const o of model.opsetImports) {
    const ow = new ProtoWriter();
    if (o.domain) ow.string(1, o.domain);
    w.message(8, ow.int(2, o.version));
  }
  return w.finish();
}

function encodeGraph(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const v of g.inputs) w.message(11, encodeValueInfo(v));
  for (const v of g.outputs) w.message(12, encodeValueInfo(v));
  return w;
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes.values()) w.message(5, encodeAttribute(a));
  if (n.domain) w.string(7, n.domain);
  return w;
}

function encodeAttribute(a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name);
  switch (a.type) {
    case AttrType.FLOAT:
      w.float(2, a.f!);
      break;
    case AttrType.INT:
      w.int(3, a.i!);
      break;
    case AttrType.STRING:
      w.string(4, a.s!);
      break;
    case AttrType.TENSOR:
      w.message(5, encodeTensor(a.t!));
      break;
    case AttrType.GRAPH:
      w.message(6, encodeGraph(a.g!));
      break;
    case AttrType.FLOATS:
      for (const f of a.floats!) w.float(7, f);
      break;
    case AttrType.INTS:
      for (const i of a.ints!) w.int(8, i);
      break;
    case AttrType.STRINGS:
      for (const s of a.strings!) w.string(9, s);
      break;
    default:
      throw new RangeError(`encodeAttribute: attribute type ${a.type}`);
  }
  return w.int(20, a.type);
}

/** Encodes a tensor as raw little-endian data of its data type (FLOAT, INT64, INT32, DOUBLE, or a byte type). */
export function encodeTensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  if (t.name) w.string(8, t.name);
  const n = t.data.length;
  let raw: Uint8Array;
  if (t.dataType === DataType.FLOAT) {
    raw = new Uint8Array(4 * n);
    const v = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) v.setFloat32(4 * i, t.data[i], true);
  } else if (t.dataType === DataType.INT64) {
    raw = new Uint8Array(8 * n);
    const v = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) v.setBigInt64(8 * i, BigInt(t.data[i]), true);
  } else if (t.dataType === DataType.INT32) {
    raw = new Uint8Array(4 * n);
    const v = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) v.setInt32(4 * i, t.data[i], true);
  } else if (t.dataType === DataType.DOUBLE) {
    raw = new Uint8Array(8 * n);
    const v = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) v.setFloat64(8 * i, t.data[i], true);
  } else if (t.dataType === DataType.BOOL || t.dataType === DataType.UINT8 || t.dataType === DataType.INT8) {
    raw = Uint8Array.from(t.data, (v) => v & 0xff);
  } else {
    throw new RangeError(`encodeTensor: data type ${t.dataType}`);
  }
  return w.bytes(9, raw);
}

function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape ?? []) {
    const dim = new ProtoWriter();
    if (typeof d === "number") dim.int(1, d);
    else if (typeof d === "string") dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, v.elemType);
  if (v.shape) tensorType.message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}
