// Symbolic dims by tracing more than once: the forward is traced at the example sizes and again with
// each dynamic dim grown by one. Graph constants that moved with a dim (Reshape targets, Slice ends,
// Expand shapes, a mean's count, a zeros([B, H]) made in the forward) are rewritten as arithmetic on
// Shape(input), so the exported graph runs at any size; anything that cannot be is a typed error.

import { UnsupportedOpError } from "../errors.js";
import { DataType, type OnnxAttribute, type OnnxNode, type OnnxTensor } from "../io/onnx/index.js";
import type { GraphBuilder } from "./graph-builder.js";
import type { TraceResult } from "./trace.js";

/** A named dynamic dim: where the graph inputs carry it and its size in the base trace. */
export interface DimSymbol {
  name: string;
  sites: { input: number; axis: number }[];
  size: number;
}

/** The base trace with the trace in which symbol `k` alone was one larger, for each symbol. */
export interface Traces {
  base: TraceResult;
  grown: TraceResult[];
}

/** How one number of the graph depends on the symbols; `null` when it does not move. */
type Fit =
  | { kind: "product"; k: number; syms: number[] } // k · Π syms
  | { kind: "quotient"; k: number; syms: number[] } // k / Π syms (float only)
  | { kind: "affine"; c: number; ks: number[] }; // c + Σ ks[s] · sym s

/**
 * Rewrites `traces.base`'s nodes in place so constants that moved with a symbol are computed from
 * the graph inputs' shapes. Throws an UnsupportedOpError naming the node when the graph's structure
 * depends on a dim (a loop over it) or a constant moved in a way shape arithmetic cannot express.
 */
export function generaliseDims(traces: Traces, symbols: readonly DimSymbol[]): void {
  const { base, grown } = traces;
  const b = base.builder;
  const nodes = b.nodes;
  for (const [s, t] of grown.entries()) {
    const other = t.builder.nodes;
    const sym = symbols[s].name;
    if (other.length !== nodes.length) {
      throw structural(`has ${nodes.length} nodes at one size of "${sym}" and ${other.length} at another`, sym);
    }
    nodes.forEach((n, i) => {
      const m = other[i];
      if (n.opType !== m.opType || !sameList(n.inputs, m.inputs) || !sameList(n.outputs, m.outputs)) {
        throw structural(
          `node ${i} is ${n.opType}(${n.inputs.join(", ")}) at one size of "${sym}" and ${m.opType}(${m.inputs.join(", ")}) at another`,
          sym,
        );
      }
      for (const [name, a] of n.attributes) {
        if (n.opType === "Constant" && name === "value") continue;
        const other = m.attributes.get(name);
        if (!other || !sameAttribute(a, other)) {
          throw new UnsupportedOpError(
            `exportOnnx: attribute "${name}" of ${n.opType} node "${n.outputs[0]}" changes with dynamic dim "${sym}"; ONNX attributes are fixed, so this dim cannot be dynamic`,
            n.opType,
            n.outputs[0],
          );
        }
      }
    });
  }
  const sizes = symbols.map((s) => s.size);
  // Each symbol's size, read from the first input carrying it: Gather(Shape(input), [axis]).
  const start = nodes.length;
  const symValues = symbols.map(({ sites: [site] }) =>
    b.node("Gather", [b.node("Shape", [base.inputNames[site.input]]), b.ints([site.axis])]),
  );
  const symNodes = nodes.splice(start);
  // Walk backwards so splicing replacement nodes in does not shift the nodes still to visit.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (n.opType !== "Constant") continue;
    const t0 = n.attributes.get("value")!.t!;
    const ts = grown.map((g) => g.builder.nodes[i].attributes.get("value")!.t!);
    if (ts.every((t) => sameTensor(t0, t))) continue;
    const before = nodes.length;
    const out = rewriteConstant(b, n, t0, ts, sizes, (s) => symValues[s], symbols);
    const added = nodes.splice(before);
    added.push({
      opType: "Identity",
      domain: "",
      name: b.fresh("Identity_node"),
      inputs: [out],
      outputs: [n.outputs[0]],
      attributes: new Map(),
    });
    nodes.splice(i, 1, ...added);
  }
  nodes.unshift(...symNodes); // unused ones are pruned with the rest
}

