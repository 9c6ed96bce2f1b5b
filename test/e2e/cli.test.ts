// The `tensorgrad` command line as a child process, on tiny settings: a training run's folder and
// last two lines, eval / predict / summary on it, exact CLI resume, Ctrl-C, and the one-line
// errors with their exit codes (2 for usage, 1 otherwise).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data, io } from "tensorgrad";

const root = new URL("../..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "tg-cli-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from the sources; `onStderr` may react to progress output (e.g. send SIGINT). */
function cli(args: string[], onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=tensorgrad-source", "--import", "tsx", "cli/main.ts", ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "",
      stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      onStderr?.(stderr, (s) => child.kill(s));
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (s: string) => s.trimEnd().split("\n");

const run = join(tmp, "run");
let trained: Promise<Result>;
const trainOnce = () => (trained ??= cli(["train", "--epochs", "2", "--limit", "300", "--out", run, "--seed", "1"]));

test("train leaves a complete run folder and ends with its path and the test accuracy", async () => {
  const r = await trainOnce();
  assert.equal(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.at(-2), run);
  assert.match(out.at(-1)!, /^test accuracy: 0\.\d{4}$/);
  assert.match(r.stderr, /^Epoch 1\/2 - .* - loss \d\.\d{4} - accuracy 0\.\d{4} - valLoss \d\.\d{4} - valAccuracy 0\.\d{4}$/m);
  const files = readdirSync(run).sort();
  assert.deepEqual(files, [
    "accuracy.png",
    "accuracy.svg",
    "checkpoint-best.safetensors",
    "checkpoint-last.safetensors",
    "config.json",
    "confusion-matrix.png",
    "confusion-matrix.svg",
    "loss.png",
    "loss.svg",
    "lr.png",
    "lr.svg",
    "metrics.csv",
    "metrics.jsonl",
    "model.safetensors",
    "report.html",
    "report.md",
    "results.json",
  ]);
  const config = JSON.parse(readFileSync(join(run, "config.json"), "utf8"));
  // "format": "pt" tells Hugging Face tooling (and transformers' loaders) these are PyTorch-layout weights.
  const meta = io.readSafetensorsHeader(join(run, "model.safetensors")).metadata;
  assert.equal(meta.format, "pt");
  assert.deepEqual(JSON.parse(meta.config), config);
  assert.deepEqual(config.model, {
    type: "mlp",
    preset: "mlp",
    inputSize: 784,
    hidden: [256, 128],
    activation: "relu",
    dropout: 0.2,
    inputDropout: 0.2,
    outputs: 10,
  });
  assert.equal(config.training.epochs, 2);
  const csv = lines(readFileSync(join(run, "metrics.csv"), "utf8"));
  assert.equal(csv[0], "epoch,loss,accuracy,valLoss,valAccuracy,lr");
  assert.equal(csv.length, 3);
  const jsonl = lines(readFileSync(join(run, "metrics.jsonl"), "utf8")).map((l) => JSON.parse(l));
  assert.deepEqual(
    jsonl.map((r) => r.epoch),
    [1, 2],
  );
  assert.equal(String(jsonl[1].loss), csv[2].split(",")[1]);
  for (const png of ["loss.png", "accuracy.png", "lr.png", "confusion-matrix.png"]) {
    assert.deepEqual([...readFileSync(join(run, png)).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], png);
  }
  // report.html shows the vector charts: the same drawing, with its text as text.
  for (const svg of ["loss.svg", "accuracy.svg", "lr.svg", "confusion-matrix.svg"]) {
    const text = readFileSync(join(run, svg), "utf8");
    assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+"/, svg);
    assert.ok(text.trimEnd().endsWith("</svg>"), svg);
  }
  assert.match(readFileSync(join(run, "loss.svg"), "utf8"), />Loss<\/text>/);
  assert.match(readFileSync(join(run, "confusion-matrix.svg"), "utf8"), />Confusion matrix \(test set\)<\/text>/);
  const html = readFileSync(join(run, "report.html"), "utf8");
  for (const svg of ["loss.svg", "accuracy.svg", "confusion-matrix.svg"]) assert.ok(html.includes(`<img src="${svg}"`), svg);
  assert.ok(html.includes(`<th>test accuracy</th><td>${out.at(-1)!.split(": ")[1]}</td>`));
});

test("eval and predict rebuild the model from a checkpoint and its config.json", async () => {
  await trainOnce();
  const test = data.mnist({ train: false, limit: 3 });
  const header = Array.from({ length: 784 }, (_, i) => `p${i}`).join(",");
  const rows = (test.x.toArray() as number[][]).map((r) => r.join(","));
  writeFileSync(join(tmp, "digits.csv"), [header, ...rows].join("\n") + "\n");
  // The same three images as an IDX file (unsigned bytes, gzip).
  const pixels = Uint8Array.from(test.x.toFloat32Array(), (v) => Math.round(v * 255));
  const idx = Buffer.concat([Buffer.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 28]), Buffer.from(pixels)]);
  writeFileSync(join(tmp, "digits-idx3-ubyte.gz"), gzipSync(idx));

  const [fromModel, fromCkpt, csvPred, idxPred] = await Promise.all([
    cli(["eval", "--checkpoint", join(run, "model.safetensors"), "--limit", "200"]),
    cli(["eval", "--checkpoint", join(run, "checkpoint-last.safetensors"), "--limit", "200"]),
    cli(["predict", "--checkpoint", join(run, "model.safetensors"), "--input", join(tmp, "digits.csv")]),
    cli([
      "predict",
      "--checkpoint",
      join(run, "checkpoint-last.safetensors"),
      "--input",
      join(tmp, "digits-idx3-ubyte.gz"),
      "--output",
      join(tmp, "pred.txt"),
    ]),
  ]);
  for (const r of [fromModel, fromCkpt, csvPred, idxPred]) assert.equal(r.code, 0, r.stderr);
  assert.match(lines(fromModel.stdout).at(-1)!, /^test accuracy: 0\.\d{4}$/);
  assert.equal(fromCkpt.stdout, fromModel.stdout, "the last checkpoint holds the final weights");
  assert.match(csvPred.stdout, /^\d\n\d\n\d\n$/);
  assert.equal(idxPred.stderr, `wrote 3 predictions to ${join(tmp, "pred.txt")}\n`);
  assert.equal(readFileSync(join(tmp, "pred.txt"), "utf8"), csvPred.stdout, "IDX bytes and CSV pixels give the same predictions");
});

