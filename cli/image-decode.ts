// One image file (PNG or JPEG) from a user's folder to a square of pixels in [0, 1]: decoded by
// pngjs or jpeg-js, flattened onto white, turned grey if asked, and area-resized. The files are
// untrusted, so sizes are checked from the header before any pixels are decoded, and a file that
// does not decode is a FormatError naming it.

import { readFileSync, statSync } from "node:fs";
import { PNG } from "pngjs";
import jpeg from "jpeg-js";
import * as tg from "../src/index.js";

/** Image files above this many bytes are refused (a photo of 50 MiB is not a training sample). */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
/** Width × height above this are refused before decoding: 50 megapixels is 200 MB of RGBA. */
export const MAX_IMAGE_PIXELS = 50_000_000;

export type ImageKind = "png" | "jpeg";
export type ColorMode = "gray" | "rgb";

/** The kind of image a file name announces, or null for any other file (which a folder may hold). */
export function imageKind(name: string): ImageKind | null {
  return /\.png$/i.test(name) ? "png" : /\.jpe?g$/i.test(name) ? "jpeg" : null;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's IHDR or a JPEG's first start-of-frame marker, without decoding. */
export function imageDimensions(bytes: Uint8Array, kind: ImageKind, path: string): { width: number; height: number } {
  const bad = (why: string): never => {
    throw new tg.FormatError(`${path}: not a valid ${kind === "png" ? "PNG" : "JPEG"} image (${why})`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (kind === "png") {
    if (bytes.length < 24 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) bad("no PNG signature");
    if (String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") bad("no IHDR chunk first");
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) bad("no start-of-image marker");
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) bad(`no marker at byte ${at}`);
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = view.getUint16(at + 2);
    // SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC) hold the frame's size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > bytes.length) break;
      return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
    }
    if (length < 2) bad(`a segment of length ${length} at byte ${at}`);
    at += 2 + length;
  }
  return bad("no frame header");
}

/** RGBA bytes of a decoded image. */
interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

function decode(bytes: Buffer, kind: ImageKind, path: string): Rgba {
  const { width, height } = imageDimensions(bytes, kind, path);
  if (width < 1 || height < 1) throw new tg.FormatError(`${path}: an image of ${width}x${height} pixels has nothing to read`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new tg.ValueError(
      `${path}: an image of ${width}x${height} pixels is larger than the ${MAX_IMAGE_PIXELS.toLocaleString("en-US")} pixels an image may have`,
    );
  }
  let out: Rgba;
  try {
    out =
      kind === "png"
        ? PNG.sync.read(bytes)
        : jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
  } catch (e) {
    throw new tg.FormatError(`${path}: not a valid ${kind === "png" ? "PNG" : "JPEG"} image (${(e as Error).message})`);
  }
  if (out.width !== width || out.height !== height || out.data.length < width * height * 4) {
    throw new tg.FormatError(`${path}: decoded ${out.width}x${out.height} pixels but the header says ${width}x${height}`);
  }
  return out;
}

/**
 * Channel values in [0, 1], channel-major ([C, size, size], as a convolution takes them), with
 * transparency flattened onto white and grey as ITU-R BT.601 luma. Each output pixel is the mean of
 * the source pixels its square covers (the nearest one when enlarging).
 */
export function toPixels(img: Rgba, size: number, color: ColorMode): Float32Array {
  const channels = color === "gray" ? 1 : 3;
  const out = new Float32Array(channels * size * size);
  const { width: w, height: h, data } = img;
  const span = (o: number, n: number): [number, number] => {
    const from = Math.floor((o * n) / size);
    return [from, Math.max(from + 1, Math.floor(((o + 1) * n) / size))];
  };
  for (let oy = 0; oy < size; oy++) {
    const [y0, y1] = span(oy, h);
    for (let ox = 0; ox < size; ox++) {
      const [x0, x1] = span(ox, w);
      let r = 0,
        g = 0,
        b = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const p = (y * w + x) * 4,
            a = data[p + 3] / 255;
          r += data[p] * a + 255 * (1 - a);
          g += data[p + 1] * a + 255 * (1 - a);
          b += data[p + 2] * a + 255 * (1 - a);
        }
      }
      const n = (y1 - y0) * (x1 - x0) * 255,
        at = oy * size + ox;
      if (channels === 1) out[at] = (0.299 * r + 0.587 * g + 0.114 * b) / n;
      else {
        out[at] = r / n;
        out[size * size + at] = g / n;
        out[2 * size * size + at] = b / n;
      }
    }
  }
  return out;
}

/** Reads, checks and decodes one image file into `size`×`size` pixels of `color`. */
export function readImage(path: string, size: number, color: ColorMode): Float32Array {
  const kind = imageKind(path);
  if (!kind) throw new tg.ValueError(`${path}: not a .png, .jpg or .jpeg file`);
  const bytes = statSync(path).size;
  if (bytes > MAX_IMAGE_BYTES)
    throw new tg.ValueError(
      `${path}: an image file of ${bytes.toLocaleString("en-US")} bytes is larger than the ${MAX_IMAGE_BYTES.toLocaleString("en-US")} an image may have`,
    );
  return toPixels(decode(readFileSync(path), kind, path), size, color);
}
