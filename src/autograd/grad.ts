// torch.autograd.grad and torch.autograd.backward: gradients of outputs with respect to chosen
// tensors, returned rather than accumulated (grad), or accumulated from several outputs at once
// (backward). With createGraph the gradients are differentiable again.

import { ValueError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { checkOptions } from "../tensor/options.js";
import { execute, type BackwardOptions } from "./engine.js";

/** Options of autograd.grad (torch.autograd.grad's keyword arguments, camelCase). */
export interface GradOptions extends BackwardOptions {
  /** The gradient of each output (torch's grad_outputs); may be omitted for one-element outputs. */
  gradOutputs?: Tensor | readonly (Tensor | null)[] | null;
  /** Give null for an input the outputs do not depend on, instead of an error (torch's allow_unused). */
  allowUnused?: boolean;
}

function asList(op: string, what: string, v: Tensor | readonly Tensor[]): Tensor[] {
  const list = v instanceof Tensor ? [v] : Array.isArray(v) ? [...v] : null;
  if (list === null || list.some((t) => !(t instanceof Tensor))) {
    throw new ValueError(`${op}: ${what} must be a Tensor or an array of Tensors`);
  }
  return list;
}

/** The given gradient of each output (null where implied), after checking counts and graphs. */
function rootGradients(op: string, outputs: readonly Tensor[], given: GradOptions["gradOutputs"]): (Tensor | null)[] {
  const list = given == null ? outputs.map(() => null) : given instanceof Tensor ? [given] : [...given];
  if (list.length !== outputs.length) {
    throw new ValueError(`${op}: got ${list.length} gradients for ${outputs.length} outputs (expected one per output)`);
  }
  outputs.forEach((o, i) => {
    if (!o.requiresGrad) {
      throw new ValueError(`${op}: element ${i} of the outputs does not require grad and has no recorded graph`);
    }
  });
  return list;
}

/**
 * The gradients of `outputs` with respect to each of `inputs` (torch.autograd.grad), one per input,
 * without touching any `.grad`. With `createGraph` they are recorded, so they can be differentiated
 * again; `retainGraph` defaults to `createGraph`.
 * @example
 * const x = tg.tensor([1, 2, 3], { requiresGrad: true });
 * const [g] = tg.autograd.grad(x.pow(3).sum(), [x], { createGraph: true }); // 3x²
 * const [h] = tg.autograd.grad(g!.sum(), [x]);                             // 6x
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  checkOptions("autograd.grad", options, ["gradOutputs", "retainGraph", "createGraph", "allowUnused"]);
  const outs = asList("autograd.grad", "outputs", outputs);
  const ins = asList("autograd.grad", "inputs", inputs);
  if (outs.length === 0) throw new ValueError("autograd.grad: outputs must not be empty");
  if (ins.length === 0) throw new ValueError("autograd.grad: inputs must not be empty");
  ins.forEach((x, i) => {
    if (!x.requiresGrad) throw new ValueError(`autograd.grad: input ${i} (shape [${x.shape.join(", ")}]) does not require grad`);
  });
  const roots = rootGradients("autograd.grad", outs, options.gradOutputs);
  const captured = execute("autograd.grad", outs, roots, options, ins);
  return ins.map((x, i) => {
    const g = captured.get(x);
    if (g !== undefined) return g;
    if (!options.allowUnused) {
      throw new ValueError(
        `autograd.grad: input ${i} (shape [${x.shape.join(", ")}]) was not used to compute the outputs; pass { allowUnused: true } to get null for it`,
      );
    }
    return null;
  });
}

/** Options of autograd.backward (torch.autograd.backward's keyword arguments, camelCase). */
export interface AutogradBackwardOptions extends BackwardOptions {
  /** The gradient of each tensor (torch's grad_tensors); may be omitted for one-element tensors. */
  gradTensors?: Tensor | readonly (Tensor | null)[] | null;
}

/**
 * Backpropagates from several tensors in one pass, accumulating into the leaves' `.grad`
 * (torch.autograd.backward): the same as backward() on their weighted sum.
 * @example
 * const x = tg.tensor([1, 2], { requiresGrad: true });
 * tg.autograd.backward([x.mul(x).sum(), x.sum()]);  // x.grad: 2x + 1 = [3, 5]
 */
export function backward(tensors: Tensor | readonly Tensor[], options: AutogradBackwardOptions = {}): void {
  checkOptions("autograd.backward", options, ["gradTensors", "retainGraph", "createGraph"]);
  const outs = asList("autograd.backward", "tensors", tensors);
  if (outs.length === 0) throw new ValueError("autograd.backward: tensors must not be empty");
  const { gradTensors, ...rest } = options;
  execute("autograd.backward", outs, rootGradients("autograd.backward", outs, gradTensors), rest, null);
}
