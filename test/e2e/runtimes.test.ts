// tensorgrad on every JavaScript runtime the README names: Node 22, 24 and 26, Bun and Deno, installed
// from the npm registry by scripts/runtimes.mjs. On each: the op conformance table from the sources,
// seeded training (the hand-written loop and `fit`, both backends) and the CLI over the built package,
// with the current Node's numbers bit for bit and nothing on stderr, and the memory check. The whole suite runs on the
// current Node only (it spawns Node-specific commands); this file is what the other runtimes run.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { transformSync } from "esbuild";
import { ensureRuntimes, type Runtime } from "../../scripts/runtimes.mjs";
import { ensureBuilt } from "../browser/harness.js";

const root = new URL("../..", import.meta.url).pathname;
const RUNTIMES = ensureRuntimes();
const CURRENT: Runtime = { name: "current", version: process.versions.node, bin: process.execPath, run: [], test: [] };

function runOn(rt: Runtime, args: string[], env: Record<string, string> = {}, cwd = root) {
  // Without NODE_TEST_CONTEXT: a nested `node --test` seeing it would report to this runner, not run.
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  const r = spawnSync(rt.bin, args, { cwd, encoding: "utf8", env: { ...inherited, NO_COLOR: "1", ...env }, timeout: 300_000 });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
}

