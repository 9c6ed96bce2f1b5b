// Formatting for RESULTS.md: numbers to a few significant digits, sizes, speed ratios in words
// ("3.2× faster than tfjs-cpu", "0.05× PyTorch (20× slower)") and Markdown tables.

/** `x` to `digits` significant digits without exponent notation; whole numbers from 1,000 up. */
export function fmtNum(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  if (x === 0) return "0";
  if (Math.abs(x) >= 10 ** digits) return String(Math.round(x));
  // Round first, so 9.996 becomes 10.0 (three digits), not 10.00.
  const rounded = Number(x.toPrecision(digits));
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(rounded))));
  return rounded.toFixed(Math.min(decimals, 12));
}

/** Seconds as "0.127 s", "8.06 s", "348 s". */
export function fmtSeconds(s: number | null | undefined): string {
  return s === null || s === undefined || !Number.isFinite(s) ? "–" : `${fmtNum(s)} s`;
}

/** Bytes in MiB ("272 MiB"), with a sign when asked (drifts: "+1.5 MiB", "−0.3 MiB"). */
export function fmtMiB(bytes: number | null | undefined, { signed = false } = {}): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "–";
  const mib = bytes / 2 ** 20;
  const body = fmtNum(Math.abs(mib), Math.abs(mib) < 1 ? 2 : 3);
  const sign = mib < 0 ? "−" : signed ? "+" : "";
  return `${sign}${body} MiB`;
}

/** A ratio to two significant digits (three near 1 and from 100 up): "3.2×", "0.05×", "1.04×", "140×". */
export function fmtRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return "–";
  return `${fmtNum(r, r >= 100 || (r > 0.9 && r < 1.1) ? 3 : 2)}×`;
}

/**
 * How `who` compares with `peer` given the speed ratio r (who's speed / peer's speed):
 * "3.2× faster than tfjs-cpu", "as fast as PyTorch (1.0×)", "0.05× PyTorch (20× slower)".
 * Within 3 % either way counts as the same speed: the machine's noise is larger than that.
 */
export function ratioPhrase(r: number | null | undefined, peer: string): string {
  if (r === null || r === undefined || !Number.isFinite(r) || r <= 0) return `no comparison with ${peer}`;
  if (Math.abs(r - 1) <= 0.03) return `as fast as ${peer} (${fmtRatio(r)})`;
  if (r > 1) return `${fmtRatio(r)} faster than ${peer}`;
  return `${fmtRatio(r)} ${peer} (${fmtRatio(1 / r)} slower)`;
}

/** A compact table cell for a speed ratio: "3.2× faster", "0.05× (20× slower)". */
export function ratioCell(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r) || r <= 0) return "–";
  if (Math.abs(r - 1) <= 0.03) return `${fmtRatio(r)} (same)`;
  return r > 1 ? `${fmtRatio(r)} faster` : `${fmtRatio(r)} (${fmtRatio(1 / r)} slower)`;
}

export type Align = "left" | "right";

/** A Markdown table; pipes inside cells are escaped, columns are right-aligned unless told. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const rule = headers.map((_, i) => ((align[i] ?? (i === 0 ? "left" : "right")) === "left" ? "---" : "--:"));
  const line = (cells: readonly string[]) => `| ${headers.map((_, i) => esc(cells[i] ?? "")).join(" | ")} |`;
  return [line(headers), `|${rule.join("|")}|`, ...rows.map(line)].join("\n");
}

/** "a, b and c". */
export function joinWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
