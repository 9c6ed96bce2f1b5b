// Loads the prebuilt kernel module (build/kernels-{relaxed,simd}.wasm, embedded as base64 so that
// bundles and browsers need no file beside them), picking relaxed SIMD when the engine accepts it, over
// one shared WebAssembly.Memory that the worker pool also maps.
import { platform } from "#platform";
import { KERNELS_BASE64 } from "./build/kernels-embedded.js";
import { relaxedMaddFuses } from "./fma-probe.js";

export type WasmFlavor = "relaxed" | "simd";

/** The exports of assembly/index.ts. Pointers are byte addresses, strides and sizes are in elements. */
export interface KernelExports {
  fill_zero(p: number, bytes: number): void;
  gemm_workspace_bytes(): number;
  gemm_packed_b_floats(K: number, N: number): number;
  gemm_pack_b(K: number, N: number, b: number, rs: number, cs: number, bp: number, p0: number, p1: number): void;
  gemm_packed(
    M: number,
    N: number,
    K: number,
    a: number,
    rs: number,
    cs: number,
    bp: number,
    c: number,
    ldc: number,
    beta: number,
    ws: number,
    m0: number,
    m1: number,
  ): void;
  gemm_small(
    M: number,
    N: number,
    K: number,
    a: number,
    rsA: number,
    csA: number,
    b: number,
    rsB: number,
    csB: number,
    c: number,
    ldc: number,
    beta: number,
    n0: number,
    n1: number,
  ): void;
  unary(op: number, x: number, y: number, lo: number, hi: number): void;
  binary(
    op: number,
    C: number,
    a: number,
    aRow: number,
    aCol: number,
    b: number,
    bRow: number,
    bCol: number,
    y: number,
    lo: number,
    hi: number,
  ): void;
  where(
    C: number,
    c: number,
    cRow: number,
    cCol: number,
    a: number,
    aRow: number,
    aCol: number,
    b: number,
    bRow: number,
    bCol: number,
    y: number,
    lo: number,
    hi: number,
  ): void;
  copy4(
    x: number,
    d0: number,
    d1: number,
    d2: number,
    d3: number,
    s0: number,
    s1: number,
    s2: number,
    s3: number,
    y: number,
    t0: number,
    t1: number,
    t2: number,
    t3: number,
    lo: number,
    hi: number,
  ): void;
  reduce_rows(op: number, x: number, rowStride: number, L: number, y: number, lo: number, hi: number): void;
  reduce_cols(op: number, x: number, rowStride: number, R: number, y: number, lo: number, hi: number): void;
  softmax_rows(x: number, rowStride: number, L: number, y: number, log: number, lo: number, hi: number): void;
  gemm_pack_a(M: number, K: number, a: number, rs: number, cs: number, ap: number, lo: number, hi: number): void;
  gemm_cols(
    M: number,
    N: number,
    K: number,
    ap: number,
    ars: number,
    acs: number,
    b: number,
    rs: number,
    cs: number,
    c: number,
    ldc: number,
    beta: number,
    ws: number,
    lo: number,
    hi: number,
  ): void;
  gemm_splitk(
    M: number,
    N: number,
    K: number,
    a: number,
    rsA: number,
    csA: number,
    b: number,
    rs: number,
    cs: number,
    c: number,
    kslice: number,
    ws: number,
    lo: number,
    hi: number,
  ): void;
  gemm_batched(
    M: number,
    N: number,
    K: number,
    a: number,
    ars: number,
    acs: number,
    b: number,
    rs: number,
    cs: number,
    c: number,
    ws: number,
    nb1: number,
    nb2: number,
    as0: number,
    as1: number,
    as2: number,
    bs0: number,
    bs1: number,
    bs2: number,
    inPlace: number,
    lo: number,
    hi: number,
  ): void;
  gemm_batched_max_a(): number;
  lstm_cell(
    xp: number,
    xRow: number,
    hh: number,
    hRow: number,
    c: number,
    cRow: number,
    out: number,
    NH: number,
    H: number,
    lo: number,
    hi: number,
  ): void;
  lstm_cell_grad(
    cell: number,
    c: number,
    cRow: number,
    d: number,
    dh: number,
    dhRow: number,
    dc: number,
    dcRow: number,
    next: number,
    out: number,
    NH: number,
    H: number,
    lo: number,
    hi: number,
  ): void;
  gru_cell(
    xp: number,
    xRow: number,
    hh: number,
    hRow: number,
    h: number,
    hsRow: number,
    out: number,
    NH: number,
    H: number,
    lo: number,
    hi: number,
  ): void;
  gru_cell_grad(
    cell: number,
    hh: number,
    hRow: number,
    h: number,
    hsRow: number,
    d: number,
    dRow: number,
    dn: number,
    dnRow: number,
    pn: number,
    pnRow: number,
    next: number,
    out: number,
    NH: number,
    H: number,
    lo: number,
    hi: number,
  ): void;
  im2col(
    x: number,
    cols: number,
    H: number,
    W: number,
    KH: number,
    KW: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    OH: number,
    OW: number,
    pad: number,
    C: number,
    imgStride: number,
    rowStride: number,
    lo: number,
    hi: number,
  ): void;
  col2im(
    cols: number,
    x: number,
    H: number,
    W: number,
    KH: number,
    KW: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    OH: number,
    OW: number,
    C: number,
    imgStride: number,
    rowStride: number,
    lo: number,
    hi: number,
  ): void;
  gather_dim(x: number, along: number, inner: number, idx: number, k: number, y: number, lo: number, hi: number): void;
  scatter_add_dim(src: number, idx: number, k: number, along: number, inner: number, y: number, lo: number, hi: number): void;
  arg_mid(max: number, x: number, outerStride: number, rowStride: number, R: number, B: number, y: number, lo: number, hi: number): void;
  copy_rows(src: number, rowBytes: number, idx: number, dst: number, lo: number, hi: number): void;
  dropout_mask(y: number, n: number, threshold: number, scale: number, state: number): void;
  layernorm_stats(x: number, C: number, eps: number, stats: number, lo: number, hi: number): void;
  layernorm_apply(x: number, stats: number, w: number, b: number, C: number, y: number, lo: number, hi: number): void;
  layernorm_grad(g: number, x: number, stats: number, w: number, C: number, dx: number, lo: number, hi: number): void;
  layernorm_param_grad(g: number, x: number, stats: number, R: number, C: number, out: number, lo: number, hi: number): void;
  dropout_groups(y: number, n: number, k: number, lim: number, scale: number, states: number, sink: number, lo: number, hi: number): void;
  adam_step(
    p: number,
    g: number,
    m: number,
    v: number,
    vMax: number,
    shrink: number,
    l2: number,
    sign: number,
    beta1: number,
    c1: number,
    beta2: number,
    c2: number,
    stepSize: number,
    bc2Sqrt: number,
    eps: number,
    lo: number,
    hi: number,
  ): void;
  sgd_step(
    p: number,
    g: number,
    buf: number,
    first: number,
    nesterov: number,
    lr: number,
    momentum: number,
    keep: number,
    wd: number,
    sign: number,
    lo: number,
    hi: number,
  ): void;
}

