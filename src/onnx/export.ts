// io.exportOnnx: a model traced in eval mode on example inputs, written as an ONNX model (opset 17
// by default) to a file or returned as bytes.

import { AsyncReadError, ValueError } from "../errors.js";
import { getBackend } from "../backend/current.js";
import { writeOnnxModel, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo } from "../io/onnx/index.js";
import type { Module } from "../nn/module.js";
import { noGrad } from "../autograd/grad-mode.js";
import { cat } from "../ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { onnxType } from "./graph-builder.js";
import { traceForward } from "./trace.js";
import { evalOutputs, verifyExport } from "./verify.js";
import { generaliseDims, type DimSymbol } from "./dynamic-dims.js";

/** Options of exportOnnx. */
export interface ExportOnnxOptions {
  /** Graph input names, one per example input (default input_0, input_1, …). */
  inputNames?: string[];
  /** Graph output names, one per tensor forward returns, nested arrays flattened (default output_0, …). */
  outputNames?: string[];
  /**
   * Makes dim 0 of every input a symbolic "batch" dim (default false); output dims that follow it
   * are named "batch" too, and any constant the forward computed from it becomes shape arithmetic.
   */
  dynamicBatch?: boolean;
  /**
   * Symbolic dims by input or output name, as torch.onnx.export's dynamic_axes:
   * `{ input_0: { 0: "batch", 1: "seq" } }`.
   */
  dynamicAxes?: Record<string, Record<number, string>>;
  /**
   * ONNX opset of the default domain, 13 to 23 (default 17, torch.onnx.export's). The nodes written
   * mean the same from 18 to 23 (later opsets add element types and options the export does not use).
   */
  opsetVersion?: number;
  /**
   * Run the written graph on a second input and compare it with the model (default true), which
   * catches a forward that reads tensor values into JavaScript. Costs two more forward passes.
   */
  verify?: boolean;
}

const KNOWN_OPTIONS = new Set(["inputNames", "outputNames", "dynamicBatch", "dynamicAxes", "opsetVersion", "verify"]);

/**
 * Exports `model` to ONNX by running `forward(...exampleInputs)` once in eval mode (the training
 * flag is restored afterwards). Parameters and buffers become initializers named by their
 * state-dict keys, stored once even when shared. Writes `destination` atomically when given;
 * returns the model's bytes either way. A forward that uses an op with no ONNX form throws an
 * UnsupportedOpError naming the op and the module path (torch.onnx.export).
 * @example io.exportOnnx(model, [tg.randn([1, 784])], "model.onnx", { dynamicBatch: true });
 */
