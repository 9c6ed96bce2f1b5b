// Defaults that depend on the data: the presets are tuned for the bundled digits (8,000 images of 784
// pixels), where a wide network with dropout for a dozen epochs does well. A table of a few hundred
// rows wants the opposite: a smaller network without dropout, many short epochs, and a stop once the
// validation loss stops falling, keeping the best epoch's weights. (One hidden layer of 64 units
// stays at chance on 240 points of three spirals after 200 epochs, where 128-64 reaches 0.90.) What was chosen is
// returned with the reason, for the header line.

import type { DataSpec } from "./data.js";
import { INPUT_DROPOUT_MIN_FEATURES, PRESETS } from "./model.js";

/** Tables with fewer training rows than this get the small-data defaults. */
export const SMALL_TABLE_ROWS = 2000;
/** Epochs a small table may train for, and the epochs without improvement that stop it. */
export const SMALL_TABLE_EPOCHS = 200;
export const SMALL_TABLE_PATIENCE = 20;
/**
 * Early stopping watches from this epoch on (Keras's start_from_epoch): a network on a hard table
 * (two spirals) can sit on a plateau for dozens of epochs before it starts to learn.
 */
export const EARLY_STOPPING_FROM = 50;

export interface DataDefaults {
  /** The preset to use when --model and --layers are not given. */
  model?: string;
  epochs?: number;
  /** Early stopping's patience (undefined: no early stopping). */
  patience?: number;
  /** One line saying what was chosen and why, or null when nothing depended on the data. */
  note: string | null;
}

/** What the user set on the command line, by option name (commander's camelCase). */
export type Given = Pick<Set<string>, "has">;

/**
 * The defaults for a new run on `spec`: `rows` training rows (validation included) of `features`
 * features, `model` the --model value (its default when not given), `monitor` the loss watched.
 */
export function dataDefaults(spec: DataSpec, rows: number, features: number, model: string, given: Given, monitor: string): DataDefaults {
  if (spec.kind !== "csv") return { note: null };
  const reasons: string[] = [];
  const out: DataDefaults = { note: null };
  const small = rows < SMALL_TABLE_ROWS;
  if (small) {
    if (!given.has("model") && !given.has("layers")) {
      out.model = "mlp-table";
      reasons.push("model mlp-table (128-64 hidden units, no dropout)");
    }
    if (!given.has("epochs")) {
      out.epochs = SMALL_TABLE_EPOCHS;
      reasons.push(`up to ${SMALL_TABLE_EPOCHS} epochs`);
    }
    if (!given.has("patience")) {
      out.patience = SMALL_TABLE_PATIENCE;
      reasons.push(
        `early stopping ${SMALL_TABLE_PATIENCE} epochs after the best ${monitor === "valLoss" ? "validation" : "training"} loss from epoch ${EARLY_STOPPING_FROM + 1} on, the best weights kept`,
      );
    }
  }
  const preset = Object.hasOwn(PRESETS, out.model ?? model) ? PRESETS[out.model ?? model] : undefined;
  if (preset && preset.inputDropout > 0 && !given.has("inputDropout") && !given.has("layers") && features < INPUT_DROPOUT_MIN_FEATURES) {
    reasons.push(`no input dropout (${features} features are too few to drop; it is for pixels)`);
  }
  if (reasons.length === 0) return out;
  const why = small
    ? `a small table (${rows.toLocaleString("en-US")} rows to train on, fewer than ${SMALL_TABLE_ROWS.toLocaleString("en-US")})`
    : `a table of ${features} features`;
  out.note = `defaults for ${why}: ${reasons.join("; ")}`;
  return out;
}