export interface WasmKernels {
  readonly flavor: WasmFlavor;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
}

export interface LoadOptions {
  /**
   * Use relaxed SIMD (fused multiply-add: about 20 % more matmul throughput) where the engine needs a
   * flag for it. Node 20 (V8 11.3) only validates relaxed SIMD behind
   * `--experimental-wasm-relaxed-simd`, which Node refuses in NODE_OPTIONS; by default the loader sets
   * that V8 flag at run time before compiling. Newer
   * engines accept relaxed SIMD without it. `false` (or TENSORGRAD_RELAXED_SIMD=0) forces the plain
   * SIMD build.
   */
  relaxedSimd?: boolean;
  /** Initial memory in 64 KiB pages (it grows on demand). */
  initialPages?: number;
}

/** Pages the kernels declare as their maximum: the full 4 GiB a 32-bit address space allows. */
export const MAX_PAGES = 65536;

const bytesCache: Partial<Record<WasmFlavor, Uint8Array<ArrayBuffer>>> = {};

/** The binary of one build, decoded once. */
export function kernelBytes(flavor: WasmFlavor): Uint8Array<ArrayBuffer> {
  return (bytesCache[flavor] ??= Uint8Array.from(atob(KERNELS_BASE64[flavor]), (c) => c.charCodeAt(0)));
}

