// `tensorgrad train`: load data, build (or resume) a model, fit with checkpoints, logs and a progress
// display, evaluate on the test set, and leave a run folder with weights, metrics, charts and a report.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, isAbsolute } from "node:path";
import * as tg from "../../src/index.js";
import { data, io, optim, train, type Tensor } from "../../src/index.js";
import { AugmentedImages, augmentationOf, augments, describeAugmentation, type Augmentation } from "../augment.js";
import { classReport, formatClassReport, type ClassReport } from "../class-report.js";
import {
  applyStandardize,
  checkTrainable,
  computeStandardize,
  loadData,
  parseDataSpec,
  type DataSpec,
  type LoadedData,
  type Task,
} from "../data.js";
import { dataDefaults, EARLY_STOPPING_FROM } from "../defaults.js";
import { CliError, EXIT_INTERRUPTED, UsageError } from "../errors.js";
import { createModel, describeModel, modelConfig, type ModelConfig } from "../model.js";
import { writeCharts, writeReports } from "../report.js";
import { LiveReport } from "../live-report.js";
import { Dashboard } from "../dashboard/server.js";
import { configFor, fitLoss, writeRunConfig, type RunConfig } from "../run-config.js";
import { writeResults } from "../run-results.js";
import { claimNewRunDir, lockRunDir, makeRunDir, removeIfEmpty } from "../run-dir.js";
import { regressionMetrics, unstandardize } from "../regression.js";

export interface TrainOptions {
  data: string;
  target?: string;
  task?: Task;
  testSplit?: number;
  imageSize?: number;
  color?: "gray" | "rgb";
  model: string;
  layers?: number[];
  activation: string;
  dropout?: number;
  inputDropout?: number;
  epochs?: number;
  batchSize: number;
  optimizer: string;
  lr?: number;
  lrSchedule: "cosine" | "none";
  seed: number;
  validationSplit: number;
  limit?: number;
  shift?: number;
  flip?: boolean;
  rotate?: number;
  patience?: number;
  /** Serve live charts on this port (true: any free port). */
  dashboard?: boolean | number;
  reportEvery?: number;
  out?: string;
  resume?: string;
  quiet?: boolean;
}

/** Defaults tuned for the bundled MNIST: 784-256-128-10 ReLU + dropout, Adam, batch 64. */
export const TRAIN_DEFAULTS = {
  epochs: 12,
  batchSize: 64,
  optimizer: "adam",
  lr: 2e-3,
  lrSchedule: "cosine",
  seed: 0,
  validationSplit: 0.1,
  reportEvery: 1,
} as const;

/** Options that describe the model or data, which a resumed run takes from its config instead. */
const FIXED_ON_RESUME: (keyof TrainOptions)[] = [
  "data",
  "target",
  "task",
  "testSplit",
  "imageSize",
  "color",
  "model",
  "layers",
  "activation",
  "dropout",
  "inputDropout",
  "batchSize",
  "optimizer",
  "lr",
  "lrSchedule",
  "seed",
  "validationSplit",
  "limit",
  "shift",
  "flip",
  "rotate",
  "patience",
];

type Print = (line: string) => void;

/** Writes one line per completed epoch to metrics.jsonl (the whole file, atomically, each time). */
class JsonlLogger extends train.Callback {
  private readonly lines: string[];
  constructor(
    private readonly path: string,
    initial: Record<string, number>[],
  ) {
    super();
    this.lines = initial.map((r) => JSON.stringify(r));
  }
  override onEpochEnd(epoch: number, logs: train.Logs): void {
    this.lines.push(JSON.stringify({ epoch: epoch + 1, ...logs }));
    io.writeFileAtomic(this.path, this.lines.join("\n") + "\n");
  }
}

/**
 * Turns Ctrl-C (SIGINT) and SIGTERM into "stop after this step"; a second signal quits at once. The
 * checkpoint it leaves is the state at the start of the unfinished epoch, so a resumed run repeats
 * that epoch exactly as an uninterrupted run would: the last complete epoch's checkpoint-last, or
 * before the first epoch of this process ends, a snapshot taken as it began.
 */
