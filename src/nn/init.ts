// nn.init: in-place parameter initialisers with PyTorch's gains, fan computation and defaults
// (torch.nn.init). Every draw comes from tensorgrad's seeded generator (manualSeed).

import { ValueError, fmtShape } from "../errors.js";
import { random, randomNormal } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { noGrad } from "../autograd/grad-mode.js";
import { checkOptions } from "../tensor/options.js";

/** The non-linearities calculateGain knows (torch's names; leakyRelu also in camelCase). */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "leakyRelu"
  | "selu";
/**
 * Which fan Kaiming init scales by: inputs ("fan_in", preserving forward variance) or outputs ("fan_out",
 * backward); camelCase spellings work too.
 */
export type FanMode = "fan_in" | "fan_out" | "fanIn" | "fanOut";

/** Options of kaimingUniform and kaimingNormal (torch's names and defaults). */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (only used with "leaky_relu"; default 0). */
  a?: number;
  /** "fan_in" (default) preserves the forward pass's variance, "fan_out" the backward pass's. */
  mode?: FanMode;
  /** Default "leaky_relu" (with a = 0 that is plain ReLU's gain √2), as torch. */
  nonlinearity?: Nonlinearity;
}

/**
 * Writes `fill()` into every element of `t` in row-major order, in place and outside autograd (as
 * torch.nn.init runs under no_grad), and returns `t`: the values are drawn into a new tensor, which
 * the backend's copy kernel writes into `t`, bumping its version.
 */
