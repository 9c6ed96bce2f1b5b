// Model presets of the command line and the multilayer perceptron they describe: the description
// (stored in config.json) is all eval and predict need to rebuild the model from a checkpoint.

import { nn } from "../src/index.js";
import { UsageError } from "./errors.js";

export const ACTIVATIONS = ["relu", "gelu", "tanh", "sigmoid"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** A multilayer perceptron: inputSize → hidden… → outputs, each hidden layer followed by activation and dropout. */
export interface ModelConfig {
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

export interface Preset {
  hidden: number[];
  dropout: number;
  inputDropout: number;
  description: string;
}

export const PRESETS: Record<string, Preset> = {
  mlp: { hidden: [256, 128], dropout: 0.2, inputDropout: 0.2, description: "784-256-128-10 with ReLU, dropout 0.2 on inputs and hidden layers (the default)" },
  "mlp-small": { hidden: [64], dropout: 0, inputDropout: 0, description: "one hidden layer of 64 units" },
  "mlp-large": { hidden: [512, 256], dropout: 0.3, inputDropout: 0.2, description: "512-256 hidden units, dropout 0.3" },
  linear: { hidden: [], dropout: 0, inputDropout: 0, description: "no hidden layer (multinomial logistic regression)" },
};

/** The model description for a preset name, optionally overridden by --layers / --activation / --dropout. */
export function modelConfig(
  { model = "mlp", layers, activation = "relu", dropout, inputDropout }: { model?: string; layers?: number[]; activation?: string; dropout?: number; inputDropout?: number },
  inputSize: number,
  outputs: number,
): ModelConfig {
  const preset = PRESETS[model];
  if (!preset) throw new UsageError(`unknown model "${model}" (expected one of ${Object.keys(PRESETS).join(", ")}, or --layers 256,128)`);
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) throw new UsageError(`unknown activation "${activation}" (expected one of ${ACTIVATIONS.join(", ")})`);
  const hidden = layers ?? preset.hidden;
  return {
    type: "mlp",
    preset: layers ? "custom" : model,
    inputSize,
    hidden,
    activation: activation as Activation,
    dropout: dropout ?? (hidden.length === 0 ? 0 : preset.dropout),
    inputDropout: inputDropout ?? (layers ? 0 : preset.inputDropout),
    outputs,
  };
}

function activationLayer(name: Activation): nn.Module {
  switch (name) {
    case "relu": return new nn.ReLU();
    case "gelu": return new nn.GELU();
    case "tanh": return new nn.Tanh();
    case "sigmoid": return new nn.Sigmoid();
  }
}

/** The nn.Sequential a ModelConfig describes (initialised from the global generator). */
export function buildModel(cfg: ModelConfig): nn.Sequential {
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
  const sizes = [cfg.inputSize, ...cfg.hidden, cfg.outputs].join("-");
  const parts = [cfg.hidden.length === 0 ? `${sizes} linear` : `${sizes} ${cfg.activation}`];
  if (cfg.inputDropout) parts.push(`input dropout ${cfg.inputDropout}`);
  if (cfg.hidden.length > 0 && cfg.dropout > 0) parts.push(`dropout ${cfg.dropout}`);
  return parts.join(", ");
}
