// Command-line options of `npm run bench` and the plan they imply: which sections run, sizes,
// rounds, epochs and the time budgets that decide when a slow contender is skipped or sampled.

import { SECTION_KEYS, type SectionKey } from "./results.js";

export interface BenchOptions {
  quick: boolean;
  only: SectionKey[];
  /** Where RESULTS.md goes (null: bench/RESULTS.md, or a temporary file for --quick). */
  out: string | null;
  jsonOut: string | null;
  python: string;
  memoryEpochs: number;
  /** Runs of the cnn preset in the "cli" section: the default seed 0, then --seed 1, 2, … */
  cliSeeds: number;
  /** Seed of the turn order within rounds. */
  seed: number;
  /** Contender ids to run (null: every one found), e.g. tensorgrad/wasm,tfjs-wasm,PyTorch. */
  contenders: string[] | null;
  verbose: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]
  --quick              short smoke run (fewer sizes, rounds and epochs); writes to a temporary file unless --out
  --only LIST          comma-separated sections: ${SECTION_KEYS.join(",")} (default: all)
  --out PATH           write the Markdown report here (default bench/RESULTS.md)
  --json-out PATH      also write the raw results as JSON
  --python PATH        the Python with PyTorch (default $TORCH_PYTHON or /usr/bin/python3)
  --memory-epochs N    epochs of the long-run memory measurement (default 50; 5 with --quick)
  --cli-seeds N        cli section: train the cnn preset N times, with seeds 0 (its default) to N-1 (default 1)
  --seed N             seed of the shuffled turn order (default: from the clock)
  --contenders LIST    comma-separated contender ids to run (default: every one found), e.g. tensorgrad/wasm,PyTorch
  --verbose            echo the contenders' own output to stderr`;

export class OptionsError extends Error {
  override name = "OptionsError";
}

export function parseOptions(argv: readonly string[], env: Record<string, string | undefined> = {}): BenchOptions {
  const o: BenchOptions = {
    quick: false,
    only: [...SECTION_KEYS],
    out: null,
    jsonOut: null,
    python: env.TORCH_PYTHON ?? "/usr/bin/python3",
    memoryEpochs: -1,
    cliSeeds: 1,
    seed: Date.now() % 1_000_000,
    contenders: null,
    verbose: false,
    help: false,
  };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new OptionsError(`bench: ${flag} needs a value`);
    return v;
  };
  const integer = (s: string, flag: string, min: number): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < min) throw new OptionsError(`bench: ${flag} expects an integer >= ${min}, got "${s}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case "--quick":
        o.quick = true;
        break;
      case "--verbose":
        o.verbose = true;
        break;
      case "--help":
      case "-h":
        o.help = true;
        break;
      case "--only": {
        const names = value(i++, a)
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = names.filter((s) => !(SECTION_KEYS as readonly string[]).includes(s));
        if (bad.length || !names.length)
          throw new OptionsError(`bench: --only got unknown section(s) "${bad.join(",")}"; expected some of ${SECTION_KEYS.join(", ")}`);
        o.only = SECTION_KEYS.filter((k) => names.includes(k));
        break;
      }
      case "--out":
        o.out = value(i++, a);
        break;
      case "--json-out":
        o.jsonOut = value(i++, a);
        break;
      case "--python":
        o.python = value(i++, a);
        break;
      case "--memory-epochs":
        o.memoryEpochs = integer(value(i++, a), a, 2);
        break;
      case "--cli-seeds":
        o.cliSeeds = integer(value(i++, a), a, 1);
        break;
      case "--seed":
        o.seed = integer(value(i++, a), a, 0);
        break;
      case "--contenders": {
        const ids = value(i++, a)
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        if (!ids.length) throw new OptionsError(`bench: --contenders needs at least one contender id`);
        o.contenders = ids;
        break;
      }
      default:
        throw new OptionsError(`bench: unknown option "${a}"\n${USAGE}`);
    }
  }
  if (o.memoryEpochs < 0) o.memoryEpochs = o.quick ? 5 : 50;
  return o;
}

/** Sizes, rounds and budgets for a full or a quick run. */
export interface Plan {
  matmulSizes: number[];
  /** Rounds of matmul and inference measurements. */
  rounds: number;
  /** Seconds of back-to-back calls a contender times per turn. */
  minTime: number;
  /** Skip a matmul size for a contender when one call is estimated to take longer than this (seconds). */
  skipCallAbove: number;
  inferBatches: number[];
  /** Measured training epochs (rounds) after the warm-up. */
  trainRounds: number;
  /**
   * Whole warm-up epochs before the measured ones (--quick: none, the probe batches warm up). The
   * late group takes one (see run-train.ts).
   */
  warmupEpochs: number;
  /** Batches each training contender runs first, to warm up and to estimate its epoch time. */
  probeBatches: number;
  /** A contender whose epoch is estimated above this many seconds trains partial epochs instead… */
  wholeEpochAbove: number;
  /** …of about this many seconds, timed and scaled to a whole epoch. */
  partialSeconds: number;
  /** A contender whose warm-up epoch takes over this many seconds takes its rounds after the others' (see run-train.ts). */
  lateAbove: number;
  /** Options added to each `tensorgrad train` of the "cli" section: none for the presets' defaults. */
  cliBudget: string[];
}

/**
 * Training epochs estimated above this many seconds go to the late group (bench/lib/run-train.ts): with
 * two fast contenders beside it, a fast contender then waits at most a few seconds between its epochs.
 */
export const LATE_ABOVE_SECONDS = 2;

export function makePlan(quick: boolean): Plan {
  return quick
    ? {
        matmulSizes: [64, 256, 512],
        rounds: 2,
        minTime: 0.1,
        skipCallAbove: 0.5,
        inferBatches: [1, 256],
        trainRounds: 1,
        warmupEpochs: 0,
        probeBatches: 3,
        wholeEpochAbove: 4,
        partialSeconds: 1.5,
        lateAbove: LATE_ABOVE_SECONDS,
        cliBudget: ["--epochs", "1", "--limit", "600"],
      }
    : {
        matmulSizes: [64, 128, 256, 512, 1024, 2048],
        rounds: 3,
        minTime: 0.3,
        skipCallAbove: 4,
        inferBatches: [1, 256],
        trainRounds: 5,
        warmupEpochs: 4,
        probeBatches: 5,
        wholeEpochAbove: 20,
        partialSeconds: 10,
        lateAbove: LATE_ABOVE_SECONDS,
        cliBudget: [],
      };
}

/**
 * Training steps each contender takes on a workload before its first timed round: a training run is
 * thousands of steps, and V8 optimizes code that runs a few times a step only after dozens of them (the
 * MLP section warms up for whole epochs for the same reason).
 */
export const SEQ_WARMUP_STEPS = (quick: boolean): number => (quick ? 5 : 50);
