// Element-wise kernels of two and three inputs (broadcasting arrives as stride 0) and fill. Operands
// may differ in dtype (an int32 tensor times a float32 one): each is converted to the output's type
// as the reference does. Comparisons order an int32 against a float32 exactly, treat NaN as
// unordered and write 1 or 0 in the output's dtype.

import type { View } from "../../backend.js";
import type { BinaryKernel, KernelTable, TypedKernel } from "../../kernel-table.js";
import type { GpuRuntime } from "../runtime.js";
import { f32Bits, grid } from "../runtime.js";
import { mapDispatch } from "./map.js";
import { FLAT_ID, WG, stridedIndexWgsl, stridedMeta } from "./strided.js";
import { UNARY_LIB } from "./unary.js";
import { convert, wgslType, type GpuDType } from "./wgsl-math.js";

type Arith = Exclude<BinaryKernel, Compare>;
type Compare = "eq" | "ne" | "gt" | "lt" | "ge" | "le";

// float32 results of a: f32, b: f32
const FLOAT: Record<Arith, string> = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "a / b",
  pow: "tg_pow(a, b)",
  // NaN wins; on ties (0 and -0) the second operand, as the reference's `x0 > x1 ? x0 : x1`.
  maximum: "select(select(b, a, a > b), nan_f32(), is_nan(a) || is_nan(b))",
  minimum: "select(select(b, a, a < b), nan_f32(), is_nan(a) || is_nan(b))",
  reluGrad: "select(0.0, b, a > 0.0)",
};
// int32 results of a: i32, b: i32 (wrapping, as an int32 store of the exact result)
const INT: Partial<Record<Arith, string>> = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  pow: "ipow(a, b)",
  maximum: "max(a, b)",
  minimum: "min(a, b)",
};
// Conditions on c = cmp(a, b): -1, 0, 1, or 2 when unordered (a NaN).
const COMPARE: Record<Compare, string> = {
  eq: "c == 0",
  ne: "c != 0",
  gt: "c == 1",
  lt: "c == -1",
  ge: "c == 0 || c == 1",
  le: "c == 0 || c == -1",
};

const LIB = /* wgsl */ `
fn cmp_ff(a: f32, b: f32) -> i32 {
  if (is_nan(a) || is_nan(b)) { return 2; }
  return select(select(0, 1, a > b), -1, a < b);
}
fn cmp_ii(a: i32, b: i32) -> i32 { return select(select(0, 1, a > b), -1, a < b); }
// An int32 against a float32 without rounding the int: compare with floor(b), then b's fraction.
fn cmp_if(a: i32, b: f32) -> i32 {
  if (is_nan(b)) { return 2; }
  if (b >= 2147483648.0) { return -1; }
  if (b < -2147483648.0) { return 1; }
  let fb = floor(b);
  let ib = i32(fb);
  if (a != ib) { return select(1, -1, a < ib); }
  return select(0, -1, b > fb);
}
fn cmp_fi(a: f32, b: i32) -> i32 {
  let c = cmp_if(b, a);
  return select(-c, 2, c == 2);
}
fn ipow(b: i32, e: i32) -> i32 {
  // A negative power of an integer truncates to 0 except for ±1 (the reference's Math.pow stored as int32).
  if (e < 0) { return select(select(0, 1, b == 1), select(1, -1, (e & 1) != 0), b == -1); }
  var r = 1;
  var base = b;
  var n = e;
  loop {
    if (n == 0) { break; }
    if ((n & 1) != 0) { r *= base; }
    base *= base;
    n = n >> 1u;
  }
  return r;
}
// JavaScript's Math.pow (the reference): pow(x, ±0) = 1, pow(±1, ±∞) = NaN, a negative base needs an
// integer exponent. Small integer exponents multiply; others go through exp2(y·log2|x|).
fn tg_pow(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (is_nan(x) || is_nan(y)) { return nan_f32(); }
  let ax = abs(x);
  if (is_inf(y)) {
    if (ax == 1.0) { return nan_f32(); }
    return select(0.0, inf_f32(), (ax > 1.0) == (y > 0.0));
  }
  let yint = floor(y) == y;
  let odd = yint && abs(y) < 16777216.0 && (i32(abs(y)) & 1) == 1;
  let negative = (bitcast<u32>(x) >> 31u) == 1u && odd;
  if (is_inf(x) || x == 0.0) {
    let m = select(0.0, inf_f32(), (y > 0.0) == is_inf(x));
    return select(m, -m, negative);
  }
  if (x < 0.0 && !yint) { return nan_f32(); }
  var m: f32;
  if (y == 1.0) { m = ax; }
  else if (y == 2.0) { m = ax * ax; }
  else if (y == 3.0) { m = ax * ax * ax; }
  else if (y == -1.0) { m = 1.0 / ax; }
  else if (y == 0.5) { m = sqrt(ax); }
  else { m = tg_exp2(y * tg_log2(ax)); }
  return select(m, -m, negative);
}
`;

