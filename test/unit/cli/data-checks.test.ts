// Data the command line refuses before training: too many or too few classes, empty sets; and
// CSV labels mapped to the class indices of the labels present (or of a trained run's list).

import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkTrainable, loadData, MAX_CLASSES, type DataSpec } from "../../../cli/data.js";

const root = mkdtempSync(join(tmpdir(), "tg-cli-data-"));
after(() => rmSync(root, { recursive: true, force: true }));

function csv(name: string, labels: (number | string)[], n = labels.length): DataSpec {
  const file = join(root, name);
  writeFileSync(file, ["a,y", ...Array.from({ length: n }, (_, i) => `${i},${labels[i % labels.length]}`)].join("\n") + "\n");
  return { kind: "csv", file, target: -1, testSplit: 0.25 };
}

describe("CSV class labels", () => {
  it("large integer labels become the indices of the labels present", () => {
    const loaded = loadData(csv("big.csv", [0, 50000], 200), { seed: 0 });
    assert.equal(loaded.task, "classification");
    assert.deepEqual(loaded.classes, [0, 50000]);
    assert.equal(loaded.numClasses, 2);
    assert.deepEqual([...new Set(loaded.train.y.toTypedArray())].sort(), [0, 1]);
  });

  it("a trained run's classes keep their indices on another file", () => {
    const loaded = loadData(csv("only-high.csv", [50000], 8), { seed: 0, classes: [0, 50000] });
    assert.deepEqual([...new Set(loaded.test.y.toTypedArray())], [1]);
  });

  it("more distinct labels than a run takes is refused, pointing at regression", () => {
    const spec = {
      ...csv(
        "many.csv",
        Array.from({ length: MAX_CLASSES + 1 }, (_, i) => `c${i}`),
      ),
      task: "classification" as const,
    };
    assert.throws(() => loadData(spec, { seed: 0 }), {
      name: "CliError",
      message: `${(spec as { file: string }).file}: the target "y" has 10001 distinct labels, more than the 10000 classes a run takes; if it is a value to predict, use --task regression`,
    });
  });
});

describe("checkTrainable", () => {
  it("refuses a single class", () => {
    const spec = csv("single.csv", [7], 20);
    const loaded = loadData(spec, { seed: 0 });
    assert.throws(() => checkTrainable(loaded), {
      name: "CliError",
      message: `${loaded.name}: every training label is 7; classification needs at least 2 classes`,
    });
  });

  it("refuses empty training or test sets", () => {
    const loaded = loadData(csv("two.csv", [0, 1], 8), { seed: 0 });
    checkTrainable(loaded);
    const empty = { ...loaded, test: { x: loaded.test.x.slice(0, 0, 0), y: loaded.test.y.slice(0, 0, 0) } };
    assert.throws(() => checkTrainable(empty), { name: "CliError", message: `${loaded.name}: the test set has no samples` });
    const noTrain = { ...loaded, train: empty.test };
    assert.throws(() => checkTrainable(noTrain), { name: "CliError", message: `${loaded.name}: the training set has no samples` });
  });
});