class Interrupt extends train.Callback {
  signal: NodeJS.Signals | null = null;
  lastCompleted = -1;
  private start: Uint8Array | null = null;
  private readonly handler = (signal: NodeJS.Signals): void => {
    if (this.signal) process.exit(exitCodeFor(signal));
    this.signal = signal;
    process.stderr.write(
      `\n${signal === "SIGINT" ? "interrupt" : signal}: finishing the current step and saving a checkpoint (${signal === "SIGINT" ? "Ctrl-C" : "the signal"} again to quit at once)\n`,
    );
  };
  constructor(
    private readonly initialEpoch: number,
    private readonly snapshot: (epoch: number) => Promise<Uint8Array>,
  ) {
    super();
    this.lastCompleted = initialEpoch - 1;
    process.on("SIGINT", this.handler);
    process.on("SIGTERM", this.handler);
  }
  get requested(): boolean {
    return this.signal !== null;
  }
  override async onEpochBegin(epoch: number): Promise<void> {
    // Taken before the epoch shuffles or draws dropout masks: the generator's state is the epoch's start.
    if (epoch === this.initialEpoch) this.start = await this.snapshot(epoch);
  }
  override onBatchEnd(): void {
    if (this.signal) this.stop(`interrupted (${this.signal})`);
  }
  override onEpochEnd(epoch: number): void {
    this.lastCompleted = epoch;
    this.start = null; // checkpoint-last now holds a later state
    if (this.signal) this.stop(`interrupted (${this.signal})`);
  }
  /** Writes the checkpoint to resume from, atomically. */
  save(path: string, lastPath: string): void {
    io.writeFileAtomic(path, this.start ?? readFileSync(lastPath));
  }
  dispose(): void {
    process.off("SIGINT", this.handler);
    process.off("SIGTERM", this.handler);
  }
}

/**
 * Early stopping that watches from epoch `from` (0-based) on and, on a resumed run, first replays the epochs already done, so its best value
 * and wait count are those the uninterrupted run had at that epoch, and it stops where that run did.
 */
class ResumableEarlyStopping extends train.EarlyStopping {
  private readonly past: { epoch: number; value: number }[];
  constructor(
    monitor: string,
    patience: number,
    history: train.History,
    private readonly from: number,
  ) {
    super({ monitor, patience });
    const values = history.get(monitor) ?? [];
    this.past = values.map((value, i) => ({ epoch: history.epoch[i], value }));
  }
  override onTrainBegin(logs?: train.Logs, ctx?: Parameters<train.EarlyStopping["onTrainBegin"]>[1]): void {
    super.onTrainBegin(logs, ctx);
    for (const { epoch, value } of this.past) this.onEpochEnd(epoch, { [this.monitor]: value }, ctx);
  }
  override onEpochEnd(epoch: number, logs: train.Logs, ctx?: Parameters<train.EarlyStopping["onEpochEnd"]>[2]): void {
    // Epochs before `from` are not watched at all, as Keras's start_from_epoch has it.
    if (epoch >= this.from) super.onEpochEnd(epoch, logs, ctx);
  }
}

/** 128 + the signal's number, as shells report a process a signal ended: 130 for SIGINT, 143 for SIGTERM. */
function exitCodeFor(signal: NodeJS.Signals): number {
  return signal === "SIGTERM" ? 143 : EXIT_INTERRUPTED;
}

