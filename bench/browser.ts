// `npm run bench:browser`: the MLP training benchmark in headless Chromium (Debian's `chromium`, driven
// by puppeteer-core as test/browser does): bench/browser-page.ts bundled with the built package and
// TensorFlow.js, served cross-origin isolated (tensorgrad's threads on Web Workers; `--page plain` for
// one thread), tensorgrad's plain loop and train.fit against TensorFlow.js's wasm backend in the same
// page, turn by turn. Writes the table into bench/RESULTS.md's "browser" block.
// Run: npm run bench:browser -- [--quick | --dry-run] [--tasks mlp-small,mlp-big] [--page isolated|plain] [--out PATH] [--json-out PATH]
// `--dry-run` runs every contender for two batches to check the harness; it prints no figures.

import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleForBrowser, ensureBuilt, launchChromium, scratchProject, serve, type Served } from "../test/browser/harness.js";
import type { PageResult, PageRow } from "./browser-page.js";
import { REPO_ROOT } from "./lib/contenders.js";
import { fmtNum, ratioCell, renderTable } from "./lib/format.js";
import { machineInfo, watchLoad } from "./lib/machine.js";
import { mergeResultsFile } from "./lib/results-file.js";
import { median, speedRatio } from "./lib/stats.js";
import { TASKS, type TaskKey } from "./lib/tasks.js";

const USAGE = `Usage: npm run bench:browser -- [options]
  --quick           a smoke run: 20 batches a turn, 2 rounds after a warm-up (written to a temporary RESULTS.md)
  --dry-run         every contender for 2 batches, 1 round, no warm-up: checks the harness, prints no figures
  --tasks LIST      mlp-small, mlp-big or both (default both)
  --page KIND       isolated (cross-origin isolated: threads; the default) or plain (one thread)
  --out PATH        the RESULTS.md to merge the table into (default bench/RESULTS.md)
  --json-out PATH   the pages' findings as JSON`;

function fail(message: string): never {
  console.error(`bench:browser: ${message}\n${USAGE}`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let quick = false,
  dryRun = false,
  tasks: TaskKey[] = ["mlp-small", "mlp-big"],
  pageKind = "isolated";
let out: string | null = null,
  jsonOut: string | null = null;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  const value = () => argv[++i] ?? fail(`${a} needs a value`);
  if (a === "--quick") quick = true;
  else if (a === "--dry-run") dryRun = true;
  else if (a === "--tasks")
    tasks = value()
      .split(",")
      .map((s) => s.trim()) as TaskKey[];
  else if (a === "--page") pageKind = value();
  else if (a === "--out") out = value();
  else if (a === "--json-out") jsonOut = value();
  else if (a === "--help" || a === "-h") {
    console.log(USAGE);
    process.exit(0);
  } else fail(`unknown option "${a}"`);
}
for (const t of tasks) if (t !== "mlp-small" && t !== "mlp-big") fail(`--tasks takes mlp-small and mlp-big, got "${t}"`);
if (pageKind !== "isolated" && pageKind !== "plain") fail(`--page takes isolated or plain, got "${pageKind}"`);
const plan = dryRun
  ? { batches: 2, rounds: 1, warmup: 0 }
  : quick
    ? { batches: 20, rounds: 2, warmup: 1 }
    : { batches: Infinity, rounds: 5, warmup: 1 };

ensureBuilt();
const project = scratchProject("tg-bench-browser-");
const tfjsDist = join(REPO_ROOT, "node_modules/@tensorflow/tfjs-backend-wasm/dist");
const results: (PageResult & { load: ReturnType<ReturnType<typeof watchLoad>["finish"]> })[] = [];
let chromiumVersion = "";
try {
  const bundle = await bundleForBrowser(join(REPO_ROOT, "bench/browser-page.ts"), [
    join(project.dir, "node_modules"),
    join(REPO_ROOT, "node_modules"),
  ]);
  if (bundle.errors.length) fail(`bundling the page failed: ${bundle.errors.map((e) => e.text).join("; ")}`);
  const files = new Map<string, Served>([
    ["index.html", { type: "text/html", body: `<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>` }],
    ["page.js", { type: "text/javascript", body: bundle.code }],
    ["mnist-digits.bin", { type: "application/octet-stream", body: readFileSync(join(REPO_ROOT, "dist/src/data/mnist-digits.bin")) }],
  ]);
  for (const f of ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"]) {
    files.set(`tfjs/${f}`, { type: "application/wasm", body: readFileSync(join(tfjsDist, f)) });
  }
  const server = await serve(files);
  const chromium = await launchChromium();
  try {
    chromiumVersion = await chromium.browser.version();
    for (const task of tasks) {
      const page = await chromium.browser.newPage();
      const load = watchLoad();
      const query = new URLSearchParams({ task, batches: String(plan.batches), rounds: String(plan.rounds), warmup: String(plan.warmup) });
      await page.goto(`${server.url}/${pageKind}/?${query}`);
      await page.waitForFunction("window.__bench !== undefined", { timeout: 0, polling: 500 });
      const got = (await page.evaluate("window.__bench")) as PageResult;
      await page.close();
      if (got.error) fail(`the page failed (${task}):\n${got.error}`);
      // The benchmark's own CPU is the page's: everything else counts as foreign load, so report load averages only.
      results.push({ ...got, load: { ...load.finish(0), foreignCores: null } });
    }
  } finally {
    await chromium.close();
    await server.close();
  }
} finally {
  project.cleanup();
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ chromium: chromiumVersion, plan, results }, null, 1));

