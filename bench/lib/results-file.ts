// Rewrites bench/RESULTS.md block by block: each generated section sits between
// `<!-- bench:KEY -->` and `<!-- /bench:KEY -->`; a run replaces the blocks it measured, keeps the
// others as they were, and keeps everything after the KEEP marker (hand-written sections such as the
// reference-backend baseline) verbatim.

// "runtimes" is written by bench/runtimes.ts (the MLP section on each Node version), "browser" by bench/browser.ts
// (the same in Chromium), the rest by bench/run.ts.
export const BLOCK_ORDER = ["header", "matmul", "mlp", "cnn", "cli", "infer", "seq", "memory", "runtimes", "browser"] as const;
export type BlockKey = (typeof BLOCK_ORDER)[number];

export const KEEP_MARKER = "<!-- bench:keep — bench/run.ts keeps everything below this line as it is -->";

const open = (key: string) => `<!-- bench:${key} -->`;
const close = (key: string) => `<!-- /bench:${key} -->`;

/** The body of each generated block found in `text`. */
export function parseBlocks(text: string): Partial<Record<BlockKey, string>> {
  const found: Partial<Record<BlockKey, string>> = {};
  for (const key of BLOCK_ORDER) {
    const start = text.indexOf(open(key));
    const end = text.indexOf(close(key));
    if (start >= 0 && end > start) found[key] = text.slice(start + open(key).length, end).trim();
  }
  return found;
}

/**
 * The hand-written tail to keep: everything after KEEP_MARKER; or, in a file written before the
 * marker existed, its "## Reference backend" section (up to the next "## " heading or the end).
 */
export function keptTail(text: string): string {
  const at = text.indexOf(KEEP_MARKER);
  if (at >= 0) return text.slice(at + KEEP_MARKER.length).trim();
  const lines = text.split("\n");
  const from = lines.findIndex((l) => /^## Reference backend/.test(l));
  if (from < 0) return "";
  let to = lines.findIndex((l, i) => i > from && /^## /.test(l));
  if (to < 0) to = lines.length;
  return lines.slice(from, to).join("\n").trim();
}

/** The new file: fresh blocks where given, the old ones elsewhere, then the kept tail. */
export function mergeResultsFile(existing: string | null, fresh: Partial<Record<BlockKey, string>>): string {
  const old = existing ? parseBlocks(existing) : {};
  const parts: string[] = [];
  for (const key of BLOCK_ORDER) {
    const body = fresh[key] ?? old[key];
    if (body !== undefined) parts.push(`${open(key)}\n${body.trim()}\n${close(key)}`);
  }
  const tail = existing ? keptTail(existing) : "";
  parts.push(tail ? `${KEEP_MARKER}\n\n${tail}` : KEEP_MARKER);
  return `${parts.join("\n\n")}\n`;
}
