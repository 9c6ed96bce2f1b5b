// summary(model, inputShape): a Keras-style text table of layers, output shapes and parameter
// counts, found by watching one dummy forward pass (each submodule's forward wrapped on the instance).

import { ValueError, fmtShape } from "../errors.js";
import { noGrad } from "../autograd/grad-mode.js";
import { zeros } from "../tensor/creation.js";
import type { DType } from "../tensor/dtype.js";
import { getRngState, setRngState } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { Module } from "../nn/module.js";
import { checkOptions } from "../tensor/options.js";

/** Options of summary. */
export interface SummaryOptions {
  /** dtype of the dummy input (int32 for a model that starts with an Embedding). Default float32. */
  dtype?: DType;
}

/** Shapes in an output (a Tensor or nested arrays of them), batch dims already marked as -1. */
function describe(out: unknown, other: unknown): string {
  if (out instanceof Tensor) {
    const o = other instanceof Tensor && other.ndim === out.ndim ? other.shape : out.shape;
    return fmtShape(out.shape.map((d, i) => (d === o[i] ? d : -1)));
  }
  if (Array.isArray(out)) return `(${out.map((v, i) => describe(v, Array.isArray(other) ? other[i] : undefined)).join(", ")})`;
  return "?";
}

function ownParameterCount(m: Module): number {
  return m
    .namedParameters()
    .filter(([name]) => !name.includes("."))
    .reduce((n, [, p]) => n + p.size, 0);
}

/**
 * Runs the model once on zeros of [batch, ...inputShape] with every watched module's forward wrapped
 * on the instance: returns the order in which calls started ([module, call] pairs) and each call's output.
 */
function trace(
  model: Module,
  watched: Module[],
  inputShape: readonly number[],
  batch: number,
  dtype: DType,
): { order: [number, number][]; outputs: unknown[][] } {
  const order: [number, number][] = [];
  const outputs = watched.map(() => [] as unknown[]);
  const saved = watched.map((m) => Object.getOwnPropertyDescriptor(m, "forward"));
  watched.forEach((m, k) => {
    const original = m.forward;
    m.forward = (...args: unknown[]) => {
      const call = outputs[k].length;
      outputs[k].push(undefined);
      order.push([k, call]);
      const out = original.apply(m, args);
      outputs[k][call] = out;
      return out;
    };
  });
  try {
    noGrad(() => model.forward(zeros([batch, ...inputShape], { dtype })));
  } finally {
    // Put back exactly what was there: usually nothing (forward lives on the prototype).
    watched.forEach((m, k) => {
      const d = saved[k];
      if (d) Object.defineProperty(m, "forward", d);
      else delete (m as { forward?: unknown }).forward;
    });
  }
  return { order, outputs };
}

const thousands = (n: number): string => n.toLocaleString("en-US");

/**
 * A table of the model's layers (Keras's model.summary): each leaf module (and any module with
 * parameters of its own) with its type, output shape for an input of `inputShape` (without the
 * batch dimension; batch-sized dims print as -1) and parameter count, then the totals. Runs the
 * model twice in eval mode under noGrad on zeros; the mode and the random generator are restored.
 * @example console.log(train.summary(model, [784]))
 */
export function summary(model: Module, inputShape: readonly number[], opts: SummaryOptions = {}): string {
  checkOptions("summary", opts, ["dtype"]);
  const { dtype = "float32" } = opts;
  if (!(model instanceof Module)) throw new ValueError("summary: expected an nn.Module as the model");
  if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ValueError(
      `summary: inputShape must be an array of non-negative integers (without the batch dimension), got ${JSON.stringify(inputShape)}`,
    );
  }
  const named = model.namedModules();
  // Leaves, plus any container with parameters of its own (so the rows add up to the total).
  const watched = named.filter(([, m]) => m.children().length === 0 || ownParameterCount(m) > 0);
  const modules = watched.map(([, m]) => m);
  const modes = named.map(([, m]) => m.training);
  const rng = getRngState();
  let a, b;
  try {
    model.eval();
    // Two batch sizes: a dimension that differs between the runs is the batch and prints as -1.
    a = trace(model, modules, inputShape, 2, dtype);
    b = trace(model, modules, inputShape, 3, dtype);
  } finally {
    named.forEach(([, m], i) => (m.training = modes[i]));
    setRngState(rng);
  }

  // One row per call in the order calls started (a module used twice appears twice; its
  // parameters count once), then any watched module never called, so the rows add up.
  const counted = new Set<Module>();
  const table: [string, string, string][] = [];
  const label = (k: number): string => (watched[k][0] ? `${watched[k][0]} (${modules[k].constructor.name})` : modules[k].constructor.name);
  for (const [k, call] of a.order) {
    const params = counted.has(modules[k]) ? 0 : ownParameterCount(modules[k]);
    counted.add(modules[k]);
    table.push([label(k), describe(a.outputs[k][call], b.outputs[k][call]), thousands(params)]);
  }
  modules.forEach((m, k) => {
    if (!counted.has(m)) table.push([label(k), "(not called)", thousands(ownParameterCount(m))]);
  });

  const total = model.numParameters();
  const trainable = model.numParameters({ trainableOnly: true });
  const header: [string, string, string] = ["Layer (type)", "Output Shape", "Param #"];
  const w0 = Math.max(header[0].length, ...table.map((r) => r[0].length)) + 4;
  const w1 = Math.max(header[1].length, ...table.map((r) => r[1].length)) + 4;
  const w2 = Math.max(header[2].length, ...table.map((r) => r[2].length));
  const line = (r: [string, string, string]): string => r[0].padEnd(w0) + r[1].padEnd(w1) + r[2].padStart(w2);
  const rule = "=".repeat(w0 + w1 + w2);
  return [
    line(header),
    rule,
    ...table.map(line),
    rule,
    `Total params: ${thousands(total)}`,
    `Trainable params: ${thousands(trainable)}`,
    `Non-trainable params: ${thousands(total - trainable)}`,
  ].join("\n");
}
