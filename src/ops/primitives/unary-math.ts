// More element-wise maths (torch's floor ceil round trunc tan asin acos atan sinh cosh asinh atanh
// log2 log10 exp2), each a primitive with its derivative beside it. Kernels: the reference backend's
// expressions (js/elementwise.ts); faster backends fall back to them.

import type { Tensor } from "../../tensor/tensor.js";
import { unary } from "./elementwise.js";

const LN2 = Math.LN2;
const LN10 = Math.LN10;

// Piecewise constant: torch's gradient is zero everywhere. Integer inputs stay integers.
const flat = (g: Tensor): Tensor => g.zerosLike();
/** Largest integer ≤ x element-wise, keeping the dtype (torch.floor); gradient 0. */
export const floor = unary("floor", flat, false, "none");
/** Smallest integer ≥ x element-wise, keeping the dtype (torch.ceil); gradient 0. */
export const ceil = unary("ceil", flat, false, "none");
/** x rounded toward zero element-wise (torch.trunc); gradient 0. */
export const trunc = unary("trunc", flat, false, "none");
/** Rounds halves to even, as torch.round. */
export const round = unary("round", flat, false, "none");

// d tan = 1 + tan², from the saved output.
/** Tangent element-wise, in radians (torch.tan). */
export const tan = unary("tan", (g, _x, out) => g.mul(out.mul(out).add(1)), true, "output");
// d asin = 1/√(1-x²), d acos = -1/√(1-x²), d atan = 1/(1+x²)
/** Arcsine element-wise; NaN outside [-1, 1] (torch.asin). */
export const asin = unary("asin", (g, x) => g.div(x.mul(x).neg().add(1).sqrt()));
/** Arccosine element-wise; NaN outside [-1, 1] (torch.acos). */
export const acos = unary("acos", (g, x) => g.div(x.mul(x).neg().add(1).sqrt()).neg());
/** Arctangent element-wise (torch.atan). */
export const atan = unary("atan", (g, x) => g.div(x.mul(x).add(1)));
// d sinh = cosh, d cosh = sinh, d asinh = 1/√(x²+1), d atanh = 1/(1-x²)
/** Hyperbolic sine element-wise (torch.sinh). */
export const sinh = unary("sinh", (g, x) => g.mul(cosh(x)));
/** Hyperbolic cosine element-wise (torch.cosh). */
export const cosh = unary("cosh", (g, x) => g.mul(sinh(x)));
/** Inverse hyperbolic sine element-wise (torch.asinh). */
export const asinh = unary("asinh", (g, x) => g.div(x.mul(x).add(1).sqrt()));
/** Inverse hyperbolic tangent element-wise; ±inf at ±1, NaN outside (torch.atanh). */
export const atanh = unary("atanh", (g, x) => g.div(x.mul(x).neg().add(1)));
// d log2 = 1/(x ln 2), d log10 = 1/(x ln 10), d 2ˣ = 2ˣ ln 2
/** Base-2 logarithm element-wise (torch.log2). */
export const log2 = unary("log2", (g, x) => g.div(x.mul(LN2)));
/** Base-10 logarithm element-wise (torch.log10). */
export const log10 = unary("log10", (g, x) => g.div(x.mul(LN10)));
/** 2^x element-wise (torch.exp2). */
export const exp2 = unary("exp2", (g, _x, out) => g.mul(out).mul(LN2), true, "output");
