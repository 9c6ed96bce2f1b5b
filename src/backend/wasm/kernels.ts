// The wasm backend's kernels: adapters from the core's contract (views with strides, see
// src/backend/backend.ts) to the runtime. Each takes its fast path when every operand is float32 in
// this backend's memory and the strides fit; otherwise it runs the reference kernel on the same
// views, which works because a wasm storage's `data` is a typed array over the wasm memory.
import { lookupKernel, type Kernel, type View } from "../backend.js";
import type {
  BinaryKernel,
  ConvGeometry,
  KernelName,
  KernelParams,
  KernelTable,
  TernaryKernel,
  TypedKernel,
  UnaryKernel,
} from "../kernel-table.js";
import { collapse, foldRange, isRowMajor, type Folded } from "../views.js";
import { WasmStorage } from "./storage.js";
import {
  ACCUMULATE,
  COLS_MAX_PACKED_A,
  LOG,
  UNARY_OPS,
  BINARY_OPS,
  type MatrixRef,
  type WasmRuntime,
  type RowOperand,
  type UnaryOp,
  type BinaryOp,
} from "./runtime.js";
import { indexingKernels } from "./indexing.js";
import { recurrentKernels } from "./recurrent.js";
import { layerNormKernels } from "./layer-norm.js";

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

function reference<K extends KernelName>(name: K): TypedKernel<KernelParams[K]> {
  const k = lookupKernel("js", name);
  if (!k) throw new Error(`internal: no reference kernel for "${name}"`);
  return k;
}

/** Byte address of the view's element 0 when it is a 4-byte view into `rt`'s memory, else -1. */
function addressIn(rt: WasmRuntime, v: View, dtype: "float32" | "int32" = "float32"): number {
  const s = v.storage;
  if (!(s instanceof WasmStorage) || s.runtime !== rt || s.dtype !== dtype || s.ptr === 0) return -1;
  return s.ptr + 4 * v.offset;
}

/** Copies any view of rank <= 4 after collapsing into contiguous memory at `dst`; false if it cannot. */
function gatherTo(rt: WasmRuntime, src: number, v: View, dst: number): boolean {
  const c = collapse(v.shape, [v.strides]);
  if (c.shape.length > 4) return false;
  rt.gather(src, c.shape, c.strides[0]!, dst);
  return true;
}

/**
 * Element-wise kernels over views broadcast to the contiguous output: collapse the dims jointly; when
 * at most two remain and every operand's inner step is 0 or 1 the runtime takes them as they are,
 * otherwise each awkward operand is first gathered into a contiguous scratch copy.
 */
function elementwise(
  rt: WasmRuntime,
  name: UnaryKernel | BinaryKernel | TernaryKernel,
  run: (R: number, C: number, ops: RowOperand[], out: number, bool: boolean) => void,
  bool: "none" | "out" | "cond" = "none",
): Kernel {
  const ref = reference(name);
  // Plain loops throughout: this runs for every element-wise op, and closures created per call are
  // recompiled by V8 again and again.
  // The fast path's operands, one per input, reused by every call: a kernel's arity is fixed, and the
  // runtime reads them before returning.
  const rowOps: RowOperand[] = [];
  // Likewise the general case's addresses and stride lists.
  const ptrs: number[] = [],
    strides: (readonly number[])[] = [];
  return (out, inputs, params) => {
    // A bool (int32 0/1) output for comparisons, or a bool first input (where's condition); every
    // other operand float32.
    const boolOut = bool === "out" && out.storage.dtype === "int32";
    const boolCond = bool === "cond" && inputs[0]!.storage.dtype === "int32";
    const po = addressIn(rt, out, boolOut ? "int32" : "float32");
    if (po < 0 || !isRowMajor(out)) return ref(out, inputs, params);
    const flag = boolOut || boolCond;
    if (oneRow(rt, out, inputs, rowOps, boolCond)) {
      run(1, sizeOf(out.shape), rowOps, po, flag);
      return;
    }
    strides.length = 0;
    strides.push(out.strides);
    for (let i = 0; i < inputs.length; i++) {
      const v = inputs[i]!;
      const p = addressIn(rt, v, i === 0 && boolCond ? "int32" : "float32");
      if (p < 0) return ref(out, inputs, params);
      ptrs[i] = p;
      strides.push(v.strides);
    }
    const n = sizeOf(out.shape);
    const c = collapse(out.shape, strides);
    const rank = c.shape.length;
    let fits = rank <= 2;
    for (let k = 1; fits && rank > 0 && k < c.strides.length; k++) {
      const s = c.strides[k]![rank - 1]!;
      fits = s === 0 || s === 1;
    }
    if (fits) {
      const C = rank === 0 ? 1 : c.shape[rank - 1]!;
      const R = n / C;
      for (let k = 0; k < inputs.length; k++) {
        setRowOperand(
          rowOps,
          k,
          ptrs[k]!,
          rank === 2 ? c.strides[k + 1]![0]! : 0,
          rank === 0 ? 0 : (c.strides[k + 1]![rank - 1]! as 0 | 1),
        );
      }
      run(R, C, rowOps, po, flag);
      return;
    }
    const scratch = rt.scratch,
      mark = scratch.mark();
    try {
      for (let k = 0; k < inputs.length; k++) {
        const v = inputs[k]!;
        if (isRowMajor(v)) {
          setRowOperand(rowOps, k, ptrs[k]!, 0, 1);
          continue;
        }
        const tmp = scratch.alloc(n);
        if (!gatherTo(rt, ptrs[k]!, v, tmp)) return ref(out, inputs, params);
        setRowOperand(rowOps, k, tmp, 0, 1);
      }
      run(1, n, rowOps, po, flag);
    } finally {
      scratch.release(mark);
    }
  };
}

