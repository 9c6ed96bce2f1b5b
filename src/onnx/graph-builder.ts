// Builds an ONNX graph while a forward pass is traced: each tensor seen gets a value name (graph
// inputs, initializers for parameters and constants, node outputs), each op becomes a node.
// Parameters are keyed by tensor identity, so a weight shared by two layers is stored once.

import { noGrad } from "../autograd/grad-mode.js";
import { DTypeError } from "../errors.js";
import { AttrType, DataType, type OnnxAttribute, type OnnxNode, type OnnxTensor } from "../io/onnx/index.js";
import type { Storage } from "../backend/backend.js";
import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";

export type AttrValue =
  number | string | readonly number[] | { float: number } | { floats: readonly number[] } | { strings: readonly string[] } | OnnxTensor;

/** ONNX element type of a tensorgrad dtype. */
export function onnxType(dtype: DType): number {
  return dtype === "int32" ? DataType.INT32 : dtype === "float64" ? DataType.DOUBLE : dtype === "bool" ? DataType.BOOL : DataType.FLOAT;
}

/**
 * Ops ONNX Runtime's CPU kernels run in float32 only: a float64 model using one is refused rather
 * than silently computed in float32.
 */
const NO_FLOAT64 = new Set(["Erf", "Elu", "Softplus", "Conv", "ConvTranspose", "AveragePool", "GlobalAveragePool", "LSTM", "GRU", "RNN"]);

