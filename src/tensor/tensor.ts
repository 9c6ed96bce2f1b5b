// The Tensor: metadata (shape, strides, offset into a backend storage, dtype), autograd state, and
// one-line delegations to the ops. All maths lives in ops/; all bookkeeping of gradients in autograd/.

import type { Storage, View } from "../backend/backend.js";
import { AsyncReadError, DTypeError, ValueError, fmtShape } from "../errors.js";
import type { DType, TypedArray } from "./dtype.js";
import { isFloat } from "./dtype.js";
import { contiguousStrides, isContiguous, sizeOf } from "./shape.js";
import type { Node } from "../autograd/primitive.js";
import { backward as runBackward, type BackwardOptions } from "../autograd/engine.js";
import { registerHook, type RemovableHandle, type TensorHook } from "../autograd/hooks.js";
import * as ops from "../ops/index.js";
import * as inplace from "../ops/inplace.js";
import { versionOf } from "./version.js";
import { formatTensor } from "./format.js";
import { arrayFor, type Backend } from "../backend/backend.js";
import { backendNamed, hostBackend } from "../backend/current.js";
import { gatherRowMajor, nest, span } from "./host-read.js";

type Dims = number | readonly number[];
type Operand = Tensor | number;

export class Tensor implements View {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  #grad: Tensor | null = null;
  // Set on a tensor once it has been some leaf's gradient handed out through `grad` (or given to
  // it by the caller): from then on only the garbage collector may free its memory.
  #gradShared = false;
  /** @internal the recorded operation that produced this tensor (null for leaves). */
  _node: Node | null = null;
  private _requiresGrad = false;

  constructor(
    readonly storage: Storage,
    shape: readonly number[],
    strides: readonly number[] = contiguousStrides(shape),
    readonly offset = 0,
  ) {
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze([...strides]);
  }