/** The configuration of a new run from the command-line options and the loaded data. */
function freshConfig(
  opts: TrainOptions,
  spec: DataSpec,
  loaded: LoadedData,
  given: Set<string>,
): { config: RunConfig; note: string | null } {
  const classification = loaded.task === "classification";
  const monitor = opts.validationSplit > 0 ? "valLoss" : "loss";
  const defaults = dataDefaults(spec, loaded.train.x.shape[0], loaded.inputSize, opts.model, given, monitor);
  // The cnn preset's augmented images need a few more passes: 16 epochs reach 98.7-99.0 % on the digits.
  const epochs = opts.epochs ?? defaults.epochs ?? (opts.model === "cnn" ? 16 : TRAIN_DEFAULTS.epochs);
  const patience = opts.patience ?? defaults.patience ?? 0;
  // A table's sample is its row of features, whatever their number (never a square of pixels).
  const shape = loaded.imageShape ?? (spec.kind === "csv" ? [loaded.inputSize] : undefined);
  const model = modelConfig(
    { ...opts, model: defaults.model ?? opts.model },
    loaded.inputSize,
    classification ? loaded.numClasses : (loaded.train.y.shape[1] ?? 1),
    shape,
  );
  const config: RunConfig = {
    format: "tensorgrad.run",
    version: 1,
    task: loaded.task,
    loss: classification ? "sparse_categorical_crossentropy" : "mse",
    model,
    data: spec.kind === "csv" && loaded.targetName !== undefined ? { ...spec, target: loaded.targetName } : spec,
    // Images get one overall mean and std; table columns each their own.
    standardize: computeStandardize(loaded.train.x, spec.kind === "csv"),
    classes: loaded.classes,
    featureNames: loaded.featureNames,
    ...(loaded.encoding && { encoding: loaded.encoding }),
    ...(!classification && { targetStandardize: computeStandardize(loaded.train.y, true) }),
    training: {
      epochs,
      batchSize: opts.batchSize,
      optimizer: opts.optimizer,
      lr: opts.lr ?? (opts.optimizer === TRAIN_DEFAULTS.optimizer ? TRAIN_DEFAULTS.lr : train.defaultLr(opts.optimizer)),
      lrSchedule: opts.lrSchedule,
      seed: opts.seed,
      validationSplit: opts.validationSplit,
      limit: opts.limit,
      ...augmentationFor(opts, model, spec, loaded.inputSize),
      // Chosen by the defaults, it waits out an initial plateau; asked for with --patience, it watches at once.
      ...(patience > 0 && { earlyStopping: { patience, ...(opts.patience === undefined && { startFrom: EARLY_STOPPING_FROM }) } }),
    },
  };
  return { config, note: defaults.note };
}

/**
 * The augmentation a new run trains with. `--shift` when given (0 is off), else 2 pixels for a
 * network of layers on one-channel square images, which learns more from shifted copies than from
 * the same pixels again; `--flip` and `--rotate` only when asked for (a mirrored digit is no digit).
 * Each needs images to move: a table's columns are refused by name.
 */
function augmentationFor(
  opts: TrainOptions,
  model: ModelConfig,
  spec: DataSpec,
  inputSize: number,
): Pick<RunConfig["training"], "shift" | "flip" | "rotate"> {
  const shape = imageShapeOf(spec, inputSize);
  const asked = [
    ...(opts.shift ? [`--shift ${opts.shift}`] : []),
    ...(opts.flip ? ["--flip"] : []),
    ...(opts.rotate ? [`--rotate ${opts.rotate}`] : []),
  ];
  if (asked.length && shape === null) {
    const what =
      spec.kind === "csv" ? `${spec.file} is a table (${inputSize} features)` : `its samples of ${inputSize} values are not square images`;
    throw new UsageError(
      `${asked.join(" and ")}: augmentation moves the pixels of images, but ${what}; leave ${asked.length > 1 ? "them" : "it"} out`,
    );
  }
  const conv = model.type === "layers" && model.inputShape.length === 3 && model.inputShape[0] === 1;
  return {
    shift: opts.shift ?? (shape !== null && shape[0] === 1 && conv ? 2 : 0),
    ...(opts.flip && { flip: true }),
    ...(opts.rotate && { rotate: opts.rotate }),
  };
}

/**
 * The [channels, height, width] of the images a data source holds, or null for a table (whose
 * columns are never pixels, whatever their number) and for IDX samples that are not square.
 */
function imageShapeOf(spec: DataSpec, inputSize: number): [number, number, number] | null {
  if (spec.kind === "images") return [spec.color === "rgb" ? 3 : 1, spec.size, spec.size];
  if (spec.kind === "csv") return null;
  const side = Math.round(Math.sqrt(inputSize));
  return side * side === inputSize && side >= 8 ? [1, side, side] : null;
}

/** Checks that the loaded data fit the model a configuration describes. */
export function checkFits(config: RunConfig, loaded: LoadedData, where: string): void {
  if (loaded.inputSize !== config.model.inputSize) {
    throw new CliError(`${where}: the data have ${loaded.inputSize} features per sample but the model takes ${config.model.inputSize}`);
  }
  if (loaded.task !== config.task)
    throw new CliError(`${where}: the data are for ${loaded.task} but the model was trained for ${config.task}`);
  if (config.task === "classification" && loaded.numClasses > config.model.outputs) {
    throw new CliError(`${where}: the data have ${loaded.numClasses} classes but the model has ${config.model.outputs} outputs`);
  }
}