/** Runs test/runtimes/train-digest.mjs and returns its JSON, failing on any exit status or stderr. */
function digest(rt: Runtime, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), `tensorgrad-${rt.name}-`));
  try {
    const r = runOn(rt, [...rt.run, "test/runtimes/train-digest.mjs", dir], env);
    assert.equal(r.status, 0, `${rt.name} train-digest failed:\n${r.stderr}${r.error ?? ""}`);
    assert.equal(r.stderr, "", `${rt.name} printed to stderr`);
    return JSON.parse(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `tensorgrad train` on the built CLI: the run folder's weights and final metrics. */
function cliTrain(rt: Runtime, env: Record<string, string> = {}) {
  const out = mkdtempSync(join(tmpdir(), `tensorgrad-cli-${rt.name}-`));
  try {
    const r = runOn(rt, [...rt.run, "dist/cli/main.js", "train", "--epochs", "2", "--limit", "2000", "--quiet", "--out", out], env);
    assert.equal(r.status, 0, `${rt.name} tensorgrad train failed:\n${r.stderr}`);
    assert.equal(r.stderr, "", `${rt.name} printed to stderr`);
    return {
      stdout: r.stdout.replace(out, "OUT"),
      weights: createHash("sha256")
        .update(readFileSync(join(out, "model.safetensors")))
        .digest("hex"),
      metrics: readFileSync(join(out, "metrics.csv"), "utf8"),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * The README's first example (the TypeScript block under "Quick start" that trains, fits, evaluates
 * and saves), as JavaScript over the built package, written once into `dir`.
 */
function readmeExample(dir: string): string {
  const block = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(root, "README.md"), "utf8"))![1]!;
  const file = join(dir, "readme-example.mjs");
  writeFileSync(
    file,
    transformSync(block, { loader: "ts", format: "esm" }).code.replaceAll(
      'from "tensorgrad"',
      `from ${JSON.stringify(pathToFileURL(join(root, "dist/src/index.js")).href)}`,
    ),
  );
  return file;
}

/**
 * The README example run in a fresh folder: the numbers it prints (each runtime's console formats
 * arrays and objects its own way), its stderr without durations and speeds (fit's progress lines,
 * which the example asks for), and the files it saves.
 */
function runReadme(rt: Runtime, script: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), `tensorgrad-readme-${rt.name}-`));
  try {
    const r = runOn(rt, [...rt.run, script], env, dir);
    assert.equal(r.status, 0, `${rt.name} README example failed:\n${r.stderr}${r.error ?? ""}`);
    const hash = (f: string) =>
      createHash("sha256")
        .update(readFileSync(join(dir, f)))
        .digest("hex");
    return {
      numbers: r.stdout.match(/-?\d+(\.\d+)?(e[-+]?\d+)?/g),
      stderr: r.stderr.replace(/ - (\d+ms|[\d.]+s|\d+m\d+s|\d+h\d+m|-) - ([\d,]+ samples\/s|-)/g, ""),
      files: ["model.safetensors", "ckpt.safetensors"].map(hash),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `tensorgrad train … | head -1` on the built CLI: stdout closed after its first chunk. Each runtime
 * reports the broken pipe its own way (an error event, a throw from write); the run must finish.
 */
async function cliTrainIntoClosedPipe(rt: Runtime) {
  const out = mkdtempSync(join(tmpdir(), `tensorgrad-pipe-${rt.name}-`));
  try {
    const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
    const args = [...rt.run, "dist/cli/main.js", "train", "--epochs", "2", "--limit", "500", "--out", out];
    const child = spawn(rt.bin, args, { cwd: root, env: { ...inherited, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.once("data", () => child.stdout.destroy());
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    const unexpected = stderr.split("\n").filter((l) => l !== "" && !l.startsWith("Epoch "));
    return { status, unexpected, finished: existsSync(join(out, "results.json")) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * test/e2e/rss/train-rss.mjs's check (see test/e2e/rss.test.ts), in up to three processes: the engine
 * resizes its heap now and then, a step that can land late in one run. A leak fails all three.
 */
function rssCheck(rt: Runtime, mode: string, { epochs = 30, from = 5, maxGrowth = 1 } = {}) {
  const args = [
    ...rt.run,
    "test/e2e/rss/train-rss.mjs",
    "--preset",
    "check",
    "--mode",
    mode,
    "--epochs",
    String(epochs),
    "--from",
    String(from),
    "--max-growth",
    String(maxGrowth),
  ];
  let r = runOn(rt, args, { TENSORGRAD_BACKEND: "wasm" });
  for (let attempt = 2; attempt <= 3 && !(r.status === 0 && r.stderr === ""); attempt++)
    r = runOn(rt, args, { TENSORGRAD_BACKEND: "wasm" });
  return { status: r.status, stderr: r.stderr };
}

/** Runtimes and modes where the memory check does not hold reliably yet: it runs and reports, without failing the suite. */
const RSS_TODO: Record<string, string | undefined> = {
  "bun loop":
    "reads 1.8-2.3 MiB an epoch: in a loop that never yields JavaScriptCore collects only after allocating about twice the heap it counted at its last full collection (~127 MB, set while the digits load; the wasm memory counts twice), more than 30 epochs of this loop's garbage (~1.9 MB an epoch), so epochs 5-30 are one climb. RSS levels off once the collection cycles settle (by epoch ~80, at ~270 MiB, flat to epoch 300; the test after this one holds it there). Passing at 30 epochs would take the first collection in training by epoch ~13: a count under ~12 MB (the 25 MB of digits alone count more) or under ~3 KB of garbage a step (~14.8 KB now; bench/RESULTS.md, 'Bun: the synchronous loop')",
};

/**
 * The build each runtime takes: the relaxed one only where relaxed_madd fuses (fma-probe.ts), which V8
 * does on x86-64 with FMA (as the current Node does here) and JavaScriptCore (Bun) never does.
 */
const flavorOn = (rt: Runtime, v8Flavor: unknown) => (rt.name === "bun" ? "simd" : v8Flavor);

describe("every runtime", { concurrency: false }, () => {
  let reference: Record<string, unknown>, referenceSimd: Record<string, unknown>;
  let referenceCli: ReturnType<typeof cliTrain>, referenceCliSimd: ReturnType<typeof cliTrain>;
  let readmeDir: string,
    readmeScript: string,
    referenceReadme: ReturnType<typeof runReadme>,
    referenceReadmeSimd: ReturnType<typeof runReadme>;
  before(() => {
    ensureBuilt();
    // Inside the checkout (.tmp/ is git-ignored): Deno reads package.json's "imports" (#platform) for
    // dist/ only when the main module lies in the package; a script under /tmp fails to resolve them.
    mkdirSync(join(root, ".tmp"), { recursive: true });
    readmeDir = mkdtempSync(join(root, ".tmp", "readme-example-"));
    readmeScript = readmeExample(readmeDir);
    referenceReadme = runReadme(CURRENT, readmeScript);
    referenceReadmeSimd = runReadme(CURRENT, readmeScript, { TENSORGRAD_RELAXED_SIMD: "0" });
    // fit's progress: one line an epoch, with loss, accuracy and the validation figures.
    assert.match(referenceReadme.stderr, /^Epoch 1\/5 - loss \d\.\d{4} - accuracy \d\.\d{4} - valLoss \d\.\d{4} - valAccuracy \d\.\d{4}\n/);
    reference = digest(CURRENT);
    referenceSimd = digest(CURRENT, { TENSORGRAD_RELAXED_SIMD: "0" });
    referenceCli = cliTrain(CURRENT);
    referenceCliSimd = cliTrain(CURRENT, { TENSORGRAD_RELAXED_SIMD: "0" });
    assert.equal(referenceSimd.flavor, "simd");
  });
  after(() => rmSync(readmeDir, { recursive: true, force: true }));

  for (const rt of RUNTIMES) {
    describe(`${rt.name} ${rt.version}`, { timeout: 600_000 }, () => {
      it("passes the op conformance table (every op on every backend against PyTorch, gradcheck)", () => {
        const r = runOn(rt, [...rt.test, "./test/conformance/ops.test.ts"]);
        const out = r.stdout + r.stderr;
        assert.equal(r.status, 0, `${rt.name}: ${out.slice(-3000)}`);
        // Each runner words its summary its own way: "# pass 339" / "339 pass" / "2 passed (341 steps)".
        const m =
          /# pass (\d+)\n# fail 0\n/.exec(out) ?? /(\d+) pass\n\s*0 fail\n/.exec(out) ?? /\d+ passed \((\d+) steps\) \| 0 failed/.exec(out);
        assert.ok(m && Number(m[1]) > 300, `${rt.name} ran too few conformance cases: ${out.slice(-1000)}`);
      });

      it("trains with the current Node's numbers bit for bit, for the same seed, on both backends", () => {
        const got = digest(rt);
        assert.equal(got.backend, "wasm");
        assert.equal(got.flavor, flavorOn(rt, reference.flavor));
        // Where the relaxed build is not taken, the SIMD build's numbers are the ones to match.
        assert.deepEqual(got, got.flavor === "relaxed" ? reference : referenceSimd);
        if (got.flavor !== "relaxed") assert.deepEqual(digest(rt, { TENSORGRAD_RELAXED_SIMD: "0" }), referenceSimd);
      });

      it("runs the README example to the same printed numbers and saved files, nothing else on stderr than fit's progress", () => {
        assert.deepEqual(
          runReadme(rt, readmeScript),
          flavorOn(rt, reference.flavor) === reference.flavor ? referenceReadme : referenceReadmeSimd,
        );
      });

      it("finishes `tensorgrad train | head -1` (stdout closed early): exit 0, the run folder complete, no EPIPE", async () => {
        assert.deepEqual(await cliTrainIntoClosedPipe(rt), { status: 0, unexpected: [], finished: true });
      });

      it("reports a TENSORGRAD_* value it refuses as one line from the CLI, exit 1, not a stack trace", () => {
        const r = runOn(rt, [...rt.run, "dist/cli/main.js", "summary"], { TENSORGRAD_BACKEND: "gpu" });
        assert.deepEqual(
          [r.status, r.stderr],
          [
            1,
            'tensorgrad: TENSORGRAD_BACKEND="gpu" names no backend: expected "webgpu", "wasm" or "js" (or unset for the fastest CPU backend that runs here)\n',
          ],
        );
      });

      it("runs `tensorgrad train` to the same weights and metrics", () => {
        assert.deepEqual(cliTrain(rt), flavorOn(rt, reference.flavor) === reference.flavor ? referenceCli : referenceCliSimd);
      });

      for (const mode of ["loop", "fit"]) {
        it(
          `keeps RSS growth under 1 MiB an epoch after epoch 5 over 30 epochs (${mode}), nothing on stderr`,
          { todo: RSS_TODO[`${rt.name} ${mode}`] },
          () => assert.deepEqual(rssCheck(rt, mode), { status: 0, stderr: "" }),
        );
      }

      // Where the 30-epoch check is still a to-do, what does hold: the loop's RSS levels off once
      // JavaScriptCore's collection cycles settle (by epoch ~80, at ~270 MiB) and stays there (0.02 MiB
      // an epoch or less). Leaking 1 KB a step would read 0.12 MiB an epoch; one batch a step, 25.
      if (rt.name === "bun") {
        it("keeps RSS flat over epochs 160-260 of the synchronous loop (growth under 0.1 MiB an epoch), nothing on stderr", () =>
          assert.deepEqual(rssCheck(rt, "loop", { epochs: 260, from: 160, maxGrowth: 0.1 }), { status: 0, stderr: "" }));
      }

      // Further per-runtime checks are one line here: a plain-JavaScript script over dist/ that exits
      // non-zero on failure, run with the runtime's own arguments (Deno's permissions included), e.g.
      // it("…", () => assert.equal(runOn(rt, [...rt.run, "path/to/check.mjs", "--flag"]).status, 0));
    });
  }
});

describe("Deno's permissions", () => {
  const deno = RUNTIMES.find((rt) => rt.name === "deno")!;
  it("without --allow-env, TENSORGRAD_BACKEND=js is not ignored silently: tensorgrad says the settings take their defaults", () => {
    const r = runOn(deno, ["run", "--no-prompt", "--allow-read", "test/runtimes/backend.mjs"], { TENSORGRAD_BACKEND: "js" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).backend, "wasm");
    assert.match(
      r.stderr,
      /Warning: cannot read TENSORGRAD_[A-Z_]+ \(no permission to read environment variables; Deno needs --allow-env\): the TENSORGRAD_\* settings take their defaults/,
    );
    const allowed = runOn(deno, ["run", "--no-prompt", "--allow-read", "--allow-env", "test/runtimes/backend.mjs"], {
      TENSORGRAD_BACKEND: "js",
    });
    assert.deepEqual([JSON.parse(allowed.stdout).backend, allowed.stderr], ["js", ""]);
  });
  it("without --allow-read, the bundled digits fail with Deno's error naming the file and the flag", () => {
    const r = runOn(deno, ["run", "--no-prompt", "--allow-env", "test/runtimes/train-digest.mjs", tmpdir()]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Requires read access to ".*mnist-digits\.bin", run again with the --allow-read flag/);
  });
});
