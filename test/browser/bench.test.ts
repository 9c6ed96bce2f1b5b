// bench/browser.ts's dry run: the MLP training benchmark's page in headless Chromium, cross-origin
// isolated, every contender (tensorgrad's loop and fit, TensorFlow.js's wasm fit) for two batches.
// Checks the harness and what each contender computed; no timings are looked at.

import { it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "tensorgrad";
import { data, optim } from "tensorgrad";
import { buildModel, eagerEpoch } from "../../bench/tensorgrad/models.js";
import { root } from "./harness.js";

it(
  "bench:browser --dry-run trains every contender in the page; tensorgrad's loop gives Node's loss bit for bit",
  { timeout: 300_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "tg-bench-browser-test-"));
    try {
      const json = join(dir, "bench.json");
      const { NODE_TEST_CONTEXT: _, ...env } = process.env;
      const r = spawnSync(
        process.execPath,
        ["--conditions=tensorgrad-source", "--import", "tsx", "bench/browser.ts", "--dry-run", "--tasks", "mlp-small", "--json-out", json],
        { cwd: root, encoding: "utf8", env, timeout: 280_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(
        r.stdout,
        /^bench:browser: dry run ok: Chromium Chrome\/\d+[\d.]*, isolated page, mlp-small \(tensorgrad\/wasm eager loop, tensorgrad\/wasm train\.fit, tfjs-wasm model\.fit\)\n$/,
      );
      const got = JSON.parse(readFileSync(json, "utf8"));
      assert.deepEqual(got.plan, { batches: 2, rounds: 1, warmup: 0 });
      const [page] = got.results;
      assert.deepEqual(
        [page.task, page.backend, page.crossOriginIsolated, page.trainSamples, page.batchesPerEpoch],
        ["mlp-small", "wasm", true, 8000, 125],
      );
      // Threads on Web Workers: as many as Chromium reports cores.
      const threads = page.rows[0].threads;
      assert.match(threads, /^[1-9]\d*$/);
      assert.deepEqual(
        page.rows.map((w: { contender: string; loop: string; threads: string; batches: number[] }) => [
          w.contender,
          w.loop,
          w.threads,
          w.batches,
        ]),
        [
          ["tensorgrad/wasm", "eager loop", threads, [2]],
          ["tensorgrad/wasm", "train.fit", threads, [2]],
          ["tfjs-wasm", "model.fit", "1, SIMD", [2]],
        ],
      );
      for (const w of page.rows) {
        assert.equal(w.losses.length, 1);
        // Two Adam steps from a fresh 784-128-10 MLP: cross-entropy still near ln 10 = 2.30.
        assert.ok(w.losses[0] > 2.0 && w.losses[0] < 2.6, `${w.contender} ${w.loop}: loss ${w.losses[0]}`);
      }
      // The same two steps here, on this process's backend: equal to the page's when the build is the same.
      const be = tg.getBackend() as { name: string; flavor?: string };
      if (be.name === "wasm" && be.flavor === page.flavor) {
        tg.manualSeed(0);
        const model = buildModel("mlp-small");
        const d = data.mnist();
        const loader = new data.DataLoader(new data.TensorDataset(d.x, d.y), { batchSize: 64, shuffle: true, seed: 0 });
        const { last } = eagerEpoch(model, new optim.Adam(model.parameters(), { lr: 1e-3 }), loader, 2);
        assert.equal(page.rows[0].losses[0], last!.item());
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
