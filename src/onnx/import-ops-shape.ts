// ONNX shape, indexing and constant ops. Integer constants (shapes, axes) stay on the host as
// IntConst so that the shape arithmetic torch.onnx.export writes for dynamic dims is exact.

import { DataType, type OnnxTensor } from "../io/onnx/index.js";
import { cat, scatterAdd, where as whereOp } from "../ops/index.js";
import { full, tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import type { OpImpl } from "./import-ops-math.js";
import {
  IntConst,
  asInts,
  asTensor,
  axis,
  hostValuesOrNull,
  need,
  rankOf,
  shapeOf,
  withHostCopy,
  type NodeCtx,
  type Value,
} from "./import-value.js";

export const SHAPE_OPS = new Map<string, OpImpl>();

/** Elements a shape op may materialise on the host (an IntConst) before it is refused. */
const MAX_HOST_INTS = 1 << 20;

/** An initializer or Constant as a value: float and bool data as a tensor, integer data as an IntConst. */
export function constantValue(t: OnnxTensor): Value {
  if (t.dataType === DataType.BOOL)
    return tensor(
      Int32Array.from(t.data, (v) => (v !== 0 ? 1 : 0)),
      { shape: t.dims, dtype: "bool" },
    );
  if (t.dataType === DataType.FLOAT) return tensor(t.data instanceof Float32Array ? t.data : Float32Array.from(t.data), { shape: t.dims });
  if (t.dataType === DataType.DOUBLE)
    return tensor(t.data instanceof Float64Array ? t.data : Float64Array.from(t.data), { shape: t.dims, dtype: "float64" });
  return new IntConst(t.dims, Array.from(t.data));
}

/** float32, float16 and bfloat16 all run as float32; float64 stays float64. */
const isFloat32Type = (to: number) => to === DataType.FLOAT || to === 10 || to === 16;

SHAPE_OPS.set("Identity", (cx, ins) => [need(cx, ins, 0)]);
SHAPE_OPS.set("Dropout", (cx, ins) => [need(cx, ins, 0)]); // inference: the identity (a mask output is not supported)
SHAPE_OPS.set("Constant", (cx) => {
  const a = cx.node.attributes.get("value");
  // Constants keep a host copy: Resize scales, Pad fills and Gather indices are read as numbers.
  if (a?.t) return [withHostCopy(constantValue(a.t), a.t.data)];
  if (cx.has("value_float")) return [withHostCopy(tensor(cx.float("value_float", 0)), [cx.float("value_float", 0)])];
  if (cx.has("value_floats")) {
    const floats = cx.node.attributes.get("value_floats")!.floats ?? [];
    return [withHostCopy(tensor(floats), floats)];
  }
  if (cx.has("value_int")) return [new IntConst([], [cx.int("value_int", 0)])];
  const ints = cx.ints("value_ints");
  if (ints) return [new IntConst([ints.length], ints)];
  return cx.unsupported("a Constant without a tensor, float(s) or int(s) value");
});
SHAPE_OPS.set("Cast", (cx, ins) => {
  const v = need(cx, ins, 0);
  const to = cx.int("to", 0);
  if (isFloat32Type(to) || to === DataType.DOUBLE) {
    const dtype = to === DataType.DOUBLE ? "float64" : "float32";
    const t = asTensor(v);
    return [t.dtype === dtype ? t : t.to(dtype)];
  }
  if (to === DataType.BOOL) return [asTensor(v).bool()];
  if ([DataType.INT64, DataType.INT32, DataType.INT8, DataType.UINT8].includes(to as 7)) {
    return [v instanceof IntConst ? v : v.dtype === "int32" ? v : v.to("int32")];
  }
  return cx.unsupported(`Cast to data type ${to}`);
});
SHAPE_OPS.set("Shape", (cx, ins) => {
  const dims = [...shapeOf(need(cx, ins, 0))];
  const r = dims.length;
  const start = cx.has("start") ? clampAxis(cx.int("start", 0), r) : 0;
  const end = cx.has("end") ? clampAxis(cx.int("end", r), r) : r;
  const out = dims.slice(start, Math.max(start, end));
  return [new IntConst([out.length], out)];
});
SHAPE_OPS.set("Size", (cx, ins) => [new IntConst([], [shapeOf(need(cx, ins, 0)).reduce((a, b) => a * b, 1)])]);

function clampAxis(a: number, r: number): number {
  return Math.max(0, Math.min(r, a < 0 ? a + r : a));
}

SHAPE_OPS.set("Reshape", (cx, ins) => {
  const x = need(cx, ins, 0);
  const target = asInts(cx, ins[1], "shape");
  const inShape = shapeOf(x);
  const allowZero = cx.int("allowzero", 0) === 1;
  const shape = target.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
  if (shape.some((d) => d === undefined || d < -1) || shape.filter((d) => d === -1).length > 1)
    cx.fail(`bad target shape [${target.join(", ")}]`);
  if (x instanceof IntConst) return [new IntConst(inferShape(cx, shape, x.size), x.data)];
  return [x.reshape(shape)];
});

function inferShape(cx: NodeCtx, shape: number[], size: number): number[] {
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (out.reduce((a, b) => a * b, 1) !== size || out.some((d) => !Number.isInteger(d)))
    cx.fail(`cannot reshape ${size} elements to [${shape.join(", ")}]`);
  return out;
}

SHAPE_OPS.set("Flatten", (cx, ins) => {
  const x = asTensor(need(cx, ins, 0));
  const a = cx.int("axis", 1);
  const k = a < 0 ? a + x.ndim : a;
  if (k < 0 || k > x.ndim) cx.fail(`axis ${a} is out of range for rank ${x.ndim}`);
  const lead = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
  return [x.reshape([lead, x.size === 0 ? 0 : x.size / Math.max(lead, 1)])];
});
SHAPE_OPS.set("Transpose", (cx, ins) => {
  const x = asTensor(need(cx, ins, 0));
  const perm = cx.ints("perm") ?? x.shape.map((_, i) => x.ndim - 1 - i);
  return [x.permute(perm.map((p) => axis(cx, p, x.ndim)))];
});
SHAPE_OPS.set("Squeeze", (cx, ins) => {
  const v = need(cx, ins, 0);
  const r = rankOf(v);
  const given = ins[1] !== undefined ? asInts(cx, ins[1], "axes") : cx.ints("axes");
  const dims = shapeOf(v);
  const axes = given ? given.map((a) => axis(cx, a, r)) : dims.flatMap((d, i) => (d === 1 ? [i] : []));
  if (v instanceof IntConst)
    return [
      new IntConst(
        dims.filter((_, i) => !axes.includes(i)),
        v.data,
      ),
    ];
  return [axes.length === 0 ? v : v.squeeze(axes)];
});
SHAPE_OPS.set("Unsqueeze", (cx, ins) => {
  const v = need(cx, ins, 0);
  const given = ins[1] !== undefined ? asInts(cx, ins[1], "axes") : cx.ints("axes");
  if (!given) return cx.fail("axes are missing");
  const outRank = rankOf(v) + given.length;
  const axes = given.map((a) => axis(cx, a, outRank)).sort((a, b) => a - b);
  const dims = [...shapeOf(v)];
  for (const a of axes) dims.splice(a, 0, 1);
  if (v instanceof IntConst) return [new IntConst(dims, v.data)];
  return [v.reshape(dims)];
});
SHAPE_OPS.set("Concat", (cx, ins) => {
  const vs = ins.map((v, i) => v ?? cx.fail(`input ${i} is missing`));
  if (vs.length === 0) cx.fail("no inputs");
  const a = axis(cx, cx.int("axis", 0), rankOf(vs[0]));
  if (vs.every((v) => v instanceof IntConst) && a === 0 && vs.every((v) => rankOf(v) === 1)) {
    const data = (vs as IntConst[]).flatMap((v) => [...v.data]);
    return [new IntConst([data.length], data)];
  }
  const ts = vs.map(asTensor);
  const dtype = ts.some((t) => t.dtype !== "int32") ? "float32" : "int32";
  return [
    cat(
      ts.map((t) => (t.dtype === dtype ? t : t.to(dtype))),
      a,
    ),
  ];
});
SHAPE_OPS.set("Gather", (cx, ins) => {
  const data = need(cx, ins, 0);
  const idxV = need(cx, ins, 1);
  const r = rankOf(data);
  const a = axis(cx, cx.int("axis", 0), r);
  const n = shapeOf(data)[a];
  if (data instanceof IntConst && idxV instanceof IntConst && r === 1) {
    const out = idxV.data.map((i) => data.data[checkIndex(cx, i, n)]);
    return [new IntConst(idxV.dims, out)];
  }
  return [gather(cx, asTensor(data), asTensor(idxV), a)];
});

function checkIndex(cx: NodeCtx, i: number, n: number): number {
  const j = i < 0 ? i + n : i;
  if (!Number.isInteger(j) || j < 0 || j >= n) cx.fail(`index ${i} is out of range for a dim of size ${n}`);
  return j;
}

/** numpy.take along `a`: rows picked by an index tensor of any shape (negative indices count from the end). */
function gather(cx: NodeCtx, data: Tensor, index: Tensor, a: number): Tensor {
  const n = data.shape[a];
  const idx = nonNegative(index, n);
  // Move the gathered dim first, flatten the rest into columns, gather rows, then restore the order.
  const rest = data.shape.filter((_, i) => i !== a);
  const moved = data.permute([a, ...data.shape.map((_, i) => i).filter((i) => i !== a)]).reshape([n, rest.reduce((p, d) => p * d, 1)]);
  const cols = moved.shape[1];
  const rows = moved.gather(0, idx.reshape([idx.size, 1]).expand([idx.size, cols]));
  const before = rest.slice(0, a);
  const after = rest.slice(a);
  const out = rows.reshape([...idx.shape, ...before, ...after]);
  const q = idx.ndim;
  const perm = [...before.map((_, i) => q + i), ...idx.shape.map((_, i) => i), ...after.map((_, i) => q + before.length + i)];
  return out.permute(perm);
}

SHAPE_OPS.set("GatherElements", (cx, ins) => {
  const x = asTensor(need(cx, ins, 0));
  const idx = asTensor(need(cx, ins, 1));
  const a = axis(cx, cx.int("axis", 0), x.ndim);
  return [x.gather(a, nonNegative(idx, x.shape[a]))];
});
SHAPE_OPS.set("Slice", (cx, ins) => {
  const v = need(cx, ins, 0);
  const starts = asInts(cx, ins[1], "starts");
  const ends = asInts(cx, ins[2], "ends");
  const r = rankOf(v);
  const axes = ins[3] !== undefined ? asInts(cx, ins[3], "axes").map((a) => axis(cx, a, r)) : starts.map((_, i) => i);
  const steps = ins[4] !== undefined ? asInts(cx, ins[4], "steps") : starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length)
    cx.fail("starts, ends, axes and steps differ in length");
  if (steps.some((s) => s <= 0)) cx.unsupported("a Slice with a non-positive step");
  let x = v instanceof IntConst && r === 1 ? v : asTensor(v);
  axes.forEach((a, i) => {
    const n = shapeOf(x)[a];
    const norm = (p: number) => Math.max(0, Math.min(n, p < 0 ? p + n : p));
    const [s, e] = [norm(starts[i]), norm(ends[i])];
    if (x instanceof IntConst) {
      const out: number[] = [];
      for (let k = s; k < e; k += steps[i]) out.push(x.data[k]);
      x = new IntConst([out.length], out);
    } else x = x.slice(a, s, Math.max(s, e), steps[i]);
  });
  return [x];
});
SHAPE_OPS.set("ConstantOfShape", (cx, ins) => {
  const shape = asInts(cx, ins[0], "shape");
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) cx.fail(`bad shape [${shape.join(", ")}]`);
  const t = cx.node.attributes.get("value")?.t;
  const value = t && t.data.length > 0 ? t.data[0] : 0;
  const size = shape.reduce((a, b) => a * b, 1);
  cx.checkSize("the filled tensor", shape);
  if (!t || t.dataType === DataType.FLOAT) return [full(shape, value)];
  if (t.dataType === DataType.DOUBLE) return [full(shape, value, { dtype: "float64" })];
  if (size > MAX_HOST_INTS) return [full(shape, value, { dtype: "int32" })];
  return [new IntConst(shape, Array(size).fill(value))];
});
SHAPE_OPS.set("Expand", (cx, ins) => {
  const x = asTensor(need(cx, ins, 0));
  const target = asInts(cx, ins[1], "shape");
  // Expand broadcasts both ways: a 1 in the target keeps the input's size.
  const rank = Math.max(x.ndim, target.length);
  const xs = [...Array(rank - x.ndim).fill(1), ...x.shape];
  const ts = [...Array(rank - target.length).fill(1), ...target];
  const shape = xs.map((d, i) => (ts[i] === 1 ? d : ts[i]));
  return [x.expand(shape)];
});
SHAPE_OPS.set("Range", (cx, ins) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => asInts(cx, ins[i], "range bound")[0]);
  if (delta === 0) cx.fail("delta is 0");
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  if (n > MAX_HOST_INTS) cx.fail(`${n} elements`);
  return [
    new IntConst(
      [n],
      Array.from({ length: n }, (_, i) => start + i * delta),
    ),
  ];
});

