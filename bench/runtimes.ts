// `npm run bench:runtimes`: the MLP training benchmark (bench/run.ts --only mlp) once on each Node that
// scripts/runtimes.mjs installs, each version the engine of the orchestrator and of every JavaScript
// contender (bench/run.ts spawns them with its own executable); writes a table of epoch seconds per
// version into bench/RESULTS.md's "runtimes" block, each version's full report beside it in --dir.
// Run: npm run bench:runtimes -- [--quick] [--runtimes node22,node24,node26] [--out PATH] [--dir DIR]

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureRuntimes } from "../scripts/runtimes.mjs";
import { REPO_ROOT } from "./lib/contenders.js";
import { fmtNum, ratioCell, renderTable } from "./lib/format.js";
import { machineInfo } from "./lib/machine.js";
import { mergeResultsFile } from "./lib/results-file.js";
import type { RunResults, TrainRow, TrainSection } from "./lib/results.js";
import { median, speedRatio } from "./lib/stats.js";
import { TASKS } from "./lib/tasks.js";

const USAGE = `Usage: npm run bench:runtimes -- [options]
  --quick           bench/run.ts's smoke run on each version (one round of a few dozen batches)
  --runtimes LIST   comma-separated names from scripts/runtimes.mjs (default: node22,node24,node26)
  --out PATH        the RESULTS.md to merge the table into (default bench/RESULTS.md; a temporary file with --quick)
  --dir DIR         where each version's report and JSON go (default: a fresh temporary folder)`;

function fail(message: string): never {
  console.error(`bench:runtimes: ${message}\n${USAGE}`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let quick = false,
  names = ["node22", "node24", "node26"],
  out: string | null = null,
  dir: string | null = null;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  const value = () => argv[++i] ?? fail(`${a} needs a value`);
  if (a === "--quick") quick = true;
  else if (a === "--runtimes")
    names = value()
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  else if (a === "--out") out = value();
  else if (a === "--dir") dir = value();
  else if (a === "--help" || a === "-h") {
    console.log(USAGE);
    process.exit(0);
  } else fail(`unknown option "${a}"`);
}
if (names.some((n) => !n.startsWith("node")))
  fail(`--runtimes takes Node versions only (bench/run.ts runs on Node), got ${names.join(",")}`);
const outPath = out ?? (quick ? join(tmpdir(), "tensorgrad-bench", "RESULTS.quick.md") : join(REPO_ROOT, "bench", "RESULTS.md"));
const runDir = dir ?? mkdtempSync(join(tmpdir(), "tg-bench-runtimes-"));
mkdirSync(runDir, { recursive: true });

const runtimes = ensureRuntimes(names);
const measured: { name: string; version: string; mlp: TrainSection | null; error?: string }[] = [];
for (const rt of runtimes) {
  const json = join(runDir, `${rt.name}.json`);
  const args = [
    "--conditions=tensorgrad-source",
    "--import",
    "tsx",
    "bench/run.ts",
    "--only",
    "mlp",
    "--out",
    join(runDir, `${rt.name}.md`),
    "--json-out",
    json,
    // The table reports these three; tensorgrad/js and tfjs-cpu would add minutes a version for nothing shown.
    "--contenders",
    "tensorgrad/wasm,tfjs-wasm,PyTorch",
  ];
  if (quick) args.push("--quick");
  console.error(`bench:runtimes: ${rt.name} ${rt.version}: ${rt.bin} ${args.join(" ")}`);
  const r = spawnSync(rt.bin, args, { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0 || !existsSync(json)) {
    measured.push({ name: rt.name, version: rt.version, mlp: null, error: `exit status ${r.status ?? r.signal}` });
    continue;
  }
  measured.push({ name: rt.name, version: rt.version, mlp: (JSON.parse(readFileSync(json, "utf8")) as RunResults).mlp ?? null });
}

/** A row's median epoch, or its note when it has none. */
function epoch(row: TrainRow | undefined): string {
  if (!row) return "–";
  const m = median(row.epochSeconds);
  return m === null ? (row.note ?? "–") : `${fmtNum(m)} s${row.partialBatches ? " †" : ""}`;
}

const find = (rows: TrainRow[], contender: string, loop?: string) =>
  rows.find((r) => r.contender === contender && (loop === undefined || r.loop === loop));
const table: string[][] = [];
for (const m of measured) {
  for (const task of m.mlp?.tasks ?? []) {
    const loop = find(task.rows, "tensorgrad/wasm", "eager loop"),
      fit = find(task.rows, "tensorgrad/wasm", "train.fit");
    const torch = find(task.rows, "PyTorch");
    const load = m.mlp!.meta.load;
    table.push([
      `${m.name} ${m.version}`,
      TASKS[task.task].label,
      epoch(loop),
      epoch(fit),
      epoch(find(task.rows, "tfjs-wasm")),
      epoch(torch),
      ratioCell(loop && torch ? speedRatio(loop.epochSeconds, torch.epochSeconds, "lower") : null),
      `${load.loadStart.toFixed(1)}-${load.loadEnd.toFixed(1)}` +
        (load.foreignCores === null ? "" : `, ${load.foreignCores.toFixed(2)} cores`),
    ]);
  }
  if (!m.mlp) table.push([`${m.name} ${m.version}`, m.error ?? "no mlp section", "–", "–", "–", "–", "–", "–"]);
}

const machine = machineInfo();
const body = [
  "## The MLP benchmark on each Node version",
  "",
  `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC with \`npm run bench:runtimes${argv.length ? ` -- ${argv.join(" ")}` : ""}\`${quick ? " (quick smoke run)" : ""}`,
  `on ${machine.cpuModel} × ${machine.cores}: \`bench/run.ts --only mlp\` with each Node from \`scripts/runtimes.mjs\` as the engine of tensorgrad and`,
  "TensorFlow.js (PyTorch is the same in every row). Median epoch seconds; † an epoch scaled up from a timed part of one. The last",
  "column is the 1-minute load average at the start and end of each version's run, and the cores that processes outside the benchmark",
  "kept busy: figures taken under different load do not compare, and no ratio here is evidence of a change unless the load was alike.",
  "",
  renderTable(
    [
      "Node",
      "model",
      "tensorgrad/wasm loop",
      "tensorgrad/wasm fit",
      "tfjs-wasm",
      "PyTorch",
      "loop vs PyTorch",
      "load (1-min avg; foreign cores)",
    ],
    table,
    ["left", "left", "right", "right", "right", "right", "right", "left"],
  ),
].join("\n");

mkdirSync(join(outPath, ".."), { recursive: true });
writeFileSync(outPath, mergeResultsFile(existsSync(outPath) ? readFileSync(outPath, "utf8") : null, { runtimes: body }));
console.log(body);
console.error(`bench:runtimes: wrote ${outPath}; each version's report and JSON in ${runDir}`);
