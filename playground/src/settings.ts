// Everything a playground run depends on, with its allowed values: read from and written to the
// page's URL so that a run can be shared and replayed (same seed, same settings, same numbers).

export const DATASETS = ["spirals", "circles", "xor", "sine", "digits"] as const;
export const ACTIVATIONS = ["relu", "tanh", "sigmoid", "gelu", "leakyRelu", "elu", "silu"] as const;
export const OPTIMIZERS = ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"] as const;
export const SCHEDULES = ["constant", "step", "cosine", "exponential"] as const;
export const CLASSIFICATION_LOSSES = ["crossEntropy", "mse"] as const;
export const REGRESSION_LOSSES = ["mse", "l1", "huber"] as const;
export const BACKENDS = ["wasm", "js", "webgpu"] as const;
/** "cnn" puts two convolution blocks before the hidden layers (digits only). */
export const MODELS = ["mlp", "cnn"] as const;
/** How the weights start: PyTorch's default, He (Kaiming) or Xavier normal, or N(0, 0.01²) / N(0, 1) to watch gradients vanish or explode. */
export const INITS = ["default", "he", "xavier", "small", "large"] as const;
/** A normalisation layer after each hidden Linear, before its activation. */
export const NORMS = ["none", "batch", "layer"] as const;

export type Dataset = (typeof DATASETS)[number];

export interface Settings {
  dataset: Dataset;
  /** Samples drawn for the synthetic sets (train + test). */
  samples: number;
  noise: number;
  model: (typeof MODELS)[number];
  /** Hidden layers and units in each. */
  depth: number;
  width: number;
  activation: (typeof ACTIVATIONS)[number];
  init: (typeof INITS)[number];
  norm: (typeof NORMS)[number];
  loss: (typeof CLASSIFICATION_LOSSES)[number] | (typeof REGRESSION_LOSSES)[number];
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  schedule: (typeof SCHEDULES)[number];
  /** Epochs the schedule spans (cosine reaches its minimum there). */
  epochs: number;
  weightDecay: number;
  l1: number;
  dropout: number;
  /** The largest total gradient norm (nn.utils.clipGradNorm before each step); 0 leaves gradients alone. */
  clip: number;
  batchSize: number;
  seed: number;
  backend: (typeof BACKENDS)[number];
}

export const DEFAULTS: Settings = {
  dataset: "spirals",
  samples: 600,
  noise: 0.1,
  model: "mlp",
  depth: 2,
  width: 32,
  activation: "relu",
  init: "default",
  norm: "none",
  loss: "crossEntropy",
  optimizer: "adam",
  lr: 0.01,
  schedule: "constant",
  epochs: 100,
  weightDecay: 0,
  l1: 0,
  dropout: 0,
  clip: 0,
  batchSize: 32,
  seed: 1,
  backend: "wasm",
};

type Rule = { choices: readonly string[] } | { min: number; max: number; integer: boolean };

export const RULES: Record<keyof Settings, Rule> = {
  dataset: { choices: DATASETS },
  samples: { min: 20, max: 5000, integer: true },
  noise: { min: 0, max: 1, integer: false },
  model: { choices: MODELS },
  depth: { min: 0, max: 8, integer: true },
  width: { min: 1, max: 512, integer: true },
  activation: { choices: ACTIVATIONS },
  init: { choices: INITS },
  norm: { choices: NORMS },
  loss: { choices: [...CLASSIFICATION_LOSSES, ...REGRESSION_LOSSES.filter((l) => l !== "mse")] },
  optimizer: { choices: OPTIMIZERS },
  lr: { min: 1e-6, max: 10, integer: false },
  schedule: { choices: SCHEDULES },
  epochs: { min: 1, max: 10000, integer: true },
  weightDecay: { min: 0, max: 1, integer: false },
  l1: { min: 0, max: 1, integer: false },
  dropout: { min: 0, max: 0.9, integer: false },
  clip: { min: 0, max: 1000, integer: false },
  batchSize: { min: 1, max: 4096, integer: true },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  backend: { choices: BACKENDS },
};

export const isRegression = (s: Settings): boolean => s.dataset === "sine";

/** The losses that fit the data set's task. */
export function lossesFor(s: Settings): readonly string[] {
  return isRegression(s) ? REGRESSION_LOSSES : CLASSIFICATION_LOSSES;
}

/** The models that fit the data set: convolutions need images. */
export function modelsFor(s: Settings): readonly string[] {
  return s.dataset === "digits" ? MODELS : ["mlp"];
}

/** Settings that do not fit the data set (a classification loss for the sine, a CNN on points) fall back to its first choice. */
export function fitToDataset(s: Settings): void {
  if (!lossesFor(s).includes(s.loss)) s.loss = lossesFor(s)[0] as Settings["loss"];
  if (!modelsFor(s).includes(s.model)) s.model = "mlp";
}

/** Whether `raw` is an allowed value of `key`; the parsed value if so. */
export function parseValue<K extends keyof Settings>(key: K, raw: string): Settings[K] | undefined {
  const rule = RULES[key];
  if ("choices" in rule) return rule.choices.includes(raw) ? (raw as Settings[K]) : undefined;
  if (raw.trim() === "") return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < rule.min || v > rule.max || (rule.integer && !Number.isInteger(v))) return undefined;
  return v as Settings[K];
}

/**
 * Settings from a URL query: unknown keys and values outside the rules are ignored (a shared link
 * from another version still opens), and a loss or model that does not fit the data set falls back
 * to its first one.
 */
export function fromQuery(query: string): { settings: Settings; ignored: string[] } {
  const settings: Settings = { ...DEFAULTS };
  const ignored: string[] = [];
  for (const [key, raw] of new URLSearchParams(query)) {
    if (!Object.prototype.hasOwnProperty.call(RULES, key)) {
      ignored.push(key);
      continue;
    }
    const v = parseValue(key as keyof Settings, raw);
    if (v === undefined) ignored.push(key);
    else (settings as unknown as Record<string, unknown>)[key] = v;
  }
  fitToDataset(settings);
  return { settings, ignored };
}

/** The query that reproduces `s` (only the values that differ from the defaults). */
export function toQuery(s: Settings): string {
  const q = new URLSearchParams();
  for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
    if (s[key] !== DEFAULTS[key]) q.set(key, String(s[key]));
  }
  return q.toString();
}