/** Sets ops[k] (made on first use: a kernel's arity is fixed, so its list stops growing). */
function setRowOperand(ops: RowOperand[], k: number, ptr: number, rowStride: number, colStep: 0 | 1): void {
  if (k === ops.length) ops.push({ ptr: 0, rowStride: 0, colStep: 1 });
  const o = ops[k]!;
  o.ptr = ptr;
  o.rowStride = rowStride;
  o.colStep = colStep;
}

/**
 * Most element-wise ops in training: every input is row-major with the output's shape, or a single
 * element broadcast (all strides 0). Then the op is one row of the output's size and `ops` is filled
 * with no dims to collapse (and no garbage: this runs several times a step). False otherwise.
 */
function oneRow(rt: WasmRuntime, out: View, inputs: readonly View[], ops: RowOperand[], boolCond: boolean): boolean {
  for (let k = 0; k < inputs.length; k++) {
    const v = inputs[k]!;
    const p = addressIn(rt, v, k === 0 && boolCond ? "int32" : "float32");
    if (p < 0) return false;
    let colStep: 0 | 1;
    if (isRowMajor(v)) colStep = 1;
    else {
      for (let d = 0; d < v.strides.length; d++) if (v.strides[d] !== 0) return false;
      colStep = 0;
    }
    setRowOperand(ops, k, p, 0, colStep);
  }
  return ops.length === inputs.length;
}

function unaryKernel(rt: WasmRuntime, op: UnaryOp): Kernel {
  return elementwise(rt, op, (R, C, [x], out) => {
    if (x!.colStep === 1 && (R === 1 || x!.rowStride === C)) rt.unary(op, x!.ptr, out, R * C);
    else {
      // Padded rows or a broadcast input: the unary kernel wants one contiguous run, so copy the
      // input into the output first and map it in place.
      rt.gather2d(x!.ptr, R, C, x!.rowStride, x!.colStep, out);
      rt.unary(op, out, out, R * C);
    }
  });
}

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(["eq", "ne", "gt", "lt", "ge", "le"]);

function binaryKernel(rt: WasmRuntime, op: BinaryOp): Kernel {
  const bool = COMPARISONS.has(op) ? "out" : "none";
  return elementwise(rt, op, (R, C, [a, b], out, boolOut) => rt.binary(op, R, C, a!, b!, out, boolOut), bool);
}

/**
 * copy: float32 (or int32: same bits) of one dtype. A contiguous output gathers; a strided one (a slice
 * of a larger tensor: slicing's adjoint, cat) copies view to view when the two collapse to rank <= 4.
 */
