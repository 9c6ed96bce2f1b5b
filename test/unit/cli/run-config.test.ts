// config.json of a run folder is checked against its schema: hand edits and crafted files are
// CliErrors naming the file and the field, and models past the size limits are refused before
// anything is allocated.

import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "tensorgrad";
import { io } from "tensorgrad";
import { CliError } from "../../../cli/errors.js";
import { buildModel, MAX_PARAMETERS, modelSizeProblem, parameterCount } from "../../../cli/model.js";
import { configFor, parseRunConfig, type RunConfig } from "../../../cli/run-config.js";

const root = mkdtempSync(join(tmpdir(), "tg-run-config-"));
after(() => rmSync(root, { recursive: true, force: true }));

const good = (): RunConfig => ({
  format: "tensorgrad.run",
  version: 1,
  task: "classification",
  loss: "sparse_categorical_crossentropy",
  model: { type: "mlp", preset: "custom", inputSize: 2, hidden: [4], activation: "relu", dropout: 0, outputs: 2 },
  data: { kind: "csv", file: "/data/x.csv", target: -1, testSplit: 0.2 },
  standardize: { mean: [0, 0], std: [1, 1] },
  classes: ["a", "b"],
  training: { epochs: 1, batchSize: 32, optimizer: "adam", lr: 0.001, seed: 0, validationSplit: 0 },
});

function refused(edit: (c: any) => void, message: string): void {
  const c: any = good();
  edit(c);
  assert.throws(
    () => parseRunConfig("run/config.json", JSON.stringify(c)),
    (e: unknown) => {
      assert.ok(e instanceof CliError, String(e));
      assert.equal((e as Error).message, `run/config.json is not a valid run configuration: ${message}`);
      return true;
    },
  );
}

describe("parseRunConfig", () => {
  it("accepts what train writes", () => {
    assert.deepEqual(parseRunConfig("config.json", JSON.stringify(good())), good());
  });

  it("names the field of each hostile edit", () => {
    refused((c) => delete c.classes, "classes: Invalid input: expected array, received undefined");
    refused(
      (c) => (c.training.optimizer = "constructor"),
      'training.optimizer: Invalid option: expected one of "sgd"|"adam"|"adamw"|"rmsprop"|"adagrad"',
    );
    refused((c) => (c.data = { kind: "bogus" }), "data.kind: Invalid discriminator value. Expected 'mnist' | 'idx' | 'csv' | 'images'");
    refused(
      (c) => (c.data = { kind: "images", dir: "/d", size: 100_000, color: "gray", testSplit: 0.2 }),
      "data.size: Too big: expected number to be <=512",
    );
    refused(
      (c) => (c.data = { kind: "images", dir: "/d", size: 28, color: "cmyk", testSplit: 0.2 }),
      'data.color: Invalid option: expected one of "gray"|"rgb"',
    );
    refused((c) => (c.standardize.std = [0, 1]), "standardize.std.0: Too small: expected number to be >0");
    refused((c) => (c.task = "bogus"), 'task: Invalid option: expected one of "classification"|"regression"');
    refused((c) => (c.model.hidden = [4, -1]), "model.hidden.1: Too small: expected number to be >=1");
    refused((c) => (c.classes = ["a"]), "classes: expected a label for each of the model's 2 outputs, got 1");
    refused(
      (c) => (c.standardize = { mean: [0, 0, 0], std: [1, 1, 1] }),
      "standardize: expected 1 or 2 means and stds (the model's inputs), got 3 and 3",
    );
    refused(
      (c) => (c.model.hidden = [60000, 60000]),
      "model: the model 2-60000-60000-2 has 3,600,360,002 parameters (57.6 GB to train with Adam), more than the limit of 100,000,000",
    );
  });

  it("refuses a file that is not a run configuration, or not JSON", () => {
    assert.throws(() => parseRunConfig("c.json", "[]"), {
      name: "CliError",
      message: 'c.json is not a tensorgrad run configuration (no "format": "tensorgrad.run")',
    });
    assert.throws(() => parseRunConfig("c.json", "{"), { name: "CliError", message: /^c\.json is not valid JSON \(/ });
  });

  it("configFor names a checkpoint whose metadata is not JSON", () => {
    const dir = join(root, "lone");
    mkdirSync(dir);
    const path = join(dir, "ckpt.safetensors");
    io.saveSafetensors(path, { "model.w": tg.zeros([1]) }, { extra: "{not json" });
    assert.throws(() => configFor(path), { name: "CliError", message: new RegExp(`^${path}: metadata "extra" is not valid JSON \\(`) });
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...good(), version: 2 }));
    assert.throws(() => configFor(path), {
      name: "CliError",
      message: `${join(dir, "config.json")} is not a valid run configuration: version: Invalid input: expected 1`,
    });
  });

  it("configFor names a run folder given where a checkpoint file belongs, and the files to give instead", () => {
    const dir = join(root, "run-folder");
    mkdirSync(dir);
    writeFileSync(join(dir, "config.json"), JSON.stringify(good()));
    assert.throws(() => configFor(dir), {
      name: "CliError",
      message: `${dir} is a folder, not a checkpoint: give a file in it, such as ${join(dir, "model.safetensors")} or ${join(dir, "checkpoint-last.safetensors")}`,
    });
  });
});

describe("model size limits", () => {
  it("count parameters as nn.Linear layers hold them", () => {
    const cfg = {
      type: "mlp" as const,
      preset: "custom",
      inputSize: 5,
      hidden: [7, 3],
      activation: "relu" as const,
      dropout: 0,
      outputs: 2,
    };
    assert.equal(parameterCount(cfg), buildModel(cfg).numParameters());
    assert.equal(modelSizeProblem(cfg), null);
  });

  it("refuse a model past the limits before allocating it", () => {
    const huge = {
      type: "mlp" as const,
      preset: "custom",
      inputSize: 784,
      hidden: [60000, 60000],
      activation: "relu" as const,
      dropout: 0,
      outputs: 10,
    };
    assert.throws(() => buildModel(huge), {
      name: "CliError",
      message:
        "cannot build the model: the model 784-60000-60000-10 has 3,647,760,010 parameters (58.4 GB to train with Adam), more than the limit of 100,000,000",
    });
    assert.equal(
      modelSizeProblem({ inputSize: 1, hidden: [3_000_000_000], outputs: 1 }),
      "a layer of 3,000,000,000 units is wider than the limit of 1,000,000",
    );
    // Just inside and just outside the parameter limit: 1000-h-1 has 1002h + 1 parameters.
    const h = Math.floor((MAX_PARAMETERS - 1) / 1002);
    assert.equal(modelSizeProblem({ inputSize: 1000, hidden: [h], outputs: 1 }), null);
    assert.equal(
      modelSizeProblem({ inputSize: 1000, hidden: [h + 1], outputs: 1 }),
      "the model 1000-99801-1 has 100,000,603 parameters (1.6 GB to train with Adam), more than the limit of 100,000,000",
    );
  });
});