/**
 * Runs `tensorgrad train`; returns the exit code. `given` lists the options set on the command line.
 * The run folder is created and locked first, so a second training into it fails at once.
 */
export async function trainCommand(opts: TrainOptions, given: Set<string>): Promise<number> {
  const named = opts.out ?? (opts.resume ? dirname(opts.resume) : null);
  const { dir, created } = named !== null ? { dir: named, created: makeRunDir(named) } : claimNewRunDir("runs");
  const release = lockRunDir(dir);
  let failed = true;
  try {
    const code = await trainIn(dir, opts, given);
    failed = false;
    return code;
  } finally {
    release();
    if (failed) removeIfEmpty(created);
  }
}

async function trainIn(dir: string, opts: TrainOptions, given: Set<string>): Promise<number> {
  const print: Print = opts.quiet ? () => {} : (line) => process.stdout.write(line + "\n");
  let config: RunConfig;
  let loaded: LoadedData;
  let defaultsNote: string | null = null;
  if (opts.resume) {
    config = configFor(opts.resume);
    const ignored = FIXED_ON_RESUME.filter((k) => given.has(k));
    if (ignored.length)
      process.stderr.write(
        `note: --resume takes ${ignored.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")} from the run's config.json; ignoring the value given\n`,
      );
    if (opts.epochs !== undefined) config.training.epochs = opts.epochs;
    loaded = loadData(config.data, {
      limit: config.training.limit,
      seed: config.training.seed,
      classes: config.classes,
      encoding: config.encoding,
    });
    checkFits(config, loaded, "--resume");
    checkTrainable(loaded);
  } else {
    const spec = parseDataSpec(opts.data, opts);
    const imageOnly = (["imageSize", "color"] as const).filter((k) => given.has(k));
    if (spec.kind !== "images" && imageOnly.length) {
      throw new UsageError(
        `${imageOnly.map((k) => (k === "imageSize" ? "--image-size" : "--color")).join(" and ")} ${imageOnly.length > 1 ? "apply" : "applies"} to a folder of images, not to ${spec.kind === "csv" ? "a CSV file" : spec.kind === "idx" ? "IDX files" : "the bundled digits"}`,
      );
    }
    loaded = loadData(spec, { limit: opts.limit, seed: opts.seed });
    checkTrainable(loaded);
    ({ config, note: defaultsNote } = freshConfig(opts, spec, loaded, given));
  }
  const t = config.training;
  const ts = config.targetStandardize;
  const trainXY = {
    x: applyStandardize(loaded.train.x, config.standardize),
    y: ts ? applyStandardize(loaded.train.y, ts) : loaded.train.y,
  };
  const testXY = { x: applyStandardize(loaded.test.x, config.standardize), y: loaded.test.y };

  // Seed before building the model so its initial weights repeat too; a resumed run gets the
  // generator's state from the checkpoint instead.
  tg.manualSeed(t.seed);
  // With --backend webgpu the data stay on the CPU backend (fit moves its batches); the model and its
  // training live on the GPU, and a CPU copy of the trained model does what follows fit.
  const cpu = tg.getBackend().name;
  if (trainDevice) await tg.setBackend(trainDevice);
  let model = await createModel(config.model);
  const optimizer = train.resolveOptimizer(t.optimizer, model, t.lr);
  // Cosine annealing from lr to 0 over the run, stepped once per epoch.
  let scheduler =
    t.lrSchedule === "cosine" ? new optim.lrScheduler.CosineAnnealingLR(optimizer, { tMax: Math.max(1, t.epochs) }) : undefined;
  let initialEpoch = 0;
  let history = new train.History();
  if (opts.resume) {
    const ckpt = io.loadCheckpoint(opts.resume, { model, optimizer, scheduler });
    initialEpoch = (ckpt.epoch ?? -1) + 1;
    // --epochs is the new total: one below the epochs done would train nothing and still record the
    // smaller total in config.json (the same total finishes a run that was cut short after its last epoch).
    if (opts.epochs !== undefined && opts.epochs < initialEpoch)
      throw new UsageError(
        `--resume: ${opts.resume} has done ${initialEpoch} epochs and --epochs is the new total; give ${initialEpoch} or more (e.g. --epochs ${initialEpoch + opts.epochs}), not ${opts.epochs}`,
      );
    scheduler = extendSchedule(scheduler, optimizer, t.epochs, print);
    const past = train.History.fromJSON(ckpt.history);
    // Keep only completed epochs before the resume point (an interrupted epoch is run again).
    for (let i = 0; i < past.length; i++) if (past.epoch[i] < initialEpoch) history.record(past.epoch[i], past.at(i));
  }
  writeRunConfig(dir, config);

  const classification = config.task === "classification";
  const monitor = t.validationSplit > 0 ? "valLoss" : "loss";
  const bestSoFar = history.get(monitor)?.filter(Number.isFinite);
  const records = history.epoch.map((e, i) => ({ epoch: e + 1, ...history.at(i) }));
  const interrupt = new Interrupt(initialEpoch, (epoch) =>
    io.saveCheckpointAsync({
      model,
      optimizer,
      scheduler,
      epoch: epoch - 1,
      history: history.toJSON(),
      extra: { interrupted: true, user: { config } },
    }),
  );
  // The scheduler steps first, so checkpoints hold its state for the next epoch (exact resume).
  const callbacks: train.CallbackHooks[] = [
    ...(scheduler ? [new train.LRSchedulerCallback(scheduler)] : []),
    // The best checkpoint is written before the last one: a run killed between the two resumes from
    // the epoch before and writes both again, so checkpoint-best always holds the best epoch resumed.
    new train.ModelCheckpoint({
      path: join(dir, "checkpoint-best.safetensors"),
      monitor,
      saveBestOnly: true,
      extra: { config },
      scheduler,
      initialValueThreshold: bestSoFar?.length ? Math.min(...bestSoFar) : undefined,
    }),
    new train.ModelCheckpoint({ path: join(dir, "checkpoint-last.safetensors"), extra: { config }, scheduler }),
    new train.CSVLogger(join(dir, "metrics.csv"), { initialRows: records }),
    new JsonlLogger(join(dir, "metrics.jsonl"), records),
    // The best weights are put back from checkpoint-best after fit (restoreBest), stopped early or not.
    ...(t.earlyStopping ? [new ResumableEarlyStopping(monitor, t.earlyStopping.patience, history, t.earlyStopping.startFrom ?? 0)] : []),
    new LiveReport({ config, history, test: {}, confusion: null, dir }, t.epochs, opts.reportEvery ?? TRAIN_DEFAULTS.reportEvery),
    interrupt,
  ];
  if (!opts.quiet) callbacks.push(new train.ProgressBar());
  let dashboard: Dashboard | undefined;
  if (opts.dashboard !== undefined && opts.dashboard !== false) {
    const info = {
      run: displayPath(dir),
      model: describeModel(config.model),
      data: loaded.name,
      epochs: t.epochs,
      metric: classification ? "accuracy" : "mae",
    };
    dashboard = await Dashboard.start(info, records, opts.dashboard === true ? 0 : opts.dashboard);
    callbacks.splice(callbacks.indexOf(interrupt), 0, dashboard);
    (opts.quiet ? (line: string) => process.stderr.write(line + "\n") : print)(`dashboard: ${dashboard.url} (live charts while training)`);
  }

  print(
    `data: ${loaded.name}; ${trainXY.x.shape[0]} training samples (${Math.round(t.validationSplit * 100)}% held out for validation), ${testXY.x.shape[0]} test samples`,
  );
  print(
    `model: ${describeModel(config.model)}; ${model.numParameters().toLocaleString("en-US")} parameters; ${t.optimizer} lr ${t.lr}${scheduler ? " (cosine)" : ""}, batch ${t.batchSize}, ${t.epochs} epochs${augments(augmentationOf(t)) ? `; training images ${describeAugmentation(augmentationOf(t))}` : ""}`,
  );
  if (defaultsNote) print(defaultsNote);
  if (t.earlyStopping && !defaultsNote?.includes("early stopping"))
    print(`early stopping: after ${t.earlyStopping.patience} epochs without a better ${monitor}; the best epoch's weights are kept`);
  if (initialEpoch > 0) print(`resuming from ${opts.resume} at epoch ${initialEpoch + 1}`);

  const started = performance.now();
  let fitted = false;
  try {
    history = await train.fit(model, trainData(trainXY, config), {
      loss: fitLoss(config.loss),
      optimizer,
      epochs: t.epochs,
      batchSize: t.batchSize,
      ...validation(trainXY, config),
      metrics: classification ? ["accuracy"] : ["mae"],
      callbacks,
      verbose: 0,
      initialEpoch,
      history,
    });
    fitted = true;
  } finally {
    interrupt.dispose();
    await dashboard?.close(fitted && !interrupt.signal ? "finished" : "stopped");
    if (trainDevice) await tg.setBackend(cpu);
  }
  if (trainDevice) model = await cpuCopy(model, config);
  const seconds = (performance.now() - started) / 1000;

  if (interrupt.signal) {
    const path = join(dir, "checkpoint-interrupted.safetensors");
    interrupt.save(path, join(dir, "checkpoint-last.safetensors"));
    const stopped = {
      config,
      history,
      test: {},
      confusion: null,
      seconds: (performance.now() - started) / 1000,
      dir,
      progress: { epoch: interrupt.lastCompleted + 1, epochs: t.epochs, interrupted: true },
    };
    writeReports(stopped, writeCharts(stopped));
    process.stderr.write(
      `interrupted: saved ${path} (after ${interrupt.lastCompleted + 1} complete epochs); resume with: tensorgrad train --resume ${path}\n`,
    );
    process.stdout.write(`${dir}\n`);
    return exitCodeFor(interrupt.signal);
  }

  const restored = restoreBest(model, join(dir, "checkpoint-best.safetensors"), history, monitor);
  let test: Record<string, number>;
  let confusion: number[][] | null = null;
  if (classification) {
    test = await train.evaluate(model, testXY, { loss: fitLoss(config.loss), metrics: ["accuracy"], batchSize: 256 });
    // k² cells: a table and chart past 100 classes would be unreadable and, near MAX_CLASSES, huge.
    if (config.model.outputs <= 100) {
      const logits: Tensor = train.predict(model, testXY.x, { batchSize: 256 });
      confusion = train.confusionMatrix(logits, testXY.y, config.model.outputs).toArray() as number[][];
    }
  } else {
    const pred = unstandardize(train.predict(model, testXY.x, { batchSize: 256 }), ts);
    test = { ...regressionMetrics(pred, testXY.y, ts?.mean ?? [0]) };
  }
  io.saveSafetensors(join(dir, "model.safetensors"), model.stateDict(), { format: "pt", config: JSON.stringify(config) });
  const summary = { config, history, test, confusion, seconds, dir };
  writeReports(summary, writeCharts(summary));
  writeResults(dir, { test, epochs: history.length, seconds, finished: new Date().toISOString() });

  if (confusion) printClassReport(print, classReport(confusion, config.classes));
  if (history.stopReason) print(`stopped early: ${history.stopReason}`);
  if (restored) print(restored);
  print(`trained in ${seconds.toFixed(1)} s; weights, checkpoints, metrics, charts and report.html in:`);
  process.stdout.write(`${displayPath(dir)}\n`);
  if (classification) process.stdout.write(`test accuracy: ${test.accuracy.toFixed(4)}\n`);
  else {
    print(`predicting the training mean would give test rmse ${test.baselineRmse.toFixed(4)}`);
    process.stdout.write(`test mae: ${test.mae.toFixed(4)}\ntest rmse: ${test.rmse.toFixed(4)}\ntest r2: ${test.r2.toFixed(4)}\n`);
  }
  return 0;
}

