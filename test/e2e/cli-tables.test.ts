// The command line on tables as users have them, end to end: a diabetes-like regression that must
// beat predicting the mean with default options, text columns, empty cells and quoted newlines
// carried through eval and predict, iris-like data without input dropout, the best epoch restored,
// and --resume with more epochs extending the cosine schedule.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type CliResult } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-tables-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[]): Promise<CliResult> => runCli(args, 120_000);

/** A seeded generator (mulberry32) and Box–Muller normals, so the files are the same in every run. */
function rng(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { uniform, normal: () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()) };
}

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

/** "name: value" lines of a run's output as numbers. */
function figures(stdout: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of stdout.matchAll(/^test (\w+): (-?[\d.]+)$/gm)) if (m[1] !== "samples") out[m[1]] = Number(m[2]);
  return out;
}

const metricsCsv = (dir: string): Record<string, number>[] => {
  const [head, ...rows] = readFileSync(join(dir, "metrics.csv"), "utf8").trim().split("\n");
  const keys = head.split(",");
  return rows.map((r) => Object.fromEntries(r.split(",").map((v, i) => [keys[i], Number(v)])));
};

// Like scikit-learn's diabetes set: 442 rows, 10 small-valued features, a target around 150 with a
// spread of about 75, of which a linear part explains roughly half.
const diabetes = (() => {
  const r = rng(7);
  const rows = ["age,sex,bmi,bp,s1,s2,s3,s4,s5,s6,target"];
  for (let i = 0; i < 442; i++) {
    const f = Array.from({ length: 10 }, () => 0.05 * r.normal());
    const y = 152 + 900 * f[2] + 500 * f[3] + 700 * f[8] + 200 * f[0] - 300 * f[6] + 50 * r.normal();
    rows.push([...f.map((v) => v.toFixed(5)), y.toFixed(1)].join(","));
  }
  return file("diabetes.csv", rows.join("\n") + "\n");
})();

