// Per-class precision, recall and F1 where a user reads them: after training, in eval's output and
// in the run's report.md, labelled with the CSV's own class names.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-classes-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

test("train and eval print each class's precision, recall and F1, and report.md has them", async () => {
  // Three separable blobs named by text labels; 20 % of 90 rows = 18 test rows.
  const rows = Array.from({ length: 90 }, (_, i) => {
    const k = i % 3;
    return `${k * 4 + ((i * 7) % 10) / 10},${k * -3 + ((i * 3) % 10) / 10},${["cat", "dog", "fox"][k]}`;
  });
  const csv = join(tmp, "blobs.csv");
  writeFileSync(csv, ["u,v,animal", ...rows].join("\n") + "\n");
  const out = join(tmp, "run");
  const r = await runCli(["train", "--data", `csv:${csv}`, "--epochs", "40", "--validation-split", "0", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^ {7}class {2}precision {5}recall {9}f1 {2}support\n {9}cat( +[01]\.\d{4}){3} +\d+\n {9}dog( +[01]\.\d{4}){3} +\d+\n {9}fox( +[01]\.\d{4}){3} +\d+\n\n {3}macro avg( +[01]\.\d{4}){3} +18\nweighted avg( +[01]\.\d{4}){3} +18\n/m,
  );
  const md = readFileSync(join(out, "report.md"), "utf8");
  const section = md.slice(md.indexOf("## Per class (test set)"));
  const table = section.split("\n").slice(2, 8);
  assert.deepEqual(table.slice(0, 2), ["| class | precision | recall | f1 | support |", "|---|---:|---:|---:|---:|"]);
  const cells = table.slice(2).map((l) =>
    l
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim()),
  );
  assert.deepEqual(
    cells.map((c) => c[0]),
    ["cat", "dog", "fox", "macro avg"],
  );
  // The supports are the test rows of each class, 18 in all.
  assert.equal(
    cells.slice(0, 3).reduce((s, c) => s + Number(c[4]), 0),
    18,
  );
  // Weighted recall is the accuracy.
  const weighted = section
    .split("\n")[8]
    .split("|")
    .map((c) => c.trim());
  const accuracy = /^test accuracy: (0\.\d{4}|1\.0000)$/m.exec(r.stdout)![1];
  assert.equal(weighted[3], accuracy);

  const ev = await runCli(["eval", "--checkpoint", join(out, "model.safetensors")]);
  assert.equal(ev.code, 0, ev.stderr);
  const printed = r.stdout.slice(r.stdout.indexOf("       class"), r.stdout.indexOf("weighted avg"));
  assert.ok(ev.stdout.includes(printed), ev.stdout);
});
