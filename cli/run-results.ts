// results.json of a finished run: its test figures, epochs and time, written last (atomically) so
// that `tensorgrad runs` can tell a finished run from one that is running or was interrupted.

import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { io } from "../src/index.js";

export const RESULTS_FILE = "results.json";

export interface RunResults {
  format: "tensorgrad.results";
  version: 1;
  /** Test figures: loss and accuracy, or mae, rmse and r2. */
  test: Record<string, number>;
  epochs: number;
  seconds: number;
  /** ISO time the run finished. */
  finished: string;
}

export function writeResults(dir: string, r: Omit<RunResults, "format" | "version">): void {
  io.writeFileAtomic(join(dir, RESULTS_FILE), JSON.stringify({ format: "tensorgrad.results", version: 1, ...r }, null, 2) + "\n");
}

/** A run's results, or null when absent, too large or not what the CLI writes (the folder is untrusted). */
export function readResults(dir: string): RunResults | null {
  const path = join(dir, RESULTS_FILE);
  if (!existsSync(path) || statSync(path).size > 1 << 16) return null;
  try {
    const r = JSON.parse(readFileSync(path, "utf8")) as Partial<RunResults> | null;
    if (r?.format !== "tensorgrad.results" || r.test === null || typeof r.test !== "object") return null;
    // Only number-valued own keys; a "__proto__" key from JSON.parse is an own property, copied into a null-prototype object.
    const test: Record<string, number> = Object.create(null);
    for (const [k, v] of Object.entries(r.test)) if (typeof v === "number") test[k] = v;
    return {
      format: "tensorgrad.results",
      version: 1,
      test,
      epochs: Number(r.epochs) || 0,
      seconds: Number(r.seconds) || 0,
      finished: String(r.finished ?? ""),
    };
  } catch {
    return null;
  }
}
