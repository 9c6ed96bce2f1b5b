// `tensorgrad export RUN_FOLDER --onnx FILE`: a run's trained model as an ONNX file for ONNX
// Runtime and other deployment targets. The run's input standardisation is built into the graph,
// so the file takes the same raw features as `tensorgrad predict`.

import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import * as tg from "../../src/index.js";
import { io, nn, type Tensor } from "../../src/index.js";
import type { Standardize } from "../data.js";
import { CliError } from "../errors.js";
import { createModel } from "../model.js";
import { configFor } from "../run-config.js";
import { loadWeights } from "../weights.js";

export interface ExportOptions {
  onnx: string;
  weights: string;
  opset: number;
  standardize: boolean;
}

/**
 * (x - mean) / std in front of the model, as the CLI applies it before every forward, and for
 * regression y · std + mean after it, so outputs are in the target's units as predict prints them.
 */
class Standardized extends nn.Module {
  private readonly mean: Tensor;
  private readonly std: Tensor;
  private readonly target?: { mean: Tensor; std: Tensor };
  constructor(
    readonly model: nn.Module,
    s: Standardize,
    target?: Standardize,
  ) {
    super();
    this.registerModule("model", model);
    this.mean = this.registerBuffer("input_mean", tg.tensor(s.mean), { persistent: true });
    this.std = this.registerBuffer("input_std", tg.tensor(s.std), { persistent: true });
    if (target) {
      this.target = {
        mean: this.registerBuffer("target_mean", tg.tensor(target.mean), { persistent: true }),
        std: this.registerBuffer("target_std", tg.tensor(target.std), { persistent: true }),
      };
    }
  }
  forward(x: Tensor): Tensor {
    const y = this.model.forward(x.sub(this.mean).div(this.std));
    return this.target ? y.mul(this.target.std).add(this.target.mean) : y;
  }
}

export async function exportCommand(runFolder: string, opts: ExportOptions): Promise<number> {
  if (!existsSync(runFolder) || !statSync(runFolder).isDirectory()) throw new CliError(`run folder not found: ${runFolder}`);
  const weights = join(runFolder, opts.weights);
  const config = configFor(weights);
  const model = await createModel(config.model);
  loadWeights(weights, model);
  const trivial = config.standardize.mean.every((m) => m === 0) && config.standardize.std.every((s) => s === 1);
  const target = config.targetStandardize;
  const exported = opts.standardize && (!trivial || target) ? new Standardized(model, config.standardize, target) : model;
  const example = tg.zeros([1, config.model.inputSize]);
  io.exportOnnx(exported, [example], opts.onnx, {
    dynamicBatch: true,
    inputNames: ["input"],
    outputNames: ["output"],
    opsetVersion: opts.opset,
  });
  const what = config.task === "classification" ? "class scores (logits)" : "predictions";
  process.stdout.write(
    `wrote ${opts.onnx} (ONNX opset ${opts.opset}): input "input" [batch, ${config.model.inputSize}] float32` +
      `${exported === model ? "" : " (raw features; standardisation included)"}${config.encoding ? ` in the order of config.json's featureNames (text columns one-hot, empty cells filled, before the file)` : ""}, output "output" [batch, ${config.model.outputs}] ${what}\n`,
  );
  return 0;
}