function structural(what: string, sym: string): UnsupportedOpError {
  return new UnsupportedOpError(
    `exportOnnx: the traced graph ${what}: the forward loops or branches on that dim's size, so it cannot be dynamic (export with fixed sizes, or without that dim in dynamicAxes)`,
    "dynamic dim",
    sym,
  );
}

/** Writes the nodes computing the constant `n` at any size; returns the name of their result. */
function rewriteConstant(
  b: GraphBuilder,
  n: OnnxNode,
  t0: OnnxTensor,
  ts: OnnxTensor[],
  sizes: number[],
  symbolOf: (s: number) => string,
  symbols: readonly DimSymbol[],
): string {
  const isFloat = t0.dataType === DataType.FLOAT || t0.dataType === DataType.DOUBLE;
  const fail = (why: string): never => {
    const moved = symbols
      .filter((_, s) => !sameTensor(t0, ts[s]))
      .map((s) => `"${s.name}"`)
      .join(", ");
    throw new UnsupportedOpError(
      `exportOnnx: constant "${n.outputs[0]}" (shape [${t0.dims.join(", ")}]) made in the forward changes with dynamic dim ${moved} ${why}; ` +
        "compute it from the input's shape with tensor ops, or export with fixed sizes",
      "Constant",
      n.outputs[0],
    );
  };
  if (ts.every((t) => sameList(t.dims, t0.dims))) {
    // Same shape, values moved: a shape vector, a slice bound, a count. Fit each element.
    if (t0.data.length > 64) fail("in more than 64 of its values");
    const pieces: string[] = [];
    let run: number[] = [];
    const flush = () => {
      if (run.length > 0) pieces.push(isFloat ? b.floats(run, t0.dataType) : b.ints(run));
      run = [];
    };
    for (let j = 0; j < t0.data.length; j++) {
      const f = fit(
        t0.data[j],
        ts.map((t) => t.data[j]),
        sizes,
        isFloat,
      );
      if (f === undefined)
        fail(`in a way no product or sum of the dims gives (element ${j}: ${t0.data[j]}, then ${ts.map((t) => t.data[j]).join(", ")})`);
      if (f === null) run.push(t0.data[j]);
      else {
        flush();
        pieces.push(expression(b, f!, symbolOf, isFloat ? t0.dataType : null));
      }
    }
    flush();
    const joined = pieces.length === 1 ? pieces[0] : b.node("Concat", pieces, { axis: 0 });
    return finish(b, joined, t0);
  }
  // The shape moved: a fill (zeros([B, H])) or an arange over a dynamic length.
  if (ts.some((t) => t.dims.length !== t0.dims.length)) fail("in rank");
  const dimFits = t0.dims.map((d, j) =>
    fit(
      d,
      ts.map((t) => t.dims[j]),
      sizes,
      false,
    ),
  );
  if (dimFits.some((f) => f === undefined)) fail("in a dim no product or sum of the dims gives");
  const shapeParts = dimFits.map((f, j) => (f === null ? b.ints([t0.dims[j]]) : expression(b, f!, symbolOf, null)));
  const shape = shapeParts.length === 1 ? shapeParts[0] : b.node("Concat", shapeParts, { axis: 0 });
  const all = [t0, ...ts];
  const first = t0.data[0];
  if (all.every((t) => t.data.every((v) => v === first))) {
    const value: OnnxTensor = {
      name: "",
      dataType: t0.dataType,
      dims: [1],
      data: t0.dataType === DataType.FLOAT ? Float32Array.of(first) : Float64Array.of(first),
    };
    return b.node("ConstantOfShape", [shape], { value });
  }
  const step = t0.data.length > 1 ? t0.data[1] - t0.data[0] : 1;
  const isRange = (t: OnnxTensor) => t.dims.length === 1 && t.data.every((v, i) => v === first + i * step);
  if (!isFloat && all.every(isRange)) {
    // arange(start, start + n·step, step) as Range over int64 scalars.
    const scalar = (name: string) => b.node("Squeeze", [name, b.ints([0])]);
    const limit = b.node("Add", [b.node("Mul", [shape, b.ints([step])]), b.ints([first])]);
    const r = b.node("Range", [scalar(b.ints([first])), scalar(limit), scalar(b.ints([step]))]);
    return t0.dataType === DataType.INT64 ? r : b.node("Cast", [r], { to: t0.dataType });
  }
  return fail("in size, and its values are neither one repeated value nor an arange");
}

