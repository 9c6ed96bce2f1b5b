// The "cli" section: `tensorgrad train` run as a user runs it — the built CLI (dist/cli/main.js, what
// the package's `tensorgrad` bin points at) in a fresh process, a preset's defaults on the bundled
// digits, a new run folder — timed from start to exit, with the test figures its run folder records.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./contenders.js";
import { childrenCpuSeconds, ownCpuSeconds, watchLoad } from "./machine.js";
import type { CliRun, CliSection } from "./results.js";

/** The presets measured, in this order: the conv network, then the default MLP. */
export const CLI_PRESETS = ["cnn", "mlp"] as const;

export const CLI_PATH = join(REPO_ROOT, "dist/cli/main.js");

/**
 * The environment of a user who set nothing: tensorgrad's own variables (backend, threads, memory
 * budgets) are left out, so the run measures the CLI's defaults.
 */
export function plainEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("TENSORGRAD_")));
}

/** The arguments of one measured run (the run folder's --out is added when it runs). */
export function cliArgs(preset: string, budget: readonly string[]): string[] {
  return ["train", "--model", preset, ...budget];
}

/** The figures of a finished run's results.json (written last by the CLI), or null. */
export function readRunResults(
  dir: string,
): { accuracy: number | null; loss: number | null; epochs: number | null; seconds: number | null } | null {
  const path = join(dir, "results.json");
  if (!existsSync(path)) return null;
  let r: { format?: unknown; test?: { accuracy?: unknown; loss?: unknown } | null; epochs?: unknown; seconds?: unknown } | null;
  try {
    r = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
  if (r?.format !== "tensorgrad.results") return null;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return { accuracy: num(r.test?.accuracy), loss: num(r.test?.loss), epochs: num(r.epochs), seconds: num(r.seconds) };
}

function run(
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd, env: plainEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "",
      stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

/** The backend a plain `tensorgrad train` computes on: the built library's default, asked in a process with the same environment. */
async function defaultBackend(cwd: string): Promise<string> {
  const index = join(REPO_ROOT, "dist/src/index.js");
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", `const tg = await import(${JSON.stringify(index)}); process.stdout.write(tg.getBackend().name);`],
      { cwd, env: plainEnv(), stdio: ["ignore", "pipe", "ignore"] },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", () => resolve(out.trim() || "unknown"));
    child.on("error", () => resolve("unknown"));
  });
}

async function runPreset(preset: string, args: string[], out: string, work: string, log: (s: string) => void): Promise<CliRun> {
  log(`  tensorgrad ${args.join(" ")}`);
  const watch = watchLoad();
  const cpu0 = childrenCpuSeconds();
  // On a loaded machine a full-size cnn run can take many minutes; an hour means it hangs.
  const r = await run([...args, "--out", out], work, 60 * 60_000);
  const cpu1 = childrenCpuSeconds();
  const cpuSeconds = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
  const load = watch.finish(cpuSeconds ?? 0);
  const results = r.code === 0 ? readRunResults(out) : null;
  const row: CliRun = {
    preset,
    args,
    accuracy: results?.accuracy ?? null,
    testLoss: results?.loss ?? null,
    epochs: results?.epochs ?? null,
    trainSeconds: results?.seconds ?? null,
    wallSeconds: r.seconds,
    cpuSeconds,
    load,
  };
  if (!results) {
    const tail = `${r.stderr}${r.stdout}`.trim().split("\n").slice(-3).join(" / ");
    row.note = `exited with code ${r.code}${r.code === 0 ? " but left no readable results.json" : ""}: ${tail}`;
  }
  log(
    `    ${row.note ?? `test accuracy ${row.accuracy?.toFixed(4)} after ${row.epochs} epochs; ${r.seconds.toFixed(1)} s wall, ${row.trainSeconds?.toFixed(1)} s training, ${cpuSeconds?.toFixed(1)} s CPU; load ${load.loadStart.toFixed(2)} → ${load.loadEnd.toFixed(2)}`}`,
  );
  return row;
}

/**
 * The runs of the section: each preset once with its defaults (plus `budget`, the quick run's smaller
 * one), and the cnn preset again with seeds 1 … cnnSeeds-1 (0 is its default), since its accuracy
 * target holds or not by a few test images.
 */
export function cliPlan(budget: readonly string[], cnnSeeds: number): { preset: string; args: string[] }[] {
  const out: { preset: string; args: string[] }[] = [];
  for (const preset of CLI_PRESETS) {
    out.push({ preset, args: cliArgs(preset, budget) });
    if (preset === "cnn")
      for (let seed = 1; seed < cnnSeeds; seed++) out.push({ preset, args: cliArgs(preset, [...budget, "--seed", String(seed)]) });
  }
  return out;
}

/** Runs cliPlan's runs in order. */
export async function runCli(ctx: {
  budget: readonly string[];
  cnnSeeds: number;
  command: string;
  quick: boolean;
  log: (s: string) => void;
}): Promise<CliSection> {
  const watch = watchLoad(),
    cpu0 = ownCpuSeconds();
  const work = mkdtempSync(join(tmpdir(), "tg-bench-cli-"));
  const runs: CliRun[] = [];
  try {
    const version = await run(["--version"], work, 60_000);
    const backend = await defaultBackend(work);
    ctx.log(`cli: tensorgrad ${version.stdout.trim()} (${CLI_PATH}), backend ${backend}`);
    const plan = cliPlan(ctx.budget, ctx.cnnSeeds);
    for (const [i, { preset, args }] of plan.entries()) runs.push(await runPreset(preset, args, join(work, String(i)), work, ctx.log));
    const childCpu = runs.reduce((a, r) => a + (r.cpuSeconds ?? 0), 0);
    const unavailable = runs.filter((r) => r.note).map((r) => `tensorgrad ${r.args.join(" ")} ${r.note}`);
    return {
      meta: {
        date: new Date().toISOString(),
        command: ctx.command,
        quick: ctx.quick,
        load: watch.finish(childCpu + ownCpuSeconds() - cpu0),
        unavailable,
      },
      version: version.stdout.trim() || "unknown",
      backend,
      runs,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