function copyKernel(rt: WasmRuntime): Kernel {
  const ref = reference("copy");
  return (out, inputs, params) => {
    const x = inputs[0]!;
    const dtype = out.storage.dtype;
    if ((dtype !== "float32" && dtype !== "int32") || x.storage.dtype !== dtype) return ref(out, inputs, params);
    const po = addressIn(rt, out, dtype),
      px = addressIn(rt, x, dtype);
    if (po < 0 || px < 0) return ref(out, inputs, params);
    if (isRowMajor(out)) {
      if (!gatherTo(rt, px, x, po)) ref(out, inputs, params);
      return;
    }
    const c = collapse(out.shape, [out.strides, x.strides]);
    if (c.shape.length > 4) return ref(out, inputs, params);
    rt.copyStrided(px, c.shape, c.strides[1]!, po, c.strides[0]!);
  };
}

const REDUCERS = ["sum", "max", "min", "argmax", "argmin"] as const;
type Reducer = (typeof REDUCERS)[number];

/**
 * Reductions: the core puts reduced dims last. Contiguous runs go to reduce_rows; a strided reduced
 * dim over contiguous kept dims (a sum over the batch) goes to reduce_cols; an argmax/argmin over a
 * middle dim (max-pooling's windows) goes to arg_mid; anything else is gathered into scratch first.
 */
function reduceKernel(rt: WasmRuntime, op: Reducer): Kernel {
  const ref = reference(op);
  const arg = op === "argmax" || op === "argmin";
  // Reused by every call (a kernel never runs inside itself).
  const keptDims: Folded = { rank: 0, size: 0, stride: 0 },
    redDims: Folded = { rank: 0, size: 0, stride: 0 };
  return (out, inputs, params: { reduceSize: number }) => {
    const x = inputs[0]!;
    const R = params.reduceSize;
    const po = addressIn(rt, out, arg ? "int32" : "float32"),
      px = addressIn(rt, x);
    if (po < 0 || px < 0 || R === 0) return ref(out, inputs, params);
    const O = sizeOf(out.shape);
    const nKept = x.shape.length - reducedDims(x.shape, R);
    const kept = foldRange(x.shape, x.strides, 0, nKept, keptDims),
      red = foldRange(x.shape, x.strides, nKept, x.shape.length, redDims);
    const keptStride = kept.rank === 0 ? R : kept.stride;
    if (kept.rank <= 1 && red.rank <= 1) {
      const redStride = red.rank === 0 ? 1 : red.stride;
      if (redStride === 1) return rt.reduceRows(op, px, keptStride, O, R, po);
      if (keptStride === 1 && !arg) return rt.reduceCols(op, px, redStride, R, O, po);
    }
    if (arg && kept.rank === 2 && red.rank === 1 && isRowMajor(out)) {
      // A middle dim (max-pooling's argmax over window rows): scan it in place rather than gather.
      const k2 = collapse(x.shape.slice(0, nKept), [x.strides.slice(0, nKept)]);
      const [A, B] = k2.shape as [number, number];
      if (k2.strides[0]![1] === 1) return rt.argMid(op, px, A, k2.strides[0]![0]!, R, red.stride, B, po);
    }
    const scratch = rt.scratch,
      mark = scratch.mark();
    try {
      const tmp = scratch.alloc(O * R);
      if (!gatherTo(rt, px, x, tmp)) return ref(out, inputs, params);
      rt.reduceRows(op, tmp, R, O, R, po);
    } finally {
      scratch.release(mark);
    }
  };
}

/** How many trailing dims of `shape` make up `reduceSize` elements (size-1 dims go with the kept ones). */
function reducedDims(shape: readonly number[], reduceSize: number): number {
  let n = 1,
    d = 0;
  while (n < reduceSize && d < shape.length) n *= shape[shape.length - 1 - d++]!;
  return d;
}

/**
 * matmul on [...batch, M, K] x [...batch, K, N] (batch strides may be 0). When B is shared by every
 * batch and A's batch and row dims fold into one strided row dim, the whole call is one GEMM with
 * M' = batch*M (a Linear layer on [B, T, in]); otherwise one GEMM per batch element.
 */
