#!/usr/bin/env node
// The `tensorgrad` command line: train / eval / predict / summary / export / runs / playground. Every failure ends as one line
// on stderr and an exit code — 2 for usage errors, 1 otherwise, 130 after Ctrl-C — with the stack
// trace only under --debug.

import { importsLoaded } from "./import-guard.js"; // first: it must run before tensorgrad loads
import { createRequire } from "node:module";
import { Command, CommanderError, Option } from "commander";
import * as tg from "../src/index.js";
import { evalCommand } from "./commands/eval.js";
import { exportCommand } from "./commands/export.js";
import { playgroundCommand } from "./commands/playground.js";
import { predictCommand } from "./commands/predict.js";
import { runsCommand } from "./commands/runs.js";
import { summaryCommand } from "./commands/summary.js";
import { setTrainDevice, TRAIN_DEFAULTS, trainCommand, type TrainOptions } from "./commands/train.js";
import { CliError, UsageError } from "./errors.js";
import { MAX_COMPARED } from "./compare.js";
import { ACTIVATIONS, PRESETS } from "./model.js";
import { MODEL_FILE } from "./model-file.js";
import { allowRunCode, MODULE_FILE } from "./model-module.js";
import { SMALL_TABLE_EPOCHS, SMALL_TABLE_PATIENCE, SMALL_TABLE_ROWS } from "./defaults.js";
import { IMAGE_DEFAULTS } from "./data.js";
import { MAX_IMAGE_SIDE } from "./image-folder.js";
import {
  MAX_ROTATION,
  fraction,
  imageSide,
  nonNegativeNumber,
  nonNegativeInt,
  oneOf,
  positiveInt,
  positiveNumber,
  probability,
  rotationDegrees,
  shiftPixels,
  sizeList,
} from "./options.js";

importsLoaded();

