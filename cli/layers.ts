// Networks described as a list of tensorgrad layers — the `cnn` preset and `--model file.json|yaml` —
// with shapes inferred layer by layer, so a file names only what a user would choose (channels,
// kernel sizes, widths) and a mistake is reported with the layer it is in before anything is built.

import { nn, type Tensor } from "../src/index.js";
import { CliError } from "./errors.js";

/** One layer of a described network. Sizes of inputs are inferred from the layer before. */
export type LayerSpec =
  | { type: "conv2d"; out: number; kernel: number; stride?: number; padding?: number }
  | { type: "maxpool2d" | "avgpool2d"; kernel: number; stride?: number }
  | { type: "batchnorm" }
  | { type: "dropout"; p: number }
  | { type: "flatten" }
  | { type: "linear"; out: number }
  | { type: "relu" | "gelu" | "tanh" | "sigmoid" }
  | RecurrentSpec;

/**
 * An LSTM or GRU over a sequence [T, F] (time steps, features). It gives the last layer's final
 * hidden state, both directions side by side ([D·H]), or with `returnSequences` every step's output
 * [T, D·H] for a recurrent layer after it.
 */
export interface RecurrentSpec {
  type: "lstm" | "gru";
  hidden: number;
  layers?: number;
  bidirectional?: boolean;
  /** Dropout between stacked layers (PyTorch's `dropout`). */
  dropout?: number;
  returnSequences?: boolean;
}

export interface LayersModelConfig {
  type: "layers";
  /** "cnn", or the model file's name. */
  preset: string;
  inputSize: number;
  /** The shape of one sample fed to the first layer: [C, H, W] for images, [F] for tables. */
  inputShape: number[];
  layers: LayerSpec[];
  outputs: number;
}

/**
 * The `cnn` preset: LeNet-style, two 5×5 convolutions with max pooling, then a hidden layer with
 * dropout. The final linear layer to the classes is added by the CLI (as for every described model).
 */
export const CNN_LAYERS: LayerSpec[] = [
  { type: "conv2d", out: 16, kernel: 5, padding: 2 },
  { type: "relu" },
  { type: "maxpool2d", kernel: 2 },
  { type: "conv2d", out: 32, kernel: 5 },
  { type: "relu" },
  { type: "maxpool2d", kernel: 2 },
  { type: "flatten" },
  { type: "linear", out: 128 },
  { type: "relu" },
  { type: "dropout", p: 0.1 },
];

/** Images of n pixels are taken as square single-channel pictures; anything else as a flat vector. */
export function defaultInputShape(inputSize: number): number[] {
  const side = Math.round(Math.sqrt(inputSize));
  return side * side === inputSize && side >= 8 ? [1, side, side] : [inputSize];
}

