// Anti-aliased chart text: DejaVu Sans pre-rendered at three pixel sizes (font-data.ts), decoded on
// first use. Sizes are picked by the Canvas.text `scale` option: 1 small, 2 labels, 3 titles.

import { FONT_DATA } from "./font-data.js";

export interface Glyph {
  advance: number;
  left: number;
  /** Offset of the coverage map's top row from the baseline (negative: above it). */
  top: number;
  width: number;
  height: number;
  coverage: Uint8Array;
}

export interface Face {
  size: number;
  ascent: number;
  descent: number;
  glyphs: Map<string, Glyph>;
}

const SIZES = Object.keys(FONT_DATA)
  .map(Number)
  .sort((a, b) => a - b);
const faces = new Map<number, Face>();

function decode(size: number): Face {
  const bytes = Uint8Array.from(atob(FONT_DATA[size]), (c) => c.charCodeAt(0));
  const i8 = new Int8Array(bytes.buffer);
  const glyphs = new Map<string, Glyph>();
  let at = 2;
  for (let code = 32; code < 127; code++) {
    const [advance, left, top, width, height] = [bytes[at], i8[at + 1], i8[at + 2], bytes[at + 3], bytes[at + 4]];
    at += 5;
    glyphs.set(String.fromCharCode(code), { advance, left, top, width, height, coverage: bytes.subarray(at, at + width * height) });
    at += width * height;
  }
  return { size, ascent: bytes[0], descent: bytes[1], glyphs };
}

/** The face for a Canvas.text scale: 1 (or less) small, 2 labels, 3 and more titles. */
export function faceFor(scale: number): Face {
  const size = SIZES[Math.max(0, Math.min(SIZES.length - 1, Math.round(scale) - 1))];
  let face = faces.get(size);
  if (!face) faces.set(size, (face = decode(size)));
  return face;
}

export function glyphOf(face: Face, ch: string): Glyph {
  return face.glyphs.get(ch) ?? face.glyphs.get("?")!;
}

/** Width in pixels of `text` at a Canvas.text scale. */
export function textWidth(text: string, scale = 2): number {
  const face = faceFor(scale);
  let w = 0;
  for (const ch of text) w += glyphOf(face, ch).advance;
  return w;
}

/** Height of a line of text (ascent plus descent) at a Canvas.text scale. */
export function textHeight(scale = 2): number {
  const face = faceFor(scale);
  return face.ascent + face.descent;
}
