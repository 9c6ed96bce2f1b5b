// Canvas: an RGBA pixel buffer with the few drawing operations charts need — rectangles, crisp
// axis lines, anti-aliased polylines and discs (coverage from the distance to the shape), and text
// (anti-aliased DejaVu Sans, see text.ts), optionally rotated for a y-axis label. Each operation is
// also recorded, so the same drawing comes out as SVG (vector lines, real text) as well as PNG.

import { ValueError } from "../../errors.js";
import { faceFor, glyphOf, textWidth } from "./text.js";
import { encodePng } from "./png.js";
import { checkOptions } from "../../tensor/options.js";

/** One recorded drawing operation, replayed as an SVG element. */
type Op =
  | { kind: "rect"; x: number; y: number; w: number; h: number; color: Color; alpha: number }
  | { kind: "stroke"; x: number; y: number; w: number; h: number; color: Color; lineWidth: number }
  | { kind: "line"; points: [number, number][]; color: Color; lineWidth: number }
  | { kind: "disc"; cx: number; cy: number; r: number; color: Color }
  | { kind: "text"; str: string; x: number; y: number; color: Color; scale: 1 | 2 | 3; align: string; baseline: string; rotate: boolean }
  | { kind: "pixels" };

const hex = (c: Color): string =>
  `#${parseColor(c)
    .map((v) => v.toString(16).padStart(2, "0"))
    .join("")}`;
const num = (v: number): string => String(Math.round(v * 100) / 100);
const escapeXml = (t: string): string => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A colour: "#rrggbb" or [r, g, b] with 0–255 channels. */
export type Color = string | readonly [number, number, number];