SHAPE_OPS.set("Split", (cx, ins) => {
  const x = asTensor(need(cx, ins, 0));
  const a = axis(cx, cx.int("axis", 0), x.ndim);
  const n = x.shape[a];
  // Opset 13 moved split sizes from an attribute to an input; opset 18 added num_outputs.
  let sizes = ins[1] !== undefined ? asInts(cx, ins[1], "split") : cx.ints("split");
  if (!sizes) {
    const parts = cx.int("num_outputs", cx.node.outputs.length);
    if (parts < 1) cx.fail(`num_outputs ${parts}`);
    const each = Math.ceil(n / parts);
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(each, n - i * each)));
  }
  if (sizes.some((v) => v < 0) || sizes.reduce((p, v) => p + v, 0) !== n)
    cx.fail(`split sizes [${sizes.join(", ")}] do not add up to ${n}`);
  let at = 0;
  return sizes.map((len) => x.slice(a, at, (at += len)));
});
SHAPE_OPS.set("Tile", (cx, ins) => {
  const x = asTensor(need(cx, ins, 0));
  const reps = asInts(cx, ins[1], "repeats");
  if (reps.length !== x.ndim || reps.some((r) => !Number.isInteger(r) || r < 0))
    cx.fail(`repeats [${reps.join(", ")}] do not fit rank ${x.ndim}`);
  cx.checkSize(
    "the tiled tensor",
    x.shape.map((d, i) => d * reps[i]),
  );
  // Each dim: a new axis of size r in front, expanded, then merged into the dim.
  let out = x;
  reps.forEach((r, d) => {
    if (r === 1) return;
    const shape = [...out.shape];
    const expanded = out.unsqueeze(d).expand([...shape.slice(0, d), r, ...shape.slice(d)]);
    out = expanded.reshape([...shape.slice(0, d), r * shape[d], ...shape.slice(d + 1)]);
  });
  return [out];
});

