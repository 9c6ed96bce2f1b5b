// The optim namespace (torch.optim): the optimizers and optim.lrScheduler.

export {
  Optimizer,
  keepsNoGradient,
  type OptimizerOptions,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type Params,
} from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamOptions } from "./adam.js";
export { RMSprop, type RMSpropOptions } from "./rmsprop.js";
export { Adagrad, type AdagradOptions } from "./adagrad.js";
export { NAdam, RAdam, Adamax, type NAdamOptions, type RAdamOptions, type AdamaxOptions } from "./adam-variants.js";
export { LBFGS, type LBFGSOptions } from "./lbfgs.js";
export * as lrScheduler from "./lr-scheduler/index.js";
