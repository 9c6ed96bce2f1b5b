// The strong-Wolfe line search of torch.optim.LBFGS (PyTorch 1.13's _strong_wolfe and
// _cubic_interpolate, ported from minFunc through torch/optim's lswolfe.lua): a bracketing phase, then
// a zoom by safeguarded cubic interpolation. Scalars are float64 numbers; gradients flat tensors.

import type { Tensor } from "../tensor/tensor.js";

/** A computation that yields one-element tensors and is resumed with their values (read by its driver). */
export type Reads<R> = Generator<Tensor, R, number>;

/** The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds. */
export function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  bounds?: [number, number],
): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 ** 2 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos =
      x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

/** What the line search found: the step, the loss and flat gradient there, and the evaluations it made. */
export interface LineSearchResult {
  loss: number;
  grad: Tensor;
  t: number;
  evals: number;
}

/**
 * A step `t` along `d` from the parameters `x` meeting the strong Wolfe conditions (sufficient
 * decrease c1, curvature c2), from the trial step `t`; `f`, `g`, `gtd` are the loss, flat gradient
 * and directional derivative at `x`. `obj(x, t, d)` gives the loss and gradient at x + t·d. Scalars it needs are yielded as tensors
 * (see Reads).
 */
export function* strongWolfe(
  obj: (x: Tensor[], t: number, d: Tensor) => Reads<[number, Tensor]>,
  x: Tensor[],
  t: number,
  d: Tensor,
  f: number,
  g: Tensor,
  gtd: number,
  c1 = 1e-4,
  c2 = 0.9,
  toleranceChange = 1e-9,
  maxLs = 25,
): Reads<LineSearchResult> {
  const dNorm = yield d.abs().max();
  let [fNew, gNew] = yield* obj(x, t, d);
  let evals = 1;
  let gtdNew = yield gNew.dot(d);

  // Bracket an interval containing a point that satisfies the conditions.
  let tPrev = 0,
    fPrev = f,
    gPrev = g,
    gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [],
    bracketF: number[] = [],
    bracketG: Tensor[] = [],
    bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      [bracket, bracketF, bracketG, bracketGtd] = [
        [tPrev, t],
        [fPrev, fNew],
        [gPrev, gNew],
        [gtdPrev, gtdNew],
      ];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bracketF, bracketG, bracketGtd] = [
        [tPrev, t],
        [fPrev, fNew],
        [gPrev, gNew],
        [gtdPrev, gtdNew],
      ];
      break;
    }
    // Extrapolate, between 1.01·t and 10·t.
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    [tPrev, fPrev, gPrev, gtdPrev] = [tmp, fNew, gNew, gtdNew];
    [fNew, gNew] = yield* obj(x, t, d);
    evals += 1;
    gtdNew = yield gNew.dot(d);
    lsIter += 1;
  }
  if (lsIter === maxLs)
    [bracket, bracketF, bracketG] = [
      [0, t],
      [f, fNew],
      [g, gNew],
    ];

  // Zoom: shrink the bracket until a point meets the conditions.
  let insufProgress = false;
  let [low, high] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    // Too close to an end of the bracket (twice running, or outside it): move 10% of its width inside.
    const hi = Math.max(...bracket),
      lo = Math.min(...bracket);
    const eps = 0.1 * (hi - lo);
    if (Math.min(hi - t, t - lo) < eps) {
      if (insufProgress || t >= hi || t <= lo) {
        t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    [fNew, gNew] = yield* obj(x, t, d);
    evals += 1;
    gtdNew = yield gNew.dot(d);
    lsIter += 1;

    if (fNew > f + c1 * t * gtd || fNew >= bracketF[low]) {
      // Not enough decrease, or not below the lowest point: the new point is the high end.
      [bracket[high], bracketF[high], bracketG[high], bracketGtd[high]] = [t, fNew, gNew, gtdNew];
      [low, high] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        done = true;
      } else if (gtdNew * (bracket[high] - bracket[low]) >= 0) {
        // The old low end becomes the high end.
        [bracket[high], bracketF[high], bracketG[high], bracketGtd[high]] = [bracket[low], bracketF[low], bracketG[low], bracketGtd[low]];
      }
      [bracket[low], bracketF[low], bracketG[low], bracketGtd[low]] = [t, fNew, gNew, gtdNew];
    }
  }
  return { loss: bracketF[low], grad: bracketG[low], t: bracket[low], evals };
}
