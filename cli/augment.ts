// Random shifts of training images, each epoch anew: the cheap augmentation that lets a small
// convolutional network generalise from the bundled 8,000 digits. Draws come from the global
// generator, so a seeded run repeats and a resumed one continues from the checkpoint's state.

import * as tg from "../src/index.js";
import type { Tensor, data } from "../src/index.js";

/** Training images [N, H·W] (standardised, one channel) served with a random shift of up to `max` pixels. */
export class ShiftedImages implements data.Dataset {
  readonly length: number;
  private readonly x: Float32Array;
  constructor(x: Tensor, private readonly y: Tensor, private readonly side: number, private readonly max: number, private readonly fill: number) {
    this.length = x.shape[0];
    this.x = x.toFloat32Array();
  }
  get(index: number): Tensor[] {
    return this.getBatch([index]).map((t) => t.squeeze(0));
  }
  getBatch(indices: ArrayLike<number>): Tensor[] {
    const n = indices.length, s = this.side, px = s * s;
    const shifts = tg.randint(-this.max, this.max + 1, [n, 2]).toTypedArray();
    const out = new Float32Array(n * px).fill(this.fill);
    for (let k = 0; k < n; k++) {
      const src = indices[k] * px, dst = k * px, dy = shifts[2 * k], dx = shifts[2 * k + 1];
      for (let r = Math.max(0, dy); r < Math.min(s, s + dy); r++) {
        const from = src + (r - dy) * s;
        for (let c = Math.max(0, dx); c < Math.min(s, s + dx); c++) out[dst + r * s + c] = this.x[from + c - dx];
      }
    }
    return [tg.tensor(out, { shape: [n, px] }), this.y.indexSelect(0, tg.tensor(Array.from(indices), { dtype: "int32" }))];
  }
}
