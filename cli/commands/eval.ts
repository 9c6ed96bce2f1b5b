// `tensorgrad eval`: rebuild a run's model from its checkpoint and config, and report loss and
// accuracy (or MAE) on the test split of its data set or of another one given with --data.

import { train } from "../../src/index.js";
import { applyStandardize, loadData, parseDataSpec } from "../data.js";
import { CliError } from "../errors.js";
import { createModel } from "../model.js";
import { configFor, fitLoss } from "../run-config.js";
import { loadWeights } from "../weights.js";
import { regressionMetrics, unstandardize } from "../regression.js";
import { checkFits } from "./train.js";
import { classReport, formatClassReport, testConfusion } from "../class-report.js";

export interface EvalOptions {
  checkpoint: string;
  data?: string;
  target?: string;
  limit?: number;
  batchSize: number;
}

export async function evalCommand(opts: EvalOptions): Promise<number> {
  const config = configFor(opts.checkpoint);
  let spec = opts.data
    ? parseDataSpec(opts.data, {
        target: opts.target,
        task: config.task,
        testSplit: config.data.kind === "csv" || config.data.kind === "images" ? config.data.testSplit : undefined,
        ...(config.data.kind === "images" && { imageSize: config.data.size, color: config.data.color }),
      })
    : config.data;
  // Another CSV file is read as the run's own was: its target is the run's target column (by name,
  // so columns may come in any order), not the last column, unless --target says otherwise.
  if (opts.data && opts.target === undefined && spec.kind === "csv" && config.data.kind === "csv")
    spec = { ...spec, target: config.data.target };
  const loaded = loadData(spec, {
    limit: opts.limit,
    seed: config.training.seed,
    classes: config.task === "classification" ? config.classes : undefined,
    encoding: spec.kind === "csv" ? config.encoding : undefined,
  });
  checkFits(config, loaded, "eval");
  if (loaded.test.x.shape[0] === 0) throw new CliError(`eval: ${loaded.name}: the test set has no samples`);
  const model = await createModel(config.model);
  loadWeights(opts.checkpoint, model);
  const classification = config.task === "classification";
  const test = { x: applyStandardize(loaded.test.x, config.standardize), y: loaded.test.y };
  process.stdout.write(`test samples: ${test.x.shape[0]}\n`);
  if (classification) {
    const result = await train.evaluate(model, test, { loss: fitLoss(config.loss), metrics: ["accuracy"], batchSize: opts.batchSize });
    // k² cells: past 100 classes the table would be unreadable (train's report makes the same cut).
    if (config.model.outputs <= 100) {
      const confusion = testConfusion(model, test.x, test.y, config.model.outputs, opts.batchSize);
      process.stdout.write(formatClassReport(classReport(confusion, config.classes)) + "\n\n");
    }
    process.stdout.write(`test loss: ${result.loss.toFixed(4)}\ntest accuracy: ${result.accuracy.toFixed(4)}\n`);
  } else {
    const ts = config.targetStandardize;
    const m = regressionMetrics(unstandardize(train.predict(model, test.x, { batchSize: opts.batchSize }), ts), test.y, ts?.mean ?? [0]);
    process.stdout.write(`test mae: ${m.mae.toFixed(4)}\ntest rmse: ${m.rmse.toFixed(4)}\ntest r2: ${m.r2.toFixed(4)}\n`);
  }
  return 0;
}
