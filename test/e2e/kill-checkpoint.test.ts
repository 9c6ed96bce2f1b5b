// kill -9 during training, at seeded moments after checkpoints start being written: every file the
// run folder holds is whole (or a temporary file the next run clears), and resuming from
// checkpoint-last ends bit-identical to a run never interrupted. Bounded: two kills.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data, io } from "tensorgrad";
import { rng } from "../helpers/wasm.js";

const root = new URL("../..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "tg-kill-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the CLI; with `killWhen`, SIGKILLs it `delayMs` after `ready()` first holds (polled every 2 ms). */
function cli(args: string[], killWhen?: { ready: () => boolean; delayMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=tensorgrad-source", "--import", "tsx", "cli/main.ts", ...args], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const limit = setTimeout(() => child.kill("SIGKILL"), 120_000);
    const poll =
      killWhen &&
      setInterval(() => {
        if (!killWhen.ready()) return;
        clearInterval(poll);
        setTimeout(() => child.kill("SIGKILL"), killWhen.delayMs);
      }, 2);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      if (poll) clearInterval(poll);
      resolve({ code, signal, stderr });
    });
  });
}

/** Every file but the temporary ones must read back whole. */
function assertWhole(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name.endsWith(".tmp") || name === ".tensorgrad.lock") continue;
    if (name.endsWith(".safetensors")) io.loadSafetensors(path);
    else if (name.endsWith(".json")) JSON.parse(readFileSync(path, "utf8"));
    else if (name.endsWith(".jsonl"))
      readFileSync(path, "utf8")
        .trimEnd()
        .split("\n")
        .forEach((l) => JSON.parse(l));
    else if (name.endsWith(".csv")) assert.match(readFileSync(path, "utf8"), /^epoch,.*\n$/s, path);
  }
}

test("kill -9 during checkpoint writes leaves whole files, and the resumed run is bit-identical", async () => {
  const csv = join(tmp, "spirals.csv");
  const { x, y } = data.synthetic.spirals({ n: 150, classes: 3, seed: 2 });
  const xs = x.toArray() as number[][],
    ys = y.toArray() as number[];
  writeFileSync(csv, ["x1,x2,label", ...xs.map((r, i) => `${r[0]},${r[1]},${ys[i]}`)].join("\n") + "\n");
  const epochs = "15";
  const common = [
    "--data",
    `csv:${csv}`,
    "--epochs",
    epochs,
    "--lr-schedule",
    "none",
    "--quiet",
    "--seed",
    "5",
    "--batch-size",
    "16",
    "--layers",
    "16",
  ];

  // The first run is killed as soon as a checkpoint's temporary file is seen (mid-write, when the
  // kill lands in time); the other at a seeded delay after the first checkpoint.
  const writing = (dir: string) => () =>
    existsSync(join(dir, "checkpoint-last.safetensors")) &&
    existsSync(dir) &&
    readdirSync(dir).some((n) => /^\.checkpoint-.*\.tmp$/.test(n));
  const delays = (() => {
    const r = rng(20261207);
    return [0, 1].map(() => Math.floor(r() * 200));
  })();
  const dirs = delays.map((_, i) => join(tmp, `killed-${i}`));
  const [reference, ...killed] = await Promise.all([
    cli(["train", "--out", join(tmp, "reference"), ...common]),
    ...dirs.map((dir, i) =>
      cli(["train", "--out", dir, ...common], {
        ready: i === 0 ? writing(dir) : () => existsSync(join(dir, "checkpoint-last.safetensors")),
        delayMs: i === 0 ? 0 : delays[i],
      }),
    ),
  ]);
  assert.equal(reference.code, 0, reference.stderr);
  killed.forEach((k, i) => {
    assert.ok(k.signal === "SIGKILL" || k.code === 0, `run ${i}: ${k.code} ${k.signal} ${k.stderr}`);
    assertWhole(dirs[i]);
  });

  const resumed = await Promise.all(
    dirs.map((dir) => cli(["train", "--resume", join(dir, "checkpoint-last.safetensors"), "--epochs", epochs, "--quiet"])),
  );
  const want = io.loadSafetensors(join(tmp, "reference", "model.safetensors")).tensors;
  resumed.forEach((r, i) => {
    assert.equal(r.code, 0, r.stderr);
    const got = io.loadSafetensors(join(dirs[i], "model.safetensors")).tensors;
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
    for (const k of Object.keys(want))
      assert.deepEqual(
        got[k].toFloat32Array(),
        want[k].toFloat32Array(),
        `run ${i} (killed ${delays[i]} ms after the first checkpoint): ${k}`,
      );
    assert.equal(readFileSync(join(dirs[i], "metrics.csv"), "utf8"), readFileSync(join(tmp, "reference", "metrics.csv"), "utf8"));
    assert.deepEqual(
      readdirSync(dirs[i]).filter((n) => n.startsWith(".")),
      [],
      "temporary files and the lock are gone",
    );
  });
});
