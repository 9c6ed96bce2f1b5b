// `tensorgrad export RUN_FOLDER --onnx FILE` as a child process: the file ONNX Runtime runs gives the
// trained model's outputs on raw features (standardisation built in), and bad calls fail in one line.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "tensorgrad";
import { data, io, type Tensor } from "tensorgrad";
import { createModel } from "../../cli/model.js";
import { configFor } from "../../cli/run-config.js";
import { applyStandardize } from "../../cli/data.js";
import { loadWeights } from "../../cli/weights.js";
import { runOrt } from "../unit/onnx/ort.js";
import { assertClose } from "../helpers/assert.js";
import { runCli, type CliResult } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-onnx-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[]): Promise<CliResult> => runCli(args, 240_000);

test("export writes an ONNX file that ONNX Runtime runs on raw features, matching the trained model", async () => {
  const run = join(tmp, "run");
  const trained = await cli(["train", "--epochs", "1", "--limit", "200", "--layers", "32", "--out", run, "--seed", "3", "--quiet"]);
  assert.equal(trained.code, 0, trained.stderr);
  const file = join(tmp, "model.onnx");
  const r = await cli(["export", run, "--onnx", file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `wrote ${file} (ONNX opset 17): input "input" [batch, 784] float32 (raw features; standardisation included), output "output" [batch, 10] class scores (logits)\n`,
  );

  const weights = join(run, "model.safetensors");
  const config = configFor(weights);
  const model = (await createModel(config.model)).eval();
  loadWeights(weights, model);
  const x = data.mnist({ train: false, limit: 5 }).x.reshape([5, 784]);
  const expected = tg.noGrad(() => model.forward(applyStandardize(x, config.standardize)) as Tensor);
  const [out] = await runOrt(new Uint8Array(readFileSync(file)), [x]);
  assert.deepEqual(out.dims, [5, 10]);
  assertClose(out.data, expected.toFloat32Array(), { rtol: 1e-5, atol: 1e-5, what: "logits" });
  // The same file back in tensorgrad.
  const back = await io.loadOnnx(file);
  assertClose((back.forward(x) as Tensor).toFloat32Array(), expected.toFloat32Array(), { rtol: 1e-5, atol: 1e-6 });
});

test("a regression run's export answers in the target's units, as predict does", async () => {
  const rows = ["a,b,y", ...Array.from({ length: 60 }, (_, i) => `${i % 7},${i % 5},${(1000 + 30 * (i % 7) - 20 * (i % 5)).toFixed(1)}`)];
  const csv = join(tmp, "values.csv");
  writeFileSync(csv, rows.join("\n") + "\n");
  const run = join(tmp, "regression");
  const trained = await cli(["train", "--data", `csv:${csv}`, "--epochs", "2", "--layers", "8", "--out", run, "--quiet"]);
  assert.equal(trained.code, 0, trained.stderr);
  const file = join(tmp, "regression.onnx");
  assert.equal((await cli(["export", run, "--onnx", file])).code, 0);
  const predicted = await cli(["predict", "--checkpoint", join(run, "model.safetensors"), "--input", csv]);
  const expected = Float32Array.from(predicted.stdout.trim().split("\n").map(Number));
  const x = tg.tensor(rows.slice(1).map((r) => r.split(",").slice(0, 2).map(Number)));
  const [out] = await runOrt(new Uint8Array(readFileSync(file)), [x]);
  assert.deepEqual(out.dims, [60, 1]);
  assertClose(out.data, expected, { rtol: 1e-5, atol: 1e-3, what: "predictions" });
  assert.ok(
    expected.every((v) => v > 500),
    "outputs are in the target's units (around 1000)",
  );
});

test("export fails in one line for a missing run folder or a missing --onnx", async () => {
  const [missing, usage] = await Promise.all([cli(["export", join(tmp, "nope"), "--onnx", join(tmp, "x.onnx")]), cli(["export", tmp])]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `tensorgrad: run folder not found: ${join(tmp, "nope")}\n`);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^tensorgrad: required option '--onnx <file>' not specified \(see tensorgrad export --help\)\n$/);
});
