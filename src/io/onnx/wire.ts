// The protocol-buffer wire format, as much of it as ONNX files use: varints, 64- and 32-bit fixed
// values and length-delimited fields, read with every length checked against the bytes that remain
// (a hostile file gets a FormatError, never an out-of-range read) and written into a growing buffer.

import { FormatError } from "../../errors.js";

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** One field of a message: its number, wire type and where its value lies. */
export interface Field {
  readonly number: number;
  readonly wireType: number;
  /** The value of a varint field (int64 values outside ±2^53 are clamped, see readVarint). */
  readonly varint: number;
  /** The payload of a length-delimited or fixed field (a view into the message's bytes). */
  readonly bytes: Uint8Array;
}

const TWO_32 = 4294967296;

/**
 * Reads a message's fields in order. `what` names the message in errors. Groups (wire types 3 and 4)
 * are long deprecated and never used by ONNX, so they are refused.
 */
export function* fields(buf: Uint8Array, what: string): Generator<Field> {
  const pos = { at: 0 };
  while (pos.at < buf.length) {
    const key = readVarint(buf, pos, what);
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (number < 1) throw new FormatError(`${what}: field number ${number} at byte ${pos.at} (a corrupt or truncated file)`);
    if (wireType === WIRE_VARINT) {
      yield { number, wireType, varint: readVarint(buf, pos, what), bytes: EMPTY };
    } else if (wireType === WIRE_BYTES) {
      const len = readVarint(buf, pos, what);
      if (len < 0 || len > buf.length - pos.at) {
        throw new FormatError(`${what}: field ${number} claims ${len} bytes but only ${buf.length - pos.at} remain (truncated or corrupt)`);
      }
      yield { number, wireType, varint: 0, bytes: buf.subarray(pos.at, pos.at + len) };
      pos.at += len;
    } else if (wireType === WIRE_FIXED64 || wireType === WIRE_FIXED32) {
      const len = wireType === WIRE_FIXED64 ? 8 : 4;
      if (len > buf.length - pos.at) throw new FormatError(`${what}: field ${number} is cut off (truncated file)`);
      yield { number, wireType, varint: 0, bytes: buf.subarray(pos.at, pos.at + len) };
      pos.at += len;
    } else {
      throw new FormatError(`${what}: unknown wire type ${wireType} for field ${number} at byte ${pos.at}`);
    }
  }
}

const EMPTY = new Uint8Array(0);

/**
 * A varint as a JavaScript number. Values are two's-complement int64 on the wire; those beyond
 * ±2^53 (INT64_MAX as "to the end" in Slice, say) are clamped to ±Number.MAX_SAFE_INTEGER, which
 * every consumer here treats the same way.
 */
export function readVarint(buf: Uint8Array, pos: { at: number }, what: string): number {
  let lo = 0;
  let hi = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    if (pos.at >= buf.length) throw new FormatError(`${what}: a number is cut off at byte ${pos.at} (truncated file)`);
    const b = buf[pos.at++];
    if (shift < 28) lo |= (b & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (b & 0x0f) << 28;
      hi = (b & 0x7f) >> 4;
    } else hi |= (b & 0x7f) << (shift - 32);
    if ((b & 0x80) === 0) return toNumber(lo >>> 0, hi | 0);
    shift += 7;
  }
  throw new FormatError(`${what}: a varint longer than 10 bytes at byte ${pos.at} (corrupt file)`);
}

function toNumber(lo: number, hi: number): number {
  if (hi < 0) {
    // Negative int64: -(2^64 - value).
    const nlo = (~lo + 1) >>> 0;
    const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
    const mag = nhi * TWO_32 + nlo;
    return mag > Number.MAX_SAFE_INTEGER ? -Number.MAX_SAFE_INTEGER : -mag;
  }
  const v = hi * TWO_32 + lo;
  return v > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : v;
}

