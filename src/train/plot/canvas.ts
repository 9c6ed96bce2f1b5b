// Canvas: an RGBA pixel buffer with the few drawing operations charts need — rectangles, crisp
// axis lines, anti-aliased polylines and discs (coverage from the distance to the shape), and text
// (anti-aliased DejaVu Sans, see text.ts), optionally rotated for a y-axis label.

import { ValueError } from "../../errors.js";
import { faceFor, glyphOf, textWidth } from "./text.js";
import { encodePng } from "./png.js";
import { checkOptions } from "../../tensor/options.js";

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
    const [r, g, b] = parseColor(background);
    for (let i = 0; i < width * height; i++) this.data.set([r, g, b, 255], i * 4);
  }

  /** Mixes `rgb` into pixel (x, y) with opacity `alpha` in [0, 1]; outside pixels are ignored. */
  blend(x: number, y: number, rgb: readonly number[], alpha: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const i = (y * this.width + x) * 4;
    const a = Math.min(1, alpha);
    for (let c = 0; c < 3; c++) this.data[i + c] = Math.round(this.data[i + c] * (1 - a) + rgb[c] * a);
    this.data[i + 3] = 255;
  }

  /** Fills the rectangle of top-left (x, y) and size w×h, blended with opacity `alpha`. */
  fillRect(x: number, y: number, w: number, h: number, color: Color, alpha = 1): void {
    const rgb = parseColor(color);
    const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w)), y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.blend(px, py, rgb, alpha);
  }

  /** Draws the outline of the rectangle of top-left (x, y) and size w×h. */
  strokeRect(x: number, y: number, w: number, h: number, color: Color, lineWidth = 1): void {
    this.fillRect(x, y, w, lineWidth, color);
    this.fillRect(x, y + h - lineWidth, w, lineWidth, color);
    this.fillRect(x, y, lineWidth, h, color);
    this.fillRect(x + w - lineWidth, y, lineWidth, h, color);
  }

  /**
   * An anti-aliased polyline of `lineWidth` pixels. Coverage is the distance from each pixel centre
   * to the nearest segment, taken as a maximum over segments so joints are not drawn twice. A
   * non-finite point breaks the line (a gap for a NaN loss).
   */
  polyline(points: readonly (readonly [number, number])[], color: Color, lineWidth = 2): void {
    const rgb = parseColor(color);
    const cover = new Float32Array(this.width * this.height);
    const half = lineWidth / 2;
    let minX = this.width, minY = this.height, maxX = -1, maxY = -1;
    const segment = (ax: number, ay: number, bx: number, by: number): void => {
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - half - 1)), x1 = Math.min(this.width - 1, Math.ceil(Math.max(ax, bx) + half + 1));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - half - 1)), y1 = Math.min(this.height - 1, Math.ceil(Math.max(ay, by) + half + 1));
      const dx = bx - ax, dy = by - ay;
      const len2 = dx * dx + dy * dy;
      for (let py = y0; py <= y1; py++) {
        for (let px = x0; px <= x1; px++) {
          const cx = px + 0.5, cy = py + 0.5;
          const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((cx - ax) * dx + (cy - ay) * dy) / len2));
          const d = Math.hypot(cx - (ax + t * dx), cy - (ay + t * dy));
          const c = Math.max(0, Math.min(1, half + 0.5 - d));
          const i = py * this.width + px;
          if (c > cover[i]) cover[i] = c;
        }
      }
      minX = Math.min(minX, x0); maxX = Math.max(maxX, x1);
      minY = Math.min(minY, y0); maxY = Math.max(maxY, y1);
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
        if (c > 0) this.blend(px, py, rgb, c);
      }
    }
  }

  /** An anti-aliased filled disc. */
  disc(cx: number, cy: number, r: number, color: Color): void {
    const rgb = parseColor(color);
    for (let py = Math.floor(cy - r - 1); py <= Math.ceil(cy + r + 1); py++) {
      for (let px = Math.floor(cx - r - 1); px <= Math.ceil(cx + r + 1); px++) {
        const d = Math.hypot(px + 0.5 - cx, py + 0.5 - cy);
        this.blend(px, py, rgb, Math.max(0, Math.min(1, r + 0.5 - d)));
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
    const face = faceFor(scale);
    const w = textWidth(str, scale), h = face.ascent + face.descent;
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
          const u = pen + g.left + c, v = v0 + g.top + r;
          this.blend(rotate ? Math.round(x + v) : Math.round(x + u), rotate ? Math.round(y - u) : Math.round(y + v), rgb, a / 255);
        }
      }
      pen += g.advance;
    }
  }

  /** The canvas as a PNG file. */
  toPng(): Uint8Array {
    return encodePng(this.width, this.height, this.data);
  }
}