export function exportOnnx(
  model: Module,
  exampleInputs: Tensor | readonly Tensor[],
  destination?: string | null,
  options: ExportOnnxOptions = {},
): Uint8Array {
  // Checked before the trace: options given third (no destination) would otherwise fail as a bad path at the end.
  if (destination != null && typeof destination !== "string")
    throw new ValueError(
      `exportOnnx: destination must be a file path, or null or undefined for the bytes, got ${typeof destination}; options go fourth: exportOnnx(model, inputs, undefined, options)`,
    );
  for (const k of Object.keys(options))
    if (!KNOWN_OPTIONS.has(k)) throw new ValueError(`exportOnnx: unknown option "${k}" (expected one of ${[...KNOWN_OPTIONS].join(", ")})`);
  const { inputNames = [], outputNames = [], dynamicBatch = false, dynamicAxes = {}, opsetVersion = 17, verify = true } = options;
  if (
    model === null ||
    typeof model !== "object" ||
    typeof (model as Module).forward !== "function" ||
    typeof (model as Module).namedModules !== "function"
  ) {
    throw new ValueError("exportOnnx: expected an nn.Module as the model");
  }
  const inputs = exampleInputs instanceof Tensor ? [exampleInputs] : [...exampleInputs];
  if (inputs.length === 0 || !inputs.every((t) => t instanceof Tensor)) {
    throw new ValueError("exportOnnx: exampleInputs must be a Tensor or a non-empty array of Tensors");
  }
  onHost(model, inputs);
  if (!Number.isInteger(opsetVersion) || opsetVersion < 13 || opsetVersion > 23) {
    throw new ValueError(`exportOnnx: opsetVersion ${opsetVersion} is not supported (13 to 23)`);
  }
  for (const [what, names] of [
    ["inputNames", inputNames],
    ["outputNames", outputNames],
  ] as const) {
    if (!Array.isArray(names)) throw new ValueError(`exportOnnx: ${what} must be an array of strings, got ${typeof names}`);
    names.forEach((n, i) => {
      if (typeof n !== "string" || n === "")
        throw new ValueError(`exportOnnx: ${what}[${i}] must be a non-empty string, got ${JSON.stringify(n)}`);
    });
  }
  if (inputNames.length > inputs.length) throw new ValueError(`exportOnnx: ${inputNames.length} input names for ${inputs.length} inputs`);

  const axesFor = (name: string, rank: number, isInput = true): Record<number, string> => {
    const axes: Record<number, string> = Object.create(null);
    if (dynamicBatch && isInput && rank > 0) axes[0] = "batch";
    const given = Object.prototype.hasOwnProperty.call(dynamicAxes, name) ? dynamicAxes[name] : undefined;
    for (const [k, v] of Object.entries(given ?? {})) {
      const axis = Number(k);
      if (!Number.isInteger(axis) || axis < 0 || axis >= rank)
        throw new ValueError(`exportOnnx: dynamic axis ${k} of "${name}" is outside its ${rank} dims`);
      if (typeof v !== "string" || v === "")
        throw new ValueError(`exportOnnx: dynamic axis ${k} of "${name}" needs a non-empty name, got ${String(v)}`);
      axes[axis] = v;
    }
    return axes;
  };
  // Input names as the trace will give them (fresh names never collide among the inputs).
  const plannedNames = inputs.map((_, i) => inputNames[i] ?? `input_${i}`);
  // dynamicAxes and ONNX Runtime's feeds look values up by name: each must name one input or output.
  distinctNames([...plannedNames.map((n, i) => ({ n, what: `input ${i}` })), ...outputNames.map((n, i) => ({ n, what: `output ${i}` }))]);
  const symbols = dimSymbols(
    inputs,
    plannedNames.map((n, i) => axesFor(n, inputs[i].ndim)),
  );
  // A size-1 dim broadcasts, so tracing at it can hide how the graph depends on the dim: trace at 2 or more.
  const base = symbols.reduce((xs, s) => (s.size === 1 ? growSymbol(xs, s, 1) : xs), inputs);
  for (const s of symbols) s.size = Math.max(s.size, 2);
  const trace = traceForward(model, base, plannedNames, opsetVersion, outputNames);
  const grown = symbols.map((s) => traceForward(model, growSymbol(base, s, 1), plannedNames, opsetVersion, outputNames));
  if (symbols.length > 0) generaliseDims({ base: trace, grown }, symbols);

  const { builder: b } = trace;
  if (outputNames.length > trace.outputs.length)
    throw new ValueError(`exportOnnx: ${outputNames.length} output names for ${trace.outputs.length} outputs`);
  // Given output names were kept free while tracing; a default one steps aside for an input's name.
  const outNames = trace.outputs.map((_, i) => outputNames[i] ?? b.fresh(`output_${i}`));
  // Outputs get their own names through Identity nodes, so an output may also be an input or a weight.
  trace.outputValues.forEach((v, i) =>
    b.nodes.push({
      opType: "Identity",
      domain: "",
      name: b.fresh("output_node"),
      inputs: [v],
      outputs: [outNames[i]],
      attributes: new Map(),
    }),
  );

  const inputInfo = (name: string, t: Tensor): OnnxValueInfo => {
    const axes = axesFor(name, t.ndim);
    return { name, elemType: onnxType(t.dtype), shape: t.shape.map((d, i) => axes[i] ?? d) };
  };
  // An output dim is named after the symbol it follows one for one, unknown when it moves otherwise.
  const outputInfo = (name: string, t: Tensor, k: number): OnnxValueInfo => {
    const axes = axesFor(name, t.ndim, false);
    const shape = t.shape.map((d, i) => {
      if (axes[i] !== undefined) return axes[i];
      const moved = symbols.flatMap((s, j) => (grown[j].outputs[k].shape[i] !== d ? [s] : []));
      if (moved.length === 0) return d;
      return moved.length === 1 && d === moved[0].size && grown[symbols.indexOf(moved[0])].outputs[k].shape[i] === d + 1
        ? moved[0].name
        : null;
    });
    return { name, elemType: onnxType(t.dtype), shape };
  };
  for (const name of Object.keys(dynamicAxes)) {
    if (!trace.inputNames.includes(name) && !outNames.includes(name))
      throw new ValueError(`exportOnnx: dynamicAxes names "${name}", which is no input or output`);
  }

  const graph: OnnxGraph = {
    name: model.constructor.name,
    nodes: b.nodes,
    initializers: b.initializers,
    inputs: base.map((t, i) => inputInfo(trace.inputNames[i], t)),
    outputs: trace.outputs.map((t, i) => outputInfo(outNames[i], t, i)),
  };
  prune(graph);
  const onnx: OnnxModel = {
    irVersion: 8,
    producerName: "tensorgrad",
    producerVersion: "0.1.0",
    opsetImports: [{ domain: "", version: opsetVersion }],
    graph,
  };
  const probe = symbols.reduce((xs, s) => growSymbol(xs, s, 2), base);
  const probed = verify ? verifyExport(model, onnx, probe) : symbols.length > 0 ? evalOutputs(model, probe) : [];
  // A dim that stayed put one step up a dynamic dim may still move further (a pool's floor(L/2)):
  // one that differs at two steps up is declared unknown rather than fixed.
  if (symbols.length > 0) {
    graph.outputs.forEach((o, k) => {
      o.shape = o.shape && o.shape.map((d, i) => (typeof d === "number" && probed[k].shape[i] !== d ? null : d));
    });
  }
  return writeOnnxModel(onnx, destination ?? undefined);
}