function matmulKernel(rt: WasmRuntime): Kernel {
  const ref = reference("matmul");
  // The 2-D case's operands, reused by every call (the runtime reads them before returning).
  const am: MatrixRef = { ptr: 0, rowStride: 0, colStride: 0 },
    bm: MatrixRef = { ptr: 0, rowStride: 0, colStride: 0 },
    cm = { ptr: 0, rowStride: 0 };
  return (out, inputs, params) => {
    const a = inputs[0]!,
      b = inputs[1]!;
    const pa = addressIn(rt, a),
      pb = addressIn(rt, b),
      po = addressIn(rt, out);
    if (pa < 0 || pb < 0 || po < 0 || !isRowMajor(out)) return ref(out, inputs, params);
    const nd = out.shape.length;
    if (nd === 2) {
      const N = out.shape[1]!;
      setMatrix(am, pa, a.strides[0]!, a.strides[1]!);
      setMatrix(bm, pb, b.strides[0]!, b.strides[1]!);
      cm.ptr = po;
      cm.rowStride = N;
      rt.sgemm(out.shape[0]!, N, a.shape[1]!, am, bm, cm);
      return;
    }
    batchedMatmul(rt, out, a, b, pa, pb, po);
  };
}

function setMatrix(m: MatrixRef, ptr: number, rowStride: number, colStride: number): void {
  m.ptr = ptr;
  m.rowStride = rowStride;
  m.colStride = colStride;
}

/** B's product `off` elements into B, for batchedMatmul. */
function bAt(b: View, pb: number, nd: number, off: number): MatrixRef {
  return { ptr: pb + 4 * off, rowStride: b.strides[nd - 2]!, colStride: b.strides[nd - 1]! };
}

/** matmul with batch dims: one folded GEMM, one batched call, or one GEMM per product (see matmulKernel). */
function batchedMatmul(rt: WasmRuntime, out: View, a: View, b: View, pa: number, pb: number, po: number): void {
  const nd = out.shape.length;
  const M = out.shape[nd - 2]!,
    N = out.shape[nd - 1]!,
    K = a.shape[nd - 1]!;
  const batch = out.shape.slice(0, nd - 2);
  if (b.strides.slice(0, nd - 2).every((s) => s === 0)) {
    const rows = collapse(out.shape.slice(0, nd - 1), [a.strides.slice(0, nd - 1)]);
    if (rows.shape.length <= 1) {
      const rowStride = rows.shape.length === 0 ? 0 : rows.strides[0]![0]!;
      const Mall = sizeOf(out.shape.slice(0, nd - 1));
      rt.sgemm(Mall, N, K, { ptr: pa, rowStride, colStride: a.strides[nd - 1]! }, bAt(b, pb, nd, 0), { ptr: po, rowStride: N });
      return;
    }
  }
  // Many small products (attention's [b, h, t, d]): one call, whole products per thread.
  if (M * K <= COLS_MAX_PACKED_A) {
    const dims = collapse(batch, [a.strides.slice(0, nd - 2), b.strides.slice(0, nd - 2)]);
    const r = dims.shape.length;
    if (r <= 3) {
      const pad = 3 - r;
      const nb = [1, 1, 1] as [number, number, number],
        as = [0, 0, 0] as [number, number, number];
      const bs = [0, 0, 0] as [number, number, number];
      for (let d = 0; d < r; d++) {
        nb[pad + d] = dims.shape[d]!;
        as[pad + d] = dims.strides[0]![d]!;
        bs[pad + d] = dims.strides[1]![d]!;
      }
      const aRef = { ptr: pa, rowStride: a.strides[nd - 2]!, colStride: a.strides[nd - 1]! };
      if (rt.sgemmBatched(M, N, K, aRef, bAt(b, pb, nd, 0), po, nb, as, bs)) return;
    }
  }
  const idx = new Array<number>(batch.length).fill(0);
  const count = sizeOf(batch);
  for (let t = 0; t < count; t++) {
    let ao = 0,
      bo = 0;
    for (let d = 0; d < batch.length; d++) {
      ao += idx[d]! * a.strides[d]!;
      bo += idx[d]! * b.strides[d]!;
    }
    rt.sgemm(M, N, K, { ptr: pa + 4 * ao, rowStride: a.strides[nd - 2]!, colStride: a.strides[nd - 1]! }, bAt(b, pb, nd, bo), {
      ptr: po + 4 * t * M * N,
      rowStride: N,
    });
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d]! < batch[d]!) break;
      idx[d] = 0;
    }
  }
}

