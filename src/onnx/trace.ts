// Traces one forward pass into an ONNX graph. Built-in layers with an ONNX counterpart are written
// whole (export-layers.ts); everything else is seen primitive by primitive through the autograd
// primitive observer (export-primitives.ts). The model is left exactly as it was found.

import { noGrad } from "../autograd/grad-mode.js";
import { setPrimitiveObserver } from "../autograd/primitive.js";
import { UnsupportedOpError } from "../errors.js";
import type { Module } from "../nn/module.js";
import { hookedForwardSlot } from "../nn/module-hooks.js";
import type { Tensor } from "../tensor/tensor.js";
import { GraphBuilder } from "./graph-builder.js";
import { layerConverter } from "./export-layers.js";
import { PRIMITIVES, type ExportContext } from "./export-primitives.js";

export interface TraceResult {
  builder: GraphBuilder;
  inputNames: string[];
  /** Value names of the outputs, in the order forward returned them (nested arrays flattened). */
  outputValues: string[];
  outputs: Tensor[];
}

/** Why some primitives have no ONNX form, for the error message. */
const UNEXPORTABLE_HINT: Record<string, string> = {
  unfold: "ONNX has no im2col; F.conv1d/conv2d and the pools export, F.unfold does not",
  fold: "ONNX has no col2im",
  crossEntropyRows: "losses are not part of an exported model; return the logits",
  maxPool2dIndices: "F.maxPool2d with returnIndices: export the values only",
  packPaddedSequence:
    "its lengths tensor is read in JavaScript, so the graph would keep one batch's lengths; export the recurrent layer on padded batches, or pass the lengths as a number[] to fix them",
};

/**
 * Traces `model.forward(...inputs)`; `inputNames` (one per input, distinct) name the graph inputs and
 * `reservedNames` (the requested output names) are kept free for the caller.
 */
export function traceForward(
  model: Module,
  inputs: readonly Tensor[],
  inputNames: readonly string[],
  opset: number,
  reservedNames: readonly string[] = [],
): TraceResult {
  const paramNames = new Map<Tensor, string>();
  for (const [name, t] of model.namedParameters()) if (!paramNames.has(t)) paramNames.set(t, name);
  for (const [name, t] of model.namedBuffers()) if (!paramNames.has(t)) paramNames.set(t, name);
  const path: string[] = [];
  const b = new GraphBuilder(paramNames, () => path.at(-1) ?? "<root>");
  const cx: ExportContext = { b, opset, where: () => path.at(-1) ?? "<root>" };
  for (const n of reservedNames) b.fresh(n);
  const names = inputs.map((x, i) => {
    const name = b.fresh(inputNames[i] ?? `input_${i}`);
    b.bind(x, name);
    return name;
  });

  let inLayer = 0;
  const restore: (() => void)[] = [];
  const wrapped = new Set<Module>();
  for (const [modPath, m] of model.namedModules()) {
    if (wrapped.has(m)) continue; // a module registered under two paths is traced under its first
    wrapped.add(m);
    // A module with hooks: its inner forward is wrapped, so the layer converter sees the arguments
    // after the pre-hooks and the output before the forward hooks, which are traced as tensor code.
    const slot = hookedForwardSlot(m);
    const own = Object.prototype.hasOwnProperty.call(m, "forward");
    const original = (slot ? slot.inner : (m as any).forward) as (...a: unknown[]) => unknown;
    const traced = function traced(this: Module, ...args: unknown[]) {
      path.push(modPath || "<root>");
      try {
        const conv = inLayer === 0 ? layerConverter(m, args[0], opset) : null;
        if (!conv) return original.apply(m, args);
        inLayer++;
        let out: unknown;
        try {
          out = original.apply(m, args);
        } finally {
          inLayer--;
        }
        conv.emit(cx, m, args[0] as Tensor, out, args);
        return out;
      } finally {
        path.pop();
      }
    };
    if (slot) slot.inner = traced;
    else (m as any).forward = traced;
    restore.push(() => {
      if (slot) slot.inner = original;
      else if (own) (m as any).forward = original;
      else delete (m as any).forward;
    });
  }

  const observer = (name: string, ins: readonly Tensor[], params: unknown, out: Tensor): void => {
    if (inLayer > 0) return;
    const conv = PRIMITIVES.get(name);
    if (!conv) {
      const where = path.at(-1) ?? "<root>";
      const hint = UNEXPORTABLE_HINT[name];
      throw new UnsupportedOpError(
        `exportOnnx: op "${name}" in module "${where}" has no ONNX export${hint ? ` (${hint})` : ""}`,
        name,
        where,
      );
    }
    conv(cx, ins, params, out);
  };

  const wasTraining = model.training;
  model.eval();
  const prev = setPrimitiveObserver(observer);
  let result: unknown;
  try {
    result = noGrad(() => model.forward(...inputs));
  } finally {
    setPrimitiveObserver(prev);
    for (const r of restore.reverse()) r();
    model.train(wasTraining);
  }
  const outputs = flattenOutputs(result);
  return { builder: b, inputNames: names, outputValues: outputs.map((t) => b.nameOf(t)), outputs };
}

function flattenOutputs(v: unknown, into: Tensor[] = []): Tensor[] {
  if (Array.isArray(v)) for (const x of v) flattenOutputs(x, into);
  else if (v !== null && typeof v === "object" && "shape" in v && "storage" in v) into.push(v as Tensor);
  else
    throw new UnsupportedOpError(
      `exportOnnx: forward returned ${v === null ? "null" : typeof v}; only tensors and (nested) arrays of tensors can be graph outputs`,
      "output",
      "<root>",
    );
  return into;
}
