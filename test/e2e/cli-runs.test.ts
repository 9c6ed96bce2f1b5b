// `tensorgrad runs`: the run folders of a folder with their model, data, epochs, best epoch, test
// figure and state, read as untrusted files (a broken config is listed as invalid, odd keys in
// metrics.jsonl stay plain names).

import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-runs-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

test("runs lists finished, stopped, running and invalid run folders", async () => {
  const csv = join(tmp, "t.csv");
  writeFileSync(
    csv,
    "a,b,y\n" + Array.from({ length: 60 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 7 > 3 ? "hi" : "lo"}`).join("\n") + "\n",
  );
  const root = join(tmp, "runs");
  const r = await runCli(["train", "--data", `csv:${csv}`, "--epochs", "3", "--out", join(root, "a-first"), "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(readFileSync(join(root, "a-first", "results.json"), "utf8"));
  assert.equal(results.format, "tensorgrad.results");
  assert.equal(results.epochs, 3);
  assert.equal(results.test.accuracy.toFixed(4), /^test accuracy: (\S+)$/m.exec(r.stdout)![1]);
  const metrics = readFileSync(join(root, "a-first", "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  let best = 0;
  metrics.forEach((m, i) => (m.valAccuracy > metrics[best].valAccuracy ? (best = i) : 0));

  // The same run copied, its results gone, an odd metrics file (a __proto__ key, a line cut short):
  // a stopped run whose best epoch comes from the lines that parse.
  cpSync(join(root, "a-first"), join(root, "b-stopped"), { recursive: true });
  rmSync(join(root, "b-stopped", "results.json"));
  writeFileSync(
    join(root, "b-stopped", "metrics.jsonl"),
    '{"epoch":1,"loss":0.5,"valAccuracy":0.25,"__proto__":{"polluted":1}}\n{"epoch":2,"loss":0.4,"valAccuracy":0.75}\n{"epoch":3,"lo',
  );
  // A training in progress holds the lock (this test's own live process).
  cpSync(join(root, "a-first"), join(root, "c-running"), { recursive: true });
  writeFileSync(join(root, "c-running", ".tensorgrad.lock"), JSON.stringify({ pid: process.pid, host: hostname(), started: "now" }));
  mkdirSync(join(root, "d-invalid"));
  writeFileSync(join(root, "d-invalid", "config.json"), '{"format":"tensorgrad.run","version":1}');
  mkdirSync(join(root, "not-a-run"));

  const j = await runCli(["runs", root, "--json"]);
  assert.equal(j.code, 0, j.stderr);
  const rows = JSON.parse(j.stdout) as Record<string, unknown>[];
  const byName = new Map(rows.map((row) => [row.run, row]));
  assert.deepEqual([...byName.keys()].sort(), ["a-first", "b-stopped", "c-running", "d-invalid"]);
  const a = byName.get("a-first")!;
  assert.equal(a.model, "mlp-table 2-128-64-2");
  assert.equal(a.data, "t.csv");
  assert.equal(a.epochs, 3);
  assert.deepEqual(a.best, { metric: "valAccuracy", value: metrics[best].valAccuracy, epoch: best + 1 });
  assert.deepEqual(a.test, results.test);
  assert.equal(a.state, "finished");
  const b = byName.get("b-stopped")!;
  assert.equal(b.epochs, 2);
  assert.deepEqual(b.best, { metric: "valAccuracy", value: 0.75, epoch: 2 });
  assert.equal(b.test, null);
  assert.equal(b.state, "stopped");
  assert.equal(byName.get("c-running")!.state, "running");
  const d = byName.get("d-invalid")!;
  assert.equal(d.state, "invalid");
  assert.match(String(d.problem), /^.*config\.json is not a valid run configuration: /);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);

  const t = await runCli(["runs", root]);
  assert.equal(t.code, 0, t.stderr);
  const lines = t.stdout.trimEnd().split("\n");
  assert.deepEqual(lines[0].split(/ {2,}/), ["run", "updated", "model", "data", "epochs", "best", "test", "state"]);
  // Aligned: every line's "state" column starts where the header's does.
  const at = lines[0].indexOf("state");
  for (const l of lines.slice(1)) assert.match(l.slice(at), /^(finished|stopped|running|invalid: )/, l);
  const first = lines.find((l) => l.startsWith("a-first"))!;
  assert.match(
    first,
    new RegExp(
      `^a-first +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +mlp-table 2-128-64-2 +t\\.csv +3 +valAccuracy ${metrics[best].valAccuracy.toFixed(4)} @${best + 1} +accuracy ${results.test.accuracy.toFixed(4)} +finished$`,
    ),
  );
  assert.match(
    lines.find((l) => l.startsWith("d-invalid"))!,
    / invalid: .*config\.json is not a valid run configuration/,
  );

  const none = await runCli(["runs", join(tmp, "nowhere")]);
  assert.equal(none.code, 1);
  assert.equal(none.stderr, `tensorgrad: runs folder not found: ${join(tmp, "nowhere")}\n`);
});
