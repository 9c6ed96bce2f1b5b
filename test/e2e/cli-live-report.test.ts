// The run folder's report while training runs: report.md, report.html (refreshing itself) and the
// charts are there after the first epoch and say how far training is; an interrupted run's report
// says so; no temporary files are left behind.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-live-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

test("report.md, report.html and the charts are rewritten while training runs", async () => {
  const csv = join(tmp, "t.csv");
  writeFileSync(csv, "a,b,y\n" + Array.from({ length: 200 }, (_, i) => `${(i * 37) % 101},${(i * 11) % 7},${i % 3}`).join("\n") + "\n");
  const out = join(tmp, "run");
  let seen: { md: string; html: string; png: number[] } | null = null;
  const r = await runCli(
    ["train", "--data", `csv:${csv}`, "--epochs", "100000", "--report-every", "0", "--out", out],
    120_000,
    (_o, err, kill) => {
      if (seen || !/^Epoch 3\/100000 /m.test(err)) return;
      seen = {
        md: readFileSync(join(out, "report.md"), "utf8"),
        html: readFileSync(join(out, "report.html"), "utf8"),
        png: [...readFileSync(join(out, "loss.png")).subarray(0, 8)],
      };
      kill("SIGTERM");
    },
  );
  assert.equal(r.code, 143, r.stderr);
  assert.ok(seen, "training reached epoch 3");
  const live = seen as { md: string; html: string; png: number[] };
  // Written after an epoch of this run (the first at least), and charts whole PNGs.
  assert.match(live.md, /^\| status \| training: epoch \d+ of 100000 done \\\(updated \d\d:\d\d:\d\d UTC\\\) \|$/m);
  assert.ok(live.html.includes('<meta http-equiv="refresh" content="5">'));
  assert.deepEqual(live.png, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.match(live.md, /^\| latest loss \| \d\.\d{4} \|$/m);
  assert.match(live.md, /!\[loss\.png\]\(loss\.png\)/);

  const md = readFileSync(join(out, "report.md"), "utf8");
  const done = Number(/\(after (\d+) complete epochs\)/.exec(r.stderr)![1]);
  assert.ok(md.includes(`| status | interrupted after epoch ${done} of 100000; resume from checkpoint-interrupted.safetensors |`), md);
  assert.ok(!readFileSync(join(out, "report.html"), "utf8").includes("http-equiv"));
  assert.deepEqual(
    readdirSync(out).filter((f) => f.endsWith(".tmp")),
    [],
  );
});
