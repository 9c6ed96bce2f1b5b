// The callbacks fit runs: the protocol and the built-in ones.

export { Callback, CallbackList, type CallbackHooks, type TrainingContext } from "./callback.js";
export { EarlyStopping, type EarlyStoppingOptions } from "./early-stopping.js";
export { ModelCheckpoint, formatCheckpointPath, type ModelCheckpointOptions } from "./model-checkpoint.js";
export { LRSchedulerCallback, type LRSchedulerCallbackOptions, type SchedulerLike } from "./lr-scheduler.js";
export { ProgressBar, type ProgressBarOptions, type ProgressStream } from "./progress-bar.js";
export { CSVLogger, type CSVLoggerOptions } from "./csv-logger.js";
export { TerminateOnNaN } from "./terminate-on-nan.js";
