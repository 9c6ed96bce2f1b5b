// Memory stays flat with no dispose, no V8 flags and no forced collections: 30 epochs of the README's
// synchronous loop and of train.fit, each in a fresh process, must add less than 1 MiB of RSS an epoch
// after epoch 5 (peak against peak over ten-epoch windows, see train-rss.mjs) while wasm memory does
// not grow at all. The work is test/e2e/rss/train-rss.mjs (plain JavaScript, `--preset check`), which any
// runtime can run; TENSORGRAD_RSS_RUNTIME="<executable> [args…]" runs it with another one on the built
// package (e.g. "bun", or "deno run -A") instead of this Node on the sources.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const root = new URL("../..", import.meta.url).pathname;
const script = new URL("./rss/train-rss.mjs", import.meta.url).pathname;
const MAX_GROWTH_MIB = 1;

function command(): string[] {
  const other = process.env.TENSORGRAD_RSS_RUNTIME;
  if (other) return [...other.split(" ").filter(Boolean), script];
  return [process.execPath, "--conditions=tensorgrad-source", "--import", "tsx", script, "--lib", "tensorgrad"];
}

interface Run {
  lines: Record<string, unknown>[];
  summary: Record<string, unknown>;
  trace: string;
}

function run(mode: string): Run {
  const [exe, ...args] = command();
  const r = spawnSync(exe!, [...args, "--preset", "check", "--mode", mode, "--epochs", "30", "--from", "5", "--stats"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, TENSORGRAD_BACKEND: "wasm" },
    timeout: 240_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "", "nothing printed to stderr");
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 31, "one line an epoch and the summary");
  return {
    lines,
    summary: lines.at(-1)!,
    trace: lines
      .slice(0, -1)
      .map((l) => l.rssMiB)
      .join(", "),
  };
}

/** Where the check does not hold reliably yet ("node20 loop", say): it runs and reports without failing the suite. None at present. */
const TODO: Record<string, string | undefined> = {};
const runtimeKey = (mode: string) => (process.env.TENSORGRAD_RSS_RUNTIME ? "" : `node${process.versions.node.split(".")[0]} ${mode}`);

describe("RSS over 30 epochs", () => {
  for (const mode of ["loop", "fit"]) {
    test(`${mode}: under ${MAX_GROWTH_MIB} MiB an epoch after epoch 5, nothing on stderr`, { todo: TODO[runtimeKey(mode)] }, (t) => {
      // Up to three processes: the engine resizes its heap now and then, a step of 10-20 MiB that can
      // land late in one run (seen in about one fit run in four on a loaded machine). A leak fails all three.
      let r = run(mode);
      for (let attempt = 2; attempt <= 3 && !((r.summary.growthMiBPerEpoch as number) < MAX_GROWTH_MIB); attempt++) {
        t.diagnostic(`run ${attempt - 1}: ${r.summary.growthMiBPerEpoch} MiB an epoch (${r.trace}); running again`);
        r = run(mode);
      }
      const { lines, summary, trace } = r;
      assert.equal(summary.backend, "wasm");
      t.diagnostic(
        `${summary.runtime}: RSS ${summary.firstMiB} MiB after epoch 1, ${summary.fromMiB} after 5, ${summary.lastMiB} after 30 (${summary.growthMiBPerEpoch} MiB an epoch)`,
      );
      assert.ok((summary.growthMiBPerEpoch as number) < MAX_GROWTH_MIB, `RSS grew ${summary.growthMiBPerEpoch} MiB an epoch: ${trace}`);
      const wasm = lines.slice(4, -1).map((l) => (l.wasm as { memoryBytes: number } | undefined)?.memoryBytes);
      if (wasm[0] !== undefined) assert.equal(new Set(wasm).size, 1, `wasm memory ${wasm.join(", ")} bytes after epochs 5-30`);
      assert.ok((lines[29]!.loss as number) < (lines[0]!.loss as number), "and it trained");
    });
  }
});