test("regression with default options beats predicting the mean and reports MAE, RMSE and R² in the target's units", async () => {
  const out = join(tmp, "diabetes");
  const r = await cli(["train", "--data", `csv:${diabetes}`, "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  const baseline = Number(/predicting the training mean would give test rmse ([\d.]+)/.exec(r.stdout)![1]);
  const f = figures(r.stdout);
  assert.deepEqual(Object.keys(f), ["mae", "rmse", "r2"]);
  assert.ok(baseline > 60 && baseline < 110, `baseline ${baseline}`);
  assert.ok(f.rmse < 0.85 * baseline, `rmse ${f.rmse} against the mean's ${baseline}`);
  assert.ok(f.r2 > 0.3, `r2 ${f.r2}`);
  assert.ok(f.mae < f.rmse);
  const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  assert.equal(config.task, "regression");
  assert.equal(config.targetStandardize.mean.length, 1);
  assert.ok(
    Math.abs(config.targetStandardize.mean[0] - 152) < 10 && config.targetStandardize.std[0] > 50,
    JSON.stringify(config.targetStandardize),
  );
  assert.equal(config.model.inputDropout, 0);
  // eval rebuilds the same figures; predict answers in the target's units, not standardised ones.
  const ev = await cli(["eval", "--checkpoint", join(out, "model.safetensors")]);
  assert.equal(ev.code, 0, ev.stderr);
  assert.deepEqual(figures(ev.stdout), f);
  const pred = await cli(["predict", "--checkpoint", join(out, "model.safetensors"), "--input", diabetes]);
  assert.equal(pred.code, 0, pred.stderr);
  const values = pred.stdout.trim().split("\n").map(Number);
  assert.equal(values.length, 442);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(Math.abs(mean - 152) < 15, `mean prediction ${mean}`);
});

test("text columns are one-hot encoded, empty cells imputed and quoted newlines read, the same way by eval and predict", async () => {
  const r = rng(3);
  const colours = ["red", "green", "blue"];
  const rows = ["size,colour,note,price"];
  for (let i = 0; i < 200; i++) {
    const size = 1 + 9 * r.uniform(),
      c = colours[Math.floor(3 * r.uniform())];
    const price = 3 * size + (c === "red" ? 10 : c === "green" ? 0 : -10) + r.normal();
    rows.push(
      [
        i % 17 === 0 ? "" : size.toFixed(2),
        i % 23 === 0 ? "" : c,
        i % 5 === 0 ? '"line one\nline ""two"", with comma"' : "plain",
        price.toFixed(2),
      ].join(","),
    );
  }
  const data = file("mixed.csv", rows.join("\n") + "\n");
  const out = join(tmp, "mixed");
  const t = await cli(["train", "--data", `csv:${data}`, "--out", out, "--epochs", "30"]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(
    t.stdout,
    /target "price", 200 rows; 21 empty cells imputed \(median of numbers, most frequent text\); one-hot: colour \(3\), note \(2\)\)/,
  );
  const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  assert.deepEqual(config.featureNames, [
    "size",
    "colour=blue",
    "colour=green",
    "colour=red",
    'note=line one\nline "two", with comma',
    "note=plain",
  ]);
  assert.deepEqual(
    config.encoding.map((e: { kind: string }) => e.kind),
    ["number", "category", "category"],
  );
  assert.ok(config.encoding[0].fill > 4 && config.encoding[0].fill < 7, `median ${config.encoding[0].fill}`);
  assert.equal(config.model.inputSize, 6);
  assert.ok(figures(t.stdout).r2 > 0.8, t.stdout);
  const ev = await cli(["eval", "--checkpoint", join(out, "model.safetensors")]);
  assert.deepEqual(figures(ev.stdout), figures(t.stdout));
  // Columns by name in any order, an empty cell, a colour training never saw, the target absent.
  const input = file("new.csv", 'note,colour,size\nplain,red,5\n"line one\nline ""two"", with comma",blue,\nplain,purple,2\n');
  const p = await cli(["predict", "--checkpoint", join(out, "model.safetensors"), "--input", input]);
  assert.equal(p.code, 0, p.stderr);
  const [red5, blueMedian, purple2] = p.stdout.trim().split("\n").map(Number);
  assert.ok(Math.abs(red5 - 25) < 4, `red, size 5: ${red5}`);
  assert.ok(Math.abs(blueMedian - (3 * config.encoding[0].fill - 10)) < 4, `blue, median size: ${blueMedian}`);
  assert.ok(Number.isFinite(purple2));
  const missing = await cli(["predict", "--checkpoint", join(out, "model.safetensors"), "--input", file("less.csv", "size\n3\n")]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `tensorgrad: ${join(tmp, "less.csv")}: no column "colour" (the model takes size, colour, note)\n`);
});

// Like iris: 150 rows, 4 measurements, 3 species named in text.
const iris = (() => {
  const r = rng(5);
  const centers: Record<string, number[]> = {
    setosa: [5.0, 3.4, 1.5, 0.25],
    versicolor: [5.9, 2.8, 4.3, 1.3],
    virginica: [6.6, 3.0, 5.5, 2.0],
  };
  const sd = [0.35, 0.3, 0.4, 0.2];
  const rows = ["sepal_length,sepal_width,petal_length,petal_width,species"];
  for (const [name, c] of Object.entries(centers))
    for (let i = 0; i < 50; i++) rows.push([...c.map((m, j) => (m + sd[j] * r.normal()).toFixed(1)), name].join(","));
  return file("iris.csv", rows.join("\n") + "\n");
})();

test("a small table of four features gets the small network without input dropout, and text classes come back as text", async () => {
  const out = join(tmp, "iris");
  const r = await cli(["train", "--data", `csv:${iris}`, "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  assert.deepEqual(config.model, {
    type: "mlp",
    preset: "mlp-table",
    inputSize: 4,
    hidden: [128, 64],
    activation: "relu",
    dropout: 0,
    inputDropout: 0,
    outputs: 3,
  });
  assert.deepEqual(config.training.earlyStopping, { patience: 20, startFrom: 50 });
  assert.deepEqual(config.classes, ["setosa", "versicolor", "virginica"]);
  assert.ok(figures(r.stdout).accuracy >= 0.9, r.stdout);
  const p = await cli([
    "predict",
    "--checkpoint",
    join(out, "model.safetensors"),
    "--input",
    file("flowers.csv", "sepal_length,sepal_width,petal_length,petal_width\n5.0,3.4,1.5,0.2\n6.6,3.0,5.6,2.1\n"),
  ]);
  assert.equal(p.stdout, "setosa\nvirginica\n");
  // Another file given to eval is read by column name, the target included (stored by name, not as
  // "the last column"): the same rows with the species first give the run's own test figures.
  assert.equal(config.data.target, "species");
  const reordered = readFileSync(iris, "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const f = line.split(",");
      return [f[4], ...f.slice(0, 4)].join(",");
    });
  const own = await cli(["eval", "--checkpoint", join(out, "model.safetensors")]);
  const other = await cli([
    "eval",
    "--checkpoint",
    join(out, "model.safetensors"),
    "--data",
    `csv:${file("species-first.csv", reordered.join("\n") + "\n")}`,
  ]);
  assert.equal(other.code, 0, other.stderr);
  assert.deepEqual(figures(other.stdout), figures(own.stdout));
  assert.ok(figures(own.stdout).accuracy >= 0.9, own.stdout);
});

test("the best epoch's weights are restored for the test figures and model.safetensors", async () => {
  // A wide network at a high constant rate overfits 300 noisy rows: the last epoch is not the best.
  const out = join(tmp, "overfit");
  const r = await cli([
    "train",
    "--data",
    `csv:${diabetes}`,
    "--out",
    out,
    "--model",
    "mlp",
    "--lr",
    "0.01",
    "--lr-schedule",
    "none",
    "--epochs",
    "20",
    "--seed",
    "0",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const val = metricsCsv(out).map((m) => m.valLoss);
  const best = val.indexOf(Math.min(...val));
  assert.ok(best < val.length - 1, `valLoss ${val}`);
  assert.match(r.stdout, new RegExp(`^restored the weights of epoch ${best + 1} \\(best valLoss `, "m"));
  const [fromBest, fromModel] = await Promise.all([
    cli(["eval", "--checkpoint", join(out, "checkpoint-best.safetensors")]),
    cli(["eval", "--checkpoint", join(out, "model.safetensors")]),
  ]);
  assert.equal(fromModel.stdout, fromBest.stdout);
  assert.deepEqual(figures(fromBest.stdout), figures(r.stdout));
});

test("--resume with more epochs runs the cosine schedule over the new total", async () => {
  const out = join(tmp, "resumed");
  const first = await cli(["train", "--data", `csv:${iris}`, "--out", out, "--epochs", "3", "--quiet"]);
  assert.equal(first.code, 0, first.stderr);
  const r = await cli(["train", "--resume", join(out, "checkpoint-last.safetensors"), "--epochs", "5"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^schedule: cosine over 5 epochs instead of 3; epoch 4 runs at lr 0\.0006910$/m);
  const lr = metricsCsv(out).map((m) => m.lr);
  const cosine = (e: number, total: number): number => (0.002 * (1 + Math.cos((Math.PI * e) / total))) / 2;
  assert.equal(lr.length, 5);
  for (let e = 0; e < 3; e++) assert.ok(Math.abs(lr[e] - cosine(e, 3)) < 1e-12, `epoch ${e + 1}: ${lr[e]}`);
  for (let e = 3; e < 5; e++) assert.ok(Math.abs(lr[e] - cosine(e, 5)) < 1e-12, `epoch ${e + 1}: ${lr[e]}`);
});
