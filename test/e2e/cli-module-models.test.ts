// `--model FILE.mjs|.js|.ts`: a network written in code, trained, evaluated, predicted with and
// exported like a preset, its export checked with a typed error naming the file; a .ts file runs
// where the runtime strips types and is refused with the reason where it does not.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "tensorgrad";
import { data, type Tensor } from "tensorgrad";
import { createModel } from "../../cli/model.js";
import { configFor } from "../../cli/run-config.js";
import { applyStandardize } from "../../cli/data.js";
import { loadWeights } from "../../cli/weights.js";
import { ModelExportError, allowRunCode, buildModuleModel } from "../../cli/model-module.js";
import { runOrt } from "../unit/onnx/ort.js";
import { assertClose } from "../helpers/assert.js";
import { runCli, type CliResult } from "./run-cli.js";

const root = new URL("../..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "tg-cli-module-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
// The files import "tensorgrad" as a user's project would: from its node_modules.
mkdirSync(join(tmp, "node_modules"));
symlinkSync(root, join(tmp, "node_modules", "tensorgrad"), "dir");
writeFileSync(join(tmp, "package.json"), JSON.stringify({ type: "module" }));

// This process builds models from run configs itself, as `--allow-code` lets the CLI do.
allowRunCode(true);
const cli = (args: string[]): Promise<CliResult> => runCli(args, 240_000);
const put = (name: string, text: string): string => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};
const testAccuracy = (stdout: string): number => Number(/^test accuracy: ([\d.]+)$/m.exec(stdout)![1]);

const conv = put(
  "conv.mjs",
  `import { nn } from "tensorgrad";
// Inputs arrive flat; the factory is told the sample shape [1, 28, 28].
export default function (inputShape, outputs) {
  const [c, h, w] = inputShape;
  return new nn.Sequential(new nn.Unflatten(1, inputShape), new nn.Conv2d(c, 4, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(4 * ((h - 2) >> 1) * ((w - 2) >> 1), outputs));
}
`,
);

