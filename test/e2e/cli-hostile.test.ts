// The command line against hostile or careless input, end to end: label values that looked like
// class counts, odd paths in the report, a model too large to build, a folder another training
// holds, outputs that cannot be written. The checks themselves have unit tests (test/unit/cli/);
// these few runs show each reaches the user as one line and exit code 1, or trains correctly.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type CliResult } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-hostile-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[], limitMs = 60_000): Promise<CliResult> => runCli(args, limitMs);

function file(name: string, content: string | Buffer): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

/** Rows of two features and a label drawn from `labels` in turn. */
function csvRows(n: number, labels: (number | string)[]): string {
  return ["a,b,y", ...Array.from({ length: n }, (_, i) => `${(i % 7) / 7},${(i % 5) / 5},${labels[i % labels.length]}`)].join("\n") + "\n";
}

const quick = ["--epochs", "1", "--layers", "8", "--quiet", "--batch-size", "50"];

test("a CSV with large integer labels trains, its classes listed; failures are one line each, at once", async () => {
  // The folder name would break report.md's table and inject markup if it were not escaped.
  const dir = join(tmp, "we|ird <b>[x](y)");
  mkdirSync(dir);
  const data = join(dir, "labels.csv");
  writeFileSync(data, csvRows(200, [0, 50000]));
  const out = join(tmp, "big-labels");
  const r = await cli(["train", "--data", `csv:${data}`, "--out", out, ...quick]);
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  assert.deepEqual(config.classes, [0, 50000]);
  assert.equal(config.model.outputs, 2);
  const md = readFileSync(join(out, "report.md"), "utf8");
  const escaped = data
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
  assert.ok(md.includes(`| data | ${escaped} |\n`), md);
  assert.ok(md.includes("| classes | 0, 50000 |\n"), md);
  assert.ok(!md.includes("<b>"));
  assert.deepEqual(
    readdirSync(out).filter((n) => n.startsWith(".")),
    [],
    "no lock or temporary file is left",
  );

  // A folder another (live) training holds; a model too large; an output that is a directory; /proc.
  const busy = join(tmp, "busy");
  mkdirSync(busy);
  const lock = join(busy, ".tensorgrad.lock");
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), started: "2026-01-01T00:00:00.000Z" }));
  const outDir = join(tmp, "pred-dir");
  mkdirSync(outDir);
  const [second, huge, pred, proc] = await Promise.all([
    cli(["train", "--data", `csv:${data}`, "--out", busy, ...quick]),
    cli(["summary", "--layers", "60000,60000"]),
    cli(["predict", "--checkpoint", join(out, "model.safetensors"), "--input", file("p.csv", "a,b\n0.1,0.2\n"), "--output", outDir]),
    cli(["train", "--data", `csv:${data}`, "--out", "/proc/run", ...quick], 30_000),
  ]);
  assert.equal(
    second.stderr,
    `tensorgrad: ${busy} is in use by another training (pid ${process.pid} on ${hostname()}, since 2026-01-01T00:00:00.000Z); wait for it or choose another --out (if that run is gone, delete ${lock})\n`,
  );
  assert.deepEqual(readdirSync(busy), [".tensorgrad.lock"], "nothing written into the busy folder");
  assert.equal(
    huge.stderr,
    "tensorgrad: cannot build the model: the model 784-60000-60000-10 has 3,647,760,010 parameters (58.4 GB to train with Adam), more than the limit of 100,000,000\n",
  );
  assert.equal(pred.stderr, `tensorgrad: cannot write ${outDir}: EISDIR: illegal operation on a directory\n`);
  assert.equal(
    proc.stderr,
    "tensorgrad: cannot create run folder /proc/run: ENOENT: no such file or directory (at /proc/run)\n",
    "exits instead of spinning in mkdir",
  );
  for (const f of [second, huge, pred, proc]) assert.equal(f.code, 1);
});

test("data that cannot train is refused before training and leaves no run folder", async () => {
  const semi = file("semi.csv", "a;b;y\n1;2;0\n3;4;1\n5;6;0\n7;8;1\n");
  const single = file("single.csv", csvRows(50, [7]));
  const cases: [string, string][] = [
    [
      `csv:${semi}`,
      `loadCsv: ${semi}: no feature columns: the file has 1 column ("a;b;y") and "a;b;y" is the target; is "," the file's delimiter?`,
    ],
    [`csv:${single}`, `${single} (target "y", 50 rows): every training label is 7; classification needs at least 2 classes`],
  ];
  const results = await Promise.all(
    cases.map(([spec], i) => cli(["train", "--data", spec, "--out", join(tmp, `new-${i}`, "run"), ...quick])),
  );
  results.forEach((r, i) => {
    assert.equal(r.stderr, `tensorgrad: ${cases[i][1]}\n`, cases[i][0]);
    assert.equal(r.code, 1);
  });
  assert.deepEqual(
    readdirSync(tmp).filter((n) => n.startsWith("new-")),
    [],
    "the folders made for the runs are removed again",
  );
});
