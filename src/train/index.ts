// The train namespace (Keras-style): fit, evaluate, predict, callbacks, metrics, History, summary,
// and the PNG charts of a training run.

export { fit, type FitOptions } from "./fit.js";
export { evaluate, type EvaluateOptions } from "./evaluate.js";
export { predict, type PredictOptions } from "./predict.js";
export { History, type FitHistory, type Logs } from "./history.js";
export { summary, type SummaryOptions } from "./summary.js";
export * from "./callbacks/index.js";
export { confusionMatrix } from "./metrics.js";
export * as metrics from "./metrics.js";
export {
  resolveLoss,
  resolveOptimizer,
  defaultLr,
  LOSS_NAMES,
  OPTIMIZER_NAMES,
  type LossFn,
  type LossSpec,
  type LossName,
  type LossConfig,
  type OptimizerSpec,
} from "./resolve.js";
export type { Data, XY } from "./batches.js";
export { formatDuration, formatRate, epochLine } from "./progress.js";
export * as plot from "./plot/index.js";
