// The "cli" block of bench/RESULTS.md (bench/lib/report.ts renderCli) from fixed figures: the table
// of runs, the cnn preset's figure against its target, and the pointer to the peers' LeNet section.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CNN_TARGET, renderCli } from "../../../bench/lib/report.js";
import { cliArgs, cliPlan, plainEnv, readRunResults } from "../../../bench/lib/run-cli.js";
import type { CliRun, CliSection } from "../../../bench/lib/results.js";

const machine = { cpuModel: "Test CPU", cores: 2, memoryBytes: 8 * 2 ** 30, node: "v20.0.0", platform: "Linux" };
const load = { loadStart: 2.5, loadEnd: 3.25, wallSeconds: 90, foreignCores: 0.4 };

function run(preset: string, accuracy: number | null, extra: Partial<CliRun> = {}): CliRun {
  return {
    preset,
    args: cliArgs(preset, []),
    accuracy,
    testLoss: accuracy === null ? null : 0.0451,
    epochs: accuracy === null ? null : 16,
    trainSeconds: 55.25,
    wallSeconds: 61.5,
    cpuSeconds: 98.75,
    load,
    ...extra,
  };
}

function section(runs: CliRun[], quick = false): CliSection {
  return {
    meta: { date: "2026-12-07T14:30:00.000Z", command: "npm run bench -- --only cli", quick, unavailable: [], load },
    version: "0.1.0",
    backend: "wasm",
    runs,
  };
}

describe("the cli block", () => {
  it("lists each run with its figures and says whether the cnn preset met its target", () => {
    assert.deepEqual(CNN_TARGET, { accuracy: 0.985, seconds: 60 });
    const text = renderCli(section([run("cnn", 0.98625), run("mlp", 0.9755, { epochs: 12 })]), machine);
    const lines = text.split("\n");
    assert.equal(lines[0], "## Command line: `tensorgrad train` presets on the bundled digits");
    assert.ok(
      lines.includes("| `tensorgrad train --model cnn` | 16 | 0.9862 | 0.0451 | 61.5 s | 55.3 s | 98.8 s | 2.50 → 3.25 | 0.40 |"),
      text,
    );
    assert.ok(
      lines.includes("| `tensorgrad train --model mlp` | 12 | 0.9755 | 0.0451 | 61.5 s | 55.3 s | 98.8 s | 2.50 → 3.25 | 0.40 |"),
      text,
    );
    assert.ok(
      lines.includes(
        "The cnn preset is meant to reach 98.5 % test accuracy in about a minute on 2 cores: here 98.63 % (reached) in 61.5 s from start to exit, 98.8 s of CPU, at a load average of 2.50–3.25 on 2 cores.",
      ),
      text,
    );
    assert.match(text, /tensorgrad 0\.1\.0 on its default backend \(wasm\)/);
    assert.match(text, /see\n"Training: LeNet-style CNN" above/);
  });

  it("says NOT reached below the target, names a failed run, and states no target in a quick run", () => {
    const low = renderCli(section([run("cnn", 0.981)]), machine);
    assert.match(low, /here 98\.10 % \(NOT reached\)/);
    const failed = renderCli(section([run("cnn", null, { note: "exited with code 1: tensorgrad: out of memory" })]), machine);
    assert.ok(failed.includes("| `tensorgrad train --model cnn` | – | exited with code 1: tensorgrad: out of memory | – |"), failed);
    assert.doesNotMatch(failed, /meant to reach/);
    const quick = renderCli(section([run("cnn", 0.5767)], true), machine);
    assert.doesNotMatch(quick, /meant to reach/);
    assert.match(quick, /a reduced budget \(quick run: the options shown\)/);
  });

  it("sums up the cnn preset over seeds, the default seed's run first", () => {
    const seeded = (seed: number, accuracy: number | null, wallSeconds: number) =>
      run("cnn", accuracy, { args: [...cliArgs("cnn", []), "--seed", String(seed)], wallSeconds });
    const text = renderCli(
      section([run("cnn", 0.985), seeded(1, 0.9855, 70.5), seeded(2, 0.9825, 112.75), seeded(3, null, 5), run("mlp", 0.9495)]),
      machine,
    );
    assert.ok(text.includes("here 98.50 % (reached) in 61.5 s"), text);
    assert.ok(
      text.includes(
        "Over seeds 0–3 (3 of 4 runs finished): test accuracy 98.25 % to 98.55 %, mean 98.43 %; 2 of 3 at or above 98.5 %; wall 5.00 s to 113 s.",
      ),
      text,
    );
    assert.ok(text.includes("| `tensorgrad train --model cnn --seed 2` | 16 | 0.9825 |"), text);
    assert.doesNotMatch(renderCli(section([run("cnn", 0.985), run("mlp", 0.9495)]), machine), /Over seeds/);
  });

  it("plans each preset once, and the cnn preset again for each further seed", () => {
    assert.deepEqual(cliPlan([], 1), [
      { preset: "cnn", args: ["train", "--model", "cnn"] },
      { preset: "mlp", args: ["train", "--model", "mlp"] },
    ]);
    assert.deepEqual(
      cliPlan(["--epochs", "1"], 3).map((p) => p.args.join(" ")),
      [
        "train --model cnn --epochs 1",
        "train --model cnn --epochs 1 --seed 1",
        "train --model cnn --epochs 1 --seed 2",
        "train --model mlp --epochs 1",
      ],
    );
  });

  it("runs the CLI without tensorgrad's own variables", () => {
    assert.deepEqual(plainEnv({ PATH: "/usr/bin", TENSORGRAD_BACKEND: "js", TENSORGRAD_THREADS: "1", HOME: "/root" }), {
      PATH: "/usr/bin",
      HOME: "/root",
    });
    assert.deepEqual(cliArgs("cnn", ["--epochs", "1"]), ["train", "--model", "cnn", "--epochs", "1"]);
  });

  it("reads a run folder's results.json, and nothing from a missing, broken or foreign one", () => {
    const dir = mkdtempSync(join(tmpdir(), "tg-bench-cli-results-"));
    try {
      assert.equal(readRunResults(dir), null);
      const write = (text: string) => writeFileSync(join(dir, "results.json"), text);
      write(
        JSON.stringify({
          format: "tensorgrad.results",
          version: 1,
          test: { loss: 0.0501, accuracy: 0.985 },
          epochs: 16,
          seconds: 65.03,
          finished: "2026-12-07T14:21:00.000Z",
        }),
      );
      assert.deepEqual(readRunResults(dir), { accuracy: 0.985, loss: 0.0501, epochs: 16, seconds: 65.03 });
      write(JSON.stringify({ format: "tensorgrad.results", test: { accuracy: "0.99" }, epochs: 16 }));
      assert.deepEqual(readRunResults(dir), { accuracy: null, loss: null, epochs: 16, seconds: null });
      write('{"format": "tensorgrad.results", "test": ');
      assert.equal(readRunResults(dir), null);
      write(JSON.stringify({ format: "other", test: { accuracy: 1 } }));
      assert.equal(readRunResults(dir), null);
      write("null");
      assert.equal(readRunResults(dir), null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
