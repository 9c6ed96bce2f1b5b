// The benchmark harness's pure parts (bench/lib): medians and round-by-round ratios, number and ratio
// formatting, Markdown tables, option parsing, the RESULTS.md block merge, and the rendered tables.
// No contender process is started here.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fmtMiB, fmtNum, fmtRatio, ratioCell, ratioPhrase, renderTable } from "../../../bench/lib/format.js";
import { makePlan, parseOptions } from "../../../bench/lib/options.js";
import { memoryFigures, renderInfer, renderMatmul, renderTrain } from "../../../bench/lib/report.js";
import { KEEP_MARKER, keptTail, mergeResultsFile, parseBlocks } from "../../../bench/lib/results-file.js";
import type { GridSection, MemoryRun, SectionMeta, TrainSection } from "../../../bench/lib/results.js";
import { median, seededRandom, shuffled, slope, speedRatio } from "../../../bench/lib/stats.js";
import { takesLateTurns, trainingGroups } from "../../../bench/lib/run-train.js";
import { tensorgradSpec, tfjsSpec, torchSpec } from "../../../bench/lib/contenders.js";

const machine = { cpuModel: "Test CPU", cores: 2, memoryBytes: 8 * 2 ** 30, node: "v20.0.0", platform: "Linux" };
const meta: SectionMeta = {
  date: "2026-11-21T10:00:00.000Z",
  command: "npm run bench",
  quick: false,
  unavailable: [],
  load: { loadStart: 0.5, loadEnd: 1.25, wallSeconds: 42, foreignCores: 0.1 },
};

describe("training turns", () => {
  it("puts the plain-JavaScript contenders in a second group, after the others", () => {
    const specs = [tensorgradSpec("js"), tfjsSpec("wasm"), tensorgradSpec("wasm"), tfjsSpec("cpu"), torchSpec("/usr/bin/python3")];
    const groups = trainingGroups(specs, (s) => s.slow === true);
    assert.deepEqual(
      groups.map((g) => g.map((s) => s.id)),
      [
        ["tfjs-wasm", "tensorgrad/wasm", "PyTorch"],
        ["tensorgrad/js", "tfjs-cpu"],
      ],
    );
    assert.deepEqual(
      trainingGroups([tensorgradSpec("wasm")], (s) => s.slow === true).map((g) => g.length),
      [1],
    );
    assert.deepEqual(
      trainingGroups([tfjsSpec("cpu")], (s) => s.slow === true).map((g) => g.map((s) => s.id)),
      [["tfjs-cpu"]],
    );
  });

  it("sends a contender to the late group when its epoch took over the plan's limit", () => {
    const plan = makePlan(false);
    assert.equal(plan.lateAbove, 2);
    // tfjs-wasm on the big MLP (7.7 s) goes late; on the small one (1.1 s) it stays.
    assert.equal(takesLateTurns(undefined, 7.7, plan.lateAbove), true);
    assert.equal(takesLateTurns(undefined, 1.1, plan.lateAbove), false);
    assert.equal(takesLateTurns(undefined, 2, plan.lateAbove), false);
    // A plain-JavaScript contender is late whatever its estimate, also when its probe failed.
    assert.equal(takesLateTurns(true, 0.9, plan.lateAbove), true);
    assert.equal(takesLateTurns(true, null, plan.lateAbove), true);
    assert.equal(takesLateTurns(false, null, plan.lateAbove), false);
    assert.equal(makePlan(true).lateAbove, 2);
  });
});

