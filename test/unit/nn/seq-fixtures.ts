// Loads test/fixtures/seq.json (made by test/fixtures/gen_seq.py from PyTorch 1.13) for the
// recurrent, attention and transformer parity tests, and turns its records into tensors.

import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { type Tensor } from "tensorgrad";
import { assertTensorClose } from "../../helpers/assert.js";

export interface SeqRecord {
  shape: number[];
  /** Numbers, with "-inf" for -∞ in additive masks. */
  values: (number | string)[];
  dtype?: "int32" | "bool";
}

export interface Desc {
  layer: string;
  args: unknown[];
  opts?: Record<string, unknown>;
}

export interface RecurrentCase {
  id: string;
  desc: Desc;
  mode: "train" | "eval";
  state: Record<string, SeqRecord>;
  input: SeqRecord;
  initial?: SeqRecord[];
  outputs: SeqRecord[];
  gradOutputs: SeqRecord[];
  inputGrad: SeqRecord;
  initialGrads?: SeqRecord[];
  paramGrads: Record<string, SeqRecord>;
}

export interface AttentionCase {
  id: string;
  desc: Desc;
  state: Record<string, SeqRecord>;
  self: boolean;
  query: SeqRecord;
  key?: SeqRecord;
  value?: SeqRecord;
  forward: Record<string, SeqRecord | boolean>;
  outputs: SeqRecord[];
  gradOutputs: SeqRecord[];
  queryGrad: SeqRecord;
  keyGrad?: SeqRecord;
  valueGrad?: SeqRecord;
  paramGrads: Record<string, SeqRecord>;
}

export interface EncoderCase {
  id: string;
  desc: Desc | { layer: "TransformerEncoder"; encoderLayer: Desc; numLayers: number; norm: Desc };
  state: Record<string, SeqRecord>;
  src: SeqRecord;
  forward: Record<string, SeqRecord>;
  output: SeqRecord;
  gradOutput: SeqRecord;
  srcGrad: SeqRecord;
  paramGrads: Record<string, SeqRecord>;
}

export interface SdpaCase {
  id: string;
  inputs: SeqRecord[];
  forward: { attnMask?: SeqRecord; isCausal?: boolean; scale?: number };
  output: SeqRecord;
  gradOutput: SeqRecord;
  grads: SeqRecord[];
}

export interface KeysCase {
  stateDict: [string, number[]][];
  repr: string;
  numParameters: number;
}

export const fixtures: {
  torch: string;
  recurrent: RecurrentCase[];
  attention: AttentionCase[];
  encoder: EncoderCase[];
  sdpa: SdpaCase[];
  keys: Record<string, KeysCase>;
} = JSON.parse(readFileSync(new URL("../../fixtures/seq.json", import.meta.url), "utf8"));

/** A fixture record as a tensor; torch bool masks stay bool (or become int32 or float 0/1 as `boolAs` says). */
export function toTensor(
  r: SeqRecord,
  { requiresGrad = false, boolAs = "bool" }: { requiresGrad?: boolean; boolAs?: "bool" | "int32" | "float32" } = {},
): Tensor {
  const values = Float64Array.from(r.values, (v) => (v === "-inf" ? -Infinity : (v as number)));
  const dtype = r.dtype === undefined ? "float32" : r.dtype === "bool" ? boolAs : "int32";
  return tg.tensor(values, { shape: r.shape, dtype, requiresGrad: requiresGrad && dtype === "float32" });
}

export function stateOf(record: Record<string, SeqRecord>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, toTensor(v)]));
}

export const tol = { rtol: 1e-4, atol: 2e-5 };

export function expectClose(t: Tensor | null | undefined, rec: SeqRecord, what: string, opts = tol): void {
  assert.ok(t, `${what}: missing`);
  assertTensorClose(t, rec.values as number[], rec.shape, { ...opts, what });
}

/** Σ out·g over the outputs: backward of it gives every gradient for the upstream gradients g. */
export function weightedSum(outputs: Tensor[], grads: SeqRecord[]): Tensor {
  assert.equal(outputs.length, grads.length, "number of outputs");
  return outputs.map((o, i) => o.mul(toTensor(grads[i])).sum()).reduce((a, b) => a.add(b));
}

/** Compares every parameter gradient, and that exactly the expected parameters got one. */
export function expectParamGrads(named: [string, Tensor][], expected: Record<string, SeqRecord>, id: string): void {
  const got = Object.fromEntries(named.filter(([, p]) => p.grad !== null).map(([k, p]) => [k, p.grad!]));
  assert.deepEqual(Object.keys(got).sort(), Object.keys(expected).sort(), `${id}: parameters with gradients`);
  for (const [k, rec] of Object.entries(expected)) expectClose(got[k], rec, `${id} grad of ${k}`);
}
