// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Fused optimizer updates (Adam/AdamW with AMSGrad, SGD with momentum/Nesterov) on float32 buffers.
// They repeat src/optim's reference maths operation for operation in f64 (no fused multiply-add), so
// both paths round identically and give the same float32 bits.
import { at, lowF64, highF64, joinF32 } from "./simd";

@inline function splat(x: f64): v128 { return f64x2.splat(x); }

/**
 * Adam step over elements [lo, hi) of p, g, m, v (and vMax when it is not 0), all float32:
 * p = p*shrink; g' = sign*g + l2*p; m = β1 m + c1 g'; v = β2 v + c2 g'²; v̂ = max(vMax, v);
 * p -= stepSize * m / (√v̂ / bc2Sqrt + eps), four elements at a time as two f64x2 halves.
 */
export function adam_step(p: usize, g: usize, m: usize, v: usize, vMax: usize,
  shrink: f64, l2: f64, sign: f64, beta1: f64, c1: f64, beta2: f64, c2: f64, stepSize: f64, bc2Sqrt: f64, eps: f64,
  lo: i32, hi: i32): void {
  const ams = vMax != 0;
  let i = lo;
  for (; i + 4 <= hi; i += 4) {
    const P = v128.load(at(p, i)), G = v128.load(at(g, i)), M = v128.load(at(m, i)), V = v128.load(at(v, i));
    const X = ams ? v128.load(at(vMax, i)) : f32x4.splat(0);
    // Low and high pairs, each with its own m, v, vMax results.
    const pl = lowF64(P), gl = lowF64(G), ml = lowF64(M), vl = lowF64(V), xl = lowF64(X);
    const ph = highF64(P), gh = highF64(G), mh = highF64(M), vh = highF64(V), xh = highF64(X);
    const pi_l = f64x2.mul(pl, splat(shrink)), pi_h = f64x2.mul(ph, splat(shrink));
    const gi_l = f64x2.add(f64x2.mul(splat(sign), gl), f64x2.mul(splat(l2), pi_l));
    const gi_h = f64x2.add(f64x2.mul(splat(sign), gh), f64x2.mul(splat(l2), pi_h));
    const mi_l = f64x2.add(f64x2.mul(splat(beta1), ml), f64x2.mul(splat(c1), gi_l));
    const mi_h = f64x2.add(f64x2.mul(splat(beta1), mh), f64x2.mul(splat(c1), gi_h));
    let vi_l = f64x2.add(f64x2.mul(splat(beta2), vl), f64x2.mul(f64x2.mul(splat(c2), gi_l), gi_l));
    let vi_h = f64x2.add(f64x2.mul(splat(beta2), vh), f64x2.mul(f64x2.mul(splat(c2), gi_h), gi_h));
    v128.store(at(m, i), joinF32(mi_l, mi_h));
    v128.store(at(v, i), joinF32(vi_l, vi_h));
    if (ams) {
      // Math.max semantics: NaN wins and -0 < +0; f64x2.max does the same.
      vi_l = f64x2.max(xl, vi_l);
      vi_h = f64x2.max(xh, vi_h);
      v128.store(at(vMax, i), joinF32(vi_l, vi_h));
    }
    const d_l = f64x2.add(f64x2.div(f64x2.sqrt(vi_l), splat(bc2Sqrt)), splat(eps));
    const d_h = f64x2.add(f64x2.div(f64x2.sqrt(vi_h), splat(bc2Sqrt)), splat(eps));
    const np_l = f64x2.sub(pi_l, f64x2.mul(splat(stepSize), f64x2.div(mi_l, d_l)));
    const np_h = f64x2.sub(pi_h, f64x2.mul(splat(stepSize), f64x2.div(mi_h, d_h)));
    v128.store(at(p, i), joinF32(np_l, np_h));
  }
  for (; i < hi; i++) {
    const pi = <f64>load<f32>(at(p, i)) * shrink;
    const gi = sign * <f64>load<f32>(at(g, i)) + l2 * pi;
    const mi = beta1 * <f64>load<f32>(at(m, i)) + c1 * gi;
    let vi = beta2 * <f64>load<f32>(at(v, i)) + c2 * gi * gi;
    store<f32>(at(m, i), <f32>mi);
    store<f32>(at(v, i), <f32>vi);
    if (ams) {
      vi = max<f64>(<f64>load<f32>(at(vMax, i)), vi);
      store<f32>(at(vMax, i), <f32>vi);
    }
    store<f32>(at(p, i), <f32>(pi - stepSize * (mi / (sqrt<f64>(vi) / bc2Sqrt + eps))));
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
