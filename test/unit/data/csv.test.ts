// loadCsv: features and targets (by name, index, negative index), class mapping, value targets,
// standardisation, quoting, tolerated blank lines, and FormatErrors with line and column.

import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

const root = mkdtempSync(join(tmpdir(), "tg-csv-"));
after(() => rmSync(root, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(root, name);
  writeFileSync(path, text);
  return path;
}

const IRIS = `sepal_length,sepal_width,species
5.1,3.5,setosa

4.9,3.0,setosa
7.0,3.2,versicolor
6.3,3.3,virginica
`;

describe("loadCsv", () => {
  it("maps text class labels to indices in sorted order and keeps the features", () => {
    const r = data.loadCsv(file("iris.csv", IRIS), { target: "species" });
    assert.deepEqual(r.x.shape, [4, 2]);
    assert.equal(r.x.dtype, "float32");
    assertClose(r.x.toFloat32Array(), [5.1, 3.5, 4.9, 3.0, 7.0, 3.2, 6.3, 3.3]);
    assert.deepEqual([r.y.shape, r.y.dtype, Array.from(r.y.toTypedArray())], [[4], "int32", [0, 0, 1, 2]]);
    assert.deepEqual(r.classes, ["setosa", "versicolor", "virginica"]);
    assert.deepEqual(r.featureNames, ["sepal_length", "sepal_width"]);
    assert.equal(r.targetName, "species");
    assert.equal(r.mean, undefined);
  });

  it("takes the target by index or negative index, with or without a header, any delimiter", () => {
    const path = file("semi.csv", "1;10;0\r\n2;20;1\r\n3;30;1");
    const byIndex = data.loadCsv(path, { target: 0, header: false, delimiter: ";" });
    assert.deepEqual(byIndex.featureNames, ["1", "2"]);
    assert.deepEqual(byIndex.targetName, "0");
    assert.deepEqual(Array.from(byIndex.y.toTypedArray()), [1, 2, 3], "non-negative integer labels are class indices already");
    assert.deepEqual(byIndex.classes, [0, 1, 2, 3]);
    const last = data.loadCsv(path, { target: -1, header: false, delimiter: ";" });
    assert.deepEqual(Array.from(last.y.toTypedArray()), [0, 1, 1]);
    assert.deepEqual(last.classes, [0, 1]);
    assert.deepEqual(last.x.toArray(), [
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
  });

  it("keeps non-negative integer labels as they are, maps others numerically sorted", () => {
    const kept = data.loadCsv(file("ints.csv", "a,y\n1,3\n2,0\n3,3\n"), { target: "y" });
    assert.deepEqual(Array.from(kept.y.toTypedArray()), [3, 0, 3]);
    assert.deepEqual(kept.classes, [0, 1, 2, 3]);
    const mapped = data.loadCsv(file("neg.csv", "a,y\n1,-1\n2,10\n3,2.5\n4,-1\n"), { target: "y" });
    assert.deepEqual(Array.from(mapped.y.toTypedArray()), [0, 2, 1, 0]);
    assert.deepEqual(mapped.classes, [-1, 2.5, 10]);
    const reused = data.loadCsv(file("test.csv", "a,y\n1,10\n"), { target: "y", classes: mapped.classes });
    assert.deepEqual(Array.from(reused.y.toTypedArray()), [2]);
  });

  it("reads value targets as float32 [N, 1] and selects columns", () => {
    const path = file("reg.csv", 'x1,"x 2",x3,price\n1,2,3,10.5\n4,5,6,-2\n');
    const r = data.loadCsv(path, { target: "price", targetType: "value", columns: ["x3", 0] });
    assert.deepEqual([r.y.shape, r.y.dtype], [[2, 1], "float32"]);
    assert.deepEqual(r.y.toArray(), [[10.5], [-2]]);
    assert.deepEqual(r.x.toArray(), [
      [3, 1],
      [6, 4],
    ]);
    assert.deepEqual(r.featureNames, ["x3", "x1"]);
    assert.equal(r.classes, undefined);
    assert.deepEqual(data.loadCsv(path, { target: "price", targetType: "value" }).featureNames, ["x1", "x 2", "x3"]);
  });

  it("standardises with population statistics, or with given ones", () => {
    const path = file("std.csv", "a,b,y\n1,5,0\n2,5,1\n3,5,0\n4,5,1\n");
    const r = data.loadCsv(path, { target: "y", standardize: true });
    const sd = Math.sqrt(1.25);
    assertClose(r.mean!, [2.5, 5]);
    assertClose(r.std!, [sd, 1], { what: "a constant column keeps std 1" });
    assertClose(r.x.toFloat32Array(), [-1.5 / sd, 0, -0.5 / sd, 0, 0.5 / sd, 0, 1.5 / sd, 0]);
    const applied = data.loadCsv(path, { target: "y", standardize: { mean: [1, 1], std: [2, 4] } });
    assertClose(applied.x.toFloat32Array(), [0, 1, 0.5, 1, 1, 1, 1.5, 1]);
  });

  it("names file, line and field count for a ragged row", () => {
    const path = file("data.csv", "a,b,c,d,y\n1,2,3,4,0\n\n1,2,3,0\n");
    assert.throws(() => data.loadCsv(path, { target: "y" }), {
      name: "FormatError",
      message: `loadCsv: ${path} line 4: expected 5 fields, found 4`,
    });
  });

  it("names file, line and column for a non-numeric value", () => {
    const path = file("people.csv", "age,height,y\n31,180,1\nabc,170,0\n");
    assert.throws(() => data.loadCsv(path, { target: "y" }), {
      name: "FormatError",
      message: `loadCsv: ${path} line 3, column "age": "abc" is not a number`,
    });
    const empty = file("empty-field.csv", "age,y\n,1\n");
    assert.throws(() => data.loadCsv(empty, { target: "y" }), {
      name: "FormatError",
      message: `loadCsv: ${empty} line 2, column "age": "" is not a number`,
    });
    const value = file("bad-target.csv", "a,y\n1,oops\n");
    assert.throws(() => data.loadCsv(value, { target: "y", targetType: "value" }), {
      name: "FormatError",
      message: `loadCsv: ${value} line 2, column "y": "oops" is not a number`,
    });
  });

  it("rejects an unknown target column and a file without data", () => {
    const path = file("t.csv", "a,b\n1,2\n");
    assert.throws(() => data.loadCsv(path, { target: "c" }), {
      name: "ValueError",
      message: `loadCsv: ${path}: no target column named "c" (columns: "a", "b")`,
    });
    assert.throws(() => data.loadCsv(path, { target: 2 }), {
      name: "ValueError",
      message: `loadCsv: ${path}: target column index 2 is out of range for 2 columns`,
    });
    const headerOnly = file("h.csv", "a,b\n\n");
    assert.throws(() => data.loadCsv(headerOnly, { target: "b" }), {
      name: "FormatError",
      message: `loadCsv: ${headerOnly}: no data rows`,
    });
  });

  it("rejects a misspelt option, and says the target is required rather than looking for a column named undefined", () => {
    const path = file("o.csv", "a,b\n1,2\n");
    assert.throws(() => data.loadCsv(path, { targte: "b" } as never), {
      name: "ValueError",
      message:
        'loadCsv: unknown option "targte" (known options: target, header, delimiter, targetType, standardize, columns, classes, integerLabels)',
    });
    assert.throws(() => data.loadCsv(path, {} as never), {
      name: "ValueError",
      message: "loadCsv: options.target is required: the target column's name, or its index (-1 for the last)",
    });
  });
});
