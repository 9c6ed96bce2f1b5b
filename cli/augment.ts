// Augmentation of training images, drawn anew each epoch: random shifts (the cheap augmentation that
// lets a small convolutional network generalise from the bundled 8,000 digits), horizontal flips and
// small rotations. Draws come from the global generator, so a seeded run repeats and a resumed one
// continues from the checkpoint's state.

import * as tg from "../src/index.js";
import type { Tensor, data } from "../src/index.js";

export interface Augmentation {
  /** Largest shift in whole pixels, each axis (0: none). */
  shift: number;
  /** Mirror left-right with probability one half. */
  flip: boolean;
  /** Largest rotation in degrees, either way (0: none). */
  rotate: number;
}

/** The augmentation a run's training settings record (older runs record shifts only). */
export function augmentationOf(t: { shift?: number; flip?: boolean; rotate?: number }): Augmentation {
  return { shift: t.shift ?? 0, flip: t.flip ?? false, rotate: t.rotate ?? 0 };
}

/** True when `aug` changes anything. */
export function augments(aug: Augmentation): boolean {
  return aug.shift > 0 || aug.flip || aug.rotate > 0;
}

/** "shifted by up to 2 px, flipped left-right, rotated by up to 10°". */
export function describeAugmentation(aug: Augmentation): string {
  const parts: string[] = [];
  if (aug.shift > 0) parts.push(`shifted by up to ${aug.shift} px`);
  if (aug.flip) parts.push("flipped left-right at random");
  if (aug.rotate > 0) parts.push(`rotated by up to ${aug.rotate}°`);
  return parts.join(", ");
}

/**
 * Runs `draw` with a host backend current, so its tensors can be read at once: with train --backend
 * webgpu the GPU is current while fit asks for batches. The draws come from the same global generator.
 */
function onHostBackend<T>(draw: () => T): T {
  const current = tg.getBackend();
  if (current.host) return draw();
  // A registered backend is selected at once; setBackend's promise has nothing left to wait for.
  void tg.setBackend(tg.listBackends().includes("wasm") ? "wasm" : "js");
  try {
    return draw();
  } finally {
    void tg.setBackend(current.name);
  }
}

/**
 * Training images [N, C·H·W] (standardised) served augmented: each output pixel is read from where
 * the inverse of shift ∘ rotation ∘ flip puts it, bilinearly when rotated, and pixels from outside
 * the image take `fill` (blank paper). Without a rotation every read is of a whole pixel, so shifts
 * and flips copy values exactly.
 */
export class AugmentedImages implements data.Dataset {
  readonly length: number;
  private readonly x: Float32Array;
  constructor(
    x: Tensor,
    private readonly y: Tensor,
    private readonly shape: readonly [number, number, number],
    private readonly aug: Augmentation,
    private readonly fill: number,
  ) {
    this.length = x.shape[0];
    this.x = x.toFloat32Array();
  }
  get(index: number): Tensor[] {
    return this.getBatch([index]).map((t) => t.squeeze(0));
  }
  getBatch(indices: ArrayLike<number>): Tensor[] {
    const n = indices.length;
    const [ch, h, w] = this.shape,
      plane = h * w,
      size = ch * plane;
    const { shift, flip, rotate } = this.aug;
    // Drawn in a fixed order (shifts, flips, angles), each only when asked for: a run with shifts
    // alone draws exactly what earlier versions drew.
    const { shifts, flips, angles } = onHostBackend(() => ({
      shifts: shift > 0 ? tg.randint(-shift, shift + 1, [n, 2]).toTypedArray() : null,
      flips: flip ? tg.randint(0, 2, [n]).toTypedArray() : null,
      angles: rotate > 0 ? tg.rand([n]).toTypedArray() : null,
    }));
    const out = new Float32Array(n * size).fill(this.fill);
    const cy = (h - 1) / 2,
      cx = (w - 1) / 2;
    for (let k = 0; k < n; k++) {
      const src = indices[k] * size,
        dst = k * size;
      const dy = shifts ? shifts[2 * k] : 0,
        dx = shifts ? shifts[2 * k + 1] : 0;
      const mirrored = flips !== null && flips[k] === 1;
      const theta = angles ? ((2 * angles[k] - 1) * rotate * Math.PI) / 180 : 0;
      const cos = Math.cos(theta),
        sin = Math.sin(theta);
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) {
          // Undo the shift, then the rotation (about the centre), then the flip.
          let sr = r - dy,
            sc = c - dx;
          if (theta !== 0) {
            const ry = sr - cy,
              rx = sc - cx;
            sr = cy + cos * ry + sin * rx;
            sc = cx - sin * ry + cos * rx;
          }
          if (mirrored) sc = w - 1 - sc;
          for (let p = 0; p < ch; p++) {
            const v = theta === 0 ? this.pixel(src + p * plane, sr, sc, h, w) : this.bilinear(src + p * plane, sr, sc, h, w);
            if (v !== null) out[dst + p * plane + r * w + c] = v;
          }
        }
      }
    }
    return [tg.tensor(out, { shape: [n, size] }), this.y.indexSelect(0, tg.tensor(Array.from(indices), { dtype: "int32" }))];
  }
  private pixel(base: number, r: number, c: number, h: number, w: number): number | null {
    return r >= 0 && r < h && c >= 0 && c < w ? this.x[base + r * w + c] : null;
  }
  private bilinear(base: number, r: number, c: number, h: number, w: number): number | null {
    if (r <= -1 || r >= h || c <= -1 || c >= w) return null;
    const r0 = Math.floor(r),
      c0 = Math.floor(c),
      fr = r - r0,
      fc = c - c0;
    const at = (rr: number, cc: number): number => (rr >= 0 && rr < h && cc >= 0 && cc < w ? this.x[base + rr * w + cc] : this.fill);
    return (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1)) + fr * ((1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1));
  }
}
