// `tensorgrad train --backend webgpu` (and TENSORGRAD_BACKEND=webgpu for eval and predict) end to end:
// the CLI's data, reports and weights file read values synchronously, which GPU tensors cannot, so
// the model and fit run on the GPU and the rest on the CPU. Skipped where WebGPU cannot open.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./run-cli.js";
import { webgpuSkipReason } from "../helpers/webgpu.js";

const tmp = mkdtempSync(join(tmpdir(), "tg-cli-webgpu-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const skip = (await webgpuSkipReason("tensorgrad train --backend webgpu")) ?? false;

const accuracy = (stdout: string): number => Number(/^test accuracy: ([\d.]+)$/m.exec(stdout)?.[1]);

test("train --backend webgpu (with image shifts) completes its run folder, near the CPU run's accuracy", { skip }, async () => {
  const args = ["train", "--epochs", "2", "--limit", "300", "--shift", "1", "--seed", "1", "--quiet"];
  const [gpu, cpu] = await Promise.all([
    runCli(["--backend", "webgpu", ...args, "--out", join(tmp, "gpu")], 300_000),
    runCli([...args, "--out", join(tmp, "cpu")], 300_000),
  ]);
  assert.equal(gpu.code, 0, gpu.stderr);
  assert.equal(gpu.stderr, "");
  assert.ok(existsSync(join(tmp, "gpu", "results.json")));
  assert.ok(Math.abs(accuracy(gpu.stdout) - accuracy(cpu.stdout)) <= 0.03, `${gpu.stdout} vs ${cpu.stdout}`);

  // eval and predict with --backend webgpu read the GPU-trained weights to the CPU run's figures.
  const weights = join(tmp, "gpu", "model.safetensors");
  const [ev, evCpu] = await Promise.all([
    runCli(["--backend", "webgpu", "eval", "--checkpoint", weights, "--limit", "100"]),
    runCli(["eval", "--checkpoint", weights, "--limit", "100"]),
  ]);
  assert.equal(ev.code, 0, ev.stderr);
  assert.equal(ev.stdout, evCpu.stdout);
  const config = JSON.parse(readFileSync(join(tmp, "gpu", "config.json"), "utf8"));
  assert.equal(config.training.shift, 1);
});
