// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Fused optimizer updates on float32 buffers: Adam/AdamW (with AMSGrad) in f32 arithmetic, SGD (with
// momentum/Nesterov) in f64. Each repeats src/optim's reference maths operation for operation with no
// fused multiply-add (not even in the relaxed build), so both paths round identically and give the
// same float32 bits.
import { at, lowF64, highF64, joinF32 } from "./simd";

@inline function splat(x: f64): v128 { return f64x2.splat(x); }

/**
 * Adam step over elements [lo, hi) of p, g, m, v (and vMax when it is not 0), all float32, every
 * operation in f32 as src/optim/adam.ts rounds it: p = p*shrink; g' = sign*g + l2*p;
 * m = β1 m + c1 g'; v = β2 v + c2 g' g'; v̂ = max(vMax, v); p -= stepSize * (m / (√v̂ / bc2Sqrt + eps)),
 * four elements at a time, then a scalar tail. f32 division and square root cost a fraction of f64's.
 */
export function adam_step(p: usize, g: usize, m: usize, v: usize, vMax: usize,
  shrink: f32, l2: f32, sign: f32, beta1: f32, c1: f32, beta2: f32, c2: f32, stepSize: f32, bc2Sqrt: f32, eps: f32,
  lo: i32, hi: i32): void {
  const ams = vMax != 0;
  const Shrink = f32x4.splat(shrink), L2 = f32x4.splat(l2), Sign = f32x4.splat(sign);
  const B1 = f32x4.splat(beta1), C1 = f32x4.splat(c1), B2 = f32x4.splat(beta2), C2 = f32x4.splat(c2);
  const Step = f32x4.splat(stepSize), Bc2 = f32x4.splat(bc2Sqrt), Eps = f32x4.splat(eps);
  let i = lo;
  for (; i + 4 <= hi; i += 4) {
    const P = f32x4.mul(v128.load(at(p, i)), Shrink);
    const G = f32x4.add(f32x4.mul(Sign, v128.load(at(g, i))), f32x4.mul(L2, P));
    const M = f32x4.add(f32x4.mul(B1, v128.load(at(m, i))), f32x4.mul(C1, G));
    let V = f32x4.add(f32x4.mul(B2, v128.load(at(v, i))), f32x4.mul(f32x4.mul(C2, G), G));
    v128.store(at(m, i), M);
    v128.store(at(v, i), V);
    if (ams) {
      // Math.max semantics: NaN wins and -0 < +0; f32x4.max does the same.
      V = f32x4.max(v128.load(at(vMax, i)), V);
      v128.store(at(vMax, i), V);
    }
    const D = f32x4.add(f32x4.div(f32x4.sqrt(V), Bc2), Eps);
    v128.store(at(p, i), f32x4.sub(P, f32x4.mul(Step, f32x4.div(M, D))));
  }
  for (; i < hi; i++) {
    const pi = load<f32>(at(p, i)) * shrink;
    const gi = sign * load<f32>(at(g, i)) + l2 * pi;
    const mi = beta1 * load<f32>(at(m, i)) + c1 * gi;
    let vi = beta2 * load<f32>(at(v, i)) + c2 * gi * gi;
    store<f32>(at(m, i), mi);
    store<f32>(at(v, i), vi);
    if (ams) {
      vi = max<f32>(load<f32>(at(vMax, i)), vi);
      store<f32>(at(vMax, i), vi);
    }
    store<f32>(at(p, i), pi - stepSize * (mi / (sqrt<f32>(vi) / bc2Sqrt + eps)));
  }
}

/**
 * SGD step over [lo, hi): d = sign*g + wd*p; with momentum (buf != 0) b = first ? d : μ b + keep d,
 * buf = b, p -= lr * (nesterov ? d + μ b : b); without, p -= lr * d.
 */
export function sgd_step(p: usize, g: usize, buf: usize, first: i32, nesterov: i32,
  lr: f64, momentum: f64, keep: f64, wd: f64, sign: f64, lo: i32, hi: i32): void {
  let i = lo;
  for (; i + 4 <= hi; i += 4) {
    const P = v128.load(at(p, i)), G = v128.load(at(g, i));
    const pl = lowF64(P), ph = highF64(P);
    const d_l = f64x2.add(f64x2.mul(splat(sign), lowF64(G)), f64x2.mul(splat(wd), pl));
    const d_h = f64x2.add(f64x2.mul(splat(sign), highF64(G)), f64x2.mul(splat(wd), ph));
    let s_l = d_l, s_h = d_h;
    if (buf != 0) {
      let b_l = d_l, b_h = d_h;
      if (!first) {
        const B = v128.load(at(buf, i));
        b_l = f64x2.add(f64x2.mul(splat(momentum), lowF64(B)), f64x2.mul(splat(keep), d_l));
        b_h = f64x2.add(f64x2.mul(splat(momentum), highF64(B)), f64x2.mul(splat(keep), d_h));
      }
      v128.store(at(buf, i), joinF32(b_l, b_h));
      if (nesterov) {
        s_l = f64x2.add(d_l, f64x2.mul(splat(momentum), b_l));
        s_h = f64x2.add(d_h, f64x2.mul(splat(momentum), b_h));
      } else {
        s_l = b_l;
        s_h = b_h;
      }
    }
    v128.store(at(p, i), joinF32(f64x2.sub(pl, f64x2.mul(splat(lr), s_l)), f64x2.sub(ph, f64x2.mul(splat(lr), s_h))));
  }
  for (; i < hi; i++) {
    const pi = <f64>load<f32>(at(p, i));
    const d = sign * <f64>load<f32>(at(g, i)) + wd * pi;
    let s = d;
    if (buf != 0) {
      const b = first ? d : momentum * <f64>load<f32>(at(buf, i)) + keep * d;
      store<f32>(at(buf, i), <f32>b);
      s = nesterov ? d + momentum * b : b;
    }
    store<f32>(at(p, i), <f32>(pi - lr * s));
  }
}