if (dryRun) {
  // The harness check: every contender ran every turn with the batches asked for and a finite loss.
  const problems: string[] = [];
  for (const r of results) {
    if (r.rows.length !== 3) problems.push(`${r.task}: ${r.rows.length} contenders, expected 3`);
    for (const row of r.rows) {
      if (row.batches.length !== plan.rounds || row.batches.some((b) => b !== plan.batches))
        problems.push(`${r.task} ${row.contender} ${row.loop}: batches ${row.batches.join(",")}`);
      if (!row.losses.every(Number.isFinite)) problems.push(`${r.task} ${row.contender} ${row.loop}: losses ${row.losses.join(",")}`);
    }
  }
  if (problems.length) {
    console.error(`bench:browser: dry run failed:\n${problems.join("\n")}`);
    process.exit(1);
  }
  console.log(
    `bench:browser: dry run ok: Chromium ${chromiumVersion}, ${pageKind} page, ${results.map((r) => `${r.task} (${r.rows.map((w) => `${w.contender} ${w.loop}`).join(", ")})`).join("; ")}`,
  );
  process.exit(0);
}

/** Seconds of a whole epoch for each turn: a turn of k of the epoch's n batches is scaled by n/k. */
const epochSeconds = (r: PageResult, row: PageRow | undefined) =>
  row ? row.seconds.map((s, i) => (s * r.batchesPerEpoch) / row.batches[i]!) : [];
const cell = (r: PageResult, row: PageRow | undefined) => {
  const m = median(epochSeconds(r, row));
  return m === null ? "–" : `${fmtNum(m)} s${row!.batches.some((b) => b < r.batchesPerEpoch) ? " †" : ""}`;
};
const table: string[][] = [];
for (const r of results) {
  const loop = r.rows.find((w) => w.loop === "eager loop"),
    fit = r.rows.find((w) => w.loop === "train.fit");
  const tfjs = r.rows.find((w) => w.contender === "tfjs-wasm");
  table.push([
    TASKS[r.task].label,
    `${r.backend}${r.flavor ? ` (${r.flavor})` : ""}, threads ${loop?.threads ?? "?"}`,
    cell(r, loop),
    cell(r, fit),
    cell(r, tfjs),
    ratioCell(speedRatio(epochSeconds(r, loop), epochSeconds(r, tfjs), "lower")),
    ratioCell(speedRatio(epochSeconds(r, fit), epochSeconds(r, tfjs), "lower")),
    `${r.load.loadStart.toFixed(1)}-${r.load.loadEnd.toFixed(1)}`,
  ]);
}
const machine = machineInfo();
const body = [
  "## The MLP benchmark in Chromium",
  "",
  `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC with \`npm run bench:browser${argv.length ? ` -- ${argv.join(" ")}` : ""}\`${quick ? " (quick smoke run)" : ""}`,
  `on ${machine.cpuModel} × ${machine.cores}, headless Chromium ${chromiumVersion}, a ${pageKind === "isolated" ? "cross-origin-isolated page (tensorgrad's threads on Web Workers)" : "plain page (one thread)"}:`,
  "the bundled 8,000 digits, batch 64, Adam 1e-3, tensorgrad and TensorFlow.js (wasm backend, one thread, SIMD, as in Node) taking turns",
  `in one page, ${plan.rounds} rounds after ${plan.warmup} warm-up round. Median epoch seconds; † an epoch scaled up from ${Number.isFinite(plan.batches) ? plan.batches : "all"} batches of one;`,
  "ratios are medians of the ratios within each round. The last column is the 1-minute load average at the start and end of each model's run.",
  "",
  renderTable(
    [
      "model",
      "tensorgrad backend",
      "tensorgrad loop",
      "tensorgrad fit",
      "tfjs-wasm",
      "loop vs tfjs-wasm",
      "fit vs tfjs-wasm",
      "load (1-min avg)",
    ],
    table,
    ["left", "left", "right", "right", "right", "right", "right", "left"],
  ),
].join("\n");
const outPath = out ?? (quick ? join(tmpdir(), "tensorgrad-bench", "RESULTS.quick.md") : join(REPO_ROOT, "bench", "RESULTS.md"));
mkdirSync(join(outPath, ".."), { recursive: true });
writeFileSync(outPath, mergeResultsFile(existsSync(outPath) ? readFileSync(outPath, "utf8") : null, { browser: body }));
console.log(body);
console.error(`bench:browser: wrote ${outPath}`);