/** Reshapes the CLI's flat [N, F] inputs to [N, ...shape] for the first layer. */
class Reshape extends nn.Module {
  constructor(readonly shape: readonly number[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.reshape([x.shape[0], ...this.shape]);
  }
}

/** nn.LSTM / nn.GRU on batch-first sequences, giving the final hidden state or every step's output. */
class Recurrent extends nn.Module {
  readonly rnn: nn.LSTM | nn.GRU;
  constructor(
    inputSize: number,
    readonly spec: RecurrentSpec,
  ) {
    super();
    const opts = { numLayers: spec.layers ?? 1, bidirectional: spec.bidirectional ?? false, dropout: spec.dropout ?? 0, batchFirst: true };
    this.rnn = spec.type === "lstm" ? new nn.LSTM(inputSize, spec.hidden, opts) : new nn.GRU(inputSize, spec.hidden, opts);
  }
  forward(x: Tensor): Tensor {
    const [out, state] = this.rnn instanceof nn.LSTM ? this.rnn.forward(x) : this.rnn.forward(x);
    if (this.spec.returnSequences) return out;
    // hN is [layers·D, N, H]: the last layer's D directions, side by side per sample.
    const h = Array.isArray(state) ? state[0] : state;
    const d = this.spec.bidirectional ? 2 : 1,
      rows = h.shape[0];
    return h
      .slice(0, rows - d, rows)
      .transpose(0, 1)
      .reshape([x.shape[0], d * this.spec.hidden]);
  }
}

/** Weights and biases of an LSTM (4 gates) or GRU (3): per layer and direction G·H·(in + H) + 2·G·H. */
function recurrentParameters(inputSize: number, spec: RecurrentSpec): number {
  const g = spec.type === "lstm" ? 4 : 3,
    h = spec.hidden,
    d = spec.bidirectional ? 2 : 1;
  let n = 0;
  for (let l = 0; l < (spec.layers ?? 1); l++) n += d * (g * h * ((l === 0 ? inputSize : d * h) + h) + 2 * g * h);
  return n;
}

interface Built {
  modules: nn.Module[];
  parameters: number;
  shape: number[];
}

/**
 * Walks the layers from `inputShape`, checking each fits the shape before it; returns the modules
 * (when `build`), the parameter count and the output shape. `where(i)` names layer i in errors.
 */
export function walkLayers(
  inputShape: readonly number[],
  layers: readonly LayerSpec[],
  outputs: number,
  where: (i: number) => string,
  build: boolean,
): Built {
  let shape = [...inputShape];
  let parameters = 0;
  const modules: nn.Module[] = shape.length > 1 ? [new Reshape(shape)] : [];
  const add = (make: () => nn.Module): void => {
    if (build) modules.push(make());
  };
  const image = (i: number, what: string): [number, number, number] => {
    if (shape.length !== 3)
      throw new CliError(
        `${where(i)}: ${what} needs images [channels, height, width], but its input is [${shape.join(", ")}]${shape.length === 1 ? " (after flatten, or a table)" : ""}`,
      );
    return shape as [number, number, number];
  };
  const spatial = (size: number, kernel: number, stride: number, pad: number, i: number): number => {
    const out = Math.floor((size + 2 * pad - kernel) / stride) + 1;
    if (out < 1)
      throw new CliError(`${where(i)}: a kernel of ${kernel} does not fit the input's ${size} pixels${pad ? ` (padded by ${pad})` : ""}`);
    return out;
  };
  layers.forEach((l, i) => {
    switch (l.type) {
      case "conv2d": {
        const [c, h, w] = image(i, "conv2d");
        const stride = l.stride ?? 1,
          padding = l.padding ?? 0;
        shape = [l.out, spatial(h, l.kernel, stride, padding, i), spatial(w, l.kernel, stride, padding, i)];
        parameters += l.out * c * l.kernel * l.kernel + l.out;
        add(() => new nn.Conv2d(c, l.out, l.kernel, { stride, padding }));
        break;
      }
      case "maxpool2d":
      case "avgpool2d": {
        const [c, h, w] = image(i, l.type);
        const stride = l.stride ?? l.kernel;
        shape = [c, spatial(h, l.kernel, stride, 0, i), spatial(w, l.kernel, stride, 0, i)];
        add(() => (l.type === "maxpool2d" ? new nn.MaxPool2d(l.kernel, { stride }) : new nn.AvgPool2d(l.kernel, { stride })));
        break;
      }
      case "batchnorm": {
        parameters += 2 * shape[0];
        add(() => (shape.length === 3 ? new nn.BatchNorm2d(shape[0]) : new nn.BatchNorm1d(shape[0])));
        break;
      }
      case "dropout":
        add(() => new nn.Dropout(l.p));
        break;
      case "flatten":
        shape = [shape.reduce((a, b) => a * b, 1)];
        add(() => new nn.Flatten());
        break;
      case "linear": {
        if (shape.length !== 1)
          throw new CliError(
            `${where(i)}: linear needs flat features, but its input is [${shape.join(", ")}]; put a flatten layer before it`,
          );
        parameters += shape[0] * l.out + l.out;
        const inF = shape[0];
        shape = [l.out];
        add(() => new nn.Linear(inF, l.out));
        break;
      }
      case "lstm":
      case "gru": {
        if (shape.length !== 2)
          throw new CliError(
            `${where(i)}: ${l.type} needs sequences [steps, features], but its input is [${shape.join(", ")}]; give the model file an inputShape such as [${shape.length === 1 ? `${shape[0]}, 1` : "steps, features"}]`,
          );
        const [steps, features] = shape;
        const d = l.bidirectional ? 2 : 1;
        parameters += recurrentParameters(features, l);
        shape = l.returnSequences ? [steps, d * l.hidden] : [d * l.hidden];
        add(() => new Recurrent(features, l));
        break;
      }
      case "relu":
        add(() => new nn.ReLU());
        break;
      case "gelu":
        add(() => new nn.GELU());
        break;
      case "tanh":
        add(() => new nn.Tanh());
        break;
      case "sigmoid":
        add(() => new nn.Sigmoid());
        break;
    }
  });
  // The output layer to the task's classes or values.
  const inF = shape.reduce((a, b) => a * b, 1);
  if (shape.length > 1) add(() => new nn.Flatten());
  parameters += inF * outputs + outputs;
  add(() => new nn.Linear(inF, outputs));
  return { modules, parameters, shape: [outputs] };
}

/** "conv2d 32@5x5, maxpool 2, …" for the header line and report. */
export function describeLayers(cfg: LayersModelConfig): string {
  const parts = cfg.layers.map((l) => {
    switch (l.type) {
      case "conv2d":
        return `conv ${l.out}@${l.kernel}x${l.kernel}`;
      case "maxpool2d":
        return `maxpool ${l.kernel}`;
      case "avgpool2d":
        return `avgpool ${l.kernel}`;
      case "dropout":
        return `dropout ${l.p}`;
      case "linear":
        return `linear ${l.out}`;
      case "lstm":
      case "gru":
        return `${l.type} ${l.hidden}${(l.layers ?? 1) > 1 ? `x${l.layers}` : ""}${l.bidirectional ? " bidirectional" : ""}${l.returnSequences ? " (sequences)" : ""}`;
      default:
        return l.type;
    }
  });
  return `${cfg.preset}: [${cfg.inputShape.join("x")}] ${parts.join(", ")}, linear ${cfg.outputs}`;
}
