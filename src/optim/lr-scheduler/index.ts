// optim.lrScheduler (torch.optim.lr_scheduler): the learning-rate schedules.

export { LRScheduler, type SchedulerStateDict } from "./lr-scheduler.js";
export { StepLR, type StepLROptions } from "./step-lr.js";
export { ExponentialLR, type ExponentialLROptions } from "./exponential-lr.js";
export { CosineAnnealingLR, type CosineAnnealingLROptions } from "./cosine-annealing-lr.js";
export { LinearLR, type LinearLROptions } from "./linear-lr.js";
export { OneCycleLR, type OneCycleLROptions } from "./one-cycle-lr.js";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "./reduce-lr-on-plateau.js";
export { MultiStepLR, type MultiStepLROptions } from "./multi-step-lr.js";
export { ConstantLR, PolynomialLR, type ConstantLROptions, type PolynomialLROptions } from "./constant-lr.js";
export { LambdaLR, MultiplicativeLR, type LambdaLROptions, type LrLambda } from "./lambda-lr.js";
export { CosineAnnealingWarmRestarts, type CosineAnnealingWarmRestartsOptions } from "./cosine-warm-restarts.js";
export { CyclicLR, type CyclicLROptions } from "./cyclic-lr.js";
export { SequentialLR, ChainedScheduler, type SequentialLROptions } from "./sequential-lr.js";