/** Ops whose output type is not their first input's (so a float64 input says nothing about it). */
const RETYPES = new Set([
  "Cast",
  "Shape",
  "Size",
  "ArgMax",
  "ArgMin",
  "Equal",
  "Greater",
  "Less",
  "GreaterOrEqual",
  "LessOrEqual",
  "Not",
  "ConstantOfShape",
  "Range",
]);

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly names = new Map<Tensor, string>();
  /** Tensors by storage, to recognise a view (detach(), a Parameter wrapper) of a known value. */
  private readonly byStorage = new Map<Storage, Tensor[]>();
  private readonly used = new Set<string>();
  /** Values known to hold float64, to refuse ops ONNX Runtime has no float64 kernel for. */
  private readonly doubles = new Set<string>();
  private counter = 0;

  /**
   * @param paramNames state-dict names of the model's parameters and buffers, by tensor.
   * @param where the module path being traced, for errors.
   */
  constructor(
    private readonly paramNames: Map<Tensor, string>,
    private readonly where: () => string = () => "<root>",
  ) {}

  /** A fresh value name starting with `base`. */
  fresh(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Records that `t` is the value `name`. */
  bind(t: Tensor, name: string): void {
    this.names.set(t, name);
    if (t.dtype === "float64") this.doubles.add(name);
    const list = this.byStorage.get(t.storage);
    if (list) list.push(t);
    else this.byStorage.set(t.storage, [t]);
  }

  /**
   * The value name of `t`: a known value, a view of one with the same layout, a parameter or buffer
   * (an initializer named by its state-dict key), or else a constant the forward made, written as
   * a Constant node (as torch.onnx.export does) so importers do not take it for a weight.
   */
  nameOf(t: Tensor): string {
    const known = this.names.get(t);
    if (known !== undefined) return known;
    for (const other of this.byStorage.get(t.storage) ?? []) {
      if (other.offset === t.offset && sameList(other.shape, t.shape) && sameList(other.strides, t.strides)) return this.names.get(other)!;
    }
    const param = this.paramNames.get(t);
    if (param === undefined) {
      const name = this.constant(tensorProto("", t));
      this.bind(t, name);
      return name;
    }
    const name = this.fresh(param);
    this.initializers.push(tensorProto(name, t));
    this.bind(t, name);
    return name;
  }

  /** A Constant node holding `value`; returns its output name. */
  private constant(value: OnnxTensor): string {
    return this.node("Constant", [], { value });
  }

  /** An int64 constant (shapes, axes, indices for shape ops). */
  ints(values: readonly number[], _base = "shape"): string {
    return this.constant({ name: "", dataType: DataType.INT64, dims: [values.length], data: Float64Array.from(values) });
  }

  /** An int64 scalar constant (an axis input such as CumSum's). */
  intScalar(value: number): string {
    return this.constant({ name: "", dataType: DataType.INT64, dims: [], data: Float64Array.of(value) });
  }

  /** A float vector constant (float32 unless `dataType` is DataType.DOUBLE). */
  floats(values: readonly number[], dataType: number = DataType.FLOAT): string {
    const data = dataType === DataType.DOUBLE ? Float64Array.from(values) : Float32Array.from(values);
    const name = this.constant({ name: "", dataType, dims: [values.length], data });
    if (dataType === DataType.DOUBLE) this.doubles.add(name);
    return name;
  }

  /** A scalar constant of element type `dtype`. */
  scalar(value: number, dtype: DType = "float32"): string {
    const data = dtype === "float32" ? Float32Array.of(value) : Float64Array.of(value);
    const name = this.constant({ name: "", dataType: onnxType(dtype), dims: [], data });
    if (dtype === "float64") this.doubles.add(name);
    return name;
  }

  /** Adds a node and returns its (first) output name; `out` binds that output to a tensor. */
  node(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, out?: Tensor): string {
    const output = this.fresh(out ? `${opType.toLowerCase()}_out` : `${opType.toLowerCase()}_tmp`);
    const attributes = new Map<string, OnnxAttribute>();
    for (const [name, v] of Object.entries(attrs)) attributes.set(name, attribute(name, v));
    this.checkFloat64(opType, inputs);
    this.nodes.push({ opType, domain: "", name: this.fresh(`${opType}_node`), inputs: [...inputs], outputs: [output], attributes });
    if (out) this.bind(out, output);
    else if (opType === "Cast" ? attrs.to === DataType.DOUBLE : !RETYPES.has(opType) && this.doubles.has(inputs[0]))
      this.doubles.add(output);
    return output;
  }

  /** Refuses a float64 value going into an op ONNX Runtime has no float64 kernel for. */
  private checkFloat64(opType: string, inputs: readonly string[]): void {
    if (!NO_FLOAT64.has(opType)) return;
    const x = inputs.find((i) => this.doubles.has(i));
    if (x === undefined) return;
    throw new DTypeError(
      `exportOnnx: ${opType} in module "${this.where()}" would read the float64 tensor "${x}", and ONNX Runtime has no float64 ${opType}; ` +
        "export a float32 copy of the model (float32 parameters and inputs) instead",
    );
  }

  /** Adds a node with `count` outputs and returns their names. */
  multiNode(opType: string, inputs: readonly string[], count: number, attrs: Record<string, AttrValue> = {}): string[] {
    this.checkFloat64(opType, inputs);
    const outputs = Array.from({ length: count }, (_, i) => this.fresh(`${opType.toLowerCase()}_out${i}`));
    const attributes = new Map<string, OnnxAttribute>();
    for (const [name, v] of Object.entries(attrs)) attributes.set(name, attribute(name, v));
    this.nodes.push({ opType, domain: "", name: this.fresh(`${opType}_node`), inputs: [...inputs], outputs, attributes });
    return outputs;
  }
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function attribute(name: string, v: AttrValue): OnnxAttribute {
  if (typeof v === "number") return { name, type: AttrType.INT, i: v };
  if (typeof v === "string") return { name, type: AttrType.STRING, s: v };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: [...v] };
  if ("float" in v) return { name, type: AttrType.FLOAT, f: v.float };
  if ("floats" in v) return { name, type: AttrType.FLOATS, floats: [...v.floats] };
  if ("strings" in v) return { name, type: AttrType.STRINGS, strings: [...v.strings] };
  return { name, type: AttrType.TENSOR, t: v as OnnxTensor };
}

/** A tensor's current values as an initializer of its own element type. */
export function tensorProto(name: string, t: Tensor): OnnxTensor {
  const values = noGrad(() => t.contiguousData());
  const data = t.dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values);
  return { name, dataType: onnxType(t.dtype), dims: [...t.shape], data };
}
