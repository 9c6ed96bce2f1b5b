// CSV tables as users have them: RFC 4180 fields (quoted delimiters, doubled quotes, newlines inside
// quotes), text columns one-hot encoded, empty cells imputed. The encoding is fitted on the training
// rows and stored in config.json, so eval and predict turn a file into the same features.

import { readFileSync } from "node:fs";
import { CliError } from "./errors.js";

/**
 * How one input column becomes features. Numbers: an empty cell takes `fill`, the training rows'
 * median. Categories: one feature per value seen in training (one-hot); an empty cell takes `fill`,
 * the most frequent value; a value training never saw gives all zeros.
 */
export type ColumnEncoding =
  { name: string; kind: "number"; fill: number } | { name: string; kind: "category"; values: string[]; fill: string };

/** A text column with more distinct values than this is an identifier or free text, not a category. */
export const MAX_CATEGORIES = 1000;

export interface Table {
  header: string[];
  /** Data records with the line each starts on (for messages). */
  rows: { line: number; fields: string[] }[];
}

/** Splits CSV text into records (RFC 4180); blank lines are skipped, a BOM is dropped. */
export function parseCsv(text: string, where: string): Table {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [],
    field = "",
    quoted = false,
    wasQuoted = false,
    line = 1,
    start = 1;
  const endField = (): void => {
    fields.push(wasQuoted ? field : field.trim());
    field = "";
    wasQuoted = false;
  };
  const endRecord = (): void => {
    endField();
    if (fields.length > 1 || fields[0] !== "") records.push({ line: start, fields });
    fields = [];
    start = line;
  };
  const s = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') ((field += '"'), i++);
        else quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"' && field.trim() === "") {
      quoted = wasQuoted = true;
      field = "";
    } else if (c === ",") endField();
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && s[i + 1] === "\n") i++;
      line++;
      endRecord();
    } else field += c;
  }
  if (quoted) throw new CliError(`${where} line ${start}: a quoted field is not closed before the end of the file`);
  if (field !== "" || wasQuoted || fields.length) endRecord();
  if (records.length === 0) throw new CliError(`${where}: no rows`);
  const [head, ...rows] = records;
  // Columns are found by name (the encoding, eval and predict): a repeated name would read the first
  // column twice and the other never.
  const seen = new Map<string, number>();
  head.fields.forEach((name, c) => {
    const first = seen.get(name);
    if (first !== undefined)
      throw new CliError(
        `${where} line ${head.line}: column "${name}" appears twice in the header (columns ${first + 1} and ${c + 1}); give each column its own name`,
      );
    seen.set(name, c);
  });
  for (const r of rows) {
    if (r.fields.length !== head.fields.length)
      throw new CliError(`${where} line ${r.line}: expected ${head.fields.length} fields (as the header), found ${r.fields.length}`);
  }
  return { header: head.fields, rows };
}

export function readTable(path: string): Table {
  return parseCsv(readFileSync(path, "utf8"), path);
}

const isNumber = (s: string): boolean => s !== "" && Number.isFinite(Number(s));

/** Fits each input column's encoding on the given (training) rows. */
export function fitEncoding(table: Table, columns: number[], rows: number[], where: string): ColumnEncoding[] {
  return columns.map((c) => {
    const name = table.header[c];
    const cells = rows.map((r) => table.rows[r].fields[c]).filter((v) => v !== "");
    if (cells.every(isNumber)) {
      const sorted = cells.map(Number).sort((a, b) => a - b);
      const m = sorted.length >> 1;
      const fill = sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
      return { name, kind: "number", fill };
    }
    const counts = new Map<string, number>();
    for (const v of cells) counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size > MAX_CATEGORIES)
      throw new CliError(
        `${where}: column "${name}" has ${counts.size} distinct text values, more than the ${MAX_CATEGORIES} one-hot encoding takes; drop it or make it numeric`,
      );
    const values = [...counts.keys()].sort();
    let fill = values[0];
    for (const v of values) if (counts.get(v)! > counts.get(fill)!) fill = v;
    return { name, kind: "category", values, fill };
  });
}

/** The feature names an encoding produces: a number column's name, or "column=value" per category. */
export function encodedNames(encoding: readonly ColumnEncoding[]): string[] {
  return encoding.flatMap((e) => (e.kind === "number" ? [e.name] : e.values.map((v) => `${e.name}=${v}`)));
}

/**
 * Encodes the given rows: `columns[j]` is the table column of `encoding[j]`. Returns float32 features
 * [rows, encodedNames(encoding).length] and how many cells were imputed.
 */
export function encodeRows(
  table: Table,
  columns: number[],
  encoding: readonly ColumnEncoding[],
  rows: number[],
  where: string,
): { x: Float32Array; imputed: number } {
  const width = encodedNames(encoding).length;
  const x = new Float32Array(rows.length * width);
  const slots = encoding.map((e) => (e.kind === "category" ? new Map(e.values.map((v, i) => [v, i])) : null));
  let imputed = 0;
  rows.forEach((r, i) => {
    const { line, fields } = table.rows[r];
    let at = i * width;
    encoding.forEach((e, j) => {
      let cell = fields[columns[j]];
      if (cell === "") ((cell = String(e.fill)), imputed++);
      if (e.kind === "number") {
        if (!isNumber(cell))
          throw new CliError(`${where} line ${line}, column "${e.name}": "${cell}" is not a number (the column was numeric in training)`);
        x[at++] = Number(cell);
      } else {
        const k = slots[j]!.get(cell);
        if (k !== undefined) x[at + k] = 1;
        at += e.values.length;
      }
    });
  });
  return { x, imputed };
}
