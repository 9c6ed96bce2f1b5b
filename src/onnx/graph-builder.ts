// Builds an ONNX graph while a forward pass is traced: each tensor seen gets a value name (graph
// inputs, initializers for parameters and constants, node outputs), each op becomes a node.
// Parameters are keyed by tensor identity, so a weight shared by two layers is stored once.

import { noGrad } from "../autograd/grad-mode.js";
import { AttrType, DataType, type OnnxAttribute, type OnnxNode, type OnnxTensor } from "../io/onnx/index.js";
import type { Storage } from "../backend/backend.js";
import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";

export type AttrValue =
  | number | string | readonly number[] | { float: number } | { floats: readonly number[] } | { strings: readonly string[] } | OnnxTensor;

/** ONNX element type of a tensorgrad dtype. */
export function onnxType(dtype: DType): number {
  // float64 models are written as float32 (tensorProto converts their values).
  return dtype === "int32" ? DataType.INT32 : DataType.FLOAT;
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly names = new Map<Tensor, string>();
  /** Tensors by storage, to recognise a view (detach(), a Parameter wrapper) of a known value. */
  private readonly byStorage = new Map<Storage, Tensor[]>();
  private readonly used = new Set<string>();
  private counter = 0;

  /** @param paramNames state-dict names of the model's parameters and buffers, by tensor. */
  constructor(private readonly paramNames: Map<Tensor, string>) {}

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

  /** A float32 vector constant. */
  floats(values: readonly number[]): string {
    return this.constant({ name: "", dataType: DataType.FLOAT, dims: [values.length], data: Float32Array.from(values) });
  }

  /** A float scalar constant of `like`'s element type. */
  scalar(value: number, dtype: DType = "float32"): string {
    const data = dtype === "int32" ? Float64Array.of(value) : Float32Array.of(value);
    return this.constant({ name: "", dataType: onnxType(dtype), dims: [], data });
  }

  /** Adds a node and returns its (first) output name; `out` binds that output to a tensor. */
  node(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, out?: Tensor): string {
    const output = this.fresh(out ? `${opType.toLowerCase()}_out` : `${opType.toLowerCase()}_tmp`);
    const attributes = new Map<string, OnnxAttribute>();
    for (const [name, v] of Object.entries(attrs)) attributes.set(name, attribute(name, v));
    this.nodes.push({ opType, domain: "", name: this.fresh(`${opType}_node`), inputs: [...inputs], outputs: [output], attributes });
    if (out) this.bind(out, output);
    return output;
  }

  /** Adds a node with `count` outputs and returns their names. */
  multiNode(opType: string, inputs: readonly string[], count: number, attrs: Record<string, AttrValue> = {}): string[] {
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

/** A tensor's current values as an initializer. */
export function tensorProto(name: string, t: Tensor): OnnxTensor {
  const values = noGrad(() => t.contiguousData());
  const data = t.dtype === "int32" ? Float64Array.from(values) : Float32Array.from(values);
  return { name, dataType: t.dtype === "int32" ? DataType.INT32 : DataType.FLOAT, dims: [...t.shape], data };
}
