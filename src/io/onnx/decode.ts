// Reading an ONNX model from bytes. The file is untrusted: every length is checked by the wire
// reader, tensor sizes must agree with the bytes present (so memory stays proportional to the file),
// subgraphs (If branches, Loop bodies) nest at most MAX_GRAPH_DEPTH deep, and any failure is a FormatError.

import { FormatError } from "../../errors.js";
import { fields, varints, floats, doubles, text, payload, integer, float32, type Field } from "./wire.js";
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

/** Subgraphs nested deeper than this are refused (a hostile file could otherwise exhaust the stack). */
export const MAX_GRAPH_DEPTH = 8;
/** Ranks above this are refused; no real model comes near it. */
export const MAX_RANK = 32;
/** Elements in one tensor (float32: 8 GiB); a larger claim is a corrupt or hostile file. */
const MAX_ELEMENTS = 2 ** 31;

const ELEMENT_BYTES = new Map<number, number>([
  [DataType.FLOAT, 4],
  [DataType.DOUBLE, 8],
  [DataType.INT32, 4],
  [DataType.INT64, 8],
  [DataType.UINT8, 1],
  [DataType.INT8, 1],
  [DataType.BOOL, 1],
]);

/** Decodes a serialized ModelProto. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const what = "loadOnnx: ModelProto";
  const model: OnnxModel = { irVersion: 0, producerName: "", producerVersion: "", opsetImports: [], graph: emptyGraph() };
  let sawGraph = false;
  for (const f of fields(bytes, what)) {
    switch (f.number) {
      case 1:
        model.irVersion = integer(f, what);
        break;
      case 2:
        model.producerName = text(f, what);
        break;
      case 3:
        model.producerVersion = text(f, what);
        break;
      case 7:
        model.graph = decodeGraph(payload(f, what), 0);
        sawGraph = true;
        break;
      case 8:
        model.opsetImports.push(decodeOpset(payload(f, what)));
        break;
      default:
        break; // doc strings, metadata, functions, training info: not needed to run the graph
    }
  }
  if (!sawGraph) throw new FormatError(`${what}: no graph (not an ONNX model, or an empty file)`);
  return model;
}

function emptyGraph(): OnnxGraph {
  return { name: "", nodes: [], initializers: [], inputs: [], outputs: [] };
}

function decodeOpset(b: Uint8Array): { domain: string; version: number } {
  const what = "loadOnnx: OperatorSetIdProto";
  const o = { domain: "", version: 0 };
  for (const f of fields(b, what)) {
    if (f.number === 1) o.domain = text(f, what);
    else if (f.number === 2) o.version = integer(f, what);
  }
  return o;
}

function decodeGraph(b: Uint8Array, depth: number): OnnxGraph {
  const what = "loadOnnx: GraphProto";
  if (depth > MAX_GRAPH_DEPTH) throw new FormatError(`${what}: subgraphs nested more than ${MAX_GRAPH_DEPTH} deep`);
  const g = emptyGraph();
  for (const f of fields(b, what)) {
    switch (f.number) {
      case 1:
        g.nodes.push(decodeNode(payload(f, what), depth));
        break;
      case 2:
        g.name = text(f, what);
        break;
      case 5:
        g.initializers.push(decodeTensor(payload(f, what)));
        break;
      case 11:
        g.inputs.push(decodeValueInfo(payload(f, what)));
        break;
      case 12:
        g.outputs.push(decodeValueInfo(payload(f, what)));
        break;
      case 15:
        throw new FormatError(`${what}: sparse initializers are not supported`);
      default:
        break;
    }
  }
  return g;
}

function decodeNode(b: Uint8Array, depth: number): OnnxNode {
  const what = "loadOnnx: NodeProto";
  const n: OnnxNode = { opType: "", domain: "", name: "", inputs: [], outputs: [], attributes: new Map() };
  for (const f of fields(b, what)) {
    switch (f.number) {
      case 1:
        n.inputs.push(text(f, what));
        break;
      case 2:
        n.outputs.push(text(f, what));
        break;
      case 3:
        n.name = text(f, what);
        break;
      case 4:
        n.opType = text(f, what);
        break;
      case 5: {
        const a = decodeAttribute(payload(f, what), depth);
        if (n.attributes.has(a.name)) throw new FormatError(`${what}: attribute "${a.name}" appears twice`);
        n.attributes.set(a.name, a);
        break;
      }
      case 7:
        n.domain = text(f, what);
        break;
      default:
        break;
    }
  }
  if (n.opType === "") throw new FormatError(`${what}: a node without an op_type`);
  return n;
}

function decodeAttribute(b: Uint8Array, depth: number): OnnxAttribute {
  const what = "loadOnnx: AttributeProto";
  const a: OnnxAttribute = { name: "", type: 0 };
  for (const f of fields(b, what)) {
    switch (f.number) {
      case 1:
        a.name = text(f, what);
        break;
      case 20:
        a.type = integer(f, what);
        break;
      case 2:
        a.f = float32(f, what);
        break;
      case 3:
        a.i = integer(f, what);
        break;
      case 4:
        a.s = text(f, what);
        break;
      case 5:
        a.t = decodeTensor(payload(f, what));
        break;
      case 6:
        a.g = decodeGraph(payload(f, what), depth + 1);
        break;
      case 7:
        append((a.floats ??= []), floats(f, what));
        break;
      case 8:
        append((a.ints ??= []), varints(f, what));
        break;
      case 9:
        (a.strings ??= []).push(text(f, what));
        break;
      default:
        break; // lists of graphs, sparse tensors and type protos: ops that need them are unsupported
    }
  }
  if (a.type === 0) {
    // Old writers omit the discriminator; infer it from the field present.
    a.type =
      a.f !== undefined
        ? AttrType.FLOAT
        : a.i !== undefined
          ? AttrType.INT
          : a.s !== undefined
            ? AttrType.STRING
            : a.t !== undefined
              ? AttrType.TENSOR
              : a.g !== undefined
                ? AttrType.GRAPH
                : a.floats
                  ? AttrType.FLOATS
                  : a.ints
                    ? AttrType.INTS
                    : a.strings
                      ? AttrType.STRINGS
                      : 0;
  }
  return a;
}

function decodeValueInfo(b: Uint8Array): OnnxValueInfo {
  const what = "loadOnnx: ValueInfoProto";
  const v: OnnxValueInfo = { name: "", elemType: 0, shape: null };
  for (const f of fields(b, what)) {
    if (f.number === 1) v.name = text(f, what);
    else if (f.number === 2) {
      // TypeProto: only tensor_type (1) is meaningful for a graph input or output here.
      for (const t of fields(payload(f, what), "loadOnnx: TypeProto")) {
        if (t.number !== 1) continue;
        for (const tt of fields(payload(t, what), "loadOnnx: TypeProto.Tensor")) {
          if (tt.number === 1) v.elemType = integer(tt, what);
          else if (tt.number === 2) v.shape = decodeShape(payload(tt, what));
        }
      }
    }
  }
  return v;
}

function decodeShape(b: Uint8Array): (number | string | null)[] {
  const what = "loadOnnx: TensorShapeProto";
  const dims: (number | string | null)[] = [];
  for (const f of fields(b, what)) {
    if (f.number !== 1) continue;
    if (dims.length >= MAX_RANK) throw new FormatError(`${what}: more than ${MAX_RANK} dims`);
    let d: number | string | null = null;
    for (const df of fields(payload(f, what), what)) {
      if (df.number === 1) d = integer(df, what);
      else if (df.number === 2) d = text(df, what);
    }
    dims.push(d);
  }
  return dims;
}

/** Decodes a TensorProto, checking that its data holds exactly the elements its dims promise. */
export function decodeTensor(b: Uint8Array): OnnxTensor {
  const what = "loadOnnx: TensorProto";
  let name = "";
  let dataType = 0;
  const dims: number[] = [];
  let raw: Uint8Array | null = null;
  const typed: Field[] = [];
  let location: string | null = null;
  let external = false;
  for (const f of fields(b, what)) {
    switch (f.number) {
      case 1:
        append(dims, varints(f, what));
        break;
      case 2:
        dataType = integer(f, what);
        break;
      case 8:
        name = text(f, what);
        break;
      case 9:
        raw = payload(f, what);
        break;
      case 4:
      case 5:
      case 7:
      case 10:
        typed.push(f);
        break;
      case 13:
        location = externalLocation(payload(f, what)) ?? location;
        break;
      case 14:
        if (integer(f, what) === 1) external = true;
        break;
      default:
        break;
    }
  }
  const label = `${what} "${name}"`;
  if (external || location !== null) {
    throw new FormatError(
      `${label} keeps its data in the external file "${location ?? "?"}" (ONNX external data, used above 2 GiB), which loadOnnx does not read; ` +
        "re-save the model with its weights inside (onnx.save_model(model, path, save_as_external_data=False))",
    );
  }
  const size = ELEMENT_BYTES.get(dataType);
  if (size === undefined)
    throw new FormatError(`${label}: data type ${dataType} is not supported (float32, float64, int32, int64, int8, uint8 and bool are)`);
  if (dims.length > MAX_RANK) throw new FormatError(`${label}: rank ${dims.length} exceeds ${MAX_RANK}`);
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new FormatError(`${label}: dimension ${d} is not a size`);
    count *= d;
    if (count > MAX_ELEMENTS) throw new FormatError(`${label}: dims [${dims.join(", ")}] claim more than ${MAX_ELEMENTS} elements`);
  }
  const data = dataType === DataType.FLOAT ? new Float32Array(count) : new Float64Array(count);
  if (raw !== null) {
    if (raw.length !== count * size) {
      throw new FormatError(`${label}: raw data has ${raw.length} bytes but dims [${dims.join(", ")}] need ${count * size}`);
    }
    readRaw(raw, dataType, data);
  } else {
    const values = typedValues(typed, dataType, label);
    if (values.length !== count)
      throw new FormatError(`${label}: ${values.length} values for dims [${dims.join(", ")}] (${count} elements)`);
    data.set(values);
  }
  return { name, dataType, dims, data };
}

