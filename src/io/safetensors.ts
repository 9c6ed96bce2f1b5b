// The safetensors file format (Hugging Face): an 8-byte little-endian header length, a JSON header
// naming each tensor's dtype, shape and byte range, then the raw little-endian data. Files we write
// are byte-identical to the reference writer's; files we read are validated as strictly as it does.

import { float16Value, halfBits } from "../tensor/half.js";
import { writeFileAtomic } from "#atomic-write";
import { closeSync, openSync, readFileSync, readSync, fstatSync } from "#fs";
import { noGrad } from "../autograd/grad-mode.js";
import { AsyncReadError, FormatError, ValueError } from "../errors.js";
import { tensor } from "../tensor/creation.js";
import { onHostBackend } from "../backend/current.js";
import type { DType, TypedArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { bytesOf, isResponse, readResponse, type ByteSource, type ResponseLike } from "./byte-source.js";

/** The format's dtypes in the reference implementation's order (increasing alignment), with sizes. */
const ST_DTYPES = [
  "BOOL",
  "U8",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
  "I16",
  "U16",
  "F16",
  "BF16",
  "I32",
  "U32",
  "F32",
  "F64",
  "I64",
  "U64",
] as const;
/** The element types a safetensors file may declare ("F32", "I64", …); tensorgrad writes F32, F64, I32, F16, BF16 and BOOL. */
export type SafetensorsDType = (typeof ST_DTYPES)[number];
const ST_SIZE: Record<SafetensorsDType, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};
const WRITE_DTYPE: Record<DType, SafetensorsDType> = {
  float32: "F32",
  float64: "F64",
  int32: "I32",
  float16: "F16",
  bfloat16: "BF16",
  bool: "BOOL",
};
/** The reference reader refuses headers above 100 MB; so do we (a corrupt length is usually huge). */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One tensor's entry in a safetensors header. */
export interface SafetensorsTensorInfo {
  /** Its element type as the file declares it. */
  dtype: SafetensorsDType;
  /** Its shape. */
  shape: number[];
  /** [begin, end) in bytes, relative to the start of the data section. */
  dataOffsets: [number, number];
}

/** A safetensors file's parsed JSON header, without the tensor data. */
export interface SafetensorsHeader {
  /** The `__metadata__` string map ({} when absent). */
  metadata: Record<string, string>;
  /** Each tensor's dtype, shape and byte range, by name. */
  tensors: Record<string, SafetensorsTensorInfo>;
}

/** Both tables are keyed by names from the file and have no prototype ("__proto__" is a plain key). */
export interface SafetensorsContent {
  /** The tensors by name (integer types other than I32 are converted to int32, BOOL is bool; see loadSafetensors). */
  tensors: Record<string, Tensor>;
  /** The header's `__metadata__` string map ({} when absent). */
  metadata: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** A tensor's elements as little-endian bytes in row-major order. */
function littleEndianBytes(t: Tensor): Uint8Array {
  const data: TypedArray = noGrad(() => t.contiguousData());
  const d = t.dtype;
  if (d === "float16" || d === "bfloat16") {
    // The float32-held values are exact values of the narrow type: write their 16-bit patterns.
    const out = new Uint8Array(2 * data.length);
    const view = new DataView(out.buffer);
    for (let i = 0; i < data.length; i++) view.setUint16(2 * i, halfBits(d, data[i]!), true);
    return out;
  }
  // bool: one byte per element, 0 or 1, as torch writes torch.bool.
  if (d === "bool") return Uint8Array.from(data, (v) => (v !== 0 ? 1 : 0));
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST) return bytes;
  const swapped = new Uint8Array(bytes);
  const w = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < swapped.length; i += w) swapped.subarray(i, i + w).reverse();
  return swapped;
}

const utf8 = new TextEncoder();

