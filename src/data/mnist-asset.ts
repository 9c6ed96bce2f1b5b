// The bundled digits' bytes (mnist-digits.bin beside this module, written by
// scripts/mnist-asset.mjs) and their decoding. Reached through a URL relative to this module so that
// bundlers can ship the file; read synchronously from a file: URL (Node, Deno, Bun), fetched from any
// other. Format: "TGMNIST1", ten uint32 LE image counts (digit 0 first), then every image's 784
// grey levels k (0..255) in digit order, run-length coded as repeated (zeros, non-zeros, the non-zero
// levels) with the two lengths as unsigned LEB128. A level k stands for k/255 rounded to three
// decimals: the value the original JSON files held.

import { readFileSync } from "#fs";
import { FormatError } from "../errors.js";

export const MNIST_ASSET_URL = new URL("./mnist-digits.bin", import.meta.url);
const MAGIC = "TGMNIST1";
const HEADER = MAGIC.length + 40;
export const MNIST_PIXELS = 784;

export interface MnistDigits {
  /** Images per digit 0..9. */
  counts: number[];
  /** All images in digit order, 784 float32 pixels each. */
  pixels: Float32Array;
}

/** The pixel each grey level k stands for: k/255 rounded to three decimals. */
export const MNIST_LEVELS = Float32Array.from({ length: 256 }, (_, k) => Math.round((k * 1000) / 255) / 1000);

/** Decodes the asset; a FormatError names what is wrong with bytes that are not one. */
export function decodeMnistAsset(bytes: Uint8Array): MnistDigits {
  const { counts, levels } = decodeMnistLevels(bytes);
  const pixels = new Float32Array(levels.length);
  for (let i = 0; i < levels.length; i++) pixels[i] = MNIST_LEVELS[levels[i]!]!;
  return { counts, pixels };
}

/**
 * Decodes the asset to grey levels, one byte a pixel (MNIST_LEVELS gives the pixel): a quarter of the
 * memory of float32, for what stays decoded for the whole process.
 */
export function decodeMnistLevels(bytes: Uint8Array): { counts: number[]; levels: Uint8Array } {
  const fail = (what: string) => new FormatError(`mnist: ${MNIST_ASSET_URL.pathname}: ${what}`);
  if (bytes.length < HEADER || String.fromCharCode(...bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw fail(`expected the "${MAGIC}" digits asset`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const counts = Array.from({ length: 10 }, (_, d) => view.getUint32(MAGIC.length + 4 * d, true));
  const total = counts.reduce((a, b) => a + b, 0) * MNIST_PIXELS;
  if (total > 1e8) throw fail(`${total} pixels is more than the asset can hold`);
  const levels = new Uint8Array(total);
  // Plain local cursors in one loop (no closure over them), which engines keep in registers.
  let at = HEADER,
    i = 0;
  while (i < total && at < bytes.length) {
    let zeros = 0,
      run = 0,
      shift = 0,
      b = 128;
    for (shift = 0; b >= 128 && shift < 35 && at < bytes.length; shift += 7) zeros += ((b = bytes[at++]) & 127) * 2 ** shift;
    for (b = 128, shift = 0; b >= 128 && shift < 35 && at < bytes.length; shift += 7) run += ((b = bytes[at++]) & 127) * 2 ** shift;
    if (b >= 128) throw fail("a run length is cut short or too long");
    i += zeros;
    if (i + run > total || at + run > bytes.length) throw fail("a run passes the end of the images");
    levels.set(bytes.subarray(at, at + run), i);
    i += run;
    at += run;
  }
  if (i !== total || at !== bytes.length) throw fail(`runs cover ${i} of ${total} pixels and ${at} of ${bytes.length} bytes`);
  return { counts, levels };
}

/** The asset's bytes through the runtime's file system, or null where it lies behind a URL (a page). */
export function readMnistAssetSync(): Uint8Array | null {
  if (MNIST_ASSET_URL.protocol !== "file:") return null;
  return readFileSync(MNIST_ASSET_URL);
}

/** The asset's bytes anywhere: the file system where there is one, else fetch. */
export async function fetchMnistAsset(): Promise<Uint8Array> {
  const local = readMnistAssetSync();
  if (local) return local;
  const response = await fetch(MNIST_ASSET_URL);
  if (!response.ok) throw new FormatError(`mnist: fetching ${MNIST_ASSET_URL.href} gave HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