test("summary prints the layer table", async () => {
  const r = await cli(["summary", "--layers", "32", "--input-size", "4", "--classes", "3"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      "Layer (type)    Output Shape    Param #",
      "=======================================",
      "0 (Linear)      [-1, 32]            160",
      "1 (ReLU)        [-1, 32]              0",
      "2 (Dropout)     [-1, 32]              0",
      "3 (Linear)      [-1, 3]              99",
      "=======================================",
      "Total params: 259",
      "Trainable params: 259",
      "Non-trainable params: 0",
      "",
    ].join("\n"),
  );
});

/** A small 3-class CSV (two spiral coordinates and a label): quick to load and to train on. */
function spiralsCsv(): string {
  const path = join(tmp, "spirals.csv");
  if (!existsSync(path)) {
    const { x, y } = data.synthetic.spirals({ n: 240, classes: 3, seed: 2 });
    const xs = x.toArray() as number[][],
      ys = y.toArray() as number[];
    writeFileSync(path, ["x1,x2,label", ...xs.map((r, i) => `${r[0]},${r[1]},${ys[i]}`)].join("\n") + "\n");
  }
  return `csv:${path}`;
}

test("resuming from checkpoint-last ends with the same weights as an uninterrupted run", async () => {
  const common = ["--data", spiralsCsv(), "--lr-schedule", "none", "--quiet", "--seed", "3", "--batch-size", "32"];
  const [full, part] = await Promise.all([
    cli(["train", "--epochs", "4", "--out", join(tmp, "full"), ...common]),
    cli(["train", "--epochs", "2", "--out", join(tmp, "part"), ...common]),
  ]);
  assert.equal(full.code, 0, full.stderr);
  assert.equal(part.code, 0, part.stderr);
  const resumed = await cli(["train", "--resume", join(tmp, "part", "checkpoint-last.safetensors"), "--epochs", "4", "--quiet"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(resumed.stdout, `${join(tmp, "part")}\n${lines(full.stdout).at(-1)}\n`);
  const a = io.loadSafetensors(join(tmp, "full", "model.safetensors")).tensors;
  const b = io.loadSafetensors(join(tmp, "part", "model.safetensors")).tensors;
  for (const k of Object.keys(a)) assert.deepEqual(b[k].toFloat32Array(), a[k].toFloat32Array(), k);
  assert.equal(readFileSync(join(tmp, "part", "metrics.csv"), "utf8"), readFileSync(join(tmp, "full", "metrics.csv"), "utf8"));
});

test("Ctrl-C finishes the step, saves checkpoint-interrupted and exits with 130", async () => {
  const out = join(tmp, "interrupted");
  let sent = false;
  const r = await cli(["train", "--data", spiralsCsv(), "--epochs", "100000", "--out", out], (err, kill) => {
    if (!sent && /^Epoch 1\/100000 /m.test(err)) {
      sent = true;
      kill("SIGINT");
    }
  });
  assert.equal(r.code, 130, r.stderr);
  const ckpt = join(out, "checkpoint-interrupted.safetensors");
  assert.ok(existsSync(ckpt));
  assert.ok(r.stderr.includes(`interrupted: saved ${ckpt} (after `), r.stderr);
  assert.equal(lines(r.stdout).at(-1), out);
  // --epochs is the new total: two more than the epochs done when the signal landed.
  const done = Number(/\(after (\d+) complete epochs\)/.exec(r.stderr)![1]);
  const resumed = await cli(["train", "--resume", ckpt, "--epochs", String(done + 2), "--quiet"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(lines(resumed.stdout).at(-1)!, /^test accuracy: [01]\.\d{4}$/);
});

test("bad options and missing files: one line on stderr, exit 2 for usage and 1 otherwise", async () => {
  writeFileSync(join(tmp, "small.csv"), "a,b,c,d,label\n1,2,3,4,0\n2,3,4,5,1\n3,4,5,6,0\n4,5,6,7,1\n5,6,7,8,0\n");
  writeFileSync(join(tmp, "narrow.csv"), "1,2\n3,4\n");
  const cases: [string[], number, string][] = [
    [
      ["train", "--epochs", "abc"],
      2,
      "tensorgrad: option '--epochs <n>' argument 'abc' is invalid. expected an integer >= 0. (see tensorgrad train --help)",
    ],
    [["train", "--bogus"], 2, "tensorgrad: unknown option '--bogus' (see tensorgrad train --help)"],
    [
      ["train", "--data", "foo"],
      2,
      'tensorgrad: unknown data source "foo" (expected mnist, idx:DIR, csv:FILE, or a folder of class folders of images)',
    ],
    [["frobnicate"], 2, "tensorgrad: unknown command 'frobnicate' (see tensorgrad --help)"],
    [
      ["train", "--data", join(tmp, "small.csv")],
      2,
      `tensorgrad: unknown data source "${join(tmp, "small.csv")}" (expected mnist, idx:DIR, csv:FILE, or a folder of class folders of images); for this CSV file: --data csv:${join(tmp, "small.csv")}`,
    ],
    [["eval"], 2, "tensorgrad: required option '--checkpoint <path>' not specified (see tensorgrad eval --help)"],
    // `evaluate`, train.evaluate's name, is eval too.
    [["evaluate"], 2, "tensorgrad: required option '--checkpoint <path>' not specified (see tensorgrad evaluate --help)"],
    [["train", "--data", `csv:${join(tmp, "missing.csv")}`], 1, `tensorgrad: data file not found: ${join(tmp, "missing.csv")}`],
    [
      ["train", "--data", `csv:${tmp}`],
      1,
      `tensorgrad: csv:${tmp} is a folder, not a CSV file (a folder of class folders of images is given without "csv:")`,
    ],
    [["eval", "--checkpoint", join(tmp, "none.safetensors")], 1, `tensorgrad: checkpoint not found: ${join(tmp, "none.safetensors")}`],
    [
      ["eval", "--checkpoint", join(run, "model.safetensors"), "--data", `csv:${join(tmp, "small.csv")}`],
      1,
      "tensorgrad: eval: the data have 4 features per sample but the model takes 784",
    ],
    [
      ["predict", "--checkpoint", join(run, "model.safetensors"), "--input", join(tmp, "narrow.csv")],
      1,
      `tensorgrad: ${join(tmp, "narrow.csv")}: rows have 2 values but the model takes 784 features`,
    ],
  ];
  await trainOnce();
  const results = await Promise.all(cases.map(([args]) => cli(args)));
  results.forEach((r, i) => {
    const [args, code, message] = cases[i];
    assert.equal(r.stderr, message + "\n", `tensorgrad ${args.join(" ")}`);
    assert.equal(r.code, code, `tensorgrad ${args.join(" ")}`);
  });
  // --epochs with --resume is the new total: below the 2 epochs done, it would train nothing and
  // record the smaller total in config.json.
  const last = join(run, "checkpoint-last.safetensors");
  const resumed = await cli(["train", "--resume", last, "--epochs", "1"]);
  assert.equal(
    resumed.stderr,
    `tensorgrad: --resume: ${last} has done 2 epochs and --epochs is the new total; give 2 or more (e.g. --epochs 3), not 1\n`,
  );
  assert.equal(resumed.code, 2);
  assert.equal(JSON.parse(readFileSync(join(run, "config.json"), "utf8")).training.epochs, 2);
});

test("an environment setting tensorgrad refuses as it loads is one line on stderr and exit 1 too, not a stack trace", () => {
  const r = spawnSync(process.execPath, ["--conditions=tensorgrad-source", "--import", "tsx", "cli/main.ts", "summary"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, TENSORGRAD_BACKEND: "gpu" },
  });
  assert.equal(
    r.stderr,
    'tensorgrad: TENSORGRAD_BACKEND="gpu" names no backend: expected "webgpu", "wasm" or "js" (or unset for the fastest CPU backend that runs here)\n',
  );
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
});
