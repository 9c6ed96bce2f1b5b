// CSV parsing as RFC 4180 has it and the column encoding a run stores: medians and most frequent
// values for empty cells, one-hot text, zeros for a category training never saw.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodedNames, encodeRows, fitEncoding, MAX_CATEGORIES, parseCsv } from "../../../cli/table.js";

describe("parseCsv", () => {
  it("reads quoted commas, doubled quotes, newlines inside quotes, CRLF, a BOM and blank lines", () => {
    const t = parseCsv('\uFEFFa,b,c\r\n1,"x, y",3\r\n\r\n2,"say ""hi""\nthere", 4 \n"",,5', "f.csv");
    assert.deepEqual(t.header, ["a", "b", "c"]);
    assert.deepEqual(t.rows, [
      { line: 2, fields: ["1", "x, y", "3"] },
      { line: 4, fields: ["2", 'say "hi"\nthere', "4"] },
      { line: 6, fields: ["", "", "5"] },
    ]);
  });

  it("names the file and line of a ragged row or an unclosed quote", () => {
    assert.throws(() => parseCsv("a,b\n1,2\n3\n", "f.csv"), {
      name: "CliError",
      message: "f.csv line 3: expected 2 fields (as the header), found 1",
    });
    assert.throws(() => parseCsv('a,b\n1,"open\n2,3\n', "f.csv"), {
      name: "CliError",
      message: "f.csv line 2: a quoted field is not closed before the end of the file",
    });
  });

  it("refuses a header that names a column twice (columns are found by name)", () => {
    assert.throws(() => parseCsv("a,b,a,y\n1,2,3,0\n", "f.csv"), {
      name: "CliError",
      message: 'f.csv line 1: column "a" appears twice in the header (columns 1 and 3); give each column its own name',
    });
  });
});

describe("column encoding", () => {
  const t = parseCsv("n,colour,y\n1,red,0\n,blue,1\n4,red,0\n10,,1\n7,green,0\n", "f.csv");

  it("fits medians and category lists on the given rows only", () => {
    const enc = fitEncoding(t, [0, 1], [0, 1, 2, 3], "f.csv");
    assert.deepEqual(enc, [
      { name: "n", kind: "number", fill: 4 },
      { name: "colour", kind: "category", values: ["blue", "red"], fill: "red" },
    ]);
    assert.deepEqual(encodedNames(enc), ["n", "colour=blue", "colour=red"]);
  });

  it("imputes empty cells and gives an unseen category all zeros", () => {
    const enc = fitEncoding(t, [0, 1], [0, 1, 2, 3], "f.csv");
    const { x, imputed } = encodeRows(t, [0, 1], enc, [0, 1, 3, 4], "f.csv");
    assert.deepEqual([...x], [1, 0, 1, 4, 1, 0, 10, 0, 1, 7, 0, 0]);
    assert.equal(imputed, 2);
  });

  it("refuses text in a column that was numeric, and too many categories", () => {
    const enc = fitEncoding(t, [0], [0, 2], "f.csv");
    const other = parseCsv("n,colour,y\nabc,red,0\n", "g.csv");
    assert.throws(() => encodeRows(other, [0], enc, [0], "g.csv"), {
      name: "CliError",
      message: 'g.csv line 2, column "n": "abc" is not a number (the column was numeric in training)',
    });
    const ids = parseCsv(["id", ...Array.from({ length: MAX_CATEGORIES + 1 }, (_, i) => `u${i}`)].join("\n"), "ids.csv");
    assert.throws(
      () =>
        fitEncoding(
          ids,
          [0],
          ids.rows.map((_, i) => i),
          "ids.csv",
        ),
      {
        name: "CliError",
        message: `ids.csv: column "id" has 1001 distinct text values, more than the 1000 one-hot encoding takes; drop it or make it numeric`,
      },
    );
  });
});