function fillInPlace(op: string, t: Tensor, fill: () => number): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`init.${op}: expected a Tensor, got ${typeof t}`);
  const values = new Float64Array(t.size);
  for (let i = 0; i < values.length; i++) values[i] = fill();
  const src = tensor(values, { shape: t.shape, dtype: t.dtype });
  noGrad(() => t.copy_(src));
  return t;
}

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): 1 for linear, conv and
 * sigmoid, 5/3 for tanh, √2 for relu, √(2/(1+slope²)) for leaky_relu (slope default 0.01), 3/4 for selu.
 * @example nn.init.calculateGain("leaky_relu", 0.2)  // 1.3868: √(2/(1 + 0.2²))
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "conv_transpose1d":
    case "conv_transpose2d":
    case "conv_transpose3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu":
    case "leakyRelu": {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new ValueError(`init.calculateGain: negative slope ${slope} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new ValueError(`init.calculateGain: unsupported nonlinearity "${String(nonlinearity)}"`);
  }
}

/**
 * [fanIn, fanOut] of a weight: dim 1 and dim 0 times the receptive field (the product of the dims
 * after the first two, so a conv weight [outC, inC, kH, kW] has fanIn = inC·kH·kW).
 * @example nn.init.calculateFanInAndFanOut(tg.zeros([16, 3, 5, 5]))  // [75, 400]
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new ValueError(
      `init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (got shape ${fmtShape(t.shape)})`,
    );
  }
  let receptive = 1;
  for (let d = 2; d < t.ndim; d++) receptive *= t.shape[d];
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fanFor(op: string, t: Tensor, mode: FanMode): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  if (mode === "fan_in" || mode === "fanIn") return fanIn;
  if (mode === "fan_out" || mode === "fanOut") return fanOut;
  throw new ValueError(`init.${op}: mode must be "fan_in" or "fan_out", got "${String(mode)}"`);
}

/** Fills `t` with draws from U(a, b) in place, without recording a gradient, and returns it (torch.nn.init.uniform_). @example nn.init.uniform(w, -0.1, 0.1) */
export function uniform(t: Tensor, a = 0, b = 1): Tensor {
  if (!(a <= b)) throw new ValueError(`init.uniform: expected a <= b, got a=${a}, b=${b}`);
  return fillInPlace("uniform", t, () => a + (b - a) * random());
}

/**
 * Fills `t` with draws from N(mean, std²) in place, without recording a gradient, and returns it (torch.nn.init.normal_).
 * @example nn.init.normal(new nn.Linear(4, 2).weight, 0, 0.02)
 */
export function normal(t: Tensor, mean = 0, std = 1): Tensor {
  if (!(std >= 0)) throw new ValueError(`init.normal: std must be >= 0, got ${std}`);
  return fillInPlace("normal", t, () => mean + std * randomNormal());
}

/**
 * Fills `t` with `value` in place, without recording a gradient, and returns it (torch.nn.init.constant_).
 * @example nn.init.constant(new nn.Linear(4, 2).bias!, 0.1)  // every element 0.1
 */
export function constant(t: Tensor, value: number): Tensor {
  return fillInPlace("constant", t, () => value);
}

/**
 * Fills `t` with 0 in place (without recording a gradient) and returns it (torch.nn.init.zeros_).
 * @example nn.init.zeros(new nn.Linear(4, 2).bias!)  // [0, 0]
 */
export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

/**
 * Fills `t` with 1 in place (without recording a gradient) and returns it (torch.nn.init.ones_).
 * @example nn.init.ones(new nn.LayerNorm([4]).weight!)  // [1, 1, 1, 1]
 */
export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

function gainOf(opts: number | { gain?: number }): number {
  return typeof opts === "number" ? opts : (opts.gain ?? 1);
}

/**
 * Glorot uniform: U(-b, b) with b = gain·√(6/(fanIn+fanOut)) (torch.nn.init.xavier_uniform_).
 * @example nn.init.xavierUniform(new nn.Linear(256, 128).weight, { gain: nn.init.calculateGain("tanh") })
 */
export function xavierUniform(t: Tensor, opts: number | { gain?: number } = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const bound = gainOf(opts) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -bound, bound);
}

/**
 * Glorot normal: N(0, std²) with std = gain·√(2/(fanIn+fanOut)) (torch.nn.init.xavier_normal_).
 * @example nn.init.xavierNormal(new nn.Linear(256, 128).weight)  // std √(2/384) ≈ 0.072
 */
export function xavierNormal(t: Tensor, opts: number | { gain?: number } = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal(t, 0, gainOf(opts) * Math.sqrt(2 / (fanIn + fanOut)));
}

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number {
  checkOptions(`init.${op}`, opts, ["a", "mode", "nonlinearity"]);
  const { a = 0, mode = "fan_in", nonlinearity = "leaky_relu" } = opts;
  const fan = fanFor(op, t, mode);
  if (fan === 0) return 0; // torch warns and leaves a zero-element tensor alone
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/**
 * He uniform: U(-b, b) with b = √3·gain/√fan (torch.nn.init.kaiming_uniform_; defaults a=0,
 * mode "fan_in", nonlinearity "leaky_relu"). nn.Linear's default weight init is this with a=√5.
 * @example nn.init.kaimingUniform(conv.weight, { mode: "fan_out", nonlinearity: "relu" })
 */
export function kaimingUniform(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd("kaimingUniform", t, opts);
  return uniform(t, -bound, bound);
}

/**
 * He normal: N(0, std²) with std = gain/√fan (torch.nn.init.kaiming_normal_).
 * @example nn.init.kaimingNormal(new nn.Linear(512, 256).weight, { nonlinearity: "relu" })  // std √(2/512) = 0.0625
 */
export function kaimingNormal(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd("kaimingNormal", t, opts));
}

/**
 * The default initialisation of torch's Linear and ConvNd layers (their reset_parameters): weight
 * from kaiming-uniform with a = √5, i.e. U(±1/√fanIn), and bias from U(±1/√fanIn).
 * @example nn.init.defaultLayerInit(layer.weight, layer.bias)  // what nn.Linear's and nn.Conv2d's resetParameters do
 */
export function defaultLayerInit(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform(weight, { a: Math.sqrt(5) });
  if (bias) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform(bias, -bound, bound);
  }
}
