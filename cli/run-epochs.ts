// A run folder's metrics.jsonl read back as untrusted input: one Map of numbers per epoch, lines
// that do not parse (a crash mid-write) skipped, and a file past a size limit not read at all.

import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** metrics.jsonl past this size is not read (a run of a million epochs writes about 100 MB). */
const MAX_METRICS_BYTES = 16 * 1024 * 1024;

/** Per-epoch records of metrics.jsonl, numbers only. */
export function readEpochs(dir: string): Map<string, number>[] {
  const path = join(dir, "metrics.jsonl");
  if (!existsSync(path) || statSync(path).size > MAX_METRICS_BYTES) return [];
  const out: Map<string, number>[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as unknown;
      if (rec === null || typeof rec !== "object") continue;
      // A Map: the keys are the file's, and "__proto__" or "constructor" must stay plain names.
      out.push(new Map(Object.entries(rec).filter((e): e is [string, number] => typeof e[1] === "number")));
    } catch {
      // a line cut short by a crash: the epochs before it still count
    }
  }
  return out;
}
