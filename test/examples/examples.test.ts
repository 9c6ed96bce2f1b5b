// Runs every program in examples/ in quick mode, as a user would (its own process, the public
// API only), and checks that the point each one teaches still holds: the numbers it prints as
// `result key = value` and the PNG pictures it writes.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
type Results = Record<string, string>;
interface Run {
  results: Results;
  pngs: string[];
  dir: string;
}

/** Runs one example in quick mode; resolves with its `result` lines and the PNGs it wrote. */
function runExample(name: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), `tg-example-${name}-`));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions=tensorgrad-source", "--import", "tsx", join("examples", `${name}.ts`), dir, "--quick"],
      { cwd: root },
    );
    let out = "",
      err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`example ${name} exited with ${code}\n${out}\n${err}`));
      const results: Results = {};
      for (const m of out.matchAll(/^result (\S+) = (.*)$/gm)) results[m[1]] = m[2];
      const pngs = readdirSync(dir).filter((f) => f.endsWith(".png"));
      resolve({ results, pngs, dir });
    });
  });
}

const EXAMPLES = [
  "sine-width",
  "xor-depth",
  "activations",
  "gaussian-nll",
  "optimizers",
  "learning-rates",
  "regularization",
  "vanishing-gradients",
  "exploding-gradients",
  "early-stopping",
  "transfer-learning",
  "mnist",
  "lstm-forecast",
  "transformer-sort",
];

// Two examples at a time (the test machine has two cores); each `it` awaits its own run.
const runs = new Map<string, Promise<Run>>();
before(() => {
  const queue = [...EXAMPLES];
  const next = (): Promise<void> => {
    const name = queue.shift();
    if (!name) return Promise.resolve();
    const p = runExample(name);
    runs.set(name, p);
    return p.then(next, next);
  };
  const started: Promise<void>[] = [next(), next()];
  // Register every promise up front so that a test never waits on a missing entry.
  for (const name of queue) runs.set(name, new Promise((res, rej) => Promise.all(started).then(() => runs.get(name)!.then(res, rej), rej)));
});
after(() => {
  for (const p of runs.values())
    p.then(
      (r) => rmSync(r.dir, { recursive: true, force: true }),
      () => undefined,
    );
});

