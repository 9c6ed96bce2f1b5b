// Creating tensors: from JS values, filled, ranges, identity, and seeded random draws. Every
// function takes a trailing { dtype, requiresGrad } (float32 by default).

import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import { arrayFor, dtypeOfArray, isFloat, isHalf, type DType, type TypedArray } from "./dtype.js";
import { roundToHalf, tagHalf } from "./half.js";
import { checkShape, contiguousStrides, sizeOf } from "./shape.js";
import { Tensor } from "./tensor.js";
import { frozenContiguousStrides } from "./frozen-dims.js";
import { allocate } from "./allocate.js";
import { random, randomInt, randomNormal } from "./random.js";
import { checkDType, checkOptions } from "./options.js";

/** The trailing options of every creation function (and of fullLike/zerosLike/onesLike). */
export interface TensorOptions {
  /**
   * Element type: "float32" (the default), "float64", "int32", "float16", "bfloat16" or "bool"
   * (values become true where non-zero or NaN, as torch's casts).
   */
  dtype?: DType;
  /** Record operations on the new tensor for backward (default false; floating-point dtypes only). */
  requiresGrad?: boolean;
}

/**
 * A number, a boolean or nested arrays of them, one level per dimension (rectangular). Booleans
 * alone make a bool tensor; mixed with numbers they count as 0/1.
 */
export type NestedArray = number | boolean | readonly NestedArray[];

const TENSOR_OPTIONS = ["dtype", "requiresGrad"] as const;

/** The options' dtype (or `fallback`), after checking that the options and the dtype are known ones. */
function dtypeOf(op: string, opts: TensorOptions, fallback: DType, extra: readonly string[] = []): DType {
  checkOptions(op, opts, extra.length ? [...TENSOR_OPTIONS, ...extra] : TENSOR_OPTIONS);
  return opts.dtype === undefined ? fallback : checkDType(op, opts.dtype);
}

/**
 * A new tensor, zero-filled when `fill` is undefined; otherwise every element is `fill` (a number) or
 * what `fill(data)` writes. A number rather than a closure for constants: scalars and filled tensors
 * are made several times a training step, and a closure per call is garbage.
 */
function make(
  op: string,
  shape: readonly number[],
  dtype: DType,
  fill?: ((data: TypedArray) => void) | number,
  requiresGrad = false,
): Tensor {
  const storage = allocate(op, dtype, shape, fill === undefined);
  if (typeof fill === "number" && storage.length === 1 && (dtype === "float32" || dtype === "float64" || dtype === "int32")) {
    // One value (the scalar operands of element-wise ops, a loss's implied gradient): written from a
    // reused array, converted by the backend's typed-array store as a typed array of the dtype would be.
    ONE_VALUE[0] = fill;
    storage.backend.write(storage, 0, ONE_VALUE);
  } else if (fill !== undefined) {
    // Host values are made in host memory, then written to the storage: an upload on a GPU backend.
    // bool values are made as numbers first, so that 0.5 and NaN become true rather than int32's 0.
    const values = dtype === "bool" ? new Float64Array(storage.length) : arrayFor(dtype, storage.length);
    if (typeof fill === "number") values.fill(fill);
    else fill(values);
    if (isHalf(dtype)) roundToHalf(dtype, values as Float32Array);
    storage.backend.write(storage, 0, dtype === "bool" ? toBoolValues(values) : values);
  }
  if (isHalf(dtype)) tagHalf(storage, dtype);
  const t = new Tensor(storage, shape, frozenContiguousStrides(shape), 0);
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

const SCALAR_SHAPE: readonly number[] = Object.freeze([]);
const ONE_VALUE = new Float64Array(1);

/** 1 where `values` is non-zero or NaN, else 0: the int32 memory of a bool tensor (torch's cast to bool). */
export function toBoolValues(values: ArrayLike<number>): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
  return out;
}

/** Whether every leaf of `values` is a boolean (so tensor() infers bool, as torch.tensor([True])). */
function allBoolean(values: NestedArray): boolean {
  if (Array.isArray(values)) return values.length > 0 && values.every((v) => allBoolean(v));
  return typeof values === "boolean";
}

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

function flattenInto(values: NestedArray, shape: readonly number[], out: TypedArray): void {
  let at = 0;
  const walk = (v: NestedArray, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (Array.isArray(v))
        throw new ValueError(`tensor: nested array is ragged: element at [${path.join(", ")}] is an array, expected a number`);
      const num = typeof v === "boolean" ? Number(v) : (v as number);
      if (typeof num !== "number") throw new ValueError(`tensor: element at [${path.join(", ")}] is ${typeof v}, expected a number`);
      out[at++] = num;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `length ${v.length}` : "a number";
      throw new ValueError(`tensor: nested array is ragged: expected length ${shape[depth]} at [${path.join(", ")}], got ${got}`);
    }
    v.forEach((item, i) => walk(item, depth + 1, [...path, i]));
  };
  walk(values, 0, []);
}

