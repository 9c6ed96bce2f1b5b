// Loads test/fixtures/autograd.json (made by test/fixtures/gen_autograd.py from PyTorch 1.13) and
// rebuilds its inputs; shared by the higher-order gradient and hook tests.

import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

export interface Rec {
  shape: number[];
  values: (number | string)[];
}

export const fixture: any = JSON.parse(readFileSync(new URL("../../fixtures/autograd.json", import.meta.url), "utf8"));

/** The script's grid(): ((i + offset) * 7 % 11 - 5) * scale + shift. */
export function grid(shape: number[], scale = 0.1, shift = 0, offset = 0, dtype: "float32" | "float64" = "float64"): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => ((((i + offset) * 7) % 11) - 5) * scale + shift);
  return tg.tensor(v, { shape, dtype });
}

/** A tensor from a fixture record. */
export function fromRec(r: Rec, opts: { requiresGrad?: boolean; dtype?: "float32" | "float64" } = {}): Tensor {
  return tg.tensor(r.values.map(Number), { shape: r.shape, dtype: opts.dtype ?? "float64", requiresGrad: opts.requiresGrad });
}

/** Asserts `t` has the record's shape and values within tolerance. */
export function close(t: Tensor | null, r: Rec, what: string, tol = 1e-6): void {
  if (t === null) throw new Error(`${what}: got null, expected a tensor of shape [${r.shape}]`);
  if (JSON.stringify([...t.shape]) !== JSON.stringify(r.shape)) throw new Error(`${what}: shape [${t.shape}] != [${r.shape}]`);
  const flat = (t.ndim === 0 ? [t.item()] : (t.toArray() as unknown[]).flat(Infinity)) as number[];
  assertClose(flat, r.values.map(Number), { rtol: tol, atol: tol, what });
}