SHAPE_OPS.set("ScatterElements", (cx, ins) => {
  const data = asTensor(need(cx, ins, 0));
  const idx = asTensor(need(cx, ins, 1));
  const updates = asTensor(need(cx, ins, 2));
  const a = axis(cx, cx.int("axis", 0), data.ndim);
  const reduction = cx.string("reduction", "none");
  if (idx.ndim !== data.ndim || updates.ndim !== data.ndim || idx.shape.some((d, i) => d !== updates.shape[i])) {
    cx.fail(`indices [${idx.shape}] and updates [${updates.shape}] do not fit data [${data.shape}]`);
  }
  const fixed = nonNegative(idx, data.shape[a]);
  const added = scatterAdd(updates.dtype === data.dtype ? updates : updates.to(data.dtype), a, fixed, data.shape);
  if (reduction === "add") return [data.add(added)];
  if (reduction !== "none") cx.unsupported(`reduction="${reduction}"`);
  // Plain assignment: where an index lands, the update replaces the data (indices are unique by the spec).
  const hit = scatterAdd(full(updates.shape, 1, { dtype: data.dtype }), a, fixed, data.shape);
  return [whereOp(hit.gt(0), added, data)];
});

/** Negative indices counted from the end, as ONNX allows, and int32 as tensorgrad's gather wants. */
function nonNegative(idx: Tensor, n: number): Tensor {
  const i = idx.dtype === "int32" ? idx : idx.to("int32");
  if (i.size === 0) return i;
  const host = hostValuesOrNull(idx);
  if (host !== null && !Array.prototype.some.call(host, (v: number) => v < 0)) return i;
  // Without the values on the host (an index computed on WebGPU) the shift runs on the device.
  return i.add(i.lt(0).to("int32").mul(n));
}

SHAPE_OPS.set("CumSum", (cx, ins) => {
  const x = asTensor(need(cx, ins, 0));
  const [a0] = asInts(cx, ins[1], "axis");
  const a = axis(cx, a0, x.ndim);
  if (cx.int("exclusive", 0) !== 0) cx.unsupported("exclusive=1");
  return [cx.int("reverse", 0) ? x.flip([a]).cumsum(a).flip([a]) : x.cumsum(a)];
});
