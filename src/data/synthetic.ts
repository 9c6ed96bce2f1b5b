// Small synthetic data sets for demos and tests: a noisy sine (regression), interleaved spirals
// (multi-class), XOR and concentric circles (binary). Every draw comes from tensorgrad's seeded generator.

import { ValueError } from "../errors.js";
import { checkOptions as checkKeys } from "../tensor/options.js";
import { tensor } from "../tensor/creation.js";
import { random, randomNormal } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import { randperm, withSeed } from "./random-stream.js";

/** Options of the synthetic data sets. */
export interface SyntheticOptions {
  /** Number of samples. */
  n?: number;
  /** Standard deviation of the Gaussian noise (see each set for where it is added). */
  noise?: number;
  /** Draw from a private generator seeded with this; without it the global generator is used. */
  seed?: number;
}

/** Options of spirals: the common ones and the number of arms. */
export interface SpiralsOptions extends SyntheticOptions {
  /** Number of spiral arms, one class each (2 or more). Default 2. */
  classes?: number;
}

function checkOptions(op: string, n: number, noise: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`${op}: n must be a positive integer, got ${n}`);
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new ValueError(`${op}: noise must be a finite number >= 0, got ${noise}`);
}

/**
 * Regression: x uniform on [-π, π], y = sin(x) + noise · N(0, 1).
 * Returns x float32 [n, 1] and y float32 [n, 1]. Defaults: n = 256, noise = 0.1.
 * @example const { x, y } = data.synthetic.sine({ n: 100, noise: 0.05, seed: 1 });
 */
export function sine(options: SyntheticOptions = {}): {
  /** Inputs, float32 [n, 1]. */
  x: Tensor;
  /** Targets sin(x) + noise, float32 [n, 1]. */
  y: Tensor;
} {
  checkKeys("sine", options, ["n", "noise", "seed"]);
  const { n = 256, noise = 0.1, seed } = options;
  checkOptions("sine", n, noise);
  const x = new Float32Array(n),
    y = new Float32Array(n);
  withSeed(seed, () => {
    for (let i = 0; i < n; i++) {
      x[i] = Math.PI * (2 * random() - 1);
      y[i] = Math.sin(x[i]) + noise * randomNormal();
    }
  });
  return { x: tensor(x, { shape: [n, 1] }), y: tensor(y, { shape: [n, 1] }) };
}

/**
 * Classification: `classes` spiral arms around the origin, arm k rotated by 2πk/classes. Arm k gets
 * ⌊n/classes⌋ points, plus one for the first n mod classes arms; point i of an arm of m points sits
 * at radius r = (i + 0.5)/m and angle 3π·r + 2πk/classes + noise · N(0, 1) (noise in radians), i.e.
 * x = (r·cos θ, r·sin θ). The samples are then shuffled.
 * Returns x float32 [n, 2] and y int32 [n] (the arm index). Defaults: n = 300, classes = 2, noise = 0.2.
 * @example const { x, y } = data.synthetic.spirals({ n: 300, classes: 3, seed: 0 });
 */
export function spirals(options: SpiralsOptions = {}): {
  /** Points, float32 [n, 2]. */
  x: Tensor;
  /** Arm indices, int32 [n]. */
  y: Tensor;
} {
  checkKeys("spirals", options, ["n", "classes", "noise", "seed"]);
  const { n = 300, classes = 2, noise = 0.2, seed } = options;
  checkOptions("spirals", n, noise);
  if (!Number.isInteger(classes) || classes < 2) throw new ValueError(`spirals: classes must be an integer >= 2, got ${classes}`);
  const px = new Float64Array(n),
    py = new Float64Array(n),
    label = new Int32Array(n);
  const x = new Float32Array(2 * n),
    y = new Int32Array(n);
  withSeed(seed, () => {
    let at = 0;
    for (let k = 0; k < classes; k++) {
      const m = Math.floor(n / classes) + (k < n % classes ? 1 : 0);
      for (let i = 0; i < m; i++, at++) {
        const r = (i + 0.5) / m;
        const theta = 3 * Math.PI * r + (2 * Math.PI * k) / classes + noise * randomNormal();
        px[at] = r * Math.cos(theta);
        py[at] = r * Math.sin(theta);
        label[at] = k;
      }
    }
    const perm = randperm(n);
    for (let j = 0; j < n; j++) {
      x[2 * j] = px[perm[j]];
      x[2 * j + 1] = py[perm[j]];
      y[j] = label[perm[j]];
    }
  });
  return { x: tensor(x, { shape: [n, 2] }), y: tensor(y, { shape: [n] }) };
}

