// SIGTERM (as a service manager or container runtime sends) and Ctrl-C during training: the run
// stops after the current step, writes checkpoint-interrupted (the state at the start of the
// unfinished epoch), exits with 128 + the signal's number, and `--resume` from it ends with the same
// weights and metrics as a run never interrupted — also when the signal comes in the first epoch.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data, io } from "tensorgrad";
import { runCli, type CliResult } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-signals-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI and sends `signal` once `when(stdout, stderr)` first holds. */
function signalled(args: string[], signal: NodeJS.Signals, when: (out: string, err: string) => boolean): Promise<CliResult> {
  let sent = false;
  return runCli(args, 120_000, (out, err, kill) => {
    if (!sent && when(out, err)) {
      sent = true;
      kill(signal);
    }
  });
}

function spirals(n: number): string {
  const path = join(tmp, `spirals-${n}.csv`);
  const { x, y } = data.synthetic.spirals({ n, classes: 3, seed: 5 });
  const xs = x.toArray() as number[][],
    ys = y.toArray() as number[];
  writeFileSync(path, ["x1,x2,label", ...xs.map((r, i) => `${r[0]},${r[1]},${ys[i]}`)].join("\n") + "\n");
  return `csv:${path}`;
}

function assertSameRun(a: string, b: string): void {
  const wa = io.loadSafetensors(join(a, "model.safetensors")).tensors,
    wb = io.loadSafetensors(join(b, "model.safetensors")).tensors;
  for (const k of Object.keys(wa)) assert.deepEqual(wb[k].toFloat32Array(), wa[k].toFloat32Array(), k);
  assert.equal(readFileSync(join(b, "metrics.csv"), "utf8"), readFileSync(join(a, "metrics.csv"), "utf8"));
}

test("SIGTERM mid-run and Ctrl-C in the first epoch leave checkpoints that resume bit-identically", async () => {
  const common = ["--data", spirals(240), "--epochs", "200", "--seed", "4", "--batch-size", "16"];
  // Ctrl-C is sent when the model line appears; a first epoch of about a thousand single-sample steps
  // is still running when it is handled, however late a loaded machine delivers it.
  const first = ["--data", spirals(1200), "--epochs", "2", "--seed", "4", "--batch-size", "1"];
  const [full, term, fullFirst, early] = await Promise.all([
    runCli(["train", ...common, "--quiet", "--out", join(tmp, "full")]),
    signalled(["train", ...common, "--out", join(tmp, "term")], "SIGTERM", (_o, e) => /^Epoch 3\/200 /m.test(e)),
    runCli(["train", ...first, "--quiet", "--out", join(tmp, "full-first")]),
    signalled(["train", ...first, "--out", join(tmp, "early")], "SIGINT", (o) => /^model: /m.test(o)),
  ]);
  assert.equal(full.code, 0, full.stderr);
  assert.equal(fullFirst.code, 0, fullFirst.stderr);
  assert.equal(term.code, 143, term.stderr);
  assert.equal(early.code, 130, early.stderr);
  assert.match(term.stderr, /^SIGTERM: finishing the current step and saving a checkpoint \(the signal again to quit at once\)$/m);
  const termCkpt = join(tmp, "term", "checkpoint-interrupted.safetensors"),
    earlyCkpt = join(tmp, "early", "checkpoint-interrupted.safetensors");
  const completed = Number(/\(after (\d+) complete epochs\)/.exec(term.stderr)![1]);
  assert.ok(completed >= 3 && completed < 200, term.stderr);
  assert.equal(io.readSafetensorsHeader(termCkpt).metadata.epoch, String(completed - 1));
  assert.match(early.stderr, new RegExp(`interrupted: saved ${earlyCkpt} \\(after 0 complete epochs\\)`));
  assert.equal(io.readSafetensorsHeader(earlyCkpt).metadata.epoch, "-1");

  const [a, b] = await Promise.all([
    runCli(["train", "--resume", termCkpt, "--quiet"]),
    runCli(["train", "--resume", earlyCkpt, "--quiet"]),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(a.stdout.split("\n").at(-2), full.stdout.split("\n").at(-2));
  assert.equal(b.stdout.split("\n").at(-2), fullFirst.stdout.split("\n").at(-2));
  assertSameRun(join(tmp, "full"), join(tmp, "term"));
  assertSameRun(join(tmp, "full-first"), join(tmp, "early"));
  assert.ok(existsSync(join(tmp, "term", "results.json")));
});
