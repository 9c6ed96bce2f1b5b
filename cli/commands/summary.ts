// `tensorgrad summary`: the layer table (train.summary) of a preset, of --layers, or of a run's model.

import { train } from "../../src/index.js";
import { createModel, modelConfig, type ModelConfig } from "../model.js";
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

export async function summaryCommand(opts: SummaryOptions): Promise<number> {
  const cfg: ModelConfig = opts.checkpoint ? configFor(opts.checkpoint).model : modelConfig(opts, opts.inputSize, opts.classes);
  process.stdout.write(train.summary(await createModel(cfg), [cfg.inputSize]) + "\n");
  return 0;
}
