// The reference optimizer updates, element by element in the parameter's precision as torch computes
// them: the specification the wasm backend's fused kernels repeat operation for operation.

import { type TypedArray, type View, hostData } from "../backend.js";
import type { KernelTable } from "../kernel-table.js";
import type { AdagradStepParams, AdamStepParams, RmspropStepParams, SgdStepParams } from "../optim-params.js";

/** A float buffer's elements as the loops see them: exactly the parameter's size from its offset. */
export type FloatArray = Float32Array | Float64Array;

function elems(v: View, n: number): FloatArray {
  return (hostData(v.storage) as TypedArray).subarray(v.offset, v.offset + n) as FloatArray;
}

function sizeOf(v: View): number {
  let n = 1;
  for (const d of v.shape) n *= d;
  return n;
}

/**
 * The Adam/AdamW loop. For float32 every +, −, ×, ÷ and √ result goes through Math.fround: an
 * operation on float32 values done in float64 and rounded once to float32 is exactly IEEE float32
 * arithmetic, which is what the wasm kernel does natively.
 */
export function adamLoop(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | null, s: AdamStepParams): void {
  // One loop written twice: a rounding function called through a variable is not reliably inlined
  // by V8 (the float32 loop measured 2x to 25x slower that way).
  if (p instanceof Float32Array) adamLoopFloat32(p, g, m, v, vMax, s);
  else adamLoopFloat64(p, g, m, v, vMax, s);
}

function adamLoopFloat32(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | null, s: AdamStepParams): void {
  const { shrink, l2, sign, beta1, c1, beta2, c2, stepSize, bc2Sqrt, eps } = s;
  const r = Math.fround;
  for (let i = 0; i < p.length; i++) {
    const pi = r(p[i] * shrink);
    const gi = r(r(sign * g[i]) + r(l2 * pi));
    const mi = r(r(beta1 * m[i]) + r(c1 * gi));
    let vi = r(r(beta2 * v[i]) + r(r(c2 * gi) * gi));
    m[i] = mi;
    v[i] = vi;
    if (vMax !== null) {
      vi = Math.max(vMax[i], vi);
      vMax[i] = vi;
    }
    p[i] = r(pi - r(stepSize * r(mi / r(r(r(Math.sqrt(vi)) / bc2Sqrt) + eps))));
  }
}

function adamLoopFloat64(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | null, s: AdamStepParams): void {
  const { shrink, l2, sign, beta1, c1, beta2, c2, stepSize, bc2Sqrt, eps } = s;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] * shrink;
    const gi = sign * g[i] + l2 * pi;
    const mi = beta1 * m[i] + c1 * gi;
    let vi = beta2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if (vMax !== null) {
      vi = Math.max(vMax[i], vi);
      vMax[i] = vi;
    }
    p[i] = pi - stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + eps));
  }
}

/** The SGD loop in float64 (the arrays are written in their own precision). `first`: the buffer takes the gradient as it is. */
export function sgdLoop(p: FloatArray, g: FloatArray, buf: FloatArray | null, s: SgdStepParams): void {
  const { first, nesterov, lr, momentum, keep, wd, sign } = s;
  const n = p.length;
  if (buf === null) {
    for (let i = 0; i < n; i++) p[i] -= lr * (sign * g[i] + wd * p[i]);
    return;
  }
  for (let i = 0; i < n; i++) {
    const d = sign * g[i] + wd * p[i];
    const b = first ? d : momentum * buf[i] + keep * d;
    buf[i] = b;
    p[i] -= lr * (nesterov ? d + momentum * b : b);
  }
}

/** The RMSprop loop in float64. */
export function rmspropLoop(
  p: FloatArray,
  g: FloatArray,
  squareAvg: FloatArray,
  gradAvg: FloatArray | null,
  buf: FloatArray | null,
  s: RmspropStepParams,
): void {
  const { lr, alpha, eps, wd, momentum, sign } = s;
  const c = 1 - alpha;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = sign * g[i] + wd * p[i];
    const si = alpha * squareAvg[i] + c * gi * gi;
    squareAvg[i] = si;
    let avg: number;
    if (gradAvg !== null) {
      const ai = alpha * gradAvg[i] + c * gi;
      gradAvg[i] = ai;
      avg = Math.sqrt(si - ai * ai) + eps;
    } else {
      avg = Math.sqrt(si) + eps;
    }
    if (buf !== null) {
      const b = momentum * buf[i] + gi / avg;
      buf[i] = b;
      p[i] -= lr * b;
    } else {
      p[i] -= lr * (gi / avg);
    }
  }
}

/** The Adagrad loop in float64. */
export function adagradLoop(p: FloatArray, g: FloatArray, sum: FloatArray, s: AdagradStepParams): void {
  const { clr, eps, wd, sign } = s;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = sign * g[i] + wd * p[i];
    const si = sum[i] + gi * gi;
    sum[i] = si;
    p[i] -= clr * (gi / (Math.sqrt(si) + eps));
  }
}

export function optimKernels(): Pick<KernelTable, "adamStep" | "sgdStep" | "rmspropStep" | "adagradStep"> {
  return {
    adamStep(out: View, inputs: readonly View[], s: AdamStepParams): void {
      const n = sizeOf(out);
      adamLoop(
        elems(out, n),
        elems(inputs[0]!, n),
        elems(inputs[1]!, n),
        elems(inputs[2]!, n),
        inputs.length > 3 ? elems(inputs[3]!, n) : null,
        s,
      );
    },
    sgdStep(out: View, inputs: readonly View[], s: SgdStepParams): void {
      const n = sizeOf(out);
      sgdLoop(elems(out, n), elems(inputs[0]!, n), inputs.length > 1 ? elems(inputs[1]!, n) : null, s);
    },
    rmspropStep(out: View, inputs: readonly View[], s: RmspropStepParams): void {
      const n = sizeOf(out);
      let k = 2;
      const gradAvg = s.centered ? elems(inputs[k++]!, n) : null;
      const buf = s.momentum > 0 ? elems(inputs[k++]!, n) : null;
      rmspropLoop(elems(out, n), elems(inputs[0]!, n), elems(inputs[1]!, n), gradAvg, buf, s);
    },
    adagradStep(out: View, inputs: readonly View[], s: AdagradStepParams): void {
      const n = sizeOf(out);
      adagradLoop(elems(out, n), elems(inputs[0]!, n), elems(inputs[1]!, n), s);
    },
  };
}
