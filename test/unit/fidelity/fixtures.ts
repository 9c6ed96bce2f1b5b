// Loads test/fixtures/fidelity.json (made by test/fixtures/gen_fidelity.py from PyTorch 1.13) and
// rebuilds its inputs; shared by the tests of the PyTorch idioms in this folder.

import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import type { Tensor } from "tensorgrad";

export interface Rec {
  shape: number[];
  values: (number | string)[];
}

export const fidelity: any = JSON.parse(readFileSync(new URL("../../fixtures/fidelity.json", import.meta.url), "utf8"));

/** A fixture record's values as numbers ("nan", "inf" back to NaN and Infinity). */
export function values(r: Rec): number[] {
  return r.values.map(Number);
}

/** A float32 tensor from a fixture record. */
export function fromRec(r: Rec, opts: { requiresGrad?: boolean } = {}): Tensor {
  return tg.tensor(values(r), { shape: r.shape, ...opts });
}

/** The script's grid(): (i * 7 % 11 - 5) * scale + shift, in float32. */
export function grid(n: number, scale = 0.1, shift = 0): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround((((i * 7) % 11) - 5) * scale + shift));
}

/** Asserts `actual` equals the record's values within `tol` (shape included). */
export function close(actual: Tensor, r: Rec, tol = 1e-6): void {
  const want = values(r);
  if (JSON.stringify([...actual.shape]) !== JSON.stringify(r.shape)) {
    throw new Error(`shape ${JSON.stringify(actual.shape)} != ${JSON.stringify(r.shape)}`);
  }
  const got = Array.from(actual.toTypedArray(), Number);
  got.forEach((v, i) => {
    const w = want[i];
    const ok = Number.isNaN(w) ? Number.isNaN(v) : Math.abs(v - w) <= tol * Math.max(1, Math.abs(w));
    if (!ok) throw new Error(`element ${i}: got ${v}, expected ${w} (all: ${got.join(", ")} vs ${want.join(", ")})`);
  });
}

/** Wraps a test body so it runs with `backend` selected, restoring the previous backend after. */
export function onBackend(backend: string): (fn: () => void) => () => void {
  return (fn) => () => {
    const prev = tg.getBackend().name;
    tg.setBackend(backend);
    try {
      fn();
    } finally {
      tg.setBackend(prev);
    }
  };
}
