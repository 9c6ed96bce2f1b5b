// Reference element-wise kernels: one expression per primitive, computed in float64 and stored in
// the output's element type. Inputs arrive already broadcast to the output shape (stride 0).

import type { HostStorage, Kernel } from "../backend.js";
import type { BinaryKernel, KernelTable, TernaryKernel, UnaryKernel } from "../kernel-table.js";
import { makeMapLoop } from "./strided.js";

// NaN-propagating where PyTorch propagates (relu, maximum, minimum keep NaN).
export const UNARY: Record<UnaryKernel, string> = {
  neg: "-x0",
  exp: "Math.exp(x0)",
  expm1: "Math.expm1(x0)",
  log: "Math.log(x0)",
  log1p: "Math.log1p(x0)",
  sqrt: "Math.sqrt(x0)",
  abs: "Math.abs(x0)",
  sign: "(x0 > 0 ? 1 : x0 < 0 ? -1 : 0)",
  sin: "Math.sin(x0)",
  cos: "Math.cos(x0)",
  tanh: "Math.tanh(x0)",
  sigmoid: "(x0 >= 0 ? 1 / (1 + Math.exp(-x0)) : Math.exp(x0) / (1 + Math.exp(x0)))",
  relu: "(x0 < 0 ? 0 : x0)",
  erf: "erf(x0)",
  copy: "x0",
  floor: "Math.floor(x0)",
  ceil: "Math.ceil(x0)",
  trunc: "Math.trunc(x0)",
  // torch.round rounds halves to even.
  round: "(x0 - Math.floor(x0) === 0.5 ? 2 * Math.round(x0 / 2) : Math.round(x0))",
  tan: "Math.tan(x0)",
  asin: "Math.asin(x0)",
  acos: "Math.acos(x0)",
  atan: "Math.atan(x0)",
  sinh: "Math.sinh(x0)",
  cosh: "Math.cosh(x0)",
  asinh: "Math.asinh(x0)",
  atanh: "Math.atanh(x0)",
  log2: "Math.log2(x0)",
  log10: "Math.log10(x0)",
  exp2: "Math.pow(2, x0)",
};

export const BINARY: Record<BinaryKernel, string> = {
  add: "x0 + x1",
  sub: "x0 - x1",
  mul: "x0 * x1",
  div: "x0 / x1",
  pow: "Math.pow(x0, x1)",
  maximum: "(x0 !== x0 || x1 !== x1 ? NaN : x0 > x1 ? x0 : x1)",
  minimum: "(x0 !== x0 || x1 !== x1 ? NaN : x0 < x1 ? x0 : x1)",
  eq: "(x0 === x1 ? 1 : 0)",
  ne: "(x0 !== x1 ? 1 : 0)",
  gt: "(x0 > x1 ? 1 : 0)",
  lt: "(x0 < x1 ? 1 : 0)",
  ge: "(x0 >= x1 ? 1 : 0)",
  le: "(x0 <= x1 ? 1 : 0)",
  reluGrad: "(x0 > 0 ? x1 : 0)",
};

export const TERNARY: Record<TernaryKernel, string> = {
  where: "(x0 !== 0 ? x1 : x2)",
};

const copyLoop = makeMapLoop(1, "x0");

/** "fill": the copy loop from one float64 element seen with the output's shape (every stride 0). */
export const fill: KernelTable["fill"] = (out, _inputs, { value }) => {
  const one: HostStorage = { dtype: "float64", length: 1, backend: out.storage.backend, data: Float64Array.of(value) };
  copyLoop(out, [{ storage: one, offset: 0, shape: out.shape, strides: out.shape.map(() => 0) }]);
};

export function elementwiseKernels(): Record<UnaryKernel | BinaryKernel | TernaryKernel, Kernel> {
  const out = {} as Record<UnaryKernel | BinaryKernel | TernaryKernel, Kernel>;
  for (const [name, expr] of Object.entries(UNARY) as [UnaryKernel, string][]) out[name] = makeMapLoop(1, expr);
  for (const [name, expr] of Object.entries(BINARY) as [BinaryKernel, string][]) out[name] = makeMapLoop(2, expr);
  for (const [name, expr] of Object.entries(TERNARY) as [TernaryKernel, string][]) out[name] = makeMapLoop(3, expr);
  return out;
}
