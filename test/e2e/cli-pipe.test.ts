// The command line writing into a pipe that closes early, as `tensorgrad train … | head -1` does: the
// rest of the output is dropped, the training finishes its run folder, and nothing reaches stderr but
// the epoch lines (an unhandled EPIPE used to crash it with a stack trace part-way through).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "tg-cli-pipe-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

test("a stdout pipe closed after the first line: exit code 0, a complete run folder, no EPIPE on stderr", async () => {
  const data = join(tmp, "t.csv");
  writeFileSync(data, ["a,b,y", ...Array.from({ length: 200 }, (_, i) => `${(i % 7) / 7},${(i % 5) / 5},${i % 2}`)].join("\n") + "\n");
  const out = join(tmp, "run");
  const child = spawn(
    process.execPath,
    ["--conditions=tensorgrad-source", "--import", "tsx", "cli/main.ts", "train", "--data", `csv:${data}`, "--epochs", "3", "--out", out],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  // What `head -1` does: read the first chunk, then close the reading end.
  child.stdout.once("data", () => child.stdout.destroy());
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearTimeout(timer);
  assert.equal(code, 0, stderr);
  assert.deepEqual(
    stderr.split("\n").filter((l) => l !== "" && !l.startsWith("Epoch ")),
    [],
  );
  assert.ok(existsSync(join(out, "results.json")), "results.json is written last");
  assert.ok(existsSync(join(out, "report.html")));
});