describe("stats", () => {
  it("takes medians of the finite values only", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([null, 5, NaN, Infinity]), 5);
    assert.equal(median([]), null);
  });

  it("takes speed ratios within each round, then their median", () => {
    // Round 2 ran under load for both contenders: per-round ratios stay 2, 2, 2 although the times move.
    const tg = [1, 3, 1.5],
      peer = [2, 6, 3];
    assert.equal(speedRatio(tg, peer, "lower"), 2);
    assert.equal(speedRatio(peer, tg, "lower"), 0.5);
    // Not the ratio of the medians (3 / 2 = 1.5): per round 3, 1, 1, so 1.
    assert.equal(speedRatio([1, 10, 2], [3, 10, 2], "lower"), 1);
    // Throughput: higher is better.
    assert.equal(speedRatio([10, 30], [5, 10], "higher"), 2.5);
    // A round missing on either side is left out; none in common gives null.
    assert.equal(speedRatio([1, null, 4], [3, 7, 4], "lower"), 2);
    assert.equal(speedRatio([1, null], [null, 2], "lower"), null);
  });

  it("fits a least-squares slope", () => {
    assert.equal(slope([1, 2, 3, 4], [10, 12, 14, 16]), 2);
    assert.equal(slope([1], [1]), null);
  });

  it("shuffles reproducibly for a seed, keeping every item", () => {
    const a = shuffled([1, 2, 3, 4, 5, 6], seededRandom(7));
    const b = shuffled([1, 2, 3, 4, 5, 6], seededRandom(7));
    assert.deepEqual(a, b);
    assert.deepEqual([...a].sort(), [1, 2, 3, 4, 5, 6]);
    assert.notDeepEqual(shuffled([1, 2, 3, 4, 5, 6], seededRandom(8)), a);
  });
});

describe("format", () => {
  it("prints significant digits without exponents", () => {
    assert.equal(fmtNum(0.0523), "0.0523");
    assert.equal(fmtNum(5.123), "5.12");
    assert.equal(fmtNum(348.2), "348");
    assert.equal(fmtNum(9.996), "10.0");
    assert.equal(fmtNum(1715.4), "1715");
    assert.equal(fmtNum(null), "–");
    assert.equal(fmtMiB(272 * 2 ** 20), "272 MiB");
    assert.equal(fmtMiB(-0.3 * 2 ** 20, { signed: true }), "−0.30 MiB");
    assert.equal(fmtMiB(1.5 * 2 ** 20, { signed: true }), "+1.50 MiB");
  });

  it("words ratios as faster, same, or a fraction of the peer", () => {
    assert.equal(fmtRatio(3.21), "3.2×");
    assert.equal(fmtRatio(142.4), "142×");
    assert.equal(ratioPhrase(3.21, "tfjs-cpu"), "3.2× faster than tfjs-cpu");
    assert.equal(ratioPhrase(0.05, "PyTorch"), "0.050× PyTorch (20× slower)");
    assert.equal(ratioPhrase(1.02, "PyTorch"), "as fast as PyTorch (1.02×)");
    assert.equal(ratioPhrase(1.06, "PyTorch"), "1.06× faster than PyTorch");
    assert.equal(ratioPhrase(null, "PyTorch"), "no comparison with PyTorch");
    assert.equal(ratioCell(0.25), "0.25× (4.0× slower)");
    assert.equal(ratioCell(2), "2.0× faster");
  });

  it("renders Markdown tables with escaped pipes and aligned columns", () => {
    assert.equal(renderTable(["a", "b"], [["x|y", "1"], ["z"]]), "| a | b |\n|---|--:|\n| x\\|y | 1 |\n| z |  |");
  });
});

