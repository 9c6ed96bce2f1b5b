// The check after every export: the written graph, run by the importer on a second input, must give
// what the model gives. Tracing sees only tensor ops; a forward that reads values into JavaScript
// (item(), toArray()) or branches on them bakes one input's numbers into the graph, and this catches it.

import { noGrad } from "../autograd/grad-mode.js";
import { TensorgradError, UnsupportedOpError, fmtShape } from "../errors.js";
import type { OnnxModel } from "../io/onnx/index.js";
import type { Module } from "../nn/module.js";
import type { Tensor } from "../tensor/tensor.js";
import { OnnxModule } from "./onnx-module.js";

function flat(v: unknown): Tensor[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v as Tensor];
}

/** What `model` gives on `inputs` in eval mode (the training flag restored), nested arrays flattened. */
export function evalOutputs(model: Module, inputs: readonly Tensor[]): Tensor[] {
  const wasTraining = model.training;
  model.eval();
  try {
    return flat(noGrad(() => model.forward(...inputs)));
  } finally {
    model.train(wasTraining);
  }
}

/**
 * Throws an UnsupportedOpError when `graph` does not reproduce `model` on a perturbed copy of
 * `inputs` (which the exporter gives other sizes than the traced ones along every dynamic dim).
 * Returns the model's outputs there.
 */
export function verifyExport(model: Module, graph: OnnxModel, inputs: readonly Tensor[]): Tensor[] {
  // A deterministic perturbation (the random generator is left alone, so seeded training is not disturbed).
  // Integer and bool inputs (indices, lengths, masks) keep their values, reversed along every dim,
  // unless the model refuses them so (lengths that must be sorted): then they stay as traced.
  const perturb = (reorder: boolean) =>
    inputs.map((x) =>
      x.dtype !== "int32" && x.dtype !== "bool"
        ? noGrad(() => x.mul(-0.8).add(0.3))
        : reorder && x.ndim > 0
          ? noGrad(() => x.flip(x.shape.map((_, i) => i)))
          : x,
    );
  let other = perturb(true);
  let want: Tensor[];
  try {
    want = evalOutputs(model, other);
  } catch (e) {
    if (!(e instanceof TensorgradError)) throw e;
    other = perturb(false);
    want = evalOutputs(model, other);
  }
  let problem: string | null;
  try {
    problem = mismatch(want, flat(noGrad(() => new OnnxModule(graph).forward(...other))));
  } catch (e) {
    // A constant frozen at the traced size shows as a Reshape or broadcast that fails at another.
    if (!(e instanceof TensorgradError)) throw e;
    problem = `running it failed: ${e.message}`;
  }
  if (problem) {
    throw new UnsupportedOpError(
      `exportOnnx: the traced graph does not reproduce the model on a second input of shape ${other.map((x) => fmtShape(x.shape)).join(", ")} ` +
        `(${problem}); its forward probably reads tensor values into JavaScript (item(), toArray()) or branches on them, or computes a ` +
        "size from a dynamic dim in a way shape arithmetic cannot follow, which tracing cannot record",
      "untraced computation",
      "<root>",
    );
  }
  return want;
}

function mismatch(want: Tensor[], got: Tensor[]): string | null {
  if (want.length !== got.length) return `${got.length} outputs instead of ${want.length}`;
  for (let k = 0; k < want.length; k++) {
    const [w, g] = [want[k], got[k]];
    if (w.shape.length !== g.shape.length || w.shape.some((d, i) => d !== g.shape[i]))
      return `output ${k} has shape [${g.shape}] instead of [${w.shape}]`;
    const a = w.toFloat32Array(),
      b = g.toFloat32Array();
    let scale = 0;
    for (const v of a) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
      if (!(Math.abs(a[i] - b[i]) <= 1e-4 * Math.abs(a[i]) + 1e-5 * (1 + scale)))
        return `output ${k} element ${i} is ${b[i]} instead of ${a[i]}`;
    }
  }
  return null;
}