function version(): string {
  try {
    return (createRequire(import.meta.url)("tensorgrad/package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

const OPTIMIZERS = tg.train.OPTIMIZER_NAMES;

function modelOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--model <preset>",
        `model preset (${[...Object.keys(PRESETS), "cnn"].join(", ")}), a model file FILE.json / FILE.yaml listing layers, or a module FILE.mjs / .js / .ts whose default export is an nn.Module or a function (inputShape, outputs, tg) => Module (inputs arrive flat, [batch, features]; .ts needs Node 23.6+, or 22.6+ with --experimental-strip-types)`,
      )
        .default("mlp")
        .argParser((v: string) => (MODEL_FILE.test(v) || MODULE_FILE.test(v) ? v : oneOf([...Object.keys(PRESETS), "cnn"])(v))),
    )
    .option("--layers <sizes>", 'hidden layer sizes, e.g. 256,128 (overrides the preset\'s; "" for none)', sizeList)
    .addOption(new Option("--activation <name>", "hidden-layer activation").choices(ACTIVATIONS).default("relu"))
    .option("--dropout <p>", "dropout after each hidden layer (default: the preset's)", probability)
    .option("--input-dropout <p>", "dropout on the inputs (default: the preset's; 0 with --layers)", probability);
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("tensorgrad")
    .description("Train, evaluate and use neural networks with tensorgrad (pure TypeScript, no native code).")
    .version(version(), "-V, --version")
    .option("--debug", "show stack traces for errors")
    .option(
      "--allow-code",
      "import a model file of code that a run's config.json names (eval, predict, export, summary, --resume); it runs as your code",
    )
    .addOption(
      new Option("--backend <name>", "where tensors live and kernels run (default: TENSORGRAD_BACKEND, else wasm)").choices([
        "webgpu",
        "wasm",
        "js",
      ]),
    )
    // The backend is chosen before any command runs: WebGPU opens asynchronously.
    .hook("preAction", async (self) => {
      const name = (self.opts() as { backend?: string }).backend ?? process.env.TENSORGRAD_BACKEND?.trim();
      if (name === "webgpu") {
        // Opened now, so a machine without it fails at once; the commands read data and write files on
        // the CPU backend, and train moves its model and fit to the GPU (setTrainDevice).
        const cpu = tg.getBackend().name;
        await tg.setBackend("webgpu");
        await tg.setBackend(cpu);
        setTrainDevice("webgpu");
      } else if (name) await tg.setBackend(name);
      allowRunCode((self.opts() as { allowCode?: boolean }).allowCode === true);
    })
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .showSuggestionAfterError(true);

  modelOptions(
    program
      .command("train")
      .description("train a model and leave a run folder (weights, checkpoints, metrics, charts, report)")
      .option(
        "--data <source>",
        "mnist (the bundled digits), idx:DIR (MNIST-style IDX files), csv:FILE, or DIR: a folder with one subfolder of PNG/JPEG images per class (or train/ and test/ folders so laid out)",
        "mnist",
      )
      .option(
        "--image-size <pixels>",
        `image folders: each image is resized to this square side (default ${IMAGE_DEFAULTS.imageSize}; at most ${MAX_IMAGE_SIDE})`,
        imageSide,
      )
      .addOption(
        new Option("--color <mode>", `image folders: gray (one channel) or rgb (three) (default ${IMAGE_DEFAULTS.color})`).choices([
          "gray",
          "rgb",
        ]),
      )
      .option("--target <column>", "csv: the target column, by name or 0-based index (default: the last)")
      .addOption(
        new Option("--task <kind>", "csv: classification or regression (default: detected from the target)").choices([
          "classification",
          "regression",
        ]),
      )
      .option(
        "--test-split <fraction>",
        "csv and image folders without train/ and test/: fraction held out as the test set",
        fraction,
        0.2,
      ),
  )
    .option(
      "--epochs <n>",
      `epochs to train (default ${TRAIN_DEFAULTS.epochs}; 16 for cnn; ${SMALL_TABLE_EPOCHS} with early stopping for tables of fewer than ${SMALL_TABLE_ROWS} rows)`,
      nonNegativeInt,
    )
    .option("--batch-size <n>", "samples per batch", positiveInt, TRAIN_DEFAULTS.batchSize)
    .addOption(new Option("--optimizer <name>", "optimizer").choices(OPTIMIZERS).default(TRAIN_DEFAULTS.optimizer))
    .option("--lr <rate>", `learning rate (default ${TRAIN_DEFAULTS.lr} for adam, else the optimizer's default)`, positiveNumber)
    .addOption(
      new Option("--lr-schedule <kind>", "learning-rate schedule: cosine (annealed to 0 over the epochs) or none")
        .choices(["cosine", "none"])
        .default(TRAIN_DEFAULTS.lrSchedule),
    )
    .option("--seed <n>", "random seed (initial weights, shuffling, dropout)", nonNegativeInt, TRAIN_DEFAULTS.seed)
    .option(
      "--validation-split <fraction>",
      "fraction of the training samples held out for validation",
      fraction,
      TRAIN_DEFAULTS.validationSplit,
    )
    .option("--limit <n>", "use at most n training and n test samples (quick runs)", positiveInt)
    .option(
      "--shift <pixels>",
      "augmentation: shift each training image by up to this many pixels, anew each epoch; 0 turns it off (default: 2 for conv networks on one-channel images, else 0)",
      shiftPixels,
    )
    .option("--flip", "augmentation: mirror training images left-right at random, anew each epoch (photos, not digits or text)")
    .option(
      "--rotate <degrees>",
      `augmentation: rotate training images by a random angle of up to this many degrees either way, anew each epoch (at most ${MAX_ROTATION})`,
      rotationDegrees,
    )
    .option(
      "--patience <epochs>",
      `early stopping: stop after this many epochs without a lower validation loss, keeping the best epoch's weights; 0 turns it off (default: ${SMALL_TABLE_PATIENCE} for tables of fewer than ${SMALL_TABLE_ROWS} rows, else 0)`,
      nonNegativeInt,
    )
    .option(
      "--dashboard [port]",
      "serve live loss, metric and learning-rate charts on http://127.0.0.1:PORT/ while training (no port: any free one; the address is printed)",
      nonNegativeInt,
    )
    .option(
      "--report-every <seconds>",
      `rewrite report.md, report.html and the charts after an epoch at most this often while training (0: after every epoch; default ${TRAIN_DEFAULTS.reportEvery})`,
      nonNegativeNumber,
    )
    .option("--out <dir>", "run folder (default runs/<timestamp>; with --resume, the checkpoint's folder)")
    .option("--resume <checkpoint>", "continue a run from one of its checkpoints (its config.json is reused)")
    .option("--quiet", "print only the run folder and the test figure")
    .action(async (opts: TrainOptions, cmd: Command) => {
      const given = new Set(Object.keys(opts).filter((k) => cmd.getOptionValueSource(k) === "cli"));
      setExit(await trainCommand(opts, given));
    });

  program
    .command("eval")
    .alias("evaluate") // the library's (and Keras's) name for it
    .description("evaluate a trained model on the test split of its data (or of --data)")
    .requiredOption("--checkpoint <path>", "a run's model.safetensors or checkpoint-*.safetensors")
    .option("--data <source>", "mnist, idx:DIR or csv:FILE (default: the run's data)")
    .option("--target <column>", "csv: the target column")
    .option("--limit <n>", "use at most n test samples", positiveInt)
    .option("--batch-size <n>", "samples per forward pass", positiveInt, 256)
    .action(async (opts) => setExit(await evalCommand(opts)));

  program
    .command("predict")
    .description("predict a class (or value) for every sample of a CSV or IDX file, one per line")
    .requiredOption("--checkpoint <path>", "a run's model.safetensors or checkpoint-*.safetensors")
    .requiredOption(
      "--input <file>",
      "samples: a .csv file (features; header optional), an IDX image file (.gz ok), or for a model trained on an image folder a .png/.jpg file or a folder of them (lines then read file,label)",
    )
    .option("--output <file>", "write the predictions to this file instead of stdout")
    .option("--batch-size <n>", "samples per forward pass", positiveInt, 256)
    .action(async (opts) => setExit(await predictCommand(opts)));

  program
    .command("export")
    .description("write a run's trained model as an ONNX file (for ONNX Runtime and other deployment targets)")
    .argument("<run-folder>", "a run folder left by tensorgrad train")
    .requiredOption("--onnx <file>", "the ONNX file to write")
    .option("--weights <file>", "which weights of the run: model.safetensors, checkpoint-best.safetensors, …", "model.safetensors")
    .option("--opset <n>", "ONNX opset version (13 to 23)", positiveInt, 17)
    .option("--no-standardize", "leave the run's input standardisation out of the graph (the file then takes standardised inputs)")
    .action(async (runFolder: string, opts) => setExit(await exportCommand(runFolder, opts)));

  program
    .command("runs")
    .description(
      "list the run folders in a folder: name, last update (UTC), model, data, epochs, best epoch, test figure, state; or with --compare draw chosen runs together",
    )
    .argument("[dir]", "the folder holding run folders", "runs")
    .option("--json", "print the list as JSON")
    .option(
      "--compare <runs...>",
      `draw these runs' curves together into one PNG (run folders, or names under the folder; at most ${MAX_COMPARED})`,
    )
    .option(
      "--metric <name>",
      "with --compare: the figure to draw, as metrics.jsonl names it (default valLoss, else loss): loss, valLoss, accuracy, valAccuracy, mae, lr, …",
    )
    .option("--out <file>", "with --compare: the PNG to write (default compare.png)")
    .action((dir: string, opts) => setExit(runsCommand(dir, opts)));

  modelOptions(program.command("summary").description("print a model's layers, output shapes and parameter counts"))
    .option("--input-size <n>", "input features", positiveInt, 784)
    .option("--classes <n>", "outputs", positiveInt, 10)
    .option("--checkpoint <path>", "describe the model of a run instead")
    .action(async (opts) => setExit(await summaryCommand(opts)));

  program
    .command("playground")
    .description("serve the playground: train networks in the browser and watch them learn")
    .option("--port <n>", "port to listen on (0: any free port)", nonNegativeInt, 8080)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .action(async (opts) => setExit(await playgroundCommand(opts)));

  return program;
}

/** One line: messages from deep inside (loadStateDict lists problems on several lines) are joined. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, "; ").trim();
}

/** Runs the CLI on `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const debug = argv.includes("--debug");
  const program = buildProgram((c) => (code = c));
  if (argv.filter((a) => a !== "--debug").length === 0) {
    // No command: the overview, as a usage error.
    process.stderr.write(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0) return 0;
      const sub = argv.find((a) => !a.startsWith("-"));
      const help =
        sub && ["train", "eval", "evaluate", "predict", "summary", "export", "playground", "runs"].includes(sub)
          ? `tensorgrad ${sub} --help`
          : "tensorgrad --help";
      process.stderr.write(`tensorgrad: ${oneLine(e.message.replace(/^error: /, ""))} (see ${help})\n`);
      return 2;
    }
    const err = e as Error & { code?: string; path?: string };
    if (debug) process.stderr.write(`${err?.stack ?? String(e)}\n`);
    if (e instanceof UsageError) {
      process.stderr.write(`tensorgrad: ${oneLine(err.message)}\n`);
      return 2;
    }
    if (e instanceof CliError || e instanceof tg.TensorgradError) {
      process.stderr.write(`tensorgrad: ${oneLine(err.message)}\n`);
      return 1;
    }
    if (err && typeof err.code === "string" && err.code.startsWith("E")) {
      // A file-system error (ENOENT, EACCES, ENOSPC …): its message already names the path.
      process.stderr.write(`tensorgrad: ${oneLine(err.message)}\n`);
      return 1;
    }
    process.stderr.write(
      `tensorgrad: internal error: ${oneLine(err?.message ?? String(e))}${debug ? "" : " (run with --debug for the stack trace)"}\n`,
    );
    return 1;
  }
}

// `tensorgrad … | head` closes the pipe while the command still writes: the rest of that output is
// dropped and the work finishes (a training still completes its run folder), rather than an
// unhandled EPIPE crashing the process with a stack trace part-way through.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });
}

const code = await main(process.argv.slice(2));
// Let pending output drain, then exit (timers of a progress bar must not keep the process alive).
process.exitCode = code;
setImmediate(() => process.exit(code));