  get dtype(): DType {
    return this.storage.dtype;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }
  get isLeaf(): boolean {
    return this._node === null;
  }
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(on: boolean) {
    if (this._node !== null) {
      throw new ValueError("requiresGrad: can only be set on leaf tensors; use detach() to get a leaf from a computed tensor");
    }
    if (on && !isFloat(this.dtype)) {
      throw new DTypeError(`requiresGrad: only floating-point tensors can require gradients, got ${this.dtype}`);
    }
    this._requiresGrad = on;
  }
  /** Sets requiresGrad and returns this tensor (torch's requires_grad_). */
  requiresGrad_(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** @internal records the node that produced this tensor. */
  _setNode(node: Node): void {
    this._node = node;
    this._requiresGrad = true;
  }

  // ---- reading ----
  // The synchronous reads work on host backends (js, wasm); on WebGPU, which has no synchronous
  // read-back, they throw an AsyncReadError naming the awaited read that works on every backend.
  /** Contiguous row-major copy of the elements as float32. */
  toFloat32Array(): Float32Array {
    return Float32Array.from(this.#readSync("toFloat32Array", "data"));
  }
  /** The elements in row-major order, in this tensor's own element type (a copy). */
  toTypedArray(): TypedArray {
    return this.#readSync("toTypedArray", "data").slice();
  }
  /** Nested plain arrays (a number for a 0-d tensor). */
  toArray(): any {
    return nest(this.#readSync("toArray", "array"), this.shape);
  }
  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ValueError(`item: only a one-element tensor can be converted to a number, got shape ${fmtShape(this.shape)}`);
    return this.#readSync("item", "itemAsync")[0]!;
  }
  /**
   * The elements in row-major order, in this tensor's own element type (a copy), once every pending
   * kernel has run: the read that works on every backend, WebGPU included (tf.js's `data()`).
   * @example const values = await t.data();
   */
  async data(): Promise<TypedArray> {
    const { storage } = this;
    if (this.size === 0) return arrayFor(this.dtype, 0);
    if (this.isContiguous) return storage.backend.read(storage, this.offset, this.size);
    const [lo, hi] = span(this);
    return gatherRowMajor(await storage.backend.read(storage, lo, hi - lo), this, lo);
  }
  /** Nested plain arrays (a number for a 0-d tensor), on every backend: the awaited `toArray()`. */
  async array(): Promise<any> {
    return nest(await this.data(), this.shape);
  }
  /** The value of a one-element tensor, on every backend: the awaited `item()`. */
  async itemAsync(): Promise<number> {
    if (this.size !== 1) throw new ValueError(`itemAsync: only a one-element tensor can be converted to a number, got shape ${fmtShape(this.shape)}`);
    return (await this.storage.backend.read(this.storage, this.offset, 1))[0]!;
  }
  /** @internal contiguous elements, without copying when already contiguous (valid until the next kernel or allocation). */
  contiguousData(): TypedArray {
    return this.#readSync("read", "data");
  }
  /**
   * @internal The elements for host-side checks (index bounds, masks), or null when this tensor's
   * backend cannot read synchronously: callers then skip the check (see README, WebGPU).
   */
  _hostDataOrNull(): TypedArray | null {
    return this.storage.backend.host ? this.contiguousData() : null;
  }
  #readSync(method: string, awaited: string): TypedArray {
    const { storage } = this;
    if (!storage.backend.host) {
      throw new AsyncReadError(`${method}: this tensor lives on the "${storage.backend.name}" backend, whose memory cannot be read synchronously; use \`await t.${awaited}()\` (or \`await t.cpu()\` for a copy on the CPU)`);
    }
    if (this.size === 0) return arrayFor(this.dtype, 0);
    if (this.isContiguous) return storage.backend.readSync(storage, this.offset, this.size);
    const [lo, hi] = span(this);
    return gatherRowMajor(storage.backend.readSync(storage, lo, hi - lo), this, lo);
  }
  toString(): string {
    return formatTensor(this); // on WebGPU an AsyncReadError naming `await t.array()` (formatTensor reads synchronously)
  }

  // ---- moving between backends ----
  /**
   * A copy of this tensor on backend `name` ("webgpu", "wasm", "js"), cut from the graph; the tensor
   * itself when it is already there. From a host backend it is synchronous (host to GPU is an upload);
   * from WebGPU to the CPU use `await t.cpu()`.
   */
  toBackend(name: string): Tensor {
    const target = backendNamed(name);
    if (target === this.storage.backend) return this;
    const values = this.#readSync(`toBackend("${name}")`, "cpu");
    return fromValues(target, values, this.shape);
  }
  /** A copy of this tensor on the CPU (the default host backend), once its values are read: works from every backend. */
  async cpu(): Promise<Tensor> {
    if (this.storage.backend.host) return this;
    return fromValues(hostBackend(), await this.data(), this.shape);
  }

  // ---- autograd ----
  /** Accumulated gradient after backward(); null until then or after zeroGrad. */
  get grad(): Tensor | null {
    const g = this.#grad;
    if (g !== null) g.#gradShared = true;
    return g;
  }

  set grad(g: Tensor | null) {
    if (g !== null) g.#gradShared = true;
    this.#grad = g;
  }

  /** @internal The gradient, for library code that keeps no reference to it (not handed out). */
  _peekGrad(): Tensor | null {
    return this.#grad;
  }

  /**
   * @internal Sets a gradient that backward just computed and nobody else references; an unshared
   * one it replaces is freed at once (see _dropGrad).
   */
  _setFreshGrad(g: Tensor): void {
    const old = this.#grad;
    this.#grad = g;
    if (old !== null && old !== g) Tensor.#releaseUnshared(old);
  }

  /**
   * @internal Clears the gradient (zeroGrad's set_to_none). A gradient that backward made and nobody
   * was handed returns its memory to the backend now rather than at the next garbage collection,
   * as torch frees it by reference count: a training loop then reuses the same blocks step after
   * step instead of producing a weight-sized piece of garbage each time.
   */
  _dropGrad(): void {
    const old = this.#grad;
    this.#grad = null;
    if (old !== null) Tensor.#releaseUnshared(old);
  }

  /** Frees the storage of `t` if it is a gradient nobody was handed and it covers all of it. */
  static #releaseUnshared(t: Tensor): void {
    if (!t.#gradShared && t._node === null && t.offset === 0 && t.size === t.storage.length) t.storage.backend.release?.(t.storage);
  }

  /** Backpropagates from this tensor, accumulating into the `.grad` of every leaf that requires it. */
  backward(grad?: Tensor | null, opts?: BackwardOptions): void {
    runBackward(this, grad, opts);
  }
  /**
   * Calls `fn` with this tensor's gradient whenever backward computes it (torch's register_hook); a
   * tensor `fn` returns replaces the gradient. Returns a handle whose remove() unregisters it.
   * @example const h = x.registerHook((g) => g.clamp(-1, 1)); … h.remove();
   */
  registerHook(fn: TensorHook): RemovableHandle {
    return registerHook(this, fn);
  }
  /** A tensor sharing this one's data, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }
  clone(): Tensor { return ops.clone(this); }
  contiguous(): Tensor { return this.isContiguous ? this : ops.contiguous(this); }
  to(dtype: DType): Tensor { return ops.cast(this, dtype); }
  float(): Tensor { return ops.cast(this, "float32"); }
  int(): Tensor { return ops.cast(this, "int32"); }
  double(): Tensor { return ops.cast(this, "float64"); }
  onesLike(): Tensor { return ops.fullLike(this, 1); }
  zerosLike(): Tensor { return ops.fullLike(this, 0); }

  // ---- element-wise ----
  add(o: Operand, opts?: ops.AlphaOptions): Tensor { return ops.add(this, o, opts); }
  sub(o: Operand, opts?: ops.AlphaOptions): Tensor { return ops.sub(this, o, opts); }
  mul(o: Operand): Tensor { return ops.mul(this, o); }
  div(o: Operand): Tensor { return ops.div(this, o); }
  pow(o: Operand): Tensor { return ops.pow(this, o); }
  maximum(o: Operand): Tensor { return ops.maximum(this, o); }
  minimum(o: Operand): Tensor { return ops.minimum(this, o); }
  eq(o: Operand): Tensor { return ops.eq(this, o); }
  ne(o: Operand): Tensor { return ops.ne(this, o); }
  gt(o: Operand): Tensor { return ops.gt(this, o); }
  lt(o: Operand): Tensor { return ops.lt(this, o); }
  ge(o: Operand): Tensor { return ops.ge(this, o); }
  le(o: Operand): Tensor { return ops.le(this, o); }
  neg(): Tensor { return ops.neg(this); }
  exp(): Tensor { return ops.exp(this); }
  expm1(): Tensor { return ops.expm1(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  square(): Tensor { return ops.mul(this, this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  erf(): Tensor { return ops.erf(this); }
  relu(): Tensor { return ops.relu(this); }
  leakyRelu(slope = 0.01): Tensor { return ops.leakyRelu(this, slope); }
  gelu(opts?: { approximate?: "none" | "tanh" }): Tensor { return ops.gelu(this, opts); }
  elu(alpha = 1): Tensor { return ops.elu(this, alpha); }
  softplus(opts?: { beta?: number; threshold?: number }): Tensor { return ops.softplus(this, opts); }
  silu(): Tensor { return ops.silu(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ops.clamp(this, min, max); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  /** Rounds halves to even, as torch.round. */
  round(): Tensor { return ops.round(this); }
  trunc(): Tensor { return ops.trunc(this); }
  frac(): Tensor { return ops.frac(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  tan(): Tensor { return ops.tan(this); }
  asin(): Tensor { return ops.asin(this); }
  acos(): Tensor { return ops.acos(this); }
  atan(): Tensor { return ops.atan(this); }
  sinh(): Tensor { return ops.sinh(this); }
  cosh(): Tensor { return ops.cosh(this); }
  asinh(): Tensor { return ops.asinh(this); }
  atanh(): Tensor { return ops.atanh(this); }
  log2(): Tensor { return ops.log2(this); }
  log10(): Tensor { return ops.log10(this); }
  exp2(): Tensor { return ops.exp2(this); }
  logit(eps: number | null = null): Tensor { return ops.logit(this, eps); }
  remainder(o: Operand): Tensor { return ops.remainder(this, o); }
  lerp(end: Tensor, weight: Operand): Tensor { return ops.lerp(this, end, weight); }
  addcmul(t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor { return ops.addcmul(this, t1, t2, opts); }
  isnan(): Tensor { return ops.isnan(this); }
  isinf(): Tensor { return ops.isinf(this); }
  isfinite(): Tensor { return ops.isfinite(this); }
  nanToNum(opts?: ops.NanToNumOptions): Tensor { return ops.nanToNum(this, opts); }
  maskedFill(mask: Tensor, value: number): Tensor { return ops.maskedFill(this, mask, value); }

  // ---- in place (torch's trailing underscore): allowed under noGrad for tensors that require grad ----
  /** this += alpha·o in place; returns this. @example tg.noGrad(() => w.sub_(w.grad!.mul(lr))) */
  add_(o: Operand, opts?: ops.AlphaOptions): this { return inplace.add_(this, o, opts) as this; }
  sub_(o: Operand, opts?: ops.AlphaOptions): this { return inplace.sub_(this, o, opts) as this; }
  mul_(o: Operand): this { return inplace.mul_(this, o) as this; }
  div_(o: Operand): this { return inplace.div_(this, o) as this; }
  /** Copies `src` (broadcast, converted to this dtype) into this tensor. */
  copy_(src: Tensor): this { return inplace.copy_(this, src) as this; }
  fill_(value: number): this { return inplace.fill_(this, value) as this; }
  zero_(): this { return inplace.zero_(this) as this; }
  clamp_(min?: number | null, max?: number | null): this { return inplace.clamp_(this, min, max) as this; }
  /** How many times this tensor's storage was changed in place (torch's _version). */
  get version(): number { return versionOf(this); }

  // ---- reductions ----
  sum(dim?: Dims, keepdim = false): Tensor { return ops.sum(this, dim, keepdim); }
  mean(dim?: Dims, keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  max(dim?: Dims, keepdim = false): Tensor { return ops.max(this, dim, keepdim); }
  min(dim?: Dims, keepdim = false): Tensor { return ops.min(this, dim, keepdim); }
  amax(dim?: Dims, keepdim = false): Tensor { return ops.amax(this, dim, keepdim); }
  amin(dim?: Dims, keepdim = false): Tensor { return ops.amin(this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return ops.argmax(this, dim, keepdim); }
  /** [values, indices] sorted along `dim` (stable). */
  sort(dim = -1, descending = false): [Tensor, Tensor] { return ops.sort(this, dim, descending); }
  argsort(dim = -1, descending = false): Tensor { return ops.argsort(this, dim, descending); }
  /** [values, indices] of the k largest (or smallest) along `dim`. */
  topk(k: number, dim = -1, largest = true): [Tensor, Tensor] { return ops.topk(this, k, dim, largest); }
  cumsum(dim: number): Tensor { return ops.cumsum(this, dim); }
  /** Running products along `dim` (torch's cumprod). */
  cumprod(dim: number): Tensor { return ops.cumprod(this, dim); }
  /** The product of all elements, or along `dim` (torch's prod). */
  prod(dim?: number, keepdim = false): Tensor { return ops.prod(this, dim, keepdim); }
  /** 1 with probability p for each element p of this tensor, else 0 (torch's bernoulli). */
  bernoulli(): Tensor { return ops.bernoulli(this); }
  /** Category indices drawn in proportion to this tensor's weights (torch's multinomial). */
  multinomial(numSamples: number, opts?: ops.MultinomialOptions): Tensor { return ops.multinomial(this, numSamples, opts); }
  any(dim?: Dims, keepdim = false): Tensor { return ops.any(this, dim, keepdim); }
  all(dim?: Dims, keepdim = false): Tensor { return ops.all(this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return ops.argmin(this, dim, keepdim); }
  logsumexp(dim: Dims, keepdim = false): Tensor { return ops.logsumexp(this, dim, keepdim); }
  /** Variance (unbiased by default); the second argument is keepdim or `{ correction, unbiased, keepdim }`. */
  var(dim?: Dims, keepdim: boolean | ops.VarianceOptions = false): Tensor { return ops.variance(this, dim, keepdim); }
  std(dim?: Dims, keepdim: boolean | ops.VarianceOptions = false): Tensor { return ops.std(this, dim, keepdim); }
  /** The p-norm (2 by default) over `dim`, or over all elements (torch's norm). */
  norm(p: number | "fro" = 2, dim?: Dims, keepdim = false): Tensor { return ops.norm(this, p, dim, keepdim); }

  // ---- linear algebra ----
  matmul(o: Tensor): Tensor { return ops.matmul(this, o); }
  mm(o: Tensor): Tensor { return ops.mm(this, o); }
  bmm(o: Tensor): Tensor { return ops.bmm(this, o); }
  dot(o: Tensor): Tensor { return ops.dot(this, o); }
  outer(o: Tensor): Tensor { return ops.outer(this, o); }
  /** The last two dims swapped (torch's .mT). */
  get mT(): Tensor { return ops.mT(this); }
  diag(k = 0): Tensor { return ops.diag(this, k); }
  trace(): Tensor { return ops.trace(this); }
  tril(k = 0): Tensor { return ops.tril(this, k); }
  triu(k = 0): Tensor { return ops.triu(this, k); }

  // ---- shape ----
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  view(shape: readonly number[]): Tensor { return ops.view(this, shape); }
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  squeeze(dim?: Dims): Tensor { return ops.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  transpose(dim0: number, dim1: number): Tensor { return ops.transpose(this, dim0, dim1); }
  permute(dims: readonly number[]): Tensor { return ops.permute(this, dims); }
  /** The transpose of a 2-D tensor (for other ranks, torch's reversed dims). */
  get T(): Tensor {
    const dims: number[] = [];
    for (let d = this.ndim - 1; d >= 0; d--) dims.push(d);
    return ops.permute(this, dims);
  }
  expand(shape: readonly number[]): Tensor { return ops.expand(this, shape); }
  expandAs(other: Tensor): Tensor { return ops.expand(this, other.shape); }
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return ops.slice(this, dim, start, end, step); }
  gather(dim: number, index: Tensor): Tensor { return ops.gather(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return ops.indexSelect(this, dim, index); }
  repeat(reps: readonly number[]): Tensor { return ops.repeat(this, reps); }
  tile(reps: readonly number[]): Tensor { return ops.tile(this, reps); }
  split(sizes: number | readonly number[], dim = 0): Tensor[] { return ops.split(this, sizes, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return ops.chunk(this, chunks, dim); }
  unbind(dim = 0): Tensor[] { return ops.unbind(this, dim); }
  narrow(dim: number, start: number, length: number): Tensor { return ops.narrow(this, dim, start, length); }
  flip(dims: number | readonly number[]): Tensor { return ops.flip(this, dims); }
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor { return ops.roll(this, shifts, dims); }

  // ---- neural-network helpers ----
  softmax(dim: number, opts?: ops.SoftmaxOptions): Tensor { return ops.softmax(this, dim, opts); }
  logSoftmax(dim: number, opts?: ops.SoftmaxOptions): Tensor { return ops.logSoftmax(this, dim, opts); }
  dropout(p = 0.5, training = true): Tensor { return ops.dropout(this, p, training); }
}

/** A new contiguous tensor on `backend` holding `values`. */
function fromValues(backend: Backend, values: TypedArray, shape: readonly number[]): Tensor {
  const storage = backend.alloc(values instanceof Int32Array ? "int32" : values instanceof Float64Array ? "float64" : "float32", values.length, false);
  backend.write(storage, 0, values);
  return new Tensor(storage, shape);
}