/** Name order of the reference writer: byte-wise on UTF-8, as Rust compares strings. */
function byName(a: string, b: string): number {
  const x = utf8.encode(a),
    y = utf8.encode(b);
  for (let i = 0; i < x.length && i < y.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * The file's pieces in order (length, header, each tensor's bytes) for `tensors` and `metadata`.
 * Layout as the reference writer (safetensors.torch.save_file): tensors ordered by dtype alignment
 * (largest first), then by name; compact JSON header with `__metadata__` first, padded with spaces
 * to a multiple of 8.
 */
function encodeSafetensors(
  op: string,
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> | undefined,
): (() => Uint8Array)[] {
  if (tensors === null || typeof tensors !== "object") throw new ValueError(`${op}: expected a record of tensors, got ${tensors}`);
  const entries = Object.entries(tensors).map(([name, t]) => {
    if (name === "__metadata__") throw new ValueError(`${op}: "__metadata__" is reserved by the format and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new ValueError(`${op}: "${name}" is not a Tensor`);
    if (!t.storage.backend.host) {
      throw new AsyncReadError(
        `${op}: tensor "${name}" lives on the "${t.storage.backend.name}" backend, which cannot be read synchronously; use \`await io.${op}Async(...)\``,
      );
    }
    return { name, t, dtype: WRITE_DTYPE[t.dtype] };
  });
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new ValueError(`${op}: metadata "${k}" is a ${typeof v}; the format only stores strings`);
    }
  }
  entries.sort((a, b) => ST_DTYPES.indexOf(b.dtype) - ST_DTYPES.indexOf(a.dtype) || byName(a.name, b.name));

  // Offsets follow from shapes alone, so the header is complete before any data is read.
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const { name, t, dtype } of entries) {
    const end = offset + t.size * ST_SIZE[dtype];
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = utf8.encode(`{${parts.join(",")}}`);
  const header = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20);
  header.set(json);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(header.length), true);
  return [
    () => length,
    () => header,
    ...entries.map(
      ({ t }) =>
        () =>
          littleEndianBytes(t),
    ),
  ];
}

/**
 * Writes `tensors` (float32 → F32, float64 → F64, int32 → I32, float16 → F16, bfloat16 → BF16, bool → BOOL) and optional string `metadata` in the
 * safetensors format: to `path`, atomically (see writeFileAtomic), or, without a path, into bytes
 * returned as a Uint8Array (safetensors.torch.save; what a browser saves or uploads). The layout is
 * the reference writer's, byte for byte.
 * @example io.saveSafetensors("model.safetensors", model.stateDict(), { format: "pt" });
 * @example const bytes = io.saveSafetensors(model.stateDict());
 */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void;
