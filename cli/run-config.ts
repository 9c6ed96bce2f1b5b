// config.json of a run folder: the model description, data source, preprocessing and training
// settings — everything eval, predict and --resume need besides the weights.

import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { io, train } from "../src/index.js";
import type { DataSpec, Standardize, Task } from "./data.js";
import { CliError } from "./errors.js";
import type { ColumnEncoding } from "./table.js";
import type { ModelConfig } from "./model.js";
import { describeIssues, runConfigSchema } from "./run-schema.js";

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
  /** Images: each training sample shifted by up to this many pixels, drawn anew every epoch. */
  shift?: number;
  /** Images: mirrored left-right at random, drawn anew every epoch. */
  flip?: boolean;
  /** Images: rotated by up to this many degrees either way, drawn anew every epoch. */
  rotate?: number;
  /** Stop when the monitored loss has not improved for `patience` epochs (the best weights are kept either way). */
  earlyStopping?: { patience: number; startFrom?: number };
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
  /** CSV: how each input column becomes features (numbers imputed, text one-hot); see cli/table.ts. */
  encoding?: ColumnEncoding[];
  /**
   * Regression: the training targets' mean and std. The model learns (y − mean) / std, and its
   * outputs are turned back into the data's units for metrics and predictions.
   */
  targetStandardize?: Standardize;
  training: TrainingConfig;
}

export const CONFIG_FILE = "config.json";

/** A run's loss name as fit takes it: the command's models output logits, so cross-entropies get fromLogits. */
export function fitLoss(name: string): train.LossSpec {
  const loss = name as train.LossName;
  return loss.endsWith("categorical_crossentropy") || loss === "binary_crossentropy" ? { name: loss, fromLogits: true } : loss;
}

export function writeRunConfig(dir: string, config: RunConfig): void {
  io.writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + "\n");
}

/** Parses and validates a run configuration; errors name `path` and the offending fields. */
export function parseRunConfig(path: string, text: string): RunConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path} is not valid JSON (${(e as Error).message})`);
  }
  return validateRunConfig(path, raw);
}

function validateRunConfig(path: string, raw: unknown): RunConfig {
  const r = raw as { format?: unknown } | null;
  if (r === null || typeof r !== "object" || r.format !== "tensorgrad.run")
    throw new CliError(`${path} is not a tensorgrad run configuration (no "format": "tensorgrad.run")`);
  const checked = runConfigSchema.safeParse(raw);
  if (!checked.success) throw new CliError(`${path} is not a valid run configuration: ${describeIssues(checked.error)}`);
  return checked.data as RunConfig;
}

/**
 * The configuration for a weights or checkpoint file: config.json in the same folder, or else the
 * copy every file the CLI writes carries in its safetensors metadata.
 */
export function configFor(checkpoint: string): RunConfig {
  if (!existsSync(checkpoint)) throw new CliError(`checkpoint not found: ${checkpoint}`);
  // A run folder is what users have at hand; reading it as a file would fail with a bare EISDIR.
  if (statSync(checkpoint).isDirectory())
    throw new CliError(
      `${checkpoint} is a folder, not a checkpoint: give a file in it, such as ${join(checkpoint, "model.safetensors")} or ${join(checkpoint, "checkpoint-last.safetensors")}`,
    );
  const beside = join(dirname(checkpoint), CONFIG_FILE);
  if (existsSync(beside)) return parseRunConfig(beside, readFileSync(beside, "utf8"));
  const meta = io.readSafetensorsHeader(checkpoint).metadata;
  if (meta.config) return parseRunConfig(`${checkpoint} (metadata "config")`, meta.config);
  // Checkpoints keep it in their "extra" record (see ModelCheckpoint's extra option).
  if (meta.extra) {
    let extra: { user?: { config?: unknown } } | null;
    try {
      extra = JSON.parse(meta.extra);
    } catch (e) {
      throw new CliError(`${checkpoint}: metadata "extra" is not valid JSON (${(e as Error).message})`);
    }
    if (extra?.user?.config) return validateRunConfig(`${checkpoint} (metadata "extra")`, extra.user.config);
  }
  throw new CliError(`no ${CONFIG_FILE} next to ${checkpoint} and no configuration in its metadata; cannot rebuild the model`);
}
