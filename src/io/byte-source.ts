// Where io reads bytes from besides a path: a Uint8Array, an ArrayBuffer (or a view of one), or a
// fetch Response, read asynchronously. Shared by safetensors and checkpoints.
import { ValueError } from "../errors.js";

/** Bytes in memory. */
export type ByteSource = Uint8Array | ArrayBuffer | ArrayBufferView;

/** The part of a fetch Response io uses (the global Response type is not in every runtime's types). */
export interface ResponseLike {
  /** The body's bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
  /** Whether the status is 2xx (otherwise loading is a ValueError naming the URL and the status). */
  readonly ok: boolean;
  /** The HTTP status. */
  readonly status: number;
  /** The URL fetched, for error messages. */
  readonly url: string;
}

export function isResponse(v: unknown): v is ResponseLike {
  return (
    v !== null &&
    typeof v === "object" &&
    typeof (v as ResponseLike).arrayBuffer === "function" &&
    typeof (v as ResponseLike).status === "number"
  );
}

/** `source` as a Uint8Array over the same memory (no copy). */
export function bytesOf(op: string, source: unknown): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && source instanceof SharedArrayBuffer)) {
    return new Uint8Array(source);
  }
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  const what =
    source === null
      ? "null"
      : Array.isArray(source)
        ? "an array"
        : typeof source === "object"
          ? (source.constructor?.name ?? "an object")
          : typeof source;
  throw new ValueError(`${op}: expected a path (string), a Uint8Array, an ArrayBuffer or a fetch Response, got ${what}`);
}

/** A successful response's body and a label for errors (its URL); a failed one is a ValueError. */
export async function readResponse(op: string, response: ResponseLike): Promise<{ label: string; bytes: Uint8Array }> {
  const label = response.url || "<response>";
  if (!response.ok) throw new ValueError(`${op}: ${label}: the response has HTTP status ${response.status}, expected a 2xx status`);
  return { label, bytes: new Uint8Array(await response.arrayBuffer()) };
}