async function check(name: string): Promise<(key: string) => number> {
  const run = await runs.get(name)!;
  assert.ok(run.pngs.length > 0, `${name} wrote no pictures`);
  for (const f of run.pngs) {
    const head = readFileSync(join(run.dir, f)).subarray(0, 8);
    assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${name}/${f} is not a PNG`);
  }
  return (key: string): number => {
    assert.ok(key in run.results, `${name} printed no result "${key}" (it printed ${Object.keys(run.results).join(", ")})`);
    const v = run.results[key];
    return v === "true" ? 1 : v === "false" ? 0 : Number(v);
  };
}
const raw = async (name: string, key: string): Promise<string> => (await runs.get(name)!).results[key];

describe("examples (quick mode)", () => {
  it("the example list matches examples/*.ts", () => {
    const files = readdirSync(join(root, "examples"))
      .filter((f) => f.endsWith(".ts") && f !== "common.ts")
      .map((f) => f.slice(0, -3));
    assert.deepEqual(files.sort(), [...EXAMPLES].sort());
  });

  it("sine-width: a wider hidden layer fits sin(x) better", async () => {
    const r = await check("sine-width");
    assert.ok(r("mse_width64") < 1e-3, `width 64 MSE ${r("mse_width64")}`);
    assert.ok(r("mse_width8") < r("mse_width2") && r("mse_width64") < r("mse_width8"));
    assert.ok(r("mse_width2") > 0.05, `2 kinks cannot draw a sine: MSE ${r("mse_width2")}`);
  });

  it("xor-depth: no hidden non-linearity stays at chance; one tanh layer solves XOR", async () => {
    const r = await check("xor-depth");
    for (const k of ["logistic", "linear_hidden"]) {
      assert.ok(r(`${k}_accuracy`) <= 0.75, `${k} accuracy ${r(`${k}_accuracy`)}`);
      assert.ok(r(`${k}_loss`) > 0.65, `${k} loss ${r(`${k}_loss`)} should stay near ln 2`);
    }
    assert.equal(r("tanh_hidden_accuracy"), 1);
    assert.ok(r("tanh_hidden_loss") < 0.1);
  });

  it("activations: sigmoid's slope peaks at 0.25 and its deep net barely learns", async () => {
    const r = await check("activations");
    assert.ok(Math.abs(r("max_slope_sigmoid") - 0.25) < 1e-3);
    for (const k of ["relu", "leaky_relu", "elu", "tanh"]) assert.ok(Math.abs(r(`max_slope_${k}`) - 1) < 1e-3, k);
    assert.ok(r("loss_sigmoid") > 0.5, `sigmoid loss ${r("loss_sigmoid")}`);
    for (const k of ["relu", "leaky_relu", "elu", "gelu", "tanh"])
      assert.ok(r(`loss_${k}`) < r("loss_sigmoid") / 2, `${k} loss ${r(`loss_${k}`)}`);
  });

  it("gaussian-nll: the predicted σ follows the noise, small at 0 and large at the edges", async () => {
    const r = await check("gaussian-nll");
    assert.ok(r("std_center") < 0.15, `σ at 0: ${r("std_center")}`);
    assert.ok(r("std_edges") > 5 * r("std_center"));
    assert.ok(
      Math.abs(r("std_edges") - r("true_std_edges")) < 0.3 * r("true_std_edges"),
      `σ at the edges ${r("std_edges")} vs ${r("true_std_edges")}`,
    );
    assert.ok(r("mean_abs_error") < 0.1);
  });

  it("optimizers: mini-batch SGD beats full-batch GD per epoch; momentum and Adam beat both", async () => {
    const r = await check("optimizers");
    assert.ok(r("loss_gd") > 2 * r("loss_sgd"), `GD ${r("loss_gd")} vs SGD ${r("loss_sgd")}`);
    for (const k of ["momentum", "nesterov", "rmsprop", "adam"]) assert.ok(r(`loss_${k}`) < r("loss_gd"), k);
    assert.ok(r("loss_adam") < r("loss_sgd") && r("loss_momentum") < r("loss_sgd"));
  });

  it("learning-rates: too small crawls, too big diverges, schedules end lowest", async () => {
    const r = await check("learning-rates");
    assert.equal(await raw("learning-rates", "lr_0.5"), "diverged");
    assert.ok(r("lr_0.001") > 10 * r("lr_0.1"), `lr 0.001: ${r("lr_0.001")}, lr 0.1: ${r("lr_0.1")}`);
    assert.ok(r("cosine") < r("lr_0.1") && r("step_decay") < r("lr_0.1"));
  });

  it("regularization: every regulariser lowers validation loss; L1 zeroes weights", async () => {
    const r = await check("regularization");
    for (const k of ["dropout", "l2", "l1", "elastic_net"])
      assert.ok(r(`val_${k}`) < r("val_none"), `${k}: validation ${r(`val_${k}`)} vs ${r("val_none")}`);
    for (const k of ["dropout", "l2"]) assert.ok(r(`train_${k}`) > r("train_none"), `${k} trades training loss`);
    assert.ok(r("near_zero_l1") > r("near_zero_none") + 0.3);
  });

  it("vanishing-gradients: a small init starves the first layer; He, Xavier or batch norm feed it", async () => {
    const r = await check("vanishing-gradients");
    assert.ok(r("first_layer_grad_small_init") < 1e-8, String(r("first_layer_grad_small_init")));
    for (const k of ["he_init", "xavier_tanh", "batch_norm"]) assert.ok(r(`first_layer_grad_${k}`) > 1e-4, k);
  });

  it("exploding-gradients: unclipped training goes non-finite, clipped training stays finite and falls", async () => {
    const r = await check("exploding-gradients");
    assert.equal(r("unclipped_finite"), 0);
    assert.equal(r("clipped_finite"), 1);
    assert.ok(r("clipped_final_loss") < r("clipped_initial_loss") / 10);
  });

  it("early-stopping: stops early with the best weights; a resumed run is bit-identical", async () => {
    const r = await check("early-stopping");
    assert.ok(r("epochs_run") < r("epoch_budget"));
    assert.ok(r("best_val") < r("last_val"));
    assert.ok(Math.abs(r("restored_val") - r("best_val")) <= 1e-3 * r("best_val"));
    assert.ok(Math.abs(r("checkpoint_val") - r("best_val")) <= 1e-3 * r("best_val"));
    assert.equal(r("resume_max_diff"), 0);
  });

  it("transfer-learning: frozen pretrained features beat training from scratch on 50 images", async () => {
    const r = await check("transfer-learning");
    assert.ok(
      r("transfer_accuracy") > r("scratch_accuracy") + 0.05,
      `transfer ${r("transfer_accuracy")} vs scratch ${r("scratch_accuracy")}`,
    );
    assert.equal(r("trainable_parameters"), 130);
    assert.equal(r("frozen_unchanged"), 1);
  });

  it("mnist: the MLP and the CNN both learn digits", async () => {
    const r = await check("mnist");
    assert.equal(r("mlp_parameters"), 25450);
    assert.equal(r("cnn_parameters"), 26698);
    assert.ok(r("mlp_test_accuracy") > 0.75 && r("cnn_test_accuracy") > 0.75, `${r("mlp_test_accuracy")}, ${r("cnn_test_accuracy")}`);
  });

  it("lstm-forecast: the LSTM's next-step error is far below the naive forecast's", async () => {
    const r = await check("lstm-forecast");
    assert.ok(r("lstm_mse") < r("naive_mse") / 10, `LSTM ${r("lstm_mse")} vs naive ${r("naive_mse")}`);
  });

  it("transformer-sort: the transformer sorts unseen digit sequences", async () => {
    const r = await check("transformer-sort");
    assert.ok(r("token_accuracy") > 0.8, `token accuracy ${r("token_accuracy")}`);
    assert.ok(r("sequence_accuracy") > 0.3, `sequence accuracy ${r("sequence_accuracy")}`);
  });
});
