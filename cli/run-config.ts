// config.json of a run folder: the model description, data source, preprocessing and training
// settings — everything eval, predict and --resume need besides the weights.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { io } from "../src/index.js";
import type { DataSpec, Standardize, Task } from "./data.js";
import { CliError } from "./errors.js";
import type { ModelConfig } from "./model.js";

export interface TrainingConfig {
  epochs: number;
  batchSize: number;
  optimizer: string;
  lr: number;
  /** "cosine": annealed to 0 over `epochs`, stepped per epoch; "none": constant. */
  lrSchedule?: "cosine" | "none";
  seed: number;
  validationSplit: number;
  limit?: number;
}

export interface RunConfig {
  format: "tensorgrad.run";
  version: 1;
  task: Task;
  loss: string;
  model: ModelConfig;
  data: DataSpec;
  /** Standardisation applied to inputs (fitted on the training split). */
  standardize: Standardize;
  /** Classification: the label of each class index (digits, or a CSV's original labels). */
  classes: (string | number)[];
  featureNames?: string[];
  training: TrainingConfig;
}

export const CONFIG_FILE = "config.json";

export function writeRunConfig(dir: string, config: RunConfig): void {
  io.writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + "\n");
}

function parse(path: string, text: string): RunConfig {
  let cfg: RunConfig;
  try {
    cfg = JSON.parse(text) as RunConfig;
  } catch (e) {
    throw new CliError(`${path} is not valid JSON (${(e as Error).message})`);
  }
  if (cfg?.format !== "tensorgrad.run" || !cfg.model || !cfg.training) throw new CliError(`${path} is not a tensorgrad run configuration`);
  return cfg;
}

/**
 * The configuration for a weights or checkpoint file: config.json in the same folder, or else the
 * copy every file the CLI writes carries in its safetensors metadata.
 */
export function configFor(checkpoint: string): RunConfig {
  if (!existsSync(checkpoint)) throw new CliError(`checkpoint not found: ${checkpoint}`);
  const beside = join(dirname(checkpoint), CONFIG_FILE);
  if (existsSync(beside)) return parse(beside, readFileSync(beside, "utf8"));
  const meta = io.readSafetensorsHeader(checkpoint).metadata;
  if (meta.config) return parse(`${checkpoint} (metadata)`, meta.config);
  // Checkpoints keep it in their "extra" record (see ModelCheckpoint's extra option).
  if (meta.extra) {
    const extra = JSON.parse(meta.extra) as { user?: { config?: unknown } };
    if (extra?.user?.config) return parse(`${checkpoint} (metadata)`, JSON.stringify(extra.user.config));
  }
  throw new CliError(`no ${CONFIG_FILE} next to ${checkpoint} and no configuration in its metadata; cannot rebuild the model`);
}
