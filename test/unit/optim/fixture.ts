// Loads test/fixtures/optim.json (made by test/fixtures/gen_optim.py) and builds the optimizers and
// parameters its cases describe, for the optimizer and scheduler tests.

import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { optim, type Tensor } from "tensorgrad";

export type GroupSpec = { params: number[]; [option: string]: unknown };
export type OptimCase = {
  id: string;
  optimizer: string;
  options: Record<string, unknown>;
  groups: GroupSpec[] | null;
  weights: number[][][];
};
export type SchedCase = {
  id: string;
  optimizer: string;
  optimizerOptions: Record<string, unknown>;
  groups: GroupSpec[] | null;
  scheduler: string;
  options: Record<string, unknown>;
  metrics: number[] | null;
  lrs: number[][];
  momenta?: (number | null)[][];
  errorAfter?: string;
};
export const fixture: {
  torch: string;
  shapes: number[][];
  init: number[][];
  grads: number[][][];
  optimizers: OptimCase[];
  schedulers: SchedCase[];
} = JSON.parse(readFileSync(new URL("../../fixtures/optim.json", import.meta.url), "utf8"));

export const OPTIMIZERS: Record<string, new (params: any, options: any) => optim.Optimizer<any>> = {
  SGD: optim.SGD,
  Adam: optim.Adam,
  AdamW: optim.AdamW,
  RMSprop: optim.RMSprop,
  Adagrad: optim.Adagrad,
  NAdam: optim.NAdam,
  RAdam: optim.RAdam,
  Adamax: optim.Adamax,
};

/** The fixture's starting parameters, as fresh leaves that require grad. */
export function makeParams(): Tensor[] {
  return fixture.init.map((values, i) => tg.tensor(Float64Array.from(values), { shape: fixture.shapes[i], requiresGrad: true }));
}

/** An optimizer over `params` as a case describes it (one group, or the case's groups). */
export function makeOptimizer(
  name: string,
  params: Tensor[],
  options: Record<string, unknown>,
  groups: GroupSpec[] | null,
): optim.Optimizer<any> {
  const spec = groups === null ? params : groups.map(({ params: ids, ...rest }) => ({ ...rest, params: ids.map((i) => params[i]) }));
  return new OPTIMIZERS[name](spec, options);
}

/** Sets each parameter's gradient to the fixture's gradient for step k. */
export function setGrads(params: Tensor[], k: number): void {
  params.forEach((p, i) => (p.grad = tg.tensor(Float64Array.from(fixture.grads[i][k]), { shape: fixture.shapes[i] })));
}
