// Model presets of the command line and the multilayer perceptron they describe: the description
// (stored in config.json) is all eval and predict need to rebuild the model from a checkpoint.

import * as tg from "../src/index.js";
import { nn } from "../src/index.js";
import { CliError, UsageError } from "./errors.js";
import { CNN_LAYERS, defaultInputShape, describeLayers, walkLayers, type LayersModelConfig } from "./layers.js";
import { MODEL_FILE, readModelFile } from "./model-file.js";
import { buildModuleModel, MODULE_FILE, moduleModelConfig, type ModuleModelConfig } from "./model-module.js";

export const ACTIVATIONS = ["relu", "gelu", "tanh", "sigmoid"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** A multilayer perceptron: inputSize → hidden… → outputs, each hidden layer followed by activation and dropout. */
export interface MlpConfig {
  type: "mlp";
  /** The preset it came from, for the record ("custom" when --layers was given). */
  preset: string;
  inputSize: number;
  hidden: number[];
  activation: Activation;
  dropout: number;
  /** Dropout on the inputs themselves (a cheap augmentation that helps an MLP on pixels). */
  inputDropout?: number;
  outputs: number;
}

/** What config.json's "model" holds: an MLP, a list of layers (the cnn preset, a model file), or a module of code. */
export type ModelConfig = MlpConfig | LayersModelConfig | ModuleModelConfig;

export interface Preset {
  hidden: number[];
  dropout: number;
  inputDropout: number;
  description: string;
}

export const PRESETS: Record<string, Preset> = {
  mlp: {
    hidden: [256, 128],
    dropout: 0.2,
    inputDropout: 0.2,
    description: "784-256-128-10 with ReLU, dropout 0.2 on inputs and hidden layers (the default)",
  },
  "mlp-small": { hidden: [64], dropout: 0, inputDropout: 0, description: "one hidden layer of 64 units" },
  "mlp-large": { hidden: [512, 256], dropout: 0.3, inputDropout: 0.2, description: "512-256 hidden units, dropout 0.3" },
  linear: { hidden: [], dropout: 0, inputDropout: 0, description: "no hidden layer (multinomial logistic regression)" },
  "mlp-table": {
    hidden: [128, 64],
    dropout: 0,
    inputDropout: 0,
    description: "128-64 hidden units without dropout (the default for small tables)",
  },
};

/**
 * Input dropout is for pixels, where dropping a few of hundreds is a cheap augmentation; on a table of
 * a handful of features it deletes a large share of the information, so below this many inputs a
 * preset's input dropout is off unless --input-dropout asks for it.
 */
export const INPUT_DROPOUT_MIN_FEATURES = 100;

/** The model description for a preset name, optionally overridden by --layers / --activation / --dropout. */
export function modelConfig(
  {
    model = "mlp",
    layers,
    activation = "relu",
    dropout,
    inputDropout,
  }: { model?: string; layers?: number[]; activation?: string; dropout?: number; inputDropout?: number },
  inputSize: number,
  outputs: number,
  /** The data's own sample shape ([C, H, W] for images from a folder), when they have one. */
  dataShape?: number[],
): ModelConfig {
  if (model === "cnn" && !layers)
    return { type: "layers", preset: "cnn", inputSize, inputShape: dataShape ?? defaultInputShape(inputSize), layers: CNN_LAYERS, outputs };
  if (MODULE_FILE.test(model) && !layers) return moduleModelConfig(model, inputSize, outputs, dataShape ?? defaultInputShape(inputSize));
  if (MODEL_FILE.test(model) && !layers) {
    const file = readModelFile(model);
    const inputShape = file.inputShape ?? dataShape ?? defaultInputShape(inputSize);
    const values = inputShape.reduce((a, b) => a * b, 1);
    if (values !== inputSize)
      throw new CliError(
        `${model}: inputShape [${inputShape.join(", ")}] holds ${values} values, but the data have ${inputSize} features per sample`,
      );
    // Shapes checked now, so a mistake names the file and the layer before any data are touched.
    walkLayers(inputShape, file.layers, outputs, (i) => `${model}: layers.${i}`, false);
    return { type: "layers", preset: file.name, inputSize, inputShape, layers: file.layers, outputs };
  }
  const preset = Object.hasOwn(PRESETS, model) ? PRESETS[model] : undefined;
  if (!preset)
    throw new UsageError(
      `unknown model "${model}" (expected one of ${[...Object.keys(PRESETS), "cnn"].join(", ")}, a model file FILE.json or FILE.yaml, or --layers 256,128)`,
    );
  if (!(ACTIVATIONS as readonly string[]).includes(activation))
    throw new UsageError(`unknown activation "${activation}" (expected one of ${ACTIVATIONS.join(", ")})`);
  const hidden = layers ?? preset.hidden;
  return {
    type: "mlp",
    preset: layers ? "custom" : model,
    inputSize,
    hidden,
    activation: activation as Activation,
    dropout: dropout ?? (hidden.length === 0 ? 0 : preset.dropout),
    inputDropout: inputDropout ?? (layers || inputSize < INPUT_DROPOUT_MIN_FEATURES ? 0 : preset.inputDropout),
    outputs,
  };
}

function activationLayer(name: Activation): nn.Module {
  switch (name) {
    case "relu":
      return new nn.ReLU();
    case "gelu":
      return new nn.GELU();
    case "tanh":
      return new nn.Tanh();
    case "sigmoid":
      return new nn.Sigmoid();
  }
}

/**
 * The largest model the command line builds: 100 million parameters (about 1.6 GB while training
 * with Adam: weights, gradients and two moment buffers in float32), and no layer wider than
 * 1,000,000 units (a batch of 256 activations of such a layer is already 1 GB). Sizes come from
 * option values and config.json files, which may be typos or hostile; past these a run could only
 * end in an out-of-memory abort, so it is refused before anything is allocated.
 */
export const MAX_PARAMETERS = 100_000_000;
export const MAX_WIDTH = 1_000_000;

/** Weights and biases of the MLP a configuration describes, computed without building it. */
export function parameterCount(cfg: Pick<MlpConfig, "inputSize" | "hidden" | "outputs">): number {
  const widths = [cfg.inputSize, ...cfg.hidden, cfg.outputs];
  let n = 0;
  for (let i = 1; i < widths.length; i++) n += widths[i - 1] * widths[i] + widths[i];
  return n;
}

/** Why a model is too large to build, or null when it fits. */
export function modelSizeProblem(cfg: Pick<MlpConfig, "inputSize" | "hidden" | "outputs"> | LayersModelConfig): string | null {
  if ("type" in cfg && cfg.type === "layers") {
    const n = walkLayers(cfg.inputShape, cfg.layers, cfg.outputs, (i) => `layer ${i}`, false).parameters;
    return n > MAX_PARAMETERS
      ? `the model has ${n.toLocaleString("en-US")} parameters, more than the limit of ${MAX_PARAMETERS.toLocaleString("en-US")}`
      : null;
  }
  const mlp = cfg as Pick<MlpConfig, "inputSize" | "hidden" | "outputs">;
  const widths = [mlp.inputSize, ...mlp.hidden, mlp.outputs];
  const widest = Math.max(...widths);
  if (widest > MAX_WIDTH)
    return `a layer of ${widest.toLocaleString("en-US")} units is wider than the limit of ${MAX_WIDTH.toLocaleString("en-US")}`;
  const n = parameterCount(mlp);
  if (n > MAX_PARAMETERS) {
    return `the model ${widths.join("-")} has ${n.toLocaleString("en-US")} parameters (${((n * 16) / 1e9).toFixed(1)} GB to train with Adam), more than the limit of ${MAX_PARAMETERS.toLocaleString("en-US")}`;
  }
  return null;
}

/**
 * The model a ModelConfig describes, initialised from the global generator: built from the
 * description, or for a module file imported and checked (its output shape, its size).
 */
export async function createModel(cfg: ModelConfig): Promise<nn.Module> {
  if (cfg.type !== "module") return buildModel(cfg);
  const model = await buildModuleModel(cfg);
  const n = model.numParameters();
  if (n > MAX_PARAMETERS)
    throw new CliError(
      `cannot build the model: ${cfg.preset} has ${n.toLocaleString("en-US")} parameters, more than the limit of ${MAX_PARAMETERS.toLocaleString("en-US")}`,
    );
  // One forward pass of two zero samples, so a model that does not fit the data fails here, named,
  // rather than inside the first batch.
  const wasTraining = model.training;
  model.eval();
  let shape: number[];
  try {
    shape = tg.noGrad(() => model.forward(tg.zeros([2, cfg.inputSize]))).shape;
  } catch (e) {
    throw new CliError(
      `${cfg.file}: the model fails on inputs of shape [batch, ${cfg.inputSize}] (${(e as Error).message.split("\n")[0]}); inputs arrive flat, so a convolutional model starts with new nn.Unflatten(1, [${cfg.inputShape.join(", ")}])`,
    );
  } finally {
    model.train(wasTraining);
  }
  if (shape.length !== 2 || shape[0] !== 2 || shape[1] !== cfg.outputs) {
    throw new CliError(
      `${cfg.file}: the model gives outputs of shape [${shape.join(", ")}] for a batch of 2, but the data need [2, ${cfg.outputs}] (${cfg.outputs} ${cfg.outputs === 1 ? "output" : "outputs"} per sample)`,
    );
  }
  cfg.className = model.constructor.name;
  return model;
}

/** The nn.Sequential a ModelConfig of layers describes (initialised from the global generator); refuses models past the size limits. */
export function buildModel(cfg: MlpConfig | LayersModelConfig): nn.Sequential {
  const problem = modelSizeProblem(cfg);
  if (problem) throw new CliError(`cannot build the model: ${problem}`);
  if (cfg.type === "layers")
    return new nn.Sequential(...walkLayers(cfg.inputShape, cfg.layers, cfg.outputs, (i) => `${cfg.preset} layer ${i}`, true).modules);
  const layers: nn.Module[] = [];
  let width = cfg.inputSize;
  if (cfg.inputDropout) layers.push(new nn.Dropout(cfg.inputDropout));
  for (const h of cfg.hidden) {
    layers.push(new nn.Linear(width, h), activationLayer(cfg.activation));
    if (cfg.dropout > 0) layers.push(new nn.Dropout(cfg.dropout));
    width = h;
  }
  layers.push(new nn.Linear(width, cfg.outputs));
  return new nn.Sequential(...layers);
}

/** "784-256-128-10 relu, dropout 0.2". */
export function describeModel(cfg: ModelConfig): string {
  if (cfg.type === "layers") return describeLayers(cfg);
  if (cfg.type === "module")
    return `${cfg.preset}${cfg.className ? ` (${cfg.className})` : ""}, ${cfg.inputSize} inputs, ${cfg.outputs} outputs`;
  const sizes = [cfg.inputSize, ...cfg.hidden, cfg.outputs].join("-");
  const parts = [cfg.hidden.length === 0 ? `${sizes} linear` : `${sizes} ${cfg.activation}`];
  if (cfg.inputDropout) parts.push(`input dropout ${cfg.inputDropout}`);
  if (cfg.hidden.length > 0 && cfg.dropout > 0) parts.push(`dropout ${cfg.dropout}`);
  return parts.join(", ");
}
