// `tensorgrad summary`: the layer table (train.summary) of a preset, of --layers, or of a run's model.

import { train } from "../../src/index.js";
import { buildModel, modelConfig, type ModelConfig } from "../model.js";
import { configFor } from "../run-config.js";

export interface SummaryOptions {
  model: string;
  layers?: number[];
  activation: string;
  dropout?: number;
  inputDropout?: number;
  inputSize: number;
  classes: number;
  checkpoint?: string;
}

export function summaryCommand(opts: SummaryOptions): number {
  const cfg: ModelConfig = opts.checkpoint ? configFor(opts.checkpoint).model : modelConfig(opts, opts.inputSize, opts.classes);
  process.stdout.write(train.summary(buildModel(cfg), [cfg.inputSize]) + "\n");
  return 0;
}