export function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array<ArrayBuffer>;
export function saveSafetensors(
  first: string | Record<string, Tensor>,
  second?: Record<string, Tensor> | Record<string, string>,
  third?: Record<string, string>,
): void | Uint8Array<ArrayBuffer> {
  const op = "saveSafetensors";
  if (typeof first === "string") {
    const pieces = encodeSafetensors(op, second as Record<string, Tensor>, third);
    writeFileAtomic(first, (write) => {
      for (const piece of pieces) write(piece());
    });
    return;
  }
  const chunks = encodeSafetensors(op, first, second as Record<string, string> | undefined).map((piece) => piece());
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** The format nests no deeper than {name: {shape: [...]}}; deeper input is refused before parsing. */
const MAX_HEADER_DEPTH = 3;

/** The deepest nesting of objects and arrays in JSON text, counted without parsing it. */
function jsonDepth(text: string): number {
  let depth = 0,
    deepest = 0,
    inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/** Parses and validates a header; `dataLength` is the size of the data section after it. */
function parseHeader(op: string, path: string, headerBytes: Uint8Array, dataLength: number | null): SafetensorsHeader {
  const fail = (what: string): never => {
    // Values quoted from the file are cut short: a message must not carry megabytes of header.
    throw new FormatError(`${op}: ${path}: ${what.length > 500 ? `${what.slice(0, 500)}…` : what}`);
  };
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    fail("the header is not valid UTF-8");
  }
  const depth = jsonDepth(text);
  if (depth > MAX_HEADER_DEPTH)
    fail(`the header nests ${depth} levels deep; the format has at most ${MAX_HEADER_DEPTH} ({name: {shape: [...]}})`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(raw)) return fail("the header is not a JSON object");

  // Names come from the file: tables keyed by them have no prototype, so "__proto__" is a plain key.
  const metadata: Record<string, string> = Object.create(null);
  const tensors: Record<string, SafetensorsTensorInfo> = Object.create(null);
  for (const [name, value] of Object.entries(raw)) {
    if (name === "__metadata__") {
      if (!isObject(value)) fail(`__metadata__ must be an object of strings, got ${JSON.stringify(value)}`);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__ "${k}" is ${JSON.stringify(v)}, expected a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const where = `tensor "${name}"`;
    if (!isObject(value)) return fail(`${where}: expected {dtype, shape, data_offsets}, got ${JSON.stringify(value)}`);
    const { dtype, shape, data_offsets: offsets } = value;
    if (typeof dtype !== "string" || !(ST_DTYPES as readonly string[]).includes(dtype)) {
      fail(`${where}: unknown dtype ${JSON.stringify(dtype)} (expected one of ${ST_DTYPES.join(", ")})`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount))
      fail(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      fail(`${where}: data_offsets ${JSON.stringify(offsets)} is not a pair [begin, end] of integers with begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    const st = dtype as SafetensorsDType;
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (dataLength !== null && end > dataLength) {
      fail(
        `${where}: data_offsets [${begin}, ${end}] lie outside the data section (${dataLength} bytes); the file is truncated or corrupt`,
      );
    }
    if (end - begin !== count * ST_SIZE[st]) {
      fail(
        `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but dtype ${st} with shape [${(shape as number[]).join(", ")}] needs ${count * ST_SIZE[st]}`,
      );
    }
    tensors[name] = { dtype: st, shape: shape as number[], dataOffsets: [begin, end] };
  }

  if (dataLength !== null) {
    // As the reference reader: the tensors tile the data section exactly, no overlaps, no holes.
    const ordered = Object.entries(tensors).sort(
      ([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1],
    );
    let at = 0,
      prev = "";
    for (const [
      name,
      {
        dataOffsets: [begin, end],
      },
    ] of ordered) {
      if (begin < at) fail(`tensor "${name}": data_offsets [${begin}, ${end}] overlap tensor "${prev}" (which ends at ${at})`);
      if (begin > at) fail(`bytes [${at}, ${begin}) of the data section belong to no tensor`);
      at = end;
      prev = name;
    }
    if (at !== dataLength) fail(`the data section has ${dataLength} bytes but the tensors cover only ${at}`);
  }
  return { metadata, tensors };
}

/** Reads the 8-byte length; checks it against the file size. Returns the header length. */
function headerLength(op: string, path: string, first8: Uint8Array, fileSize: number): number {
  if (fileSize < 8)
    throw new FormatError(`${op}: ${path}: the file has ${fileSize} bytes, too few for the 8-byte header length; not a safetensors file`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileSize - 8)) {
    throw new FormatError(
      `${op}: ${path}: the header length ${n} runs past the end of the file (${fileSize} bytes); the file is truncated or not a safetensors file`,
    );
  }
  if (n > BigInt(MAX_HEADER_BYTES))
    throw new FormatError(`${op}: ${path}: the header length ${n} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes`);
  return Number(n);
}

/** Decodes one tensor's little-endian bytes into a tensorgrad tensor (see loadSafetensors for the mapping). */
function decode(op: string, path: string, name: string, info: SafetensorsTensorInfo, bytes: Uint8Array): Tensor {
  const { dtype, shape } = info;
  const n = info.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Copying into a fresh buffer aligns the data, whatever its offset in the file.
  const aligned = (): ArrayBuffer => Uint8Array.from(bytes).buffer;
  const outOfRange = (i: number, value: bigint | number): never => {
    throw new FormatError(
      `${op}: ${path}: tensor "${name}" (${dtype}) holds ${value} at element ${i}, outside the int32 range [-2147483648, 2147483647] that tensorgrad stores integers in`,
    );
  };
  const ints = (read: (i: number) => number): Tensor =>
    tensor(
      Int32Array.from({ length: n }, (_, i) => read(i)),
      { shape, dtype: "int32" },
    );
  switch (dtype) {
    case "F32":
      return tensor(
        LITTLE_ENDIAN_HOST ? new Float32Array(aligned()) : Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true)),
        { shape },
      );
    case "F64":
      return tensor(
        LITTLE_ENDIAN_HOST ? new Float64Array(aligned()) : Float64Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, true)),
        { shape, dtype: "float64" },
      );
    case "I32":
      return tensor(LITTLE_ENDIAN_HOST ? new Int32Array(aligned()) : Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true)), {
        shape,
      });
    case "F16":
      return tensor(
        Float32Array.from({ length: n }, (_, i) => float16Value(view.getUint16(2 * i, true))),
        { shape, dtype: "float16" },
      );
    case "BF16": {
      // bfloat16 is the top half of a float32.
      const bits = Uint32Array.from({ length: n }, (_, i) => view.getUint16(2 * i, true) << 16);
      return tensor(new Float32Array(bits.buffer), { shape, dtype: "bfloat16" });
    }
    case "I64":
      return ints((i) => {
        const lo = view.getInt32(8 * i, true),
          hi = view.getInt32(8 * i + 4, true);
        // In int32 range exactly when the high word is the sign extension of the low word.
        return hi === lo >> 31 ? lo : outOfRange(i, view.getBigInt64(8 * i, true));
      });
    case "U64":
      return ints((i) => {
        const lo = view.getUint32(8 * i, true),
          hi = view.getUint32(8 * i + 4, true);
        return hi === 0 && lo <= 0x7fffffff ? lo : outOfRange(i, view.getBigUint64(8 * i, true));
      });
    case "U32":
      return ints((i) => {
        const v = view.getUint32(4 * i, true);
        return v <= 0x7fffffff ? v : outOfRange(i, v);
      });
    case "I16":
      return ints((i) => view.getInt16(2 * i, true));
    case "U16":
      return ints((i) => view.getUint16(2 * i, true));
    case "I8":
      return ints((i) => view.getInt8(i));
    case "U8":
      return ints((i) => view.getUint8(i));
    case "BOOL":
      return tensor(
        Int32Array.from({ length: n }, (_, i) => view.getUint8(i)),
        { shape, dtype: "bool" },
      );
    default:
      throw new FormatError(
        `${op}: ${path}: tensor "${name}" has dtype ${dtype}, which tensorgrad cannot load (supported: F32, F64, F16, BF16, I64, I32, U32, U64, I16, U16, I8, U8, BOOL)`,
      );
  }
}

/** Parses safetensors bytes; `label` names their origin in errors (a path, or "<bytes>"). */
export function parseSafetensors(op: string, label: string, bytes: Uint8Array): SafetensorsContent {
  const n = headerLength(op, label, bytes.subarray(0, 8), bytes.length);
  const dataStart = 8 + n;
  const header = parseHeader(op, label, bytes.subarray(8, dataStart), bytes.length - dataStart);
  const tensors: Record<string, Tensor> = Object.create(null);
  // A file's tensors land on the CPU (torch.load's map_location="cpu"); loadStateDict copies them
  // to wherever the parameters live.
  onHostBackend(() => {
    for (const [name, info] of Object.entries(header.tensors)) {
      const [begin, end] = info.dataOffsets;
      tensors[name] = decode(op, label, name, info, bytes.subarray(dataStart + begin, dataStart + end));
    }
  });
  return { tensors, metadata: header.metadata };
}

/**
 * saveSafetensors for tensors on any backend, WebGPU included: each is read back (awaited) first.
 * @example await io.saveSafetensorsAsync("model.safetensors", model.stateDict());
 */
export async function saveSafetensorsAsync(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void>;
export async function saveSafetensorsAsync(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<Uint8Array<ArrayBuffer>>;
export async function saveSafetensorsAsync(
  first: string | Record<string, Tensor>,
  second?: Record<string, Tensor> | Record<string, string>,
  third?: Record<string, string>,
): Promise<void | Uint8Array<ArrayBuffer>> {
  if (typeof first === "string") return saveSafetensors(first, await onHost(second as Record<string, Tensor>), third);
  return saveSafetensors(await onHost(first), second as Record<string, string> | undefined);
}

/** The same record with every tensor in host memory (device tensors read back). */
export async function onHost(tensors: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  if (tensors === null || typeof tensors !== "object") return tensors;
  const out: Record<string, Tensor> = Object.create(null);
  for (const [name, t] of Object.entries(tensors)) out[name] = t instanceof Tensor ? await t.cpu() : t;
  return out;
}

/**
 * Reads safetensors (as written by safetensors.torch.save_file, Hugging Face, or saveSafetensors)
 * into `{ tensors, metadata }`, from a file path (Node), from bytes (a Uint8Array or ArrayBuffer:
 * safetensors.torch.load), or from a fetch Response (then asynchronously: it returns a Promise).
 * dtypes: F32 → float32, F64 → float64, I32 → int32, F16 → float16, BF16 → bfloat16 (held in float32
 * memory, see Tensor.half; NaN payloads are not kept), BOOL → bool; I64, U64, U32, I16,
 * U16, I8 and U8 → int32 (a value outside the int32 range is a FormatError). Truncated or
 * corrupt data (header length past the end, bad JSON, offsets outside the data section, overlapping
 * or leaving holes, a byte count that does not match dtype × shape) is a FormatError naming the file
 * and the problem.
 * @example const { tensors, metadata } = io.loadSafetensors("model.safetensors");
 * @example const { tensors } = await io.loadSafetensors(await fetch("model.safetensors"));
 */
export function loadSafetensors(source: string | ByteSource): SafetensorsContent;
export function loadSafetensors(source: ResponseLike): Promise<SafetensorsContent>;
export function loadSafetensors(source: string | ByteSource | ResponseLike): SafetensorsContent | Promise<SafetensorsContent> {
  const op = "loadSafetensors";
  if (typeof source === "string") return parseSafetensors(op, source, readFileSync(source));
  if (isResponse(source)) return readResponse(op, source).then(({ label, bytes }) => parseSafetensors(op, label, bytes));
  return parseSafetensors(op, "<bytes>", bytesOf(op, source));
}

/**
 * Reads only the header of a safetensors file: its metadata and each tensor's dtype, shape and
 * byte range, without loading any data (safetensors' safe_open(...).metadata() and keys()).
 * @example io.readSafetensorsHeader("model.safetensors").metadata
 */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const op = "readSafetensorsHeader";
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const first8 = new Uint8Array(8);
    readSync(fd, first8, 0, Math.min(8, size), 0);
    const n = headerLength(op, path, first8, size);
    const headerBytes = new Uint8Array(n);
    readSync(fd, headerBytes, 0, n, 8);
    return parseHeader(op, path, headerBytes, size - 8 - n);
  } finally {
    closeSync(fd);
  }
}