/** The elements of a repeated varint field, packed (one length-delimited run) or not (one per field). */
export function varints(f: Field, what: string): number[] {
  if (f.wireType === WIRE_VARINT) return [f.varint];
  if (f.wireType !== WIRE_BYTES) throw new FormatError(`${what}: field ${f.number} should hold integers but has wire type ${f.wireType}`);
  const out: number[] = [];
  const pos = { at: 0 };
  while (pos.at < f.bytes.length) out.push(readVarint(f.bytes, pos, what));
  return out;
}

/** The elements of a repeated float field, packed or not. */
export function floats(f: Field, what: string): number[] {
  const b = f.bytes;
  if (f.wireType === WIRE_FIXED32) return [new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true)];
  if (f.wireType !== WIRE_BYTES || b.length % 4 !== 0) throw new FormatError(`${what}: field ${f.number} should hold float32 values`);
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const out = new Array<number>(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** The elements of a repeated double field, packed or not. */
export function doubles(f: Field, what: string): number[] {
  const b = f.bytes;
  if (f.wireType === WIRE_FIXED64) return [new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true)];
  if (f.wireType !== WIRE_BYTES || b.length % 8 !== 0) throw new FormatError(`${what}: field ${f.number} should hold float64 values`);
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const out = new Array<number>(b.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
  return out;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** A length-delimited field as UTF-8 text. */
export function text(f: Field, what: string): string {
  if (f.wireType !== WIRE_BYTES) throw new FormatError(`${what}: field ${f.number} should be a string but has wire type ${f.wireType}`);
  try {
    return decoder.decode(f.bytes);
  } catch {
    throw new FormatError(`${what}: field ${f.number} is not valid UTF-8`);
  }
}

/** A length-delimited field's bytes (a nested message or raw data). */
export function payload(f: Field, what: string): Uint8Array {
  if (f.wireType !== WIRE_BYTES) throw new FormatError(`${what}: field ${f.number} should be a message but has wire type ${f.wireType}`);
  return f.bytes;
}

/** A single varint field. */
export function integer(f: Field, what: string): number {
  if (f.wireType !== WIRE_VARINT) throw new FormatError(`${what}: field ${f.number} should be an integer but has wire type ${f.wireType}`);
  return f.varint;
}

/** A single float (fixed32) field. */
export function float32(f: Field, what: string): number {
  if (f.wireType !== WIRE_FIXED32) throw new FormatError(`${what}: field ${f.number} should be a float but has wire type ${f.wireType}`);
  return new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true);
}

const encoder = new TextEncoder();

/** Builds one message; nested messages are built by their own writer and added as bytes. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private rawVarint(v: number): void {
    this.reserve(10);
    if (v < 0) {
      // Two's complement over 64 bits, always ten bytes.
      let lo = (v % TWO_32) >>> 0;
      let hi = Math.floor(v / TWO_32) >>> 0;
      for (let i = 0; i < 9; i++) {
        this.buf[this.len++] = (lo & 0x7f) | 0x80;
        lo = (lo >>> 7) | ((hi & 0x7f) << 25);
        hi >>>= 7;
      }
      this.buf[this.len++] = lo & 0x01;
      return;
    }
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }

  private key(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  int(field: number, v: number): this {
    if (!Number.isSafeInteger(v)) throw new RangeError(`ProtoWriter: ${v} is not an integer`);
    this.key(field, WIRE_VARINT);
    this.rawVarint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, WIRE_FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, WIRE_BYTES);
    this.rawVarint(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, encoder.encode(s));
  }

  message(field: number, w: ProtoWriter): this {
    return this.bytes(field, w.finish());
  }

  packedInts(field: number, vs: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of vs) inner.rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, vs: readonly number[]): this {
    const b = new Uint8Array(4 * vs.length);
    const view = new DataView(b.buffer);
    vs.forEach((v, i) => view.setFloat32(4 * i, v, true));
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