let trainDevice: string | undefined;

/** The backend (webgpu) train runs its model and fit on, the rest staying on the CPU; undefined: the current one. */
export function setTrainDevice(name: string | undefined): void {
  trainDevice = name;
}

/** A copy of `model` on the current (CPU) backend: the test figures, reports and weights file read values synchronously. */
async function cpuCopy(model: tg.nn.Module, config: RunConfig): Promise<tg.nn.Module> {
  const state: Record<string, Tensor> = {};
  for (const [key, t] of Object.entries(model.stateDict())) state[key] = await t.cpu();
  const copy = await createModel(config.model);
  copy.loadStateDict(state);
  return copy;
}

/** The per-class table for up to 20 classes; past that, the averages only (report.md has every class). */
function printClassReport(print: Print, r: ClassReport): void {
  if (r.classes.length <= 20) {
    print(formatClassReport(r));
    return;
  }
  print(
    `macro avg precision ${r.macro.precision.toFixed(4)}, recall ${r.macro.recall.toFixed(4)}, f1 ${r.macro.f1.toFixed(4)} over ${r.classes.length} classes (each class in report.md)`,
  );
}

/**
 * Puts back the weights of the best epoch (lowest monitored loss, saved by the best checkpoint) so
 * the test figures and model.safetensors are the best model's, not the last epoch's. Returns the
 * line that says so, or null when the last epoch was the best or no checkpoint was saved.
 */