export function parseColor(c: Color): [number, number, number] {
  if (typeof c !== "string") return [c[0], c[1], c[2]];
  const m = /^#([0-9a-f]{6})$/i.exec(c);
  if (!m) throw new ValueError(`Canvas: colour must be "#rrggbb" or [r, g, b], got ${JSON.stringify(c)}`);
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** How Canvas.text draws: colour, size, anchoring and rotation. */
export interface TextOptions {
  /** Text colour (default black). */
  color?: Color;
  /**
   * Text size, one of three: 1 small (12 px), 2 labels (15 px), 3 titles (21 px); default 1. Before
   * the anti-aliased font it multiplied a 5×7 bitmap font's pixels (7·scale px tall, any integer);
   * that font is gone, so other values are a ValueError rather than a silently different size.
   */
  scale?: 1 | 2 | 3;
  /** Where x falls on the text: its left edge (default), centre or right edge. */
  align?: "left" | "center" | "right";
  /** Where y falls on the text: its top (default), middle or bottom. */
  baseline?: "top" | "middle" | "bottom";
  /** Turned 90° counter-clockwise (reading upwards), anchored the same way around (x, y). */
  rotate?: boolean;
}

/**
 * An RGBA raster for drawing charts without a browser: rectangles, lines, discs, text, PNG output.
 * @example const c = new train.plot.Canvas(200, 100); c.fillRect(10, 10, 50, 30, "#1f77b4"); c.text("loss", 100, 50); io.writeFileAtomic("box.png", c.toPng());
 */
export class Canvas {
  /** The pixels, RGBA row by row (4 bytes each). */
  readonly data: Uint8Array;
  readonly #ops: Op[] = [];
  readonly #background: Color;

  constructor(
    /** Width in pixels. */
    readonly width: number,
    /** Height in pixels. */
    readonly height: number,
    background: Color = "#ffffff",
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new ValueError(`Canvas: width and height must be positive integers, got ${width}x${height}`);
    }
    this.data = new Uint8Array(width * height * 4);
    this.#background = background;
    const [r, g, b] = parseColor(background);
    for (let i = 0; i < width * height; i++) this.data.set([r, g, b, 255], i * 4);
  }

  /** Mixes `rgb` into pixel (x, y) with opacity `alpha` in [0, 1]; outside pixels are ignored. */
  blend(x: number, y: number, rgb: readonly number[], alpha: number): void {
    // Once is enough to mark the drawing as raster-only (and keeps the record small).
    if (this.#ops.at(-1)?.kind !== "pixels") this.#record({ kind: "pixels" });
    this.#blend(x, y, rgb, alpha);
  }

  #recording = true;

  #record(op: Op): void {
    if (this.#recording) this.#ops.push(op);
  }

  /** Runs `draw` without recording what it does pixel by pixel (the caller recorded it whole). */
  #raster(op: Op, draw: () => void): void {
    this.#record(op);
    const was = this.#recording;
    this.#recording = false;
    try {
      draw();
    } finally {
      this.#recording = was;
    }
  }

  #blend(x: number, y: number, rgb: readonly number[], alpha: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const i = (y * this.width + x) * 4;
    const a = Math.min(1, alpha);
    for (let c = 0; c < 3; c++) this.data[i + c] = Math.round(this.data[i + c] * (1 - a) + rgb[c] * a);
    this.data[i + 3] = 255;
  }

  /** Fills the rectangle of top-left (x, y) and size w×h, blended with opacity `alpha`. */
  fillRect(x: number, y: number, w: number, h: number, color: Color, alpha = 1): void {
    const rgb = parseColor(color);
    this.#raster({ kind: "rect", x, y, w, h, color, alpha }, () => {
      const x0 = Math.max(0, Math.round(x)),
        y0 = Math.max(0, Math.round(y));
      const x1 = Math.min(this.width, Math.round(x + w)),
        y1 = Math.min(this.height, Math.round(y + h));
      for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.#blend(px, py, rgb, alpha);
    });
  }

  /** Draws the outline of the rectangle of top-left (x, y) and size w×h. */
  strokeRect(x: number, y: number, w: number, h: number, color: Color, lineWidth = 1): void {
    this.#raster({ kind: "stroke", x, y, w, h, color, lineWidth }, () => {
      this.fillRect(x, y, w, lineWidth, color);
      this.fillRect(x, y + h - lineWidth, w, lineWidth, color);
      this.fillRect(x, y, lineWidth, h, color);
      this.fillRect(x + w - lineWidth, y, lineWidth, h, color);
    });
  }

  /**
   * An anti-aliased polyline of `lineWidth` pixels. Coverage is the distance from each pixel centre
   * to the nearest segment, taken as a maximum over segments so joints are not drawn twice. A
   * non-finite point breaks the line (a gap for a NaN loss).
   */
  polyline(points: readonly (readonly [number, number])[], color: Color, lineWidth = 2): void {
    const rgb = parseColor(color);
    this.#record({ kind: "line", points: points.map((p) => [p[0], p[1]]), color, lineWidth });
    const cover = new Float32Array(this.width * this.height);
    const half = lineWidth / 2;
    let minX = this.width,
      minY = this.height,
      maxX = -1,
      maxY = -1;
    const segment = (ax: number, ay: number, bx: number, by: number): void => {
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - half - 1)),
        x1 = Math.min(this.width - 1, Math.ceil(Math.max(ax, bx) + half + 1));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - half - 1)),
        y1 = Math.min(this.height - 1, Math.ceil(Math.max(ay, by) + half + 1));
      const dx = bx - ax,
        dy = by - ay;
      const len2 = dx * dx + dy * dy;
      for (let py = y0; py <= y1; py++) {
        for (let px = x0; px <= x1; px++) {
          const cx = px + 0.5,
            cy = py + 0.5;
          const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((cx - ax) * dx + (cy - ay) * dy) / len2));
          const d = Math.hypot(cx - (ax + t * dx), cy - (ay + t * dy));
          const c = Math.max(0, Math.min(1, half + 0.5 - d));
          const i = py * this.width + px;
          if (c > cover[i]) cover[i] = c;
        }
      }
      minX = Math.min(minX, x0);
      maxX = Math.max(maxX, x1);
      minY = Math.min(minY, y0);
      maxY = Math.max(maxY, y1);
    };
    const finite = (p: readonly [number, number]): boolean => Number.isFinite(p[0]) && Number.isFinite(p[1]);
    for (let k = 0; k < points.length; k++) {
      const p = points[k];
      if (!finite(p)) continue;
      const q = points[k + 1];
      if (q && finite(q)) segment(p[0], p[1], q[0], q[1]);
      else if (!points[k - 1] || !finite(points[k - 1])) segment(p[0], p[1], p[0], p[1]); // an isolated point
    }
    for (let py = minY; py <= maxY; py++) {
      for (let px = minX; px <= maxX; px++) {
        const c = cover[py * this.width + px];
        if (c > 0) this.#blend(px, py, rgb, c);
      }
    }
  }

  /** An anti-aliased filled disc. */
  disc(cx: number, cy: number, r: number, color: Color): void {
    const rgb = parseColor(color);
    this.#record({ kind: "disc", cx, cy, r, color });
    for (let py = Math.floor(cy - r - 1); py <= Math.ceil(cy + r + 1); py++) {
      for (let px = Math.floor(cx - r - 1); px <= Math.ceil(cx + r + 1); px++) {
        const d = Math.hypot(px + 0.5 - cx, py + 0.5 - cy);
        this.#blend(px, py, rgb, Math.max(0, Math.min(1, r + 0.5 - d)));
      }
    }
  }

  /** Draws `str` anti-aliased (DejaVu Sans), anchored at (x, y) by `align` and `baseline`. */
  text(str: string, x: number, y: number, opts: TextOptions = {}): void {
    checkOptions("Canvas.text", opts, ["color", "scale", "align", "baseline", "rotate"]);
    const { color = "#000000", scale = 1, align = "left", baseline = "top", rotate = false } = opts;
    if (scale !== 1 && scale !== 2 && scale !== 3) {
      throw new ValueError(`Canvas.text: scale must be 1 (12 px text), 2 (15 px) or 3 (21 px), got ${JSON.stringify(scale)}`);
    }
    const rgb = parseColor(color);
    this.#record({ kind: "text", str, x, y, color, scale, align, baseline, rotate });
    const face = faceFor(scale);
    const w = textWidth(str, scale),
      h = face.ascent + face.descent;
    // Text-local coordinates (u along the text, v down across it) of the baseline's left end.
    const u0 = Math.round(align === "left" ? 0 : align === "center" ? -w / 2 : -w);
    const v0 = Math.round((baseline === "top" ? 0 : baseline === "middle" ? -h / 2 : -h) + face.ascent);
    let pen = u0;
    for (const ch of str) {
      const g = glyphOf(face, ch);
      for (let r = 0; r < g.height; r++) {
        for (let c = 0; c < g.width; c++) {
          const a = g.coverage[r * g.width + c];
          if (a === 0) continue;
          const u = pen + g.left + c,
            v = v0 + g.top + r;
          this.#blend(rotate ? Math.round(x + v) : Math.round(x + u), rotate ? Math.round(y - u) : Math.round(y + v), rgb, a / 255);
        }
      }
      pen += g.advance;
    }
  }

  /** The canvas as a PNG file. */
  toPng(): Uint8Array {
    return encodePng(this.width, this.height, this.data);
  }

  /**
   * The same drawing as an SVG document: rectangles, lines and discs as shapes, text as text
   * (DejaVu Sans, as the PNG's, falling back to the viewer's sans-serif). Pixels set one by one with
   * `blend` have no vector form: such a canvas is a ValueError here (use toPng).
   */
  toSvg(): string {
    const out = [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">`,
      `<rect width="${this.width}" height="${this.height}" fill="${hex(this.#background)}"/>`,
    ];
    for (const op of this.#ops) {
      if (op.kind === "pixels") throw new ValueError("Canvas.toSvg: pixels drawn one by one with blend() have no vector form; use toPng()");
      if (op.kind === "rect") {
        const opacity = op.alpha < 1 ? ` fill-opacity="${num(op.alpha)}"` : "";
        out.push(`<rect x="${num(op.x)}" y="${num(op.y)}" width="${num(op.w)}" height="${num(op.h)}" fill="${hex(op.color)}"${opacity}/>`);
      } else if (op.kind === "stroke") {
        const h = op.lineWidth / 2;
        out.push(
          `<rect x="${num(op.x + h)}" y="${num(op.y + h)}" width="${num(op.w - op.lineWidth)}" height="${num(op.h - op.lineWidth)}" fill="none" stroke="${hex(op.color)}" stroke-width="${num(op.lineWidth)}"/>`,
        );
      } else if (op.kind === "line") {
        // A non-finite point breaks the line, as in the PNG: one path with a move after each gap.
        let d = "",
          pen = false;
        for (const [x, y] of op.points) {
          if (!Number.isFinite(x) || !Number.isFinite(y)) {
            pen = false;
            continue;
          }
          d += `${pen ? "L" : "M"}${num(x)} ${num(y)}`;
          pen = true;
        }
        if (d)
          out.push(
            `<path d="${d}" fill="none" stroke="${hex(op.color)}" stroke-width="${num(op.lineWidth)}" stroke-linejoin="round" stroke-linecap="round"/>`,
          );
      } else if (op.kind === "disc") {
        out.push(`<circle cx="${num(op.cx)}" cy="${num(op.cy)}" r="${num(op.r)}" fill="${hex(op.color)}"/>`);
      } else {
        const anchor = op.align === "center" ? "middle" : op.align === "right" ? "end" : "start";
        const base = op.baseline === "middle" ? "central" : op.baseline === "bottom" ? "text-after-edge" : "text-before-edge";
        const size = faceFor(op.scale).size;
        const turn = op.rotate ? ` transform="rotate(-90 ${num(op.x)} ${num(op.y)})"` : "";
        out.push(
          `<text x="${num(op.x)}" y="${num(op.y)}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="${size}" fill="${hex(op.color)}" text-anchor="${anchor}" dominant-baseline="${base}"${turn}>${escapeXml(op.str)}</text>`,
        );
      }
    }
    out.push("</svg>");
    return out.join("\n") + "\n";
  }
}
