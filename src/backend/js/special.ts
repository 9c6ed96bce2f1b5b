// Special functions the reference kernels need that Math lacks, computed in float64 to well below
// float32 rounding so they can serve as the oracle for faster backends.

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * The error function. |x| < 3: the all-positive series erf(x) = 2/√π·e^{-x²}·Σ 2ⁿx^{2n+1}/(2n+1)!!
 * (no cancellation); 3 ≤ |x| < 6: erfc by its continued fraction (modified Lentz); beyond, ±1.
 */
export function erf(x: number): number {
  if (x !== x) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  if (ax < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  const tiny = 1e-300;
  let f = ax;
  let C = ax;
  let D = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    D = ax + an * D;
    D = D === 0 ? tiny : D;
    C = ax + an / C;
    C = C === 0 ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}