/**
 * Binary classification: points around the four corners (a, b) ∈ {0, 1}² in turn (so the classes
 * are balanced), each coordinate plus noise · N(0, 1), labelled a XOR b; then shuffled.
 * Returns x float32 [n, 2] and y float32 [n, 1] of 0/1 (ready for binaryCrossEntropy).
 * Defaults: n = 200, noise = 0.1.
 * @example const { x, y } = data.synthetic.xor({ n: 200, noise: 0.1, seed: 0 });
 */
export function xor(options: SyntheticOptions = {}): {
  /** Points, float32 [n, 2]. */
  x: Tensor;
  /** Labels a XOR b as 0/1, float32 [n, 1]. */
  y: Tensor;
} {
  checkKeys("xor", options, ["n", "noise", "seed"]);
  const { n = 200, noise = 0.1, seed } = options;
  checkOptions("xor", n, noise);
  const x = new Float32Array(2 * n),
    y = new Float32Array(n);
  withSeed(seed, () => {
    const perm = randperm(n);
    for (let j = 0; j < n; j++) {
      const corner = perm[j] % 4;
      const a = corner >> 1,
        b = corner & 1;
      x[2 * j] = a + noise * randomNormal();
      x[2 * j + 1] = b + noise * randomNormal();
      y[j] = a ^ b;
    }
  });
  return { x: tensor(x, { shape: [n, 2] }), y: tensor(y, { shape: [n, 1] }) };
}

export interface CirclesOptions extends SyntheticOptions {
  /** Radius of the inner circle relative to the outer one's 1, in (0, 1). Default 0.5. */
  factor?: number;
}

/**
 * Binary classification (sklearn's make_circles): half the points on the unit circle (class 0),
 * half on a circle of radius `factor` inside it (class 1), at angles evenly spaced, each coordinate
 * plus noise · N(0, 1); then shuffled. Returns x float32 [n, 2] and y int32 class indices [n].
 * Defaults: n = 200, noise = 0.1, factor = 0.5.
 * @example const { x, y } = data.synthetic.circles({ n: 300, noise: 0.05, seed: 0 });
 */
export function circles(options: CirclesOptions = {}): {
  /** Points, float32 [n, 2]. */
  x: Tensor;
  /** Class indices, int32 [n]: 0 on the outer circle, 1 on the inner. */
  y: Tensor;
} {
  checkKeys("circles", options, ["n", "noise", "factor", "seed"]);
  const { n = 200, noise = 0.1, factor = 0.5, seed } = options;
  checkOptions("circles", n, noise);
  if (!(factor > 0 && factor < 1)) throw new ValueError(`circles: factor must be in (0, 1), got ${factor}`);
  const x = new Float32Array(2 * n),
    y = new Int32Array(n);
  const outer = Math.floor(n / 2) + (n % 2),
    inner = n - outer;
  withSeed(seed, () => {
    const perm = randperm(n);
    for (let j = 0; j < n; j++) {
      const i = perm[j];
      const inside = i >= outer;
      const k = inside ? i - outer : i,
        m = inside ? inner : outer;
      const angle = (2 * Math.PI * k) / m,
        r = inside ? factor : 1;
      x[2 * j] = r * Math.cos(angle) + noise * randomNormal();
      x[2 * j + 1] = r * Math.sin(angle) + noise * randomNormal();
      y[j] = inside ? 1 : 0;
    }
  });
  return { x: tensor(x, { shape: [n, 2] }), y: tensor(y, { shape: [n] }) };
}
