// OnnxModule: an ONNX graph as an nn.Module. Float initializers become Parameters (BatchNorm
// statistics become buffers) whose state-dict keys are the initializer names, so an imported model
// can be frozen in part and fine-tuned; forward runs the nodes in order with tensorgrad ops.

import { FormatError, ShapeError, TensorgradError, UnsupportedOpError, ValueError, fmtShape } from "../errors.js";
import { DataType, defaultOpset, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo } from "../io/onnx/index.js";
import { Module } from "../nn/module.js";
import type { Parameter } from "../nn/parameter.js";
import { tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { MATH_OPS, type OpImpl } from "./import-ops-math.js";
import { NN_OPS } from "./import-ops-nn.js";
import { RNN_OPS } from "./import-ops-rnn.js";
import { CONTROL_OPS } from "./import-ops-control.js";
import { EINSUM_OPS } from "./import-ops-einsum.js";
import { UPSAMPLE_OPS } from "./import-ops-upsample.js";
import { SHAPE_OPS, constantValue } from "./import-ops-shape.js";
import { IntConst, NodeCtx, withHostCopy, type Value } from "./import-value.js";
import { MAX_VALUE_ELEMENTS } from "./limits.js";

const OPS = new Map<string, OpImpl>([...MATH_OPS, ...NN_OPS, ...SHAPE_OPS, ...RNN_OPS, ...CONTROL_OPS, ...UPSAMPLE_OPS, ...EINSUM_OPS]);

/** Every ONNX op (default domain) loadOnnx can run. */
export const SUPPORTED_ONNX_OPS: readonly string[] = [...OPS.keys()].sort();

/** Oldest default-domain opset accepted (older ones changed the semantics of common ops). */
const MIN_OPSET = 7;

/** Holds parameters under one segment of a dotted initializer name ("layer1" in "layer1.0.weight"). */
class OnnxParameters extends Module {
  forward(): never {
    throw new ValueError("OnnxModule: this submodule only holds parameters; call forward on the loaded model");
  }
}

/** Inputs of BatchNormalization that hold running statistics rather than trainable values. */
const BUFFER_INPUTS = new Map<string, number[]>([["BatchNormalization", [3, 4]]]);

/**
 * Inputs a node reads as numbers (Resize's roi and scales, Clip's bounds, Pad's fill): an initializer
 * there is a buffer, not a trainable weight, and keeps a host copy so WebGPU needs no read back.
 */
const NUMBER_INPUTS = new Map<string, number[]>([
  ["Resize", [1, 2]],
  ["Clip", [1, 2]],
  ["Pad", [2]],
]);

/**
 * An ONNX graph as a module (what io.loadOnnx returns; torch has no counterpart, onnx2torch's
 * converted module is the nearest). `forward` takes the graph inputs in order and returns the
 * output, or an array when the graph has several; `inputInfo`/`outputInfo` name them.
 * @example const net = await io.loadOnnx("mlp.onnx"); net.forward(tg.randn([4, 6]));
 */
export class OnnxModule extends Module {
  /** Graph inputs the caller feeds (initializers listed as inputs by old exporters excluded). */
  readonly inputInfo: readonly OnnxValueInfo[];
  /** The graph's outputs: names, element types and shapes (dynamic dims as names). */
  readonly outputInfo: readonly OnnxValueInfo[];
  /** The default-domain opset version the model was written with. */
  readonly opset: number;
  private readonly nodes: readonly OnnxNode[];
  private readonly constants = new Map<string, Value>();
  /** Index of the last node reading each value, so intermediates can be dropped early. */
  private readonly lastUse = new Map<string, number>();

  /** The most elements one value may hold; larger outputs are FormatErrors (see LoadOnnxOptions). */
  readonly maxElements: number;

  constructor(model: OnnxModel, { maxElements = MAX_VALUE_ELEMENTS }: { maxElements?: number } = {}) {
    super();
    if (!Number.isSafeInteger(maxElements) || maxElements < 1)
      throw new ValueError(`loadOnnx: maxElements must be a positive integer, got ${maxElements}`);
    this.maxElements = maxElements;
    const g = model.graph;
    const opset = defaultOpset(model);
    if (opset === undefined) throw new FormatError("loadOnnx: the model imports no default-domain opset");
    if (opset < MIN_OPSET) throw new FormatError(`loadOnnx: opset ${opset} is older than ${MIN_OPSET}, the oldest supported`);
    this.opset = opset;
    this.nodes = g.nodes;

    const buffers = new Set<string>();
    const numbers = new Set<string>();
    for (const n of g.nodes) {
      for (const i of BUFFER_INPUTS.get(n.opType) ?? []) if (n.inputs[i]) buffers.add(n.inputs[i]);
      for (const i of NUMBER_INPUTS.get(n.opType) ?? []) if (n.inputs[i]) numbers.add(n.inputs[i]);
    }
    const defined = new Set<string>();
    for (const init of g.initializers) {
      if (init.name === "") throw new FormatError("loadOnnx: an initializer without a name");
      if (defined.has(init.name)) throw new FormatError(`loadOnnx: initializer "${init.name}" is defined twice`);
      defined.add(init.name);
      const value = constantValue(init);
      if (value instanceof Tensor && numbers.has(init.name)) this.addState(init.name, withHostCopy(value, init.data), true);
      else if (value instanceof Tensor) this.addState(init.name, value, buffers.has(init.name));
      else this.constants.set(init.name, value);
    }
    this.inputInfo = g.inputs.filter((v) => !defined.has(v.name));
    for (const v of this.inputInfo) {
      if (v.name === "" || defined.has(v.name)) throw new FormatError(`loadOnnx: graph input "${v.name}" is unnamed or defined twice`);
      defined.add(v.name);
    }
    // Nodes must come in topological order (as the format requires): every input defined before
    // use and every output defined once, which also rules out cycles.
    g.nodes.forEach((n, k) => {
      for (const i of validateNode(n, k, defined)) this.lastUse.set(i, k);
    });
    for (const o of g.outputs) {
      if (!defined.has(o.name)) throw new FormatError(`loadOnnx: graph output "${o.name}" is never computed`);
      this.lastUse.set(o.name, g.nodes.length);
    }
    this.outputInfo = g.outputs;
  }

  /** Registers an initializer under its dotted name, creating holder submodules for the segments. */
  private addState(name: string, value: Tensor, buffer: boolean): void {
    this.constants.set(name, value);
    const parts = name.split(".");
    let owner: Module = this;
    let leaf = name;
    if (parts.every((p) => p !== "") && parts.length > 1) {
      try {
        for (const seg of parts.slice(0, -1)) {
          const child = owner.namedChildren().find(([n]) => n === seg)?.[1];
          owner = child ?? owner.registerModule(seg, new OnnxParameters());
        }
        leaf = parts.at(-1)!;
      } catch {
        // A segment already names a parameter: keep this one flat, with the dots replaced.
        owner = this;
        leaf = name.replaceAll(".", "_");
      }
    } else if (parts.length > 1) {
      leaf = name.replaceAll(".", "_");
    }
    // A bool initializer (a mask) cannot be a parameter: only floating-point tensors take gradients.
    if (buffer || value.dtype === "bool") {
      owner.registerBuffer(leaf, value);
    } else {
      const p: Parameter = owner.registerParameter(leaf, value);
      this.constants.set(name, p);
    }
  }

  /**
   * Runs `nodes` on `values` (which gains their outputs). With `lastUse`, values are dropped after
   * their last reader; subgraph runs keep theirs (they are small, and the outer scope owns its values).
   */
  private run(nodes: readonly OnnxNode[], values: Map<string, Value>, lastUse?: Map<string, number>): void {
    const runGraph = (g: OnnxGraph, inputs: readonly Value[]): Value[] => {
      const scope = new Map(values);
      g.initializers.forEach((t) => scope.set(t.name, withHostCopy(constantValue(t), t.data)));
      g.inputs.forEach((v, i) => {
        if (i < inputs.length) scope.set(v.name, inputs[i]);
      });
      this.run(g.nodes, scope);
      return g.outputs.map((o) => scope.get(o.name)!);
    };
    nodes.forEach((n, k) => {
      const cx = new NodeCtx(n, this.maxElements, runGraph);
      const ins = n.inputs.map((i) => (i === "" ? undefined : values.get(i)));
      const outs = runNode(cx, ins);
      n.outputs.forEach((o, j) => {
        if (o === "") return;
        if (outs[j] === undefined) cx.unsupported(`output ${j}`);
        const size = outs[j].size;
        if (size > this.maxElements) cx.fail(`its output "${o}" would hold ${size} elements (the limit is ${this.maxElements})`);
        values.set(o, outs[j]);
      });
      // Drop intermediates after their last reader so the garbage collector can take them.
      if (lastUse) for (const i of n.inputs) if (lastUse.get(i) === k && !this.constants.has(i)) values.delete(i);
    });
  }

  /** Runs the graph; returns the output tensor, or an array when the graph has several outputs. */
  forward(...inputs: (Tensor | number[])[]): Tensor | Tensor[] {
    if (inputs.length !== this.inputInfo.length) {
      throw new ValueError(
        `OnnxModule.forward: the graph takes ${this.inputInfo.length} input(s) (${this.inputInfo.map((v) => v.name).join(", ")}), got ${inputs.length}`,
      );
    }
    const values = new Map<string, Value>(this.constants);
    this.inputInfo.forEach((info, i) => values.set(info.name, checkInput(info, inputs[i])));
    this.run(this.nodes, values, this.lastUse);
    const outs = this.outputInfo.map((o) => {
      const v = values.get(o.name)!;
      const t = v instanceof IntConst ? tensor(Int32Array.from(v.data), { dtype: "int32", shape: [...v.dims] }) : v;
      return o.elemType === DataType.BOOL && t.dtype !== "bool" ? t.bool() : t;
    });
    return outs.length === 1 ? outs[0] : outs;
  }
}

/**
 * Checks node `k` against the values `defined` so far (then adds its outputs) and returns the outer
 * values it reads, its subgraphs' included (a Loop body may read any value defined before the Loop).
 */
function validateNode(n: OnnxNode, k: number, defined: Set<string>, depth = 0): Set<string> {
  const where = `node ${k} (${n.opType} "${n.name}")`;
  if (n.domain !== "" && n.domain !== "ai.onnx") {
    throw new UnsupportedOpError(`loadOnnx: ${where} is from domain "${n.domain}", which loadOnnx does not support`, n.opType, n.name);
  }
  if (!OPS.has(n.opType)) {
    throw new UnsupportedOpError(
      `loadOnnx: ONNX op "${n.opType}" (${where}) is not supported; supported ops: ${SUPPORTED_ONNX_OPS.join(", ")}`,
      n.opType,
      n.name,
    );
  }
  const reads = new Set<string>();
  for (const i of n.inputs) {
    if (i !== "" && !defined.has(i))
      throw new FormatError(
        `loadOnnx: ${where} reads "${i}", which no earlier node, input or initializer defines (a cycle or a dangling edge)`,
      );
    if (i !== "") reads.add(i);
  }
  for (const a of n.attributes.values()) {
    if (a.g === undefined) continue;
    // A subgraph sees the outer values plus its own inputs, initializers and nodes.
    const inner = new Set(defined);
    for (const v of [...a.g.inputs, ...a.g.initializers]) inner.add(v.name);
    a.g.nodes.forEach((m, j) => {
      for (const r of validateNode(m, j, inner, depth + 1)) if (defined.has(r)) reads.add(r);
    });
    for (const o of a.g.outputs)
      if (!inner.has(o.name)) throw new FormatError(`loadOnnx: ${where}: subgraph "${a.name}" output "${o.name}" is never computed`);
  }
  for (const o of n.outputs) {
    if (o === "") continue;
    if (defined.has(o)) throw new FormatError(`loadOnnx: ${where} redefines "${o}"`);
    defined.add(o);
  }
  return reads;
}

/** Runs one node; an error that is not one of ours (a failed allocation) becomes a FormatError naming the node. */
function runNode(cx: NodeCtx, ins: (Value | undefined)[]): Value[] {
  try {
    return OPS.get(cx.node.opType)!(cx, ins);
  } catch (e) {
    if (e instanceof TensorgradError) throw e;
    return cx.fail(`failed: ${(e as Error)?.message ?? e}`);
  }
}

/** A caller's input checked against the graph's declared type and static dims. */
function checkInput(info: OnnxValueInfo, x: Tensor | number[]): Tensor {
  const isInt = info.elemType === DataType.INT64 || info.elemType === DataType.INT32;
  const isBool = info.elemType === DataType.BOOL;
  let t = x instanceof Tensor ? x : tensor(x as number[], { dtype: isInt ? "int32" : isBool ? "bool" : "float32" });
  if (isBool !== (t.dtype === "bool")) {
    throw new ValueError(
      `OnnxModule.forward: input "${info.name}" is ${isBool ? "bool; pass a bool tensor (e.g. t.bool())" : "numeric; pass a numeric tensor (e.g. t.float())"}, got ${t.dtype}`,
    );
  }
  if (isInt && t.dtype !== "int32")
    throw new ValueError(`OnnxModule.forward: input "${info.name}" holds integers; pass an int32 tensor, got ${t.dtype}`);
  // A float64 graph input takes float32 too (widened); any float input takes int32 (converted).
  if (info.elemType === DataType.DOUBLE && t.dtype !== "float64") t = t.to("float64");
  else if (!isInt && t.dtype === "int32") t = t.to("float32");
  if (info.shape) {
    const ok = info.shape.length === t.ndim && info.shape.every((d, i) => typeof d !== "number" || d === t.shape[i] || d <= 0);
    if (!ok) {
      const want = info.shape.map((d) => (typeof d === "number" ? String(d) : (d ?? "?"))).join(", ");
      throw new ShapeError(`OnnxModule.forward: input "${info.name}" has shape ${fmtShape(t.shape)}, expected [${want}]`);
    }
  }
  return t;
}
