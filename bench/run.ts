// `npm run bench`: tensorgrad (every registered backend) against TensorFlow.js (cpu, wasm) and PyTorch
// on matmul, MNIST training, inference latency, sequence-model steps and long-run memory, and the
// CLI's presets trained end to end, running the built package (npm run bench builds it first);
// rewrites bench/RESULTS.md.
// Run: npm run bench -- [--quick] [--only matmul,mlp,cnn,cli,infer,seq,memory] [--cli-seeds N] [--contenders tensorgrad/wasm,PyTorch] [--out PATH] [--json-out PATH]

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { blasWarning, describeBlas } from "./lib/blas.js";
import { discoverRoster, REPO_ROOT } from "./lib/contenders.js";
import { machineInfo } from "./lib/machine.js";
import { makePlan, OptionsError, parseOptions, USAGE } from "./lib/options.js";
import { renderCli, renderHeader, renderInfer, renderMatmul, renderMemory, renderSeq, renderTrain } from "./lib/report.js";
import { mergeResultsFile, type BlockKey } from "./lib/results-file.js";
import type { ContenderInfo, RunResults } from "./lib/results.js";
import { runInfer, runMatmul, runSeq, type GridContext } from "./lib/run-grid.js";
import { runCli } from "./lib/run-cli.js";
import { runMemory } from "./lib/run-memory.js";
import { runTrain } from "./lib/run-train.js";
import { seededRandom } from "./lib/stats.js";

const argv = process.argv.slice(2);
let opts;
try {
  opts = parseOptions(argv, process.env);
} catch (e) {
  if (!(e instanceof OptionsError)) throw e;
  console.error(e.message);
  process.exit(2);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

const plan = makePlan(opts.quick);
const command = `npm run bench${argv.length ? ` -- ${argv.join(" ")}` : ""}`;
const log = (line: string) => process.stderr.write(`${line}\n`);
const started = performance.now();
// A run of some contenders only would drop the others' rows from bench/RESULTS.md: it goes elsewhere unless --out says.
const outPath =
  opts.out ??
  (opts.quick || opts.contenders ? join(tmpdir(), "tensorgrad-bench", "RESULTS.quick.md") : join(REPO_ROOT, "bench", "RESULTS.md"));
const machine = machineInfo();
log(
  `bench: ${machine.cpuModel} × ${machine.cores}, Node ${machine.node}; sections ${opts.only.join(", ")}${opts.quick ? " (quick)" : ""}; turn-order seed ${opts.seed}`,
);

const dataDir = mkdtempSync(join(tmpdir(), "tg-bench-data-"));
const results: RunResults = { machine, date: new Date().toISOString(), command, quick: opts.quick };
try {
  // The cli section runs the command-line tool on its own: it needs neither the contenders nor their data.
  const needsRoster = opts.only.some((s) => s !== "cli");
  const needsData = opts.only.some((s) => s !== "matmul" && s !== "memory" && s !== "seq" && s !== "cli");
  const roster = needsRoster ? await discoverRoster(opts.python, { exportDir: needsData ? dataDir : undefined, echo: opts.verbose }) : null;
  if (roster && opts.contenders) {
    const known = roster.specs.map((s) => s.id);
    const missing = opts.contenders.filter((id) => !known.includes(id));
    if (missing.length)
      throw new OptionsError(`bench: --contenders names ${missing.join(", ")}, not among those found (${known.join(", ")})`);
    roster.specs = roster.specs.filter((s) => opts.contenders!.includes(s.id));
  }
  if (roster) {
    log(`contenders: ${roster.specs.map((s) => s.id).join(", ")}${roster.unavailable.length ? ` (${roster.unavailable.join("; ")})` : ""}`);
    results.torchBlas = roster.torchBlas;
    if (roster.torchBlas) {
      log(`PyTorch's BLAS: ${describeBlas(roster.torchBlas)}`);
      const warning = blasWarning(roster.torchBlas);
      if (warning) log(warning);
    }
  }
  const ctx: GridContext = {
    plan,
    specs: roster?.specs ?? [],
    unavailable: roster?.unavailable ?? [],
    command,
    quick: opts.quick,
    random: seededRandom(opts.seed),
    echo: opts.verbose,
    dataDir,
    log,
  };
  const trainCtx = { ...ctx, hasFit: roster?.hasFit ?? false, trainSamples: 8000 };
  for (const section of opts.only) {
    if (section === "matmul") results.matmul = await runMatmul(ctx);
    if (section === "infer") results.infer = await runInfer(ctx);
    if (section === "seq") results.seq = await runSeq(ctx);
    if (section === "mlp") results.mlp = await runTrain(trainCtx, ["mlp-small", "mlp-big"]);
    if (section === "cnn") results.cnn = await runTrain(trainCtx, ["cnn"]);
    if (section === "cli") results.cli = await runCli({ budget: plan.cliBudget, cnnSeeds: opts.cliSeeds, command, quick: opts.quick, log });
    if (section === "memory") results.memory = await runMemory(roster!.backends, opts.memoryEpochs, { command, quick: opts.quick, log });
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

// Each section PyTorch took part in says which BLAS it ran on, beside the load.
const torchBlas = results.torchBlas ? describeBlas(results.torchBlas) : undefined;
for (const s of [results.matmul, results.infer, results.seq, results.mlp, results.cnn]) {
  if (s && torchBlas && s.contenders.some((c) => c.id === "PyTorch")) s.meta.torchBlas = torchBlas;
}

// One line per contender in the header: the versions and threads each section's processes reported.
const contenders = new Map<string, ContenderInfo>();
for (const s of [results.matmul, results.infer, results.seq, results.mlp, results.cnn])
  for (const c of s?.contenders ?? []) contenders.set(c.id, c);
mkdirSync(dirname(outPath), { recursive: true });
const existing = existsSync(outPath) ? readFileSync(outPath, "utf8") : null;
const blocks: Partial<Record<BlockKey, string>> = {};
// A run of the memory or cli section alone has no peers to list: keep the header of the run that had them.
if (contenders.size > 0 || !existing?.includes("<!-- bench:header -->")) blocks.header = renderHeader(results, [...contenders.values()]);
if (results.matmul) blocks.matmul = renderMatmul(results.matmul, machine);
if (results.mlp) blocks.mlp = renderTrain(results.mlp, machine, "Training: MLPs on 8,000 MNIST images");
if (results.cnn) blocks.cnn = renderTrain(results.cnn, machine, "Training: LeNet-style CNN on 8,000 MNIST images");
if (results.cli) blocks.cli = renderCli(results.cli, machine);
if (results.infer) blocks.infer = renderInfer(results.infer, machine);
if (results.seq) blocks.seq = renderSeq(results.seq, machine);
if (results.memory) blocks.memory = renderMemory(results.memory, machine);

const merged = mergeResultsFile(existing, blocks);
writeFileSync(outPath, merged);
if (opts.jsonOut) writeFileSync(opts.jsonOut, `${JSON.stringify(results, null, 1)}\n`);
console.log(
  Object.entries(blocks)
    .filter(([k]) => k !== "header")
    .map(([, v]) => v)
    .join("\n\n"),
);
log(`bench: wrote ${relative(process.cwd(), outPath) || outPath} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