/**
 * linear (kernel "linear", contract in ops/primitives/linear.ts): when x's leading dims fold into one
 * strided row dim, one GEMM with B = W read transposed through its strides. With a bias, the output
 * rows are first filled with it (a gather with row stride 0) and the GEMM accumulates onto them.
 */
function linearKernel(rt: WasmRuntime): Kernel {
  const ref = reference("linear");
  // Reused by every call, like the runtime's arguments.
  const rowDims: Folded = { rank: 0, size: 0, stride: 0 };
  const am: MatrixRef = { ptr: 0, rowStride: 0, colStride: 0 },
    wt: MatrixRef = { ptr: 0, rowStride: 0, colStride: 0 },
    cm = { ptr: 0, rowStride: 0 };
  return (out, inputs, params) => {
    const x = inputs[0]!,
      w = inputs[1]!,
      b = inputs.length > 2 ? inputs[2] : undefined;
    const px = addressIn(rt, x),
      pw = addressIn(rt, w),
      pb = b ? addressIn(rt, b) : 0,
      po = addressIn(rt, out);
    if (px < 0 || pw < 0 || pb < 0 || po < 0 || !isRowMajor(out)) return ref(out, inputs, params);
    const nd = x.shape.length,
      K = x.shape[nd - 1]!,
      N = w.shape[0]!;
    const rows = foldRange(x.shape, x.strides, 0, nd - 1, rowDims);
    let M = 1;
    for (let d = 0; d < nd - 1; d++) M *= x.shape[d]!;
    setMatrix(wt, pw, w.strides[1]!, w.strides[0]!);
    cm.ptr = po;
    cm.rowStride = N;
    const options = b !== undefined ? ACCUMULATE : undefined;
    if (rows.rank <= 1) {
      if (b) rt.gather2d(pb, M, N, 0, b.strides[0]!, po);
      setMatrix(am, px, rows.rank === 0 ? 0 : rows.stride, x.strides[nd - 1]!);
      rt.sgemm(M, N, K, am, wt, cm, options);
      return;
    }
    // Rows that do not fold into one strided dim (a batch-first sequence seen time-major, [T, N, I]
    // over [N, T, I]): gathered into one contiguous block first, a pass over x, then one GEMM.
    const scratch = rt.scratch,
      mark = scratch.mark();
    try {
      const xc = scratch.alloc(M * K);
      if (!gatherTo(rt, px, x, xc)) return ref(out, inputs, params);
      if (b) rt.gather2d(pb, M, N, 0, b.strides[0]!, po);
      setMatrix(am, xc, K, 1);
      rt.sgemm(M, N, K, am, wt, cm, options);
    } finally {
      scratch.release(mark);
    }
  };
}

/** The runtime's geometry for images [N, C, H, W] (the image side's shape). */
function geometry(image: readonly number[], g: ConvGeometry) {
  return {
    N: image[0]!,
    C: image[1]!,
    H: g.inSize[0],
    W: g.inSize[1],
    KH: g.kernel[0],
    KW: g.kernel[1],
    sh: g.stride[0],
    sw: g.stride[1],
    ph: g.padding[0],
    pw: g.padding[1],
    dh: g.dilation[0],
    dw: g.dilation[1],
    OH: g.outSize[0],
    OW: g.outSize[1],
  };
}

function convKernels(rt: WasmRuntime): Pick<KernelTable, "unfold" | "fold" | "maxPool2dIndices"> {
  const unfoldRef = reference("unfold"),
    foldRef = reference("fold"),
    poolRef = reference("maxPool2dIndices");
  return {
    unfold: (out, inputs, g) => {
      const x = inputs[0]!;
      const px = addressIn(rt, x),
        po = addressIn(rt, out);
      if (px < 0 || po < 0) return unfoldRef(out, inputs, g);
      rt.im2col(px, po, geometry(x.shape, g), g.padValue, g.batchColumns === true);
    },
    fold: (out, inputs, g) => {
      const pc = addressIn(rt, inputs[0]!),
        po = addressIn(rt, out);
      if (pc < 0 || po < 0) return foldRef(out, inputs, g);
      rt.col2im(pc, po, geometry(out.shape, g), g.batchColumns === true);
    },
    maxPool2dIndices: (out, inputs, g) => {
      const x = inputs[0]!;
      const px = addressIn(rt, x),
        po = addressIn(rt, out, "int32");
      if (px < 0 || po < 0) return poolRef(out, inputs, g);
      rt.maxPoolIndices(px, po, geometry(x.shape, g));
    },
  };
}

