// Model files in YAML (the same schema as JSON) with recurrent layers: an LSTM on CSV rows read as
// sequences trains, and eval rebuilds it; hostile YAML (a __proto__ key, an alias bomb, duplicate
// keys, bad syntax) is refused with the file named and nothing polluted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./run-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-yaml-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

test("a YAML model file with an LSTM learns whether a sequence rises or falls; eval rebuilds it", async () => {
  // 8 steps of a noisy ramp, up or down; the label is the direction.
  const rows: string[] = [];
  for (let i = 0; i < 300; i++) {
    const up = i % 2 === 0,
      start = ((i * 37) % 11) / 11;
    const steps = Array.from({ length: 8 }, (_, t) => (start + (up ? 1 : -1) * 0.1 * t + (((i * 13 + t * 7) % 9) - 4) / 60).toFixed(3));
    rows.push([...steps, up ? "up" : "down"].join(","));
  }
  const csv = file("ramps.csv", ["s0,s1,s2,s3,s4,s5,s6,s7,direction", ...rows].join("\n") + "\n");
  const model = file(
    "seq.yaml",
    ["# one feature per step", "inputShape: [8, 1]", "layers:", "  - { type: lstm, hidden: 8 }", "  - type: dropout", "    p: 0.1"].join(
      "\n",
    ) + "\n",
  );
  const out = join(tmp, "lstm");
  const r = await runCli(["train", "--data", `csv:${csv}`, "--model", model, "--epochs", "25", "--lr", "0.01", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  // LSTM 4·8·(1 + 8) + 2·4·8 = 352, output 8·2 + 2 = 18.
  assert.match(r.stdout, /^model: seq\.yaml: \[8x1\] lstm 8, dropout 0\.1, linear 2; 370 parameters;/m);
  const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  assert.deepEqual(config.model.layers, [
    { type: "lstm", hidden: 8 },
    { type: "dropout", p: 0.1 },
  ]);
  const accuracy = /^test accuracy: (\d\.\d{4})$/m.exec(r.stdout)![1];
  assert.ok(Number(accuracy) >= 0.9, `accuracy ${accuracy}`);
  const ev = await runCli(["eval", "--checkpoint", join(out, "model.safetensors")]);
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout, new RegExp(`test accuracy: ${accuracy}\\n$`));
});

test("hostile or broken YAML model files are refused, naming the file", async () => {
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x"]',
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
    "d: [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
    "layers: []",
  ].join("\n");
  const cases: [string, string, string][] = [
    [
      "proto.yaml",
      "layers: []\n__proto__:\n  polluted: true\n",
      'is not a valid model file: (the whole file): Unrecognized key: "__proto__"',
    ],
    [
      "layer-proto.yml",
      "layers:\n  - type: relu\n    __proto__: { polluted: true }\n",
      'is not a valid model file: layers.0: Unrecognized key: "__proto__"',
    ],
    ["bomb.yaml", bomb + "\n", "is not a valid model file (Excessive alias count indicates a resource exhaustion attack)"],
    ["dup.yaml", "layers: []\nlayers: []\n", "is not valid YAML (Map keys must be unique"],
    ["syntax.yaml", "layers: [ { type: relu }\n", "is not valid YAML ("],
    [
      "rnn-flat.yaml",
      "layers:\n  - { type: gru, hidden: 4 }\n",
      "layers.0: gru needs sequences [steps, features], but its input is [1, 28, 28]",
    ],
  ];
  const results = await Promise.all(
    cases.map(([name, text]) =>
      runCli(["train", "--model", file(name, text), "--epochs", "1", "--limit", "50", "--out", join(tmp, `out-${name}`)]),
    ),
  );
  results.forEach((r, i) => {
    const path = join(tmp, cases[i][0]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`tensorgrad: ${path}`), r.stderr);
    assert.ok(r.stderr.includes(cases[i][2]), `${r.stderr}  should include: ${cases[i][2]}`);
    assert.ok(!r.stderr.includes("internal error"), r.stderr);
  });
});