/**
 * Tracing reads weights and the constants a forward computes, synchronously: a model, an input or
 * the current backend on a device (WebGPU) is an AsyncReadError saying how to export from the CPU.
 */
function onHost(model: Module, inputs: readonly Tensor[]): void {
  const way =
    'export from a CPU backend: save the weights with `await io.saveSafetensorsAsync(model.stateDict())`, then under `await tg.setBackend("wasm")` build the model again, `loadStateDict(io.loadSafetensors(bytes).tensors)` and export that';
  const current = getBackend();
  if (!current.host)
    throw new AsyncReadError(`exportOnnx: the current backend "${current.name}" cannot be read synchronously, as tracing needs; ${way}`);
  const tensors: [string, Tensor][] = [
    ...model.namedParameters().map(([k, p]): [string, Tensor] => [`parameter "${k}"`, p]),
    ...model.namedBuffers().map(([k, b]): [string, Tensor] => [`buffer "${k}"`, b]),
    ...inputs.map((t, i): [string, Tensor] => [`example input ${i}`, t]),
  ];
  const away = tensors.find(([, t]) => !t.storage.backend.host);
  if (away)
    throw new AsyncReadError(
      `exportOnnx: ${away[0]} lives on the "${away[1].storage.backend.name}" backend, which cannot be read synchronously, as tracing needs; ${way}`,
    );
}

/** Drops nodes and initializers no output depends on (ops a custom forward computed and discarded). */
function prune(g: OnnxGraph): void {
  const needed = new Set(g.outputs.map((o) => o.name));
  const kept: OnnxNode[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => needed.has(o))) continue;
    kept.push(n);
    for (const x of n.inputs) needed.add(x);
  }
  g.nodes = kept.reverse();
  g.initializers = g.initializers.filter((t) => needed.has(t.name));
}

/** Throws a ValueError naming the first name given to two graph inputs or outputs. */
function distinctNames(names: readonly { n: string; what: string }[]): void {
  const seen = new Map<string, string>();
  for (const { n, what } of names) {
    const first = seen.get(n);
    if (first !== undefined)
      throw new ValueError(`exportOnnx: duplicate name "${n}" (${first} and ${what}); graph inputs and outputs need distinct names`);
    seen.set(n, what);
  }
}

/** The named dynamic dims of the inputs; a name used on dims of different sizes is a ValueError. */
function dimSymbols(inputs: readonly Tensor[], axes: readonly Record<number, string>[]): DimSymbol[] {
  const byName = new Map<string, DimSymbol>();
  axes.forEach((a, input) => {
    for (const [k, name] of Object.entries(a)) {
      const axis = Number(k);
      const size = inputs[input].shape[axis];
      const s = byName.get(name);
      if (!s) byName.set(name, { name, sites: [{ input, axis }], size });
      else if (s.size !== size)
        throw new ValueError(`exportOnnx: dynamic dim "${name}" is ${s.size} in one example input and ${size} in another`);
      else s.sites.push({ input, axis });
    }
  });
  return [...byName.values()];
}

/** `inputs` with every dim carrying symbol `s` longer by `by`, made by repeating its first slice. */
function growSymbol(inputs: readonly Tensor[], s: DimSymbol, by: number): Tensor[] {
  return inputs.map((x, i) => {
    let out = x;
    for (const { input, axis } of s.sites) {
      if (input !== i) continue;
      const first = noGrad(() => out.narrow(axis, 0, 1));
      out = noGrad(() => cat([out, ...Array<Tensor>(by).fill(first)], axis));
    }
    return out;
  });
}