/**
 * The fused optimizer updates: one kernel call per parameter updates it and its state buffers in
 * place. When some operand is not a contiguous float32 buffer of the parameter's size in this memory
 * (a float64 parameter, a tensor on the JS heap) the reference kernel runs on the same views.
 */
function fusedAddresses(rt: WasmRuntime, param: View, operands: readonly View[], ptrs: number[]): boolean {
  const n = sizeOf(param.shape);
  ptrs[0] = addressIn(rt, param);
  if (ptrs[0] < 0 || !isRowMajor(param)) return false;
  for (let i = 0; i < operands.length; i++) {
    const v = operands[i]!;
    const p = addressIn(rt, v);
    if (p < 0 || sizeOf(v.shape) !== n || !isRowMajor(v)) return false;
    ptrs[i + 1] = p;
  }
  return true;
}

function optimKernels(rt: WasmRuntime): Pick<KernelTable, "adamStep" | "sgdStep"> {
  const adamRef = reference("adamStep"),
    sgdRef = reference("sgdStep");
  // The operands' addresses, written by fusedAddresses for each call.
  const a = [0, 0, 0, 0, 0];
  return {
    // inputs: grad, exp_avg, exp_avg_sq (, max_exp_avg_sq with AMSGrad).
    adamStep: (param, inputs, scalars) => {
      if (!fusedAddresses(rt, param, inputs, a)) return adamRef(param, inputs, scalars);
      rt.adamStep(a[0]!, a[1]!, a[2]!, a[3]!, inputs.length > 3 ? a[4]! : 0, sizeOf(param.shape), scalars);
    },
    // inputs: grad (, momentum_buffer with momentum).
    sgdStep: (param, inputs, scalars) => {
      if (!fusedAddresses(rt, param, inputs, a)) return sgdRef(param, inputs, scalars);
      rt.sgdStep(a[0]!, a[1]!, inputs.length > 1 ? a[2]! : 0, sizeOf(param.shape), scalars);
    },
  };
}

/**
 * The DataLoader's batch gather ("gatherRows", reference in js/indexing.ts): float32 or int32 rows of
 * more than one element in this memory go to copy_rows (a memmove a row), since TypedArray.set and
 * subarray, the reference's row copy, are slow on shared memory; one-element rows (labels) are copied
 * by a loop here, which takes no view per call as the reference's `data` does. Anything else
 * (float64, rows on the JS heap, an index that is not a row number) runs the reference.
 */
function gatherRowsKernel(rt: WasmRuntime): Kernel {
  const ref = reference("gatherRows");
  return (out, inputs, params: { indices: ArrayLike<number> }) => {
    const x = inputs[0]!,
      { indices } = params,
      n = x.shape[0]!;
    const dtype = x.storage.dtype === "int32" ? "int32" : "float32";
    const px = addressIn(rt, x, dtype),
      po = addressIn(rt, out, dtype);
    const rowSize = sizeOf(x.shape) / n;
    if (px < 0 || po < 0 || !isRowMajor(x) || !(rowSize >= 1) || !rowNumbers(indices, n)) return ref(out, inputs, params);
    if (rowSize > 1) return rt.copyRows(px, 4 * rowSize, indices, po);
    // One-element rows (class labels): copied here, as int32 bits whatever the dtype.
    const heap = rt.heap.i32,
      from = px >>> 2,
      to = po >>> 2;
    for (let j = 0; j < indices.length; j++) heap[to + j] = heap[from + indices[j]!]!;
  };
}

function rowNumbers(indices: ArrayLike<number>, n: number): boolean {
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j]!;
    if ((i | 0) !== i || i < 0 || i >= n) return false;
  }
  return true;
}

/**
 * softmax / log-softmax along `dim` (kernel "softmax", contract in ops/primitives/softmax.ts). float32
 * rows along the last dim go to softmax_rows where they lie when the other dims fold into one row
 * stride (a classifier's [N, C] logits); any other layout is first gathered into scratch rows with
 * `dim` last, and for a dim that is not last the result rows are gathered back into the output's
 * order. float64 and tensors outside this memory run the reference.
 */