function restoreBest(model: tg.nn.Module, path: string, history: train.History, monitor: string): string | null {
  const values = history.get(monitor);
  if (!values?.length || !existsSync(path)) return null;
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] < values[best]) best = i;
  if (!(values[best] < values.at(-1)!)) return null;
  io.loadCheckpoint(path, { model });
  return `restored the weights of epoch ${history.epoch[best] + 1} (best ${monitor} ${values[best].toPrecision(4)}; the last epoch had ${values.at(-1)!.toPrecision(4)})`;
}

/**
 * A resumed run with more (or fewer) epochs than its checkpoint planned gets a cosine schedule over
 * the new total, as if planned that long: the checkpoint's schedule would sit at learning rate 0.
 */
function extendSchedule(
  scheduler: optim.lrScheduler.CosineAnnealingLR | undefined,
  optimizer: optim.Optimizer,
  epochs: number,
  print: Print,
): optim.lrScheduler.CosineAnnealingLR | undefined {
  if (!scheduler) return scheduler;
  const state = scheduler.stateDict() as { tMax: number; lastEpoch: number };
  const total = Math.max(1, epochs);
  if (state.tMax === total) return scheduler;
  // Constructed one epoch back, its initial step lands on lastEpoch with the closed-form rate.
  const extended = new optim.lrScheduler.CosineAnnealingLR(optimizer, { tMax: total, lastEpoch: state.lastEpoch - 1 });
  print(
    `schedule: cosine over ${total} epochs instead of ${state.tMax}; epoch ${state.lastEpoch + 1} runs at lr ${extended.getLastLr()[0].toPrecision(4)}`,
  );
  return extended;
}

