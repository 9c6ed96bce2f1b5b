// `npm run bench`'s "cli" section in its quick mode: the built `tensorgrad train` run for each preset
// on a reduced budget, its figures read from the run folders, and the block merged into a copy of
// bench/RESULTS.md in its place, the other blocks kept. No timing is looked at.

import { it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BLOCK_ORDER, parseBlocks } from "../../bench/lib/results-file.js";
import type { RunResults } from "../../bench/lib/results.js";
import { ensureBuilt, root } from "../browser/harness.js";

it(
  "bench --quick --only cli --cli-seeds 2 trains each preset (the cnn one with a second seed) with the built CLI and writes its block in place",
  { timeout: 300_000 },
  () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), "tg-bench-cli-test-"));
    try {
      const out = join(dir, "RESULTS.md"),
        json = join(dir, "results.json");
      copyFileSync(join(root, "bench/RESULTS.md"), out);
      const before = parseBlocks(readFileSync(out, "utf8"));
      const { NODE_TEST_CONTEXT: _, ...env } = process.env;
      const r = spawnSync(
        process.execPath,
        [
          "--conditions=tensorgrad-source",
          "--import",
          "tsx",
          "bench/run.ts",
          "--quick",
          "--only",
          "cli",
          "--cli-seeds",
          "2",
          "--out",
          out,
          "--json-out",
          json,
        ],
        { cwd: root, encoding: "utf8", env, timeout: 280_000 },
      );
      assert.equal(r.status, 0, r.stderr);

      const results = JSON.parse(readFileSync(json, "utf8")) as RunResults;
      const cli = results.cli!;
      assert.deepEqual(
        Object.keys(results).filter((k) => ["matmul", "mlp", "cnn", "cli", "infer", "seq", "memory"].includes(k)),
        ["cli"],
      );
      assert.equal(cli.version, JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
      assert.equal(cli.backend, "wasm");
      assert.deepEqual(
        cli.runs.map((run) => [run.preset, run.args, run.epochs, run.note]),
        [
          ["cnn", ["train", "--model", "cnn", "--epochs", "1", "--limit", "600"], 1, undefined],
          ["cnn", ["train", "--model", "cnn", "--epochs", "1", "--limit", "600", "--seed", "1"], 1, undefined],
          ["mlp", ["train", "--model", "mlp", "--epochs", "1", "--limit", "600"], 1, undefined],
        ],
      );
      for (const run of cli.runs) {
        // Seed 1 starts from other weights and batches than seed 0.
        assert.notDeepEqual([cli.runs[1].accuracy, cli.runs[1].testLoss], [cli.runs[0].accuracy, cli.runs[0].testLoss]);
        // One epoch on 540 digits: well above chance (0.1), far from done.
        assert.ok(run.accuracy! > 0.3 && run.accuracy! < 0.95, `${run.preset}: accuracy ${run.accuracy}`);
        assert.ok(run.testLoss! > 0.2 && run.testLoss! < 2.3, `${run.preset}: test loss ${run.testLoss}`);
        assert.ok(
          run.wallSeconds > run.trainSeconds! && run.trainSeconds! > 0,
          `${run.preset}: wall ${run.wallSeconds} s, training ${run.trainSeconds} s`,
        );
        assert.ok(run.cpuSeconds! > 0, `${run.preset}: CPU ${run.cpuSeconds} s`);
      }

      // The new block sits between the cnn and infer blocks; every other block is as it was.
      const text = readFileSync(out, "utf8");
      const after = parseBlocks(text);
      for (const key of BLOCK_ORDER.filter((k) => k !== "cli")) assert.equal(after[key], before[key], `block ${key} changed`);
      assert.ok(
        text.indexOf("<!-- bench:cnn -->") < text.indexOf("<!-- bench:cli -->") &&
          text.indexOf("<!-- /bench:cli -->") < text.indexOf("<!-- bench:infer -->"),
      );
      const block = after.cli!;
      assert.match(
        block,
        /^## Command line: `tensorgrad train` presets on the bundled digits\n\nMeasured .* with `npm run bench -- --quick --only cli --cli-seeds 2 --out .*` \(quick smoke run/,
      );
      assert.match(block, /\nOver seeds 0–1 \(2 of 2 runs finished\): test accuracy /);
      assert.match(block, /tensorgrad \d+\.\d+\.\d+\S* on its default backend \(wasm\)/);
      for (const run of cli.runs) {
        assert.ok(
          block.includes(`| \`tensorgrad ${run.args.join(" ")}\` | 1 | ${run.accuracy!.toFixed(4)} | ${run.testLoss!.toFixed(4)} |`),
          `${run.preset} row missing:\n${block}`,
        );
      }
      // A quick run says nothing about the cnn preset's target.
      assert.doesNotMatch(block, /meant to reach/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