function softmaxKernel(rt: WasmRuntime): Kernel {
  const ref = reference("softmax");
  // Reused by every call.
  const rowDims: Folded = { rank: 0, size: 0, stride: 0 };
  return (out, inputs, params: { dim: number; log: boolean }) => {
    const x = inputs[0]!,
      dim = params.dim;
    const px = addressIn(rt, x),
      po = addressIn(rt, out);
    if (px < 0 || po < 0 || !isRowMajor(out)) return ref(out, inputs, params);
    const nd = x.shape.length,
      L = x.shape[dim]!;
    // The common case, softmax along the last dim of rows that fold into one stride (a classifier's
    // logits, attention's scores), without making arrays.
    if (dim === nd - 1 && (L === 1 || x.strides[dim] === 1)) {
      const rows = foldRange(x.shape, x.strides, 0, nd - 1, rowDims);
      if (rows.rank <= 1) {
        return rt.softmaxRows(px, rows.rank === 0 ? L : rows.stride, sizeOf(x.shape) / L, L, po, params.log ? LOG : undefined);
      }
    }
    softmaxAnyLayout(rt, ref, out, inputs, params, px, po);
  };
}

/** softmaxKernel's other layouts: rows along any dim, gathered into scratch (and back) where they do not lie in place. */
function softmaxAnyLayout(
  rt: WasmRuntime,
  ref: Kernel,
  out: View,
  inputs: readonly View[],
  params: { dim: number; log: boolean },
  px: number,
  po: number,
): void {
  const x = inputs[0]!,
    { dim, log } = params;
  const nd = x.shape.length,
    L = x.shape[dim]!,
    R = sizeOf(x.shape) / L;
  const inner = sizeOf(x.shape.slice(dim + 1));
  const others = x.shape.map((_, d) => d).filter((d) => d !== dim);
  const rows = collapse(
    others.map((d) => x.shape[d]!),
    [others.map((d) => x.strides[d]!)],
  );
  if (inner === 1 && (L === 1 || x.strides[dim] === 1) && rows.shape.length <= 1) {
    return rt.softmaxRows(px, rows.shape.length === 0 ? L : rows.strides[0]![0]!, R, L, po, log ? LOG : undefined);
  }
  const scratch = rt.scratch,
    mark = scratch.mark();
  try {
    // x seen as [...other dims, dim], copied into contiguous rows.
    const order = [...others, dim];
    const tmp = scratch.alloc(R * L);
    if (!gatherTo(rt, px, { ...x, shape: order.map((d) => x.shape[d]!), strides: order.map((d) => x.strides[d]!) }, tmp)) {
      return ref(out, inputs, params);
    }
    if (inner === 1) return rt.softmaxRows(tmp, L, R, L, po, log ? LOG : undefined);
    const y = scratch.alloc(R * L);
    rt.softmaxRows(tmp, L, R, L, y, log ? LOG : undefined);
    // Row-major strides of the [...other dims, dim] result, read back in the output's dim order.
    const strides = new Array<number>(nd);
    let step = L;
    strides[dim] = 1;
    for (let k = others.length - 1; k >= 0; k--) {
      strides[others[k]!] = step;
      step *= x.shape[others[k]!]!;
    }
    if (!gatherTo(rt, y, { ...out, shape: x.shape, strides }, po)) ref(out, inputs, params);
  } finally {
    scratch.release(mark);
  }
}

/**
 * Fused cross-entropy rows (contracts in ops/primitives/cross-entropy.ts) on softmax_rows: float32
 * logits whose rows are contiguous get their log-softmax (loss) or softmax (gradient) rows from the
 * kernel; the R target entries are then read, or adjusted in place, here, and the gradient's per-row
 * scale is one broadcast multiply. Other layouts and dtypes run the reference.
 */