/**
 * A tensor from a number, a boolean, nested arrays, or a typed array (with `opts.shape`, default
 * 1-D). Plain numbers become float32 unless `dtype` says otherwise; booleans alone give bool (as
 * torch.tensor([True, False])); an Int32Array gives int32.
 * @example tg.tensor([[1, 2], [3, 4]], { requiresGrad: true })
 */
export function tensor(
  values: NestedArray | TypedArray | ArrayLike<number>,
  opts: TensorOptions & { shape?: readonly number[] } = {},
): Tensor {
  if (ArrayBuffer.isView(values)) {
    const arr = values as TypedArray;
    const dtype = dtypeOf("tensor", opts, arr instanceof Float64Array ? "float32" : dtypeOfArray(arr), ["shape"]);
    const shape = opts.shape ?? [arr.length];
    checkShape("tensor", shape);
    if (sizeOf(shape) !== arr.length) {
      throw new ShapeError(`tensor: ${arr.length} values cannot fill shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    }
    const storage = allocate("tensor", dtype, shape, false);
    if (isHalf(dtype)) {
      const rounded = Float32Array.from(arr);
      roundToHalf(dtype, rounded);
      storage.backend.write(storage, 0, rounded);
      tagHalf(storage, dtype);
    } else if (dtype === "bool") {
      storage.backend.write(storage, 0, toBoolValues(arr));
    } else {
      storage.backend.write(storage, 0, arr);
    }
    const t = new Tensor(storage, shape, contiguousStrides(shape), 0);
    if (opts.requiresGrad) t.requiresGrad = true;
    return t;
  }
  const dtype = dtypeOf("tensor", opts, allBoolean(values as NestedArray) ? "bool" : "float32", ["shape"]);
  const shape = inferShape(values as NestedArray);
  if (opts.shape && sizeOf(opts.shape) !== sizeOf(shape)) {
    throw new ShapeError(`tensor: ${sizeOf(shape)} values cannot fill shape ${fmtShape(opts.shape)}`);
  }
  const t = make("tensor", shape, dtype, (d) => flattenInto(values as NestedArray, shape, d));
  const out = opts.shape ? new Tensor(t.storage, opts.shape, contiguousStrides(opts.shape), 0) : t;
  if (opts.requiresGrad) out.requiresGrad = true;
  return out;
}

function filled(op: string, shape: readonly number[], value: number, opts: TensorOptions): Tensor {
  checkShape(op, shape);
  return make(op, shape, dtypeOf(op, opts, "float32"), value === 0 ? undefined : value, opts.requiresGrad);
}

/** A 0-d tensor holding `value` in `dtype`, with no option checks (for the core's hot paths). */
export function scalarTensor(value: number, dtype: DType): Tensor {
  return make("scalar", SCALAR_SHAPE, dtype, value);
}

/**
 * A tensor of `shape` filled with `value` (torch.full).
 * @example
 * ```ts
 * tg.full([2, 2], 7).toArray(); // [[7, 7], [7, 7]]
 * ```
 */
export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  return filled("full", shape, value, opts);
}

/**
 * A tensor of `shape` filled with 0, float32 unless `dtype` says otherwise (torch.zeros).
 * @example tg.zeros([2, 3]).shape  // [2, 3]
 */
export function zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled("zeros", shape, 0, opts);
}

/**
 * A tensor of `shape` filled with 1, float32 unless `dtype` says otherwise (torch.ones).
 * @example tg.ones([2], { dtype: "int32" })  // [1, 1], int32
 */
export function ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled("ones", shape, 1, opts);
}

/**
 * A tensor of x's shape filled with `value`, in x's dtype unless `dtype` says otherwise (torch.full_like).
 * @example tg.fullLike(tg.zeros([2, 2]), 7)  // [[7, 7], [7, 7]]
 */
export function fullLike(x: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  checkOptions("fullLike", opts, TENSOR_OPTIONS);
  return full(x.shape, value, { dtype: opts.dtype ?? x.dtype, requiresGrad: opts.requiresGrad });
}

/**
 * A tensor of zeros of x's shape and dtype (torch.zeros_like).
 * @example tg.zerosLike(tg.tensor([1, 2]))  // [0, 0]
 */
export function zerosLike(x: Tensor, opts: TensorOptions = {}): Tensor {
  return fullLike(x, 0, opts);
}

/**
 * A tensor of ones of x's shape and dtype (torch.ones_like).
 * @example tg.onesLike(tg.tensor([1, 2]))  // [1, 1]
 */
export function onesLike(x: Tensor, opts: TensorOptions = {}): Tensor {
  return fullLike(x, 1, opts);
}

/**
 * Values start, start+step, … < end. `arange(end)` starts at 0. Integer arguments give float32
 * unless `dtype` is "int32" (torch would give int64; tensorgrad defaults to float32 throughout).
 * @example tg.arange(1, 2, 0.25)  // [1, 1.25, 1.5, 1.75]; tg.arange(3) is [0, 1, 2]
 */
export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, opts: TensorOptions = {}): Tensor {
  if (typeof end === "object") {
    opts = end;
    end = undefined;
  } else if (typeof step === "object") {
    opts = step;
    step = undefined;
  }
  if (end === undefined) {
    end = start;
    start = 0;
  }
  const s = (step as number | undefined) ?? 1;
  if (s === 0 || !Number.isFinite(s)) throw new ValueError(`arange: step must be a non-zero finite number, got ${s}`);
  if ((end - start) / s < 0) throw new ValueError(`arange: the range from ${start} to ${end} cannot be walked with step ${s}`);
  const n = Math.ceil((end - start) / s);
  const a = start;
  return make(
    "arange",
    [n],
    dtypeOf("arange", opts, "float32"),
    (d) => {
      for (let i = 0; i < n; i++) d[i] = a + i * s;
    },
    opts.requiresGrad,
  );
}

/**
 * n evenly spaced values from a to b inclusive (torch.linspace).
 * @example tg.linspace(0, 1, 5)  // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(a: number, b: number, n: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`linspace: steps must be an integer >= 0, got ${n}`);
  const step = n > 1 ? (b - a) / (n - 1) : 0;
  // torch fills the second half backwards from the end so that the last value is exactly b; a
  // single step gives [a].
  return make(
    "linspace",
    [n],
    dtypeOf("linspace", opts, "float32"),
    (d) => {
      const half = n === 1 ? 1 : Math.floor(n / 2);
      for (let i = 0; i < n; i++) d[i] = i < half ? a + step * i : b - step * (n - 1 - i);
    },
    opts.requiresGrad,
  );
}

/**
 * The n×m identity, float32 unless `dtype` says otherwise (torch.eye; m defaults to n).
 * @example tg.eye(2, 3)  // [[1, 0, 0], [0, 1, 0]]
 */
export function eye(n: number, m: number | TensorOptions = n, opts: TensorOptions = {}): Tensor {
  if (typeof m === "object") {
    opts = m;
    m = n;
  }
  const cols = m;
  checkShape("eye", [n, cols]);
  return make(
    "eye",
    [n, cols],
    dtypeOf("eye", opts, "float32"),
    (d) => {
      for (let i = 0; i < Math.min(n, cols); i++) d[i * cols + i] = 1;
    },
    opts.requiresGrad,
  );
}

function floatDType(op: string, opts: TensorOptions): DType {
  const dtype = dtypeOf(op, opts, "float32");
  if (!isFloat(dtype)) throw new DTypeError(`${op}: dtype must be floating point, got ${dtype}`);
  return dtype;
}

/**
 * Uniform draws in [0, 1) from the seeded generator (torch.rand; see manualSeed), float32 unless `dtype` says otherwise.
 * @example tg.rand([2, 3]).shape  // [2, 3], each in [0, 1)
 */
export function rand(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  checkShape("rand", shape);
  return make(
    "rand",
    shape,
    floatDType("rand", opts),
    (d) => {
      for (let i = 0; i < d.length; i++) d[i] = random();
    },
    opts.requiresGrad,
  );
}

/**
 * Standard normal draws from the seeded generator (torch.randn), float32 unless `dtype` says otherwise.
 * @example tg.randn([64, 10]).shape  // [64, 10], mean ≈ 0, std ≈ 1
 */
export function randn(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  checkShape("randn", shape);
  return make(
    "randn",
    shape,
    floatDType("randn", opts),
    (d) => {
      for (let i = 0; i < d.length; i++) d[i] = randomNormal();
    },
    opts.requiresGrad,
  );
}

/**
 * Integers uniform in [low, high) from the seeded generator (torch.randint), int32 (torch: int64) unless `dtype` says otherwise.
 * @example tg.randint(0, 10, [4])  // four int32 values in 0..9
 */
export function randint(low: number, high: number, shape: readonly number[], opts: TensorOptions = {}): Tensor {
  checkShape("randint", shape);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError(`randint: expected integers low < high, got low=${low}, high=${high}`);
  }
  return make(
    "randint",
    shape,
    dtypeOf("randint", opts, "int32"),
    (d) => {
      for (let i = 0; i < d.length; i++) d[i] = randomInt(low, high);
    },
    opts.requiresGrad,
  );
}