describe("options", () => {
  it("parses selectors, quick mode and defaults", () => {
    const o = parseOptions(["--quick", "--only", "infer,matmul"], { TORCH_PYTHON: "/opt/py" });
    assert.deepEqual(o.only, ["matmul", "infer"]);
    assert.equal(o.quick, true);
    assert.equal(o.memoryEpochs, 5);
    assert.equal(o.python, "/opt/py");
    assert.equal(parseOptions([]).memoryEpochs, 50);
    assert.deepEqual(makePlan(false).matmulSizes, [64, 128, 256, 512, 1024, 2048]);
    // The cli section runs the presets' defaults at full size, one short epoch in a quick run.
    assert.deepEqual(makePlan(false).cliBudget, []);
    assert.deepEqual(makePlan(true).cliBudget, ["--epochs", "1", "--limit", "600"]);
    assert.deepEqual(parseOptions(["--only", "cli,cnn"]).only, ["cnn", "cli"]);
    assert.equal(parseOptions([]).cliSeeds, 1);
    assert.equal(parseOptions(["--cli-seeds", "5"]).cliSeeds, 5);
    assert.throws(() => parseOptions(["--cli-seeds", "0"]), { message: 'bench: --cli-seeds expects an integer >= 1, got "0"' });
  });

  it("rejects unknown sections and options with the accepted values", () => {
    assert.throws(() => parseOptions(["--only", "matmul,gpu"]), {
      name: "OptionsError",
      message: 'bench: --only got unknown section(s) "gpu"; expected some of matmul, mlp, cnn, cli, infer, seq, memory',
    });
    assert.throws(() => parseOptions(["--memory-epochs", "1"]), { message: 'bench: --memory-epochs expects an integer >= 2, got "1"' });
    assert.throws(() => parseOptions(["--out"]), { message: "bench: --out needs a value" });
    assert.equal(parseOptions([]).contenders, null);
    assert.deepEqual(parseOptions(["--contenders", "tensorgrad/wasm, PyTorch"]).contenders, ["tensorgrad/wasm", "PyTorch"]);
    assert.throws(() => parseOptions(["--contenders", ","]), { message: "bench: --contenders needs at least one contender id" });
    assert.throws(() => parseOptions(["--fast"]), /^OptionsError: bench: unknown option "--fast"/);
  });
});

describe("RESULTS.md merge", () => {
  const old = [
    "# Benchmark results",
    "",
    "Machine: old.",
    "",
    "## Reference backend (plain TypeScript)",
    "",
    "| a | b |",
    "",
    "## Something else",
    "text",
  ].join("\n");

  it("keeps the reference-backend section of a file written before the markers", () => {
    assert.equal(keptTail(old), "## Reference backend (plain TypeScript)\n\n| a | b |");
    const merged = mergeResultsFile(old, { header: "# New", matmul: "## Matmul\nfresh" });
    assert.equal(
      merged,
      `<!-- bench:header -->\n# New\n<!-- /bench:header -->\n\n<!-- bench:matmul -->\n## Matmul\nfresh\n<!-- /bench:matmul -->\n\n${KEEP_MARKER}\n\n## Reference backend (plain TypeScript)\n\n| a | b |\n`,
    );
  });

  it("replaces only the blocks a run measured and keeps the rest verbatim", () => {
    const first = mergeResultsFile(null, { header: "H1", matmul: "M1", infer: "I1" });
    const withTail = `${first}\nhand-written notes\n`;
    const second = mergeResultsFile(withTail, { header: "H2", infer: "I2" });
    assert.deepEqual(parseBlocks(second), { header: "H2", matmul: "M1", infer: "I2" });
    assert.ok(second.endsWith(`${KEEP_MARKER}\n\nhand-written notes\n`));
    // The order of blocks is fixed, whatever order they come in.
    assert.ok(second.indexOf("M1") < second.indexOf("I2"));
  });
});