/** The "location" of an external_data entry (StringStringEntryProto: key 1, value 2), if this is it. */
function externalLocation(b: Uint8Array): string | null {
  const what = "loadOnnx: TensorProto.external_data";
  let key = "";
  let value = "";
  for (const f of fields(b, what)) {
    if (f.number === 1) key = text(f, what);
    else if (f.number === 2) value = text(f, what);
  }
  return key === "location" ? value : null;
}

function readRaw(raw: Uint8Array, dataType: number, out: Float32Array | Float64Array): void {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = out.length;
  switch (dataType) {
    case DataType.FLOAT:
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case DataType.DOUBLE:
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case DataType.INT32:
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      break;
    case DataType.INT64:
      for (let i = 0; i < n; i++) out[i] = clampInt64(view.getBigInt64(8 * i, true));
      break;
    case DataType.INT8:
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      break;
    default:
      for (let i = 0; i < n; i++) out[i] = view.getUint8(i);
      break; // UINT8, BOOL
  }
}

/** Appends without spreading (a huge packed field would overflow the argument stack). */
function append(to: number[], from: readonly number[]): void {
  for (const v of from) to.push(v);
}

const clampInt64 = (v: bigint): number =>
  v > BigInt(Number.MAX_SAFE_INTEGER)
    ? Number.MAX_SAFE_INTEGER
    : v < -BigInt(Number.MAX_SAFE_INTEGER)
      ? -Number.MAX_SAFE_INTEGER
      : Number(v);

/** Values from the typed repeated fields: float_data (4), int32_data (5), int64_data (7), double_data (10). */
function typedValues(typed: Field[], dataType: number, label: string): number[] {
  const want = dataType === DataType.FLOAT ? 4 : dataType === DataType.INT64 ? 7 : dataType === DataType.DOUBLE ? 10 : 5;
  const out: number[] = [];
  for (const f of typed) {
    if (f.number !== want) throw new FormatError(`${label}: field ${f.number} does not fit data type ${dataType}`);
    const vs = want === 4 ? floats(f, label) : want === 10 ? doubles(f, label) : varints(f, label);
    for (const v of vs) out.push(v);
  }
  return out;
}