function crossEntropyKernels(rt: WasmRuntime): Pick<KernelTable, "crossEntropyRows" | "crossEntropyRowsGrad"> {
  const lossRef = reference("crossEntropyRows"),
    gradRef = reference("crossEntropyRowsGrad");
  // The gradient's broadcast multiply operands, reused by every call.
  const rows: RowOperand = { ptr: 0, rowStride: 0, colStep: 1 },
    scale: RowOperand = { ptr: 0, rowStride: 0, colStep: 0 };
  // The R entries read or adjusted here go through the whole-memory views (the operands are resident
  // while a kernel runs), not a view per call.
  return {
    crossEntropyRows: (out, inputs, params) => {
      const x = inputs[0]!,
        t = inputs[1]!;
      const px = addressIn(rt, x),
        pt = addressIn(rt, t, "int32"),
        po = addressIn(rt, out),
        rs = rowStride(x);
      if (px < 0 || pt < 0 || po < 0 || rs < 0) return lossRef(out, inputs, params);
      const R = x.shape[0]!,
        C = x.shape[1]!;
      const scratch = rt.scratch,
        mark = scratch.mark();
      try {
        const logp = scratch.alloc(R * C);
        rt.softmaxRows(px, rs, R, C, logp, LOG);
        const f32 = rt.heap.f32,
          i32 = rt.heap.i32,
          lp = logp >>> 2,
          td = pt >>> 2,
          od = po >>> 2;
        for (let r = 0; r < R; r++) f32[od + r] = -f32[lp + r * C + i32[td + r]!]!;
      } finally {
        scratch.release(mark);
      }
    },
    crossEntropyRowsGrad: (out, inputs, params) => {
      const x = inputs[0]!,
        t = inputs[1]!,
        g = inputs[2]!;
      const px = addressIn(rt, x),
        pt = addressIn(rt, t, "int32"),
        pg = addressIn(rt, g),
        po = addressIn(rt, out);
      const rs = rowStride(x);
      if (px < 0 || pt < 0 || pg < 0 || po < 0 || rs < 0) return gradRef(out, inputs, params);
      const R = x.shape[0]!,
        C = x.shape[1]!;
      rt.softmaxRows(px, rs, R, C, po);
      const f32 = rt.heap.f32,
        i32 = rt.heap.i32,
        td = pt >>> 2,
        od = po >>> 2;
      for (let r = 0; r < R; r++) f32[od + r * C + i32[td + r]!] -= 1;
      rows.ptr = po;
      rows.rowStride = C;
      scale.ptr = pg;
      scale.rowStride = g.strides[0]!;
      rt.binary("mul", R, C, rows, scale, po);
    },
  };
}

/** Row stride of x when its rows are contiguous runs (any stride for a single row), else -1. */
function rowStride(x: View): number {
  return x.shape[1]! > 1 && x.strides[1] !== 1 ? -1 : x.shape[0]! <= 1 ? x.shape[1]! : x.strides[0]!;
}

/** dropoutMask (contract in ops/composite/dropout.ts) into a fresh contiguous float32 output. */
function dropoutMaskKernel(rt: WasmRuntime): KernelTable["dropoutMask"] {
  return (out, _inputs, { p, scale, state }) => {
    const po = addressIn(rt, out);
    if (po < 0 || !isRowMajor(out)) throw new Error("internal: dropoutMask writes a contiguous float32 output in wasm memory");
    rt.dropoutMask(po, sizeOf(out.shape), p, scale, state);
  };
}

/** The wasm backend's kernels (those it does not list fall back to the reference). */
export function wasmKernels(rt: WasmRuntime): Partial<KernelTable> {
  const table: { -readonly [K in KernelName]?: KernelTable[K] } = {
    where: elementwise(rt, "where", (R, C, [c, a, b], out) => rt.where(R, C, c!, a!, b!, out), "cond"),
    copy: copyKernel(rt),
    matmul: matmulKernel(rt),
    linear: linearKernel(rt),
    softmax: softmaxKernel(rt),
    gatherRows: gatherRowsKernel(rt),
    ...crossEntropyKernels(rt),
    ...convKernels(rt),
    ...indexingKernels(rt),
    ...optimKernels(rt),
    ...recurrentKernels(rt),
    dropoutMask: dropoutMaskKernel(rt),
    ...layerNormKernels(rt),
  };
  for (const op of Object.keys(UNARY_OPS) as UnaryOp[]) table[op] = unaryKernel(rt, op);
  for (const op of Object.keys(BINARY_OPS) as BinaryOp[]) table[op] = binaryKernel(rt, op);
  for (const op of REDUCERS) table[op] = reduceKernel(rt, op);
  return table;
}
