// Values flowing through an imported graph: tensors, and integer constants kept on the host
// (shapes, axes, indices) so shape arithmetic such as Shape → Gather → Concat → Reshape is exact in
// int64 and never round-trips through int32 tensors.

import { FormatError, UnsupportedOpError } from "../errors.js";
import { AttrType, type OnnxGraph, type OnnxNode } from "../io/onnx/index.js";
import { tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";

/** An integer tensor held as plain numbers. */
export class IntConst {
  constructor(
    readonly dims: readonly number[],
    readonly data: readonly number[],
  ) {}
  get size(): number {
    return this.data.length;
  }
}

export type Value = Tensor | IntConst;

/** Runs a subgraph in the current scope on its inputs and returns its outputs. */
export type GraphRunner = (g: OnnxGraph, inputs: readonly Value[]) => Value[];

/** The node being run, for attribute access and error messages. */
export class NodeCtx {
  /**
   * @param maxElements the most elements one value may hold (see OnnxModule's option).
   * @param runGraph runs a subgraph attribute (If, Loop) with the current values in scope.
   */
  constructor(
    readonly node: OnnxNode,
    readonly maxElements: number,
    readonly runGraph: GraphRunner = () => [] as Value[],
  ) {}

  /** The subgraph attribute `name`, which must be present. */
  graph(name: string): OnnxGraph {
    const a = this.get(name, AttrType.GRAPH);
    if (a?.g === undefined) this.fail(`subgraph attribute "${name}" is missing`);
    return a.g;
  }

  /** Fails unless a value of `shape` fits the element limit (checked before allocating it). */
  checkSize(what: string, shape: readonly number[]): void {
    const n = shape.reduce((p, d) => p * d, 1);
    if (n > this.maxElements) this.fail(`${what} [${shape.join(", ")}] would hold ${n} elements (the limit is ${this.maxElements})`);
  }

  get label(): string {
    return `${this.node.opType} node "${this.node.name || this.node.outputs[0]}"`;
  }

  fail(message: string): never {
    throw new FormatError(`loadOnnx: ${this.label}: ${message}`);
  }

  unsupported(what: string): never {
    throw new UnsupportedOpError(`loadOnnx: ${this.label}: ${what} is not supported`, this.node.opType, this.node.name);
  }

  private get(name: string, type: number) {
    const a = this.node.attributes.get(name);
    if (a === undefined) return undefined;
    if (a.type !== type) this.fail(`attribute "${name}" has type ${a.type}, expected ${type}`);
    return a;
  }

  int(name: string, dflt: number): number {
    return this.get(name, AttrType.INT)?.i ?? dflt;
  }
  float(name: string, dflt: number): number {
    return this.get(name, AttrType.FLOAT)?.f ?? dflt;
  }
  ints(name: string): number[] | undefined {
    const a = this.get(name, AttrType.INTS);
    return a ? (a.ints ?? []) : undefined;
  }
  string(name: string, dflt: string): string {
    return this.get(name, AttrType.STRING)?.s ?? dflt;
  }
  has(name: string): boolean {
    return this.node.attributes.has(name);
  }
}

/**
 * Host copies of tensors made from numbers in the file or on the host (Constant nodes, integer
 * constants), so a node that reads such a value to decide a shape, an index or a branch needs no
 * synchronous read from a backend that cannot give one (WebGPU).
 */
const hostCopies = new WeakMap<Tensor, ArrayLike<number>>();

/** Records `data` as the host copy of `t` (made from exactly those numbers) and returns `t`. */
export function withHostCopy<T extends Value>(t: T, data: ArrayLike<number>): T {
  // The copy holds the tensor's own values: float32 rounding included.
  if (t instanceof Tensor) hostCopies.set(t, t.dtype === "float32" && !(data instanceof Float32Array) ? Float32Array.from(data) : data);
  return t;
}

/** `v`'s elements in row-major order when the host has them (an IntConst, a host copy, a CPU tensor), else null. */
export function hostValuesOrNull(v: Value): ArrayLike<number> | null {
  if (v instanceof IntConst) return v.data;
  // The live values where the backend can read them; the copy where it cannot.
  return v._hostDataOrNull() ?? hostCopies.get(v) ?? null;
}

/**
 * `v`'s elements on the host, for a node that needs them as numbers (sizes, axes, scales, a
 * condition). A value computed on a backend that cannot be read synchronously is an
 * UnsupportedOpError naming the node and what it reads.
 */
export function hostValues(cx: NodeCtx, v: Value, what: string): ArrayLike<number> {
  const data = hostValuesOrNull(v);
  if (data !== null) return data;
  const backend = (v as Tensor).storage.backend.name;
  throw new UnsupportedOpError(
    `loadOnnx: ${cx.label} reads ${what} as numbers, and it was computed on the "${backend}" backend, which cannot be read synchronously; pass such a graph input as a CPU tensor (x.toBackend("wasm")) or run this model on a CPU backend`,
    cx.node.opType,
    cx.node.name,
  );
}

/** `v` as a tensor: integer constants become int32 tensors (values clamped to int32). */
export function asTensor(v: Value): Tensor {
  if (v instanceof Tensor) return v;
  const data = Int32Array.from(v.data, (x) => Math.max(-2147483648, Math.min(2147483647, x)));
  return withHostCopy(tensor(data, { dtype: "int32", shape: [...v.dims] }), data);
}

/** `v` as a float tensor. */
export function asFloat(v: Value): Tensor {
  const t = asTensor(v);
  return t.dtype === "int32" ? t.to("float32") : t;
}

/** `v`'s elements as integers (reading a tensor back from its backend when it is one). */
export function asInts(cx: NodeCtx, v: Value | undefined, what: string): number[] {
  if (v === undefined) cx.fail(`missing input ${what}`);
  if (v instanceof IntConst) return [...v.data];
  if (v.size > 1_000_000) cx.fail(`${what} has ${v.size} elements; expected a short list of integers`);
  return Array.from(hostValues(cx, v, what), (x) => Math.trunc(x));
}

/** Input `i`, which must be present. */
export function need(cx: NodeCtx, inputs: readonly (Value | undefined)[], i: number): Value {
  const v = inputs[i];
  if (v === undefined) cx.fail(`input ${i} is missing`);
  return v;
}

/** Normalises an axis against `rank`, with the node's error on a bad one. */
export function axis(cx: NodeCtx, a: number, rank: number): number {
  const r = a < 0 ? a + rank : a;
  if (!Number.isInteger(r) || r < 0 || r >= rank) cx.fail(`axis ${a} is out of range for rank ${rank}`);
  return r;
}

export function rankOf(v: Value): number {
  return v instanceof IntConst ? v.dims.length : v.ndim;
}

export function shapeOf(v: Value): readonly number[] {
  return v instanceof IntConst ? v.dims : v.shape;
}