test("a .mjs factory on the digits: trained, evaluated, summarised and exported to ONNX like a preset", async () => {
  const run = join(tmp, "conv-run");
  const r = await cli(["train", "--model", conv, "--epochs", "3", "--batch-size", "16", "--limit", "300", "--seed", "1", "--out", run]);
  assert.equal(r.code, 0, r.stderr);
  // 4·(1·3·3) + 4 conv weights, 4·13·13·10 + 10 linear ones.
  assert.match(
    r.stdout,
    /^model: conv\.mjs \(Sequential\), 784 inputs, 10 outputs; 6,810 parameters; adam lr 0\.002 \(cosine\), batch 16, 3 epochs$/m,
  );
  const config = JSON.parse(readFileSync(join(run, "config.json"), "utf8"));
  assert.deepEqual(config.model, {
    type: "module",
    preset: "conv.mjs",
    file: conv,
    sha256: createHash("sha256").update(readFileSync(conv)).digest("hex"),
    inputSize: 784,
    inputShape: [1, 28, 28],
    outputs: 10,
    className: "Sequential",
  });
  const acc = testAccuracy(r.stdout);
  assert.ok(acc > 0.5, `test accuracy ${acc}`);

  // A run folder may come from anyone: the code its config.json names is imported only when asked.
  const refused = await cli(["eval", "--checkpoint", join(run, "model.safetensors"), "--limit", "300"]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.equal(refused.stdout, "");
  assert.equal(
    refused.stderr,
    `tensorgrad: the run's model is code, ${conv} (named in its config.json); importing it runs that file: pass --allow-code if you trust it\n`,
  );
  const onnx = join(tmp, "conv.onnx");
  const [ev, summary, ex] = await Promise.all([
    cli(["eval", "--allow-code", "--checkpoint", join(run, "model.safetensors"), "--limit", "300"]),
    cli(["--allow-code", "summary", "--checkpoint", join(run, "model.safetensors")]),
    cli(["export", "--allow-code", run, "--onnx", onnx]),
  ]);
  assert.equal(ev.code, 0, ev.stderr);
  assert.equal(testAccuracy(ev.stdout), acc);
  assert.equal(summary.code, 0, summary.stderr);
  assert.match(summary.stdout, /6,810/);
  assert.equal(ex.code, 0, ex.stderr);

  // The exported graph gives the trained weights' outputs on raw pixels.
  const weights = join(run, "model.safetensors");
  const cfg = configFor(weights);
  const model = (await createModel(cfg.model)).eval();
  loadWeights(weights, model);
  const x = data.mnist({ train: false, limit: 4 }).x.reshape([4, 784]);
  const expected = tg.noGrad(() => model.forward(applyStandardize(x, cfg.standardize)) as Tensor);
  const [out] = await runOrt(new Uint8Array(readFileSync(onnx)), [x]);
  assert.deepEqual(out.dims, [4, 10]);
  assertClose(Array.from(out.data as Float32Array), expected.toArray().flat() as number[], { atol: 1e-4, rtol: 1e-4 });
});

const tableCsv = put(
  "t.csv",
  "a,b,c,kind\n" +
    Array.from({ length: 120 }, (_, i) => {
      const a = ((i * 37) % 100) / 100,
        b = ((i * 61) % 100) / 100;
      return `${a},${b},${(i * 13) % 7},${a > b ? "up" : "down"}`;
    }).join("\n") +
    "\n",
);

// A class with types: runs where the runtime strips them (tsx here, as for the CLI's sources).
const netTs = put(
  "net.ts",
  `import { nn, type Tensor } from "tensorgrad";
export default class Net extends nn.Module {
  private readonly body: nn.Sequential;
  constructor(inputShape: number[], outputs: number) {
    super();
    this.body = this.registerModule("body", new nn.Sequential(new nn.Linear(inputShape[0], 16), new nn.Tanh(), new nn.Linear(16, outputs)));
  }
  forward(x: Tensor): Tensor {
    return this.body.forward(x) as Tensor;
  }
}
`,
);

test("a TypeScript class on a table: predict and eval load its weights", async () => {
  const run = join(tmp, "ts-run");
  const r = await cli([
    "train",
    "--data",
    `csv:${tableCsv}`,
    "--model",
    netTs,
    "--epochs",
    "60",
    "--patience",
    "0",
    "--lr",
    "0.02",
    "--out",
    run,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^model: net\.ts \(Net\), 3 inputs, 2 outputs; 98 parameters; /m);
  assert.deepEqual(JSON.parse(readFileSync(join(run, "config.json"), "utf8")).model.inputShape, [3]);
  assert.ok(testAccuracy(r.stdout) >= 0.85, r.stdout);
  const rows = put("rows.csv", "a,b,c\n0.9,0.1,3\n0.05,0.8,1\n");
  const [p, ev] = await Promise.all([
    cli(["predict", "--allow-code", "--checkpoint", join(run, "model.safetensors"), "--input", rows]),
    cli(["eval", "--allow-code", "--checkpoint", join(run, "checkpoint-best.safetensors")]),
  ]);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(p.stdout, "up\ndown\n");
  assert.equal(ev.code, 0, ev.stderr);
  // An edited file is noted; the weights still load while the layers are the same.
  writeFileSync(netTs, readFileSync(netTs, "utf8") + "// edited\n");
  const again = await cli(["predict", "--allow-code", "--checkpoint", join(run, "model.safetensors"), "--input", rows]);
  assert.equal(again.stdout, "up\ndown\n");
  assert.equal(again.stderr, `note: ${netTs} has changed since the run was trained; its weights load only if it builds the same layers\n`);
});

test("exports that are not a model are refused with a typed error naming the file and what it exported", async () => {
  const number = put("number.mjs", "export default 42;\n");
  const obj = put("obj.mjs", "export default () => ({ layers: [] });\n");
  const none = put("none.mjs", "export const net = 1, other = 2;\n");
  const outputs = put("outputs.mjs", "export default (s, o, tg) => new tg.nn.Linear(s[0], o + 1);\n");
  const other = put("other.mjs", "export default { forward: (x) => x, parameters: () => [] };\n");
  const results = await Promise.all(
    [number, obj, none, outputs, other, join(tmp, "missing.mjs")].map((m) =>
      cli(["train", "--data", `csv:${tableCsv}`, "--model", m, "--epochs", "1", "--out", join(tmp, `x-${m.length}-${m.slice(-9)}`)]),
    ),
  );
  for (const r of results) assert.equal(r.code, 1, r.stderr);
  const [n, o, no, out, oth, miss] = results.map((r) => r.stderr);
  assert.equal(
    n,
    `tensorgrad: ${number}: the default export is a number, not an nn.Module; export default a Module, a Module class, or a function (inputShape, outputs, tg) => Module\n`,
  );
  assert.equal(
    o,
    `tensorgrad: ${obj}: what the default export returned is an object (Object), not an nn.Module; export default a Module, a Module class, or a function (inputShape, outputs, tg) => Module\n`,
  );
  assert.equal(
    no,
    `tensorgrad: ${none}: no default export and no export named "model" (it exports net, other); export default a Module or a function (inputShape, outputs, tg) => Module\n`,
  );
  assert.equal(
    out,
    `tensorgrad: ${outputs}: the model gives outputs of shape [2, 3] for a batch of 2, but the data need [2, 2] (2 outputs per sample)\n`,
  );
  assert.equal(
    oth,
    `tensorgrad: ${other}: the default export is an nn.Module of another copy of tensorgrad than the CLI's; import tensorgrad from where the CLI is installed, or use the factory's third argument\n`,
  );
  assert.equal(miss, `tensorgrad: model file not found: ${join(tmp, "missing.mjs")}\n`);
  // The error is a ModelExportError (a CliError: exit code 1), for code that builds models the same way.
  await assert.rejects(
    buildModuleModel({
      type: "module",
      preset: "number.mjs",
      file: number,
      sha256: createHash("sha256").update("export default 42;\n").digest("hex"),
      inputSize: 3,
      inputShape: [3],
      outputs: 2,
    }),
    ModelExportError,
  );
});

test(
  "a .ts model under the built CLI: loaded where Node strips types, else refused with the reason",
  { skip: !existsSync(join(root, "dist/cli/main.js")) && "needs npm run build" },
  () => {
    const plain = put(
      "plain.ts",
      'import { nn } from "tensorgrad";\nexport default (shape: number[], outputs: number): nn.Module => new nn.Linear(shape[0], outputs);\n',
    );
    const r = spawnSync(
      process.execPath,
      [join(root, "dist/cli/main.js"), "summary", "--model", plain, "--input-size", "3", "--classes", "2"],
      { cwd: tmp, encoding: "utf8" },
    );
    const strips = Boolean((process.features as { typescript?: string | false }).typescript);
    if (strips) {
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /\b8\b/); // 3·2 + 2 parameters
    } else {
      assert.equal(r.status, 1);
      assert.equal(
        r.stderr,
        `tensorgrad: cannot import ${plain}: Node ${process.version} does not run TypeScript files; use Node 23.6 or later, or Node 22.6+ with NODE_OPTIONS=--experimental-strip-types, or write the model as a .mjs file\n`,
      );
    }
  },
);