/**
 * Why the kernels cannot run here, or null when they can: they need WebAssembly with SIMD128 and
 * shared memory (threads proposal) with Atomics.
 */
export function wasmUnsupportedReason(): string | null {
  try {
    if (typeof WebAssembly !== "object") return "this runtime has no WebAssembly";
    if (typeof Atomics !== "object") return "this runtime has no Atomics";
    if (!WebAssembly.validate(kernelBytes("simd"))) return "this engine does not support WebAssembly SIMD128";
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return null;
  } catch (err) {
    return `shared WebAssembly memory is not available (${(err as Error).message})`;
  }
}

/** The pool and the tensors need WebAssembly with SIMD128, threads (shared memory) and Atomics. */
export function isWasmSupported(): boolean {
  return wasmUnsupportedReason() === null;
}

function relaxedWanted(option: boolean | undefined): boolean {
  if (option !== undefined) return option;
  return platform.env("TENSORGRAD_RELAXED_SIMD") !== "0";
}

/**
 * Whether the relaxed build validates here (setting the Node 20 V8 flag first when `optIn` asks for it)
 * and its multiply-add fuses (see fma-probe.ts).
 */
export function relaxedAvailable(optIn: boolean): boolean {
  const bytes = kernelBytes("relaxed");
  if (!WebAssembly.validate(bytes)) {
    if (!optIn || !platform.setV8Flag("--experimental-wasm-relaxed-simd")) return false;
    if (!WebAssembly.validate(bytes)) return false;
  }
  return relaxedMaddFuses();
}

/** Shared memory with the largest maximum the platform will reserve (4 GiB, else less). */
function createMemory(initial: number): WebAssembly.Memory {
  for (let maximum = MAX_PAGES; ; maximum >>= 1) {
    try {
      return new WebAssembly.Memory({ initial: Math.min(initial, maximum), maximum, shared: true });
    } catch (err) {
      if (maximum <= 256) throw err;
    }
  }
}

/**
 * Host functions every instance imports (pool-worker-loop.js builds the same object: it runs from its
 * own source text in workers, so it cannot import this): pow, and sin/cos for
 * arguments past 2^20, where the kernels' own range reduction is no longer exact.
 */
export function kernelImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      memory,
      pow: Math.pow,
      sin: Math.sin,
      cos: Math.cos,
      abort: () => {
        throw new Error("tensorgrad wasm kernel aborted");
      },
    },
  };
}

/**
 * Compiles and instantiates the kernels: relaxed SIMD when it validates (see LoadOptions.relaxedSimd),
 * else SIMD128. `flavor` reports which one runs.
 */
export function loadWasmKernels(options: LoadOptions = {}): WasmKernels {
  const flavor: WasmFlavor = relaxedWanted(options.relaxedSimd) && relaxedAvailable(true) ? "relaxed" : "simd";
  const module = new WebAssembly.Module(kernelBytes(flavor));
  const memory = createMemory(options.initialPages ?? 16);
  const instance = new WebAssembly.Instance(module, kernelImports(memory));
  return { flavor, module, memory, exports: instance.exports as unknown as KernelExports };
}