/**
 * The training data as fit takes it: tensors, or with augmentation a loader of augmented images.
 * The validation samples are the last ones either way, as fit's validationSplit takes them.
 */
function trainData(xy: { x: Tensor; y: Tensor }, config: RunConfig): train.Data {
  const t = config.training,
    aug = augmentationOf(t);
  const shape = imageShapeOf(config.data, config.model.inputSize);
  if (!augments(aug) || shape === null) return xy;
  const n = xy.x.shape[0],
    nTrain = n - Math.floor(n * t.validationSplit);
  // The pixel value of blank paper after standardisation (one mean and std for all pixels), for
  // what moves in from outside the image.
  const fill = (0 - config.standardize.mean[0]) / config.standardize.std[0];
  const images = new AugmentedImages(xy.x.slice(0, 0, nTrain), xy.y.slice(0, 0, nTrain), shape, aug, fill);
  return new data.DataLoader(images, { batchSize: t.batchSize, shuffle: true });
}

function validation(xy: { x: Tensor; y: Tensor }, config: RunConfig): { validationSplit?: number; validationData?: train.Data } {
  const t = config.training;
  if (!(t.validationSplit > 0)) return {};
  if (!augments(augmentationOf(t)) || imageShapeOf(config.data, config.model.inputSize) === null)
    return { validationSplit: t.validationSplit };
  const n = xy.x.shape[0],
    nTrain = n - Math.floor(n * t.validationSplit);
  return { validationData: { x: xy.x.slice(0, nTrain, n), y: xy.y.slice(0, nTrain, n) } };
}

/** The folder as the user would type it: relative to the working directory when inside it. */
export function displayPath(dir: string): string {
  const rel = relative(process.cwd(), resolve(dir));
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : resolve(dir);
}
