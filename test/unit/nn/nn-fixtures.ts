// Loads test/fixtures/nn.json (made by test/fixtures/gen_nn.py from PyTorch 1.13) and turns its
// tensor records into tensorgrad tensors; shared by the nn parity tests.

import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { nn, type Tensor } from "tensorgrad";

export interface TensorRecord {
  shape: number[];
  values: number[];
  dtype?: "int32";
}

export interface LayerDesc {
  layer: string;
  args: unknown[];
  opts?: Record<string, unknown>;
}

export interface LayerCase {
  id: string;
  desc: LayerDesc;
  mode: "train" | "eval";
  state: Record<string, TensorRecord>;
  input: TensorRecord;
  output: TensorRecord;
  gradOutput: TensorRecord;
  inputGrad: TensorRecord | null;
  paramGrads: Record<string, TensorRecord>;
  stateAfter: Record<string, TensorRecord>;
  second?: TensorRecord;
  stateAfterSecond?: Record<string, TensorRecord>;
}

export interface LossCase {
  id: string;
  fn: string;
  opts: Record<string, unknown>;
  inputs: (TensorRecord | number)[];
  output: TensorRecord;
  gradOutput: TensorRecord;
  grads: (TensorRecord | null)[];
}

export interface ModelDescription {
  stateDict: [string, number[], string][];
  namedParameters: [string, number[]][];
  numParameters: number;
  repr: string;
}

export interface ClipCase {
  id: string;
  grads: TensorRecord[];
  clipped: TensorRecord[];
  maxNorm?: number;
  normType?: number | "inf";
  totalNorm?: number;
  clipValue?: number;
}

export const fixtures: {
  layers: LayerCase[];
  losses: LossCase[];
  models: Record<string, ModelDescription>;
  clipping: ClipCase[];
} = JSON.parse(readFileSync(new URL("../../fixtures/nn.json", import.meta.url), "utf8"));

export function toTensor(r: TensorRecord, opts: { requiresGrad?: boolean } = {}): Tensor {
  const dtype = r.dtype ?? "float32";
  return tg.tensor(Float64Array.from(r.values), { shape: r.shape, dtype, requiresGrad: dtype !== "int32" && opts.requiresGrad });
}

/** Constructs the layer a fixture describes: new nn[layer](...args, opts?), recursively for Sequential. */
export function buildLayer(desc: LayerDesc): nn.Module {
  if (desc.layer === "Sequential") return new nn.Sequential(...(desc.args as LayerDesc[]).map(buildLayer));
  const Cls = (nn as unknown as Record<string, new (...args: unknown[]) => nn.Module>)[desc.layer];
  if (!Cls) throw new Error(`no nn.${desc.layer}`);
  return new Cls(...desc.args, ...(desc.opts ? [desc.opts] : []));
}

export function stateOf(record: Record<string, TensorRecord>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, toTensor(v)]));
}
