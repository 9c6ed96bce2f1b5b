// Human-readable printing of tensors, in the spirit of torch's repr: nested brackets, aligned
// numbers, long dims elided with "...".

import type { Tensor } from "./tensor.js";

const EDGE = 3;
const MAX_FULL = 1000;

export function formatTensor(t: Tensor): string {
  const data = t.contiguousData();
  const isInt = t.dtype === "int32";
  const isBool = t.dtype === "bool";
  const fmt = (v: number): string =>
    isBool
      ? v !== 0
        ? "true"
        : "false"
      : isInt
        ? String(v)
        : Number.isInteger(v) && Math.abs(v) < 1e16
          ? `${v}.`
          : Number(v.toPrecision(4)).toString();
  const summarize = t.size > MAX_FULL;
  const render = (dim: number, base: number, indent: string): string => {
    if (t.ndim === 0) return fmt(data[0]);
    const n = t.shape[dim];
    let step = 1;
    for (let d = dim + 1; d < t.ndim; d++) step *= t.shape[d];
    const idx =
      summarize && n > 2 * EDGE
        ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)]
        : [...Array(n).keys()];
    if (dim === t.ndim - 1) return `[${idx.map((i) => (i < 0 ? "..." : fmt(data[base + i]))).join(", ")}]`;
    const sep = `,\n${"\n".repeat(Math.max(0, t.ndim - dim - 2))}${indent} `;
    return `[${idx.map((i) => (i < 0 ? "..." : render(dim + 1, base + i * step, indent + " "))).join(sep)}]`;
  };
  const extras: string[] = [];
  // torch leaves the dtype out for bool, whose values say it.
  if (t.dtype !== "float32" && !isBool) extras.push(`dtype=${t.dtype}`);
  if (t.requiresGrad) extras.push(t.isLeaf ? "requiresGrad=true" : `gradFn=${t._node?.spec.name}`);
  return `tensor(${render(0, 0, "       ")}${extras.length ? ", " + extras.join(", ") : ""})`;
}