/** The int64 [n] or float [n] vector `joined` cast and shaped as the original constant. */
function finish(b: GraphBuilder, joined: string, t0: OnnxTensor): string {
  let out = joined;
  if (t0.dataType === DataType.INT32) out = b.node("Cast", [out], { to: t0.dataType });
  if (t0.dims.length !== 1) out = b.node("Reshape", [out, b.ints(t0.dims)]);
  return out;
}

/**
 * How `v0` (at the base sizes) became `vs[s]` when symbol s grew by one: undefined when no model
 * fits, null when it did not move.
 */
function fit(v0: number, vs: number[], sizes: number[], isFloat: boolean): Fit | null | undefined {
  const moved = vs.flatMap((v, s) => (v !== v0 ? [s] : []));
  if (moved.length === 0) return null;
  const close = (a: number, c: number) => (isFloat ? Math.abs(a - c) <= 1e-6 * Math.max(1, Math.abs(c)) : a === c);
  const prod = (syms: number[], grow: number) => syms.reduce((p, s) => p * (s === grow ? sizes[s] + 1 : sizes[s]), 1);
  const k = v0 / prod(moved, -1);
  if ((isFloat || Number.isInteger(k)) && moved.every((s) => close(vs[s], k * prod(moved, s)))) return { kind: "product", k, syms: moved };
  if (isFloat) {
    const q = v0 * prod(moved, -1);
    if (moved.every((s) => close(vs[s], q / prod(moved, s)))) return { kind: "quotient", k: q, syms: moved };
  }
  const ks = sizes.map((_, s) => (moved.includes(s) ? vs[s] - v0 : 0));
  const c = v0 - ks.reduce((acc, ki, s) => acc + ki * sizes[s], 0);
  if (isFloat || (Number.isInteger(c) && ks.every(Number.isInteger))) return { kind: "affine", c, ks };
  return undefined;
}

/** Nodes computing a fitted number as an int64 [1] tensor, or a [1] tensor of float type `floatType`. */
function expression(b: GraphBuilder, f: Fit, symbolOf: (s: number) => string, floatType: number | null): string {
  const num = (v: number) => (floatType !== null ? b.floats([v], floatType) : b.ints([v]));
  const sym = (s: number) => (floatType !== null ? b.node("Cast", [symbolOf(s)], { to: floatType }) : symbolOf(s));
  const product = (syms: number[]) => syms.map(sym).reduce((acc, x) => b.node("Mul", [acc, x]));
  if (f.kind === "product") return f.k === 1 ? product(f.syms) : b.node("Mul", [product(f.syms), num(f.k)]);
  if (f.kind === "quotient") return b.node("Div", [num(f.k), product(f.syms)]);
  let acc: string | null = null;
  f.ks.forEach((k, s) => {
    if (k === 0) return;
    const term = k === 1 ? sym(s) : b.node("Mul", [sym(s), num(k)]);
    acc = acc === null ? term : b.node("Add", [acc, term]);
  });
  return f.c === 0 ? acc! : b.node("Add", [acc!, num(f.c)]);
}

function sameList(a: readonly (number | string)[], b: readonly (number | string)[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameTensor(a: OnnxTensor, b: OnnxTensor): boolean {
  if (a.dataType !== b.dataType || !sameList(a.dims, b.dims) || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (!Object.is(a.data[i], b.data[i])) return false;
  return true;
}

function sameAttribute(a: OnnxAttribute, b: OnnxAttribute): boolean {
  if (a.type !== b.type || a.i !== b.i || !Object.is(a.f, b.f) || a.s !== b.s) return false;
  if (!sameList(a.ints ?? [], b.ints ?? []) || !sameList(a.floats ?? [], b.floats ?? []) || !sameList(a.strings ?? [], b.strings ?? []))
    return false;
  return a.t === undefined ? b.t === undefined : b.t !== undefined && sameTensor(a.t, b.t);
}