/** Every binary kernel, where, and fill. */
export function binaryKernels(rt: GpuRuntime): Pick<KernelTable, BinaryKernel | "where" | "fill"> {
  const table = {} as Record<BinaryKernel, TypedKernel<undefined>>;
  for (const name of Object.keys(FLOAT) as Arith[]) table[name] = arith(rt, name);
  for (const name of Object.keys(COMPARE) as Compare[]) table[name] = compare(rt, name);
  return { ...table, where: where(rt), fill: fill(rt) };
}

function arith(rt: GpuRuntime, name: Arith): TypedKernel<undefined> {
  return (out: View, [x, y]: readonly View[]): void => {
    const to = wgslType(out.storage.dtype);
    const ta = wgslType(x!.storage.dtype),
      tb = wgslType(y!.storage.dtype);
    const integer = to === "i32" && ta === "i32" && tb === "i32" && INT[name] !== undefined;
    const t = integer ? "i32" : "f32";
    const body = integer ? INT[name]! : convert(FLOAT[name], "f32", to);
    mapDispatch(
      rt,
      `binary:${name}`,
      out,
      [x!, y!],
      `op(${convert("x0", ta, t)}, ${convert("x1", tb, t)})`,
      `${UNARY_LIB}\n${LIB}\nfn op(a: ${t}, b: ${t}) -> ${to} { return ${body}; }`,
    );
  };
}

function compare(rt: GpuRuntime, name: Compare): TypedKernel<undefined> {
  return (out: View, [x, y]: readonly View[]): void => {
    const to = wgslType(out.storage.dtype);
    const ta = wgslType(x!.storage.dtype),
      tb = wgslType(y!.storage.dtype);
    const cmp = `cmp_${ta[0]}${tb[0]}`;
    const one = to === "f32" ? "1.0" : "1",
      zero = to === "f32" ? "0.0" : "0";
    mapDispatch(
      rt,
      `compare:${name}`,
      out,
      [x!, y!],
      `pick(${cmp}(x0, x1))`,
      `${UNARY_LIB}\n${LIB}\nfn pick(c: i32) -> ${to} { return select(${zero}, ${one}, ${COMPARE[name]}); }`,
    );
  };
}

/** where(c, a, b): a where c is non-zero (NaN counts as non-zero, as in the reference), else b. */
function where(rt: GpuRuntime): TypedKernel<undefined> {
  return (out: View, [c, a, b]: readonly View[]): void => {
    const to = wgslType(out.storage.dtype);
    const [tc, ta, tb] = [c!, a!, b!].map((v) => wgslType(v.storage.dtype)) as [GpuDType, GpuDType, GpuDType];
    const cond = tc === "f32" ? "(x0 != 0.0 || is_nan(x0))" : "x0 != 0";
    mapDispatch(rt, "where", out, [c!, a!, b!], `select(${convert("x2", tb, to)}, ${convert("x1", ta, to)}, ${cond})`);
  };
}

/** fill: `value` converted on the host as the reference stores it (float32 rounding, or int32 wrapping). */
function fill(rt: GpuRuntime): KernelTable["fill"] {
  return (out, _inputs, { value }) => {
    const { meta, n } = stridedMeta(out, []);
    if (n === 0) return;
    const to = wgslType(out.storage.dtype);
    meta.push(to === "f32" ? f32Bits(value) : (value | 0) >>> 0);
    rt.dispatch({
      key: `fill:${to}`,
      wgsl: () => `
@group(0) @binding(0) var<storage, read_write> out: array<${to}>;
@group(0) @binding(1) var<storage, read> info: array<u32>;
${stridedIndexWgsl(1)}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${FLAT_ID}
  if (flat >= info[0]) { return; }
  out[index_0(flat)] = bitcast<${to}>(info[3u + 2u * info[1]]);
}`,
      writes: [out],
      reads: [],
      meta,
      workgroups: grid(Math.ceil(n / WG), rt.limits.maxComputeWorkgroupsPerDimension),
    });
  };
}
