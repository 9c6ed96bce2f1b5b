// ONNX models to and from files or bytes: the file-system side of ONNX export and import, kept in
// io like every other file access. Writes are atomic (see writeFileAtomic).

import { readFileSync, statSync } from "node:fs";
import { FormatError, ValueError } from "../../errors.js";
import { writeFileAtomic } from "../atomic-write.js";
import { decodeModel } from "./decode.js";
import { encodeModel } from "./encode.js";
import type { OnnxModel } from "./schema.js";

/** Where an ONNX model comes from: a file path or its bytes. */
export type OnnxSource = string | Uint8Array | ArrayBuffer;

/** ONNX's own limit for a single protobuf file (larger models use external data, not supported). */
const MAX_FILE_BYTES = 2 ** 31 - 1;

/** Reads and decodes an ONNX model; any malformed content is a FormatError. */
export function readOnnxModel(source: OnnxSource): OnnxModel {
  let bytes: Uint8Array;
  if (typeof source === "string") {
    const size = statSync(source).size;
    if (size > MAX_FILE_BYTES) throw new FormatError(`loadOnnx: ${source} is ${size} bytes, above the 2 GiB limit of a single ONNX file`);
    bytes = readFileSync(source);
  } else if (source instanceof Uint8Array) {
    bytes = source;
  } else if (source instanceof ArrayBuffer) {
    bytes = new Uint8Array(source);
  } else {
    throw new ValueError(`loadOnnx: expected a file path, a Uint8Array or an ArrayBuffer, got ${source === null ? "null" : typeof source}`);
  }
  return decodeModel(bytes);
}

/** Encodes `model`; writes it to `destination` when given (atomically), and returns the bytes. */
export function writeOnnxModel(model: OnnxModel, destination?: string): Uint8Array {
  const bytes = encodeModel(model);
  if (destination !== undefined) writeFileAtomic(destination, bytes);
  return bytes;
}
