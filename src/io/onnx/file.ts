// ONNX models to and from files, bytes or fetch Responses: the file-system side of ONNX export and
// import, kept in io like every other file access ("#fs" and "#atomic-write" have browser twins
// that explain a page has no file system). Writes are atomic.

import { writeFileAtomic } from "#atomic-write";
import { readFileSync, statSync } from "#fs";
import { FormatError } from "../../errors.js";
import { bytesOf, isResponse, readResponse, type ByteSource, type ResponseLike } from "../byte-source.js";
import { decodeModel } from "./decode.js";
import { encodeModel } from "./encode.js";
import type { OnnxModel } from "./schema.js";

/** Where an ONNX model comes from: a file path or its bytes. */
export type OnnxSource = string | ByteSource;

/** ONNX's own limit for a single protobuf file (larger models use external data, not supported). */
const MAX_FILE_BYTES = 2 ** 31 - 1;

/** Reads and decodes an ONNX model; any malformed content is a FormatError. */
export function readOnnxModel(source: OnnxSource): OnnxModel {
  if (typeof source !== "string") return decodeModel(bytesOf("loadOnnx", source));
  const size = statSync(source).size;
  if (size > MAX_FILE_BYTES) throw new FormatError(`loadOnnx: ${source} is ${size} bytes, above the 2 GiB limit of a single ONNX file`);
  return decodeModel(readFileSync(source));
}

/** readOnnxModel that also takes a fetch Response (read asynchronously). */
export async function readOnnxModelAsync(source: OnnxSource | ResponseLike): Promise<OnnxModel> {
  if (isResponse(source)) return decodeModel((await readResponse("loadOnnx", source)).bytes);
  return readOnnxModel(source);
}

/** Encodes `model`; writes it to `destination` when given (atomically), and returns the bytes. */
export function writeOnnxModel(model: OnnxModel, destination?: string): Uint8Array {
  const bytes = encodeModel(model);
  if (destination !== undefined) writeFileAtomic(destination, bytes);
  return bytes;
}