describe("report", () => {
  const grid: GridSection = {
    meta,
    contenders: [
      { id: "tensorgrad/js", version: "0.1.0", threads: "1" },
      { id: "tfjs-cpu", version: "4.22.0", threads: "1" },
    ],
    columns: [512, 1024],
    cells: {
      "tensorgrad/js": { 512: { rounds: [5, 4, 5.5] }, 1024: { rounds: [4.8, 4.9, 5] } },
      "tfjs-cpu": { 512: { rounds: [1, 1, 1.1] }, 1024: { rounds: [], note: "skipped (≈ 2.7 s a call)" } },
    },
  };

  it("renders matmul GFLOP/s, skipped cells and ratios in words", () => {
    const md = renderMatmul(grid, machine);
    assert.match(md, /\| tensorgrad\/js \| 0\.1\.0 \| 1 \| 5\.00 \| 4\.90 \|/);
    assert.match(md, /\| tfjs-cpu \| 4\.22\.0 \| 1 \| 1\.00 \| skipped \(≈ 2\.7 s a call\) \|/);
    assert.match(md, /\| tfjs-cpu \| 5\.0× faster \| – \|/);
    assert.match(md, /At n = 512: tensorgrad\/js is 5\.0× faster than tfjs-cpu\./);
    assert.match(
      md,
      /1-minute load average 0\.50 at the start, 1\.25 at the end; processes outside the benchmark kept 0\.10 of 2 cores busy/,
    );
  });

  it("renders inference latency in microseconds", () => {
    const md = renderInfer(
      { ...grid, columns: [1], cells: { "tensorgrad/js": { 1: { rounds: [0.0002] } }, "tfjs-cpu": { 1: { rounds: [0.0018] } } } },
      machine,
    );
    assert.match(md, /\| tensorgrad\/js \| 0\.1\.0 \| 1 \| 200 \|/);
    assert.match(md, /At batch 1: tensorgrad\/js is 9\.0× faster than tfjs-cpu\./);
  });

  it("renders training rows with sampled epochs marked and ratios per loop", () => {
    const section: TrainSection = {
      meta,
      contenders: grid.contenders,
      tasks: [
        {
          task: "mlp-small",
          parameters: 101770,
          batchesPerEpoch: 125,
          rows: [
            {
              contender: "tensorgrad/js",
              loop: "eager loop",
              epochSeconds: [1, 1.2, 1.1],
              warmupSeconds: [2.5, 1.3, 1.2, 1.1],
              accuracy: 0.9255,
              trainedBatches: 875,
              maxRssBytes: 180 * 2 ** 20,
            },
            {
              contender: "tfjs-cpu",
              loop: "model.fit",
              epochSeconds: [8, 9, 8.8],
              partialBatches: 20,
              accuracy: 0.5,
              trainedBatches: 65,
              maxRssBytes: 200 * 2 ** 20,
              late: true,
            },
            {
              contender: "tfjs-wasm",
              loop: "model.fit",
              epochSeconds: [],
              accuracy: null,
              trainedBatches: 0,
              maxRssBytes: null,
              note: "cannot train: no kernel",
            },
          ],
        },
      ],
    };
    const md = renderTrain(section, machine, "Training");
    assert.match(md, /### MLP 784-128-10 \(101,770 parameters\)/);
    assert.match(md, /\| contender \| loop \| epoch \(median\) \| range \| first epoch \| test accuracy \(after\) \| peak RSS \|/);
    assert.match(md, /\| tensorgrad\/js \| eager loop \| 1\.10 s \| 1\.00–1\.20 s \| 2\.50 s \| 0\.925 \(7 epochs\) \| 180 MiB \|/);
    assert.match(md, /\| tfjs-cpu \| model\.fit \| ≈ 8\.80 s † \| 8\.00–9\.00 s \| – \| 0\.500 \(0\.52 epochs\) \| 200 MiB \|/);
    assert.match(md, /\| tfjs-wasm \| model\.fit \| cannot train: no kernel \|/);
    assert.match(md, /- tensorgrad\/js \(eager loop\) is 8\.0× faster than tfjs-cpu \(model\.fit\)\./);
    assert.match(md, /\n\nLate group: tfjs-cpu \(model\.fit\)\.\n/);
    assert.match(md, /The contenders whose first warm-up epoch\ntakes over 2 s,/);
    assert.match(md, /The others warm up for 4 epochs, taken in turn like the rounds/);
  });

  it("sums up long-run memory: first and last epochs, largest drift, trend", () => {
    const mib = 2 ** 20;
    const run: MemoryRun = {
      backend: "js",
      cpuSeconds: 1,
      before: { rssBytes: 100 * mib, heapUsedBytes: 5 * mib },
      epochs: [120, 123, 121, 122].map((rss, i) => ({ epoch: i + 1, seconds: 1, rssBytes: rss * mib, heapUsedBytes: 9 * mib })),
    };
    const f = memoryFigures(run, "rssBytes");
    assert.deepEqual(
      {
        first: f.first / mib,
        last: f.last / mib,
        min: f.min / mib,
        max: f.max / mib,
        maxDrift: f.maxDrift / mib,
        trend: f.trendPerEpoch! / mib,
      },
      { first: 120, last: 122, min: 120, max: 123, maxDrift: 3, trend: 1 },
    );
  });
});
