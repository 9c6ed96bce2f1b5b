// The kernel table every backend implements: each kernel's name and the type of its parameters,
// declared once. The reference backend must implement all of it but the optional fused kernels (a
// missing or mistyped kernel is a compile error); a faster backend implements any part of it and
// falls back to the reference for the rest. The core calls kernels only by these names (see
// ops/run-kernel.ts).

import type { View } from "./backend.js";
import type { AdagradStepParams, AdamStepParams, RmspropStepParams, SgdStepParams } from "./optim-params.js";

export type { AdagradStepParams, AdamStepParams, RmspropStepParams, SgdStepParams } from "./optim-params.js";

/** Element-wise kernels of one input (plus `copy`, which writes through the output's strides and converts dtypes). */
export type UnaryKernel =
  | "neg"
  | "exp"
  | "expm1"
  | "log"
  | "log1p"
  | "sqrt"
  | "abs"
  | "sign"
  | "sin"
  | "cos"
  | "tanh"
  | "sigmoid"
  | "relu"
  | "erf"
  | "copy"
  | "floor"
  | "ceil"
  | "trunc"
  | "round"
  | "tan"
  | "asin"
  | "acos"
  | "atan"
  | "sinh"
  | "cosh"
  | "asinh"
  | "atanh"
  | "log2"
  | "log10"
  | "exp2";
/** Element-wise kernels of two inputs broadcast to the output's shape. */
/**
 * Element-wise kernels of two broadcast inputs. "reluGrad" is relu's gradient in one pass (torch's
 * threshold_backward at 0): out = a > 0 ? b : 0, with a relu's output and b the upstream gradient, so
 * a NaN or infinite gradient where the unit is off gives 0 (float dtypes only).
 */
export type BinaryKernel =
  "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum" | "eq" | "ne" | "gt" | "lt" | "ge" | "le" | "reluGrad";
/** Element-wise kernels of three inputs. */
export type TernaryKernel = "where";
/** Reductions over the trailing `reduceSize` elements of each output's run (see ops/primitives/reduce.ts). */
export type ReduceKernel = "sum" | "max" | "min" | "argmax" | "argmin";

export type Pair = readonly [number, number];

/** 2-D convolution geometry of unfold, fold and maxPool2dIndices (the contract: ops/primitives/conv.ts). */
export interface ConvGeometry {
  readonly kernel: Pair;
  readonly stride: Pair;
  /** Top and left padding; bottom/right follow from outSize. */
  readonly padding: Pair;
  readonly dilation: Pair;
  /** Spatial size [H, W] of the image. */
  readonly inSize: Pair;
  /** Spatial size [oh, ow] of the grid of patches (L = oh·ow columns). */
  readonly outSize: Pair;
  /** Column matrix [C·kh·kw, N·L] (images side by side) instead of [N, C·kh·kw, L]. */
  readonly batchColumns?: boolean;
}

export interface UnfoldParams extends ConvGeometry {
  /** What positions outside the image read (0 for convolution, −∞ for max pooling). */
  readonly padValue: number;
}

/**
 * Fused kernels that only faster backends provide. No backend falls back to the reference for them
 * (a GPU backend cannot): the op that uses one asks the current backend for it
 * (`getBackend().kernel(name)`) and otherwise composes the same maths from the kernels above.
 * Contracts: ops/primitives/recurrent-cell.ts, ops/composite/dropout.ts and ops/primitives/layer-norm.ts.
 */
export interface OptionalKernelParams {
  lstmCell: undefined;
  lstmCellGrad: undefined;
  gruCell: undefined;
  gruCellGrad: undefined;
  /** A float32 dropout mask from the generator's state, advanced in place (contract: ops/composite/dropout.ts). */
  dropoutMask: DropoutMaskParams;
  /** Layer normalization's row statistics, result and gradients (contracts: ops/primitives/layer-norm.ts). */
  layerNormStats: { readonly eps: number };
  layerNorm: LayerNormAffine;
  layerNormGrad: { readonly weight: boolean };
  layerNormParamGrad: undefined;
}

/** Which of layer norm's scale (weight) and shift (bias) follow x and its stats among the inputs. */
export interface LayerNormAffine {
  readonly weight: boolean;
  readonly bias: boolean;
}

/** dropoutMask's parameters: keep-or-drop probability, the survivors' factor, xoshiro128**'s four state words. */
export interface DropoutMaskParams {
  readonly p: number;
  readonly scale: number;
  readonly state: Int32Array;
}
export type OptionalKernelName = keyof OptionalKernelParams;
export const OPTIONAL_KERNELS: readonly OptionalKernelName[] = [
  "lstmCell",
  "lstmCellGrad",
  "gruCell",
  "gruCellGrad",
  "dropoutMask",
  "layerNormStats",
  "layerNorm",
  "layerNormGrad",
  "layerNormParamGrad",
];

/** Parameters of each kernel, by name. */
export type KernelParams = OptionalKernelParams & { [K in UnaryKernel | BinaryKernel | TernaryKernel]: undefined } & {
  [K in ReduceKernel]: { reduceSize: number };
} & {
  /** Writes `value` (converted to the output's dtype) into every element of `out`'s view, strided or not; no inputs. */
  fill: { value: number };
  matmul: undefined;
  linear: undefined;
  softmax: { dim: number; log: boolean };
  crossEntropyRows: undefined;
  crossEntropyRowsGrad: undefined;
  unfold: UnfoldParams;
  fold: ConvGeometry;
  maxPool2dIndices: ConvGeometry;
  gather: { dim: number };
  scatterAdd: { dim: number };
  gatherRows: { indices: ArrayLike<number> };
  argsort: { rowSize: number; descending: boolean };
  cumsum: { rowSize: number; reverse: boolean };
  adamStep: AdamStepParams;
  sgdStep: SgdStepParams;
  rmspropStep: RmspropStepParams;
  adagradStep: AdagradStepParams;
};

export type KernelName = keyof KernelParams;

/** A kernel computes (or updates) `out` from `inputs`; `params` carries the primitive's options. */
export type TypedKernel<P> = (out: View, inputs: readonly View[], params: P) => void;

/** Every kernel, typed: what the reference backend provides (all but the optional ones). */
export type KernelTable = { readonly [K in Exclude<KernelName, OptionalKernelName>]: TypedKernel<KernelParams[K]> } & {
  readonly [K in OptionalKernelName]?: TypedKernel<KernelParams[K]>;
};
