// CSVLogger (keras.callbacks.CSVLogger): one row per epoch, the whole file rewritten atomically
// through io after each epoch so it is never half-written, even if training is killed.

import { ValueError } from "../../errors.js";
import { checkOptions } from "../../tensor/options.js";
import { writeFileAtomic } from "#atomic-write";
import type { Logs } from "../history.js";
import { Callback, type TrainingContext } from "./callback.js";

/** Options of CSVLogger. */
export interface CSVLoggerOptions {
  /** The column separator (default ","). */
  separator?: string;
  /**
   * Rows to start from (e.g. those of the run being resumed, as `{ epoch, ...logs }` records),
   * kept before the new ones. Default none: the file starts afresh.
   */
  initialRows?: readonly Record<string, number>[];
}

function cell(v: number | undefined): string {
  // Full precision, so the CSV round-trips; empty for a figure an epoch did not log.
  return v === undefined ? "" : String(v);
}

/**
 * Writes `epoch` (1-based, as printed) and every logged figure of each completed epoch to a CSV
 * file with a header row. Columns are the keys in first-logged order.
 * @example callbacks: [new train.CSVLogger("runs/metrics.csv")]
 */
export class CSVLogger extends Callback {
  /** The column separator. */
  readonly separator: string;
  /** The rows written so far, as records (`epoch` 1-based). */
  readonly rows: Record<string, number>[] = [];
  private readonly initial: readonly Record<string, number>[];

  constructor(
    /** The file written (replaced atomically after every epoch). */
    readonly path: string,
    options: CSVLoggerOptions = {},
  ) {
    super();
    checkOptions("CSVLogger", options, ["separator", "initialRows"]);
    const { separator = ",", initialRows = [] } = options;
    if (typeof path !== "string" || path === "")
      throw new ValueError(`CSVLogger: path must be a non-empty string, got ${JSON.stringify(path)}`);
    this.separator = separator;
    this.initial = initialRows;
  }

  override onTrainBegin(_logs?: Logs, _ctx?: TrainingContext): void {
    this.rows.length = 0;
    this.rows.push(...this.initial.map((r) => ({ ...r })));
  }

  override onEpochEnd(epoch: number, logs: Logs, _ctx?: TrainingContext): void {
    this.rows.push({ epoch: epoch + 1, ...logs });
    writeFileAtomic(this.path, this.toCsv());
  }

  /** The file's contents: a header and one line per row. */
  toCsv(): string {
    const keys: string[] = [];
    for (const row of this.rows) for (const k of Object.keys(row)) if (!keys.includes(k)) keys.push(k);
    const lines = [keys.join(this.separator), ...this.rows.map((r) => keys.map((k) => cell(r[k])).join(this.separator))];
    return lines.join("\n") + "\n";
  }
}
