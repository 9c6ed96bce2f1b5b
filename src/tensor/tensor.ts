// The Tensor: metadata (shape, strides, offset into a backend storage, dtype), autograd state, and
// one-line delegations to the ops. All maths lives in ops/; all bookkeeping of gradients in autograd/.

import type { Storage, View } from "../backend/backend.js";
import { AsyncReadError, DTypeError, ValueError, fmtShape } from "../errors.js";
import type { DType, TypedArray } from "./dtype.js";
import { isFloat } from "./dtype.js";
import { isContiguous, sizeOf } from "./shape.js";
import { frozenContiguousStrides, frozenShape, frozenStrides } from "./frozen-dims.js";
import type { Node } from "../autograd/primitive.js";
import { backward as runBackward, type BackwardOptions } from "../autograd/engine.js";
import { registerHook, type RemovableHandle, type TensorHook } from "../autograd/hooks.js";
import * as ops from "../ops/index.js";
import * as inplace from "../ops/inplace.js";
import { versionOf } from "./version.js";
import { formatTensor } from "./format.js";
import type { Backend } from "../backend/backend.js";
import { arrayFor } from "./dtype.js";
import { halfTagOf, tagHalf } from "./half.js";
import { isBoolStorage, tagBool } from "./bool.js";
import { backendNamed, hostBackend } from "../backend/current.js";
import { gatherRowMajor, nest, span } from "./host-read.js";

type Dims = number | readonly number[];
type Operand = Tensor | number;

/**
 * An n-dimensional array of float32, float64 or int32 elements with reverse-mode autograd (torch.Tensor).
 *
 * A tensor is metadata (shape, strides, an offset) over a backend's storage, so views (reshape,
 * transpose, slice, expand) share memory. Create tensors with tg.tensor, tg.zeros, tg.randn, …; every
 * op is both a method (`x.add(y)`) and a function (`tg.add(x, y)`), the function's entry showing an
 * example. Memory is managed for you: there is no dispose.
 *
 * @example
 * ```ts
 * import * as tg from "tensorgrad";
 * const x = tg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.mul(x).sum();   // 1 + 4 + 9 + 16
 * y.backward();
 * console.log(y.item(), x.grad!.toArray()); // 30 [[2, 4], [6, 8]]
 * ```
 */
export class Tensor implements View {
  /**
   * The size of each dimension (frozen); `[]` for a 0-d (scalar) tensor.
   * @example tg.zeros([2, 3]).shape  // [2, 3]
   */
  readonly shape: readonly number[];
  /**
   * Elements to skip in storage for one step along each dimension (views share storage with other
   * strides).
   * @example tg.zeros([2, 3]).transpose(0, 1).strides  // [1, 3] (a view: nothing copied)
   */
  readonly strides: readonly number[];
  #grad: Tensor | null = null;
  // Set on a tensor once it has been some leaf's gradient handed out through `grad` (or given to
  // it by the caller): from then on only the garbage collector may free its memory.
  #gradShared = false;
  /** @internal the recorded operation that produced this tensor (null for leaves). */
  _node: Node | null = null;
  private _requiresGrad = false;
  /** @internal this tensor's index in the backward pass that reached it last (see autograd/engine.ts). */
  _slot = -1;

  constructor(
    /**
     * The backend memory this tensor views (shared by views of the same data).
     * @example const a = tg.arange(6); a.view([2, 3]).storage === a.storage  // true (a view shares its storage)
     */
    readonly storage: Storage,
    shape: readonly number[],
    strides: readonly number[] = frozenContiguousStrides(shape),
    /**
     * Index of this tensor's first element in its storage.
     * @example tg.arange(6).slice(0, 2, 5).offset  // 2
     */
    readonly offset = 0,
  ) {
    this.shape = frozenShape(shape);
    this.strides = frozenStrides(strides);
  }

  /**
   * The element type: "float32" (the default), "float64", "int32", "bool" (what comparisons give), or
   * "float16"/"bfloat16" (held in float32 memory, values rounded to the narrow type; computing on them
   * gives float32). A string where torch has torch.float32 and the like.
   * @example tg.tensor([1, 2], { dtype: "int32" }).div(2).dtype  // "float32" (true division promotes int32)
   */
  get dtype(): DType {
    // A storage's 16-bit tag can change in place (Module.half()/float()), as torch's param.data does.
    return halfTagOf(this.storage) ?? (isBoolStorage(this.storage) ? "bool" : this.storage.dtype);
  }
  /**
   * Number of dimensions (torch's dim()).
   * @example tg.zeros([2, 3, 4]).ndim  // 3
   */
  get ndim(): number {
    return this.shape.length;
  }
  /**
   * Number of elements (torch's numel(); torch's size() is `shape` here).
   * @example tg.zeros([2, 3, 4]).size  // 24
   */
  get size(): number {
    return sizeOf(this.shape);
  }
  /**
   * True when no recorded op produced this tensor (created directly, or computed without gradients);
   * backward fills the `.grad` of leaves only.
   * @example tg.ones([2], { requiresGrad: true }).mul(2).isLeaf  // false (computed by a recorded op)
   */
  get isLeaf(): boolean {
    return this._node === null;
  }
  /**
   * True when the elements are laid out row-major without gaps (views from transpose or expand are not).
   * @example tg.zeros([2, 3]).transpose(0, 1).isContiguous  // false
   */
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /**
   * Whether ops on this tensor are recorded for backward (false by default; true for outputs of recorded
   * ops).
   * @example tg.ones([2], { requiresGrad: true }).mul(2).requiresGrad  // true
   */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  /**
   * Turns gradient recording on or off; only for leaves of a floating-point dtype (a ValueError or
   * DTypeError otherwise).
   */
  set requiresGrad(on: boolean) {
    if (this._node !== null) {
      throw new ValueError("requiresGrad: can only be set on leaf tensors; use detach() to get a leaf from a computed tensor");
    }
    if (on && !isFloat(this.dtype)) {
      throw new DTypeError(`requiresGrad: only floating-point tensors can require gradients, got ${this.dtype}`);
    }
    this._requiresGrad = on;
  }
  /**
   * Sets requiresGrad and returns this tensor (torch's requires_grad_).
   * @example tg.zeros([3]).requiresGrad_().requiresGrad  // true
   */
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
  /**
   * Contiguous row-major copy of the elements as float32.
   * @example tg.tensor([[1, 2], [3, 4]]).toFloat32Array()  // Float32Array [1, 2, 3, 4] (torch's numpy())
   */
  toFloat32Array(): Float32Array {
    return Float32Array.from(this.#readSync("toFloat32Array", "data"));
  }
  /**
   * The elements in row-major order, in this tensor's own element type (a copy; a Float32Array for
   * float16/bfloat16, an Int32Array of 0/1 for bool).
   * @example tg.tensor([1, 2], { dtype: "int32" }).toTypedArray()  // Int32Array [1, 2]
   */
  toTypedArray(): TypedArray {
    return this.#readSync("toTypedArray", "data").slice();
  }
  /**
   * Nested plain arrays (a number for a 0-d tensor); a bool tensor gives JS booleans, as torch's
   * tolist() gives Python bools.
   * @example tg.tensor([[1, 2], [3, 4]]).toArray()  // [[1, 2], [3, 4]] (torch's tolist())
   */
  toArray(): any {
    return nest(this.#readSync("toArray", "array"), this.shape, this.dtype === "bool");
  }
  /**
   * The value of a one-element tensor; for a bool tensor 1 or 0 (torch gives True/False), so that
   * the result stays a number: `if (mask.any().item())` reads as it does in Python.
   * @example tg.tensor([1, 2, 3]).sum().item()  // 6
   */
  item(): number {
    if (this.size !== 1)
      throw new ValueError(`item: only a one-element tensor can be converted to a number, got shape ${fmtShape(this.shape)}`);
    return this.#readSync("item", "itemAsync")[0]!;
  }
  /**
   * The elements in row-major order, in this tensor's own element type (a copy; a Float32Array of the
   * exact values for float16/bfloat16, an Int32Array of 0/1 for bool), once every pending
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
  /**
   * Nested plain arrays (a number for a 0-d tensor), on every backend: the awaited `toArray()`.
   * @example await t.array()  // nested arrays, like toArray(), from any backend
   */
  async array(): Promise<any> {
    return nest(await this.data(), this.shape, this.dtype === "bool");
  }
  /**
   * The value of a one-element tensor, on every backend: the awaited `item()` (1 or 0 for bool).
   * @example const loss = await lossTensor.itemAsync();
   */
  async itemAsync(): Promise<number> {
    if (this.size !== 1)
      throw new ValueError(`itemAsync: only a one-element tensor can be converted to a number, got shape ${fmtShape(this.shape)}`);
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
      throw new AsyncReadError(
        `${method}: this tensor lives on the "${storage.backend.name}" backend, whose memory cannot be read synchronously; use \`await t.${awaited}()\` (or \`await t.cpu()\` for a copy on the CPU)`,
      );
    }
    if (this.size === 0) return arrayFor(this.dtype, 0);
    if (this.isContiguous) return storage.backend.readSync(storage, this.offset, this.size);
    const [lo, hi] = span(this);
    return gatherRowMajor(storage.backend.readSync(storage, lo, hi - lo), this, lo);
  }
  /**
   * A readable rendering of the values, like torch's repr (`tensor([[1, 2], [3, 4]])`).
   * @example String(tg.tensor([[1, 2], [3, 4]]))  // "tensor([[1., 2.],\n        [3., 4.]])", as torch prints it
   */
  toString(): string {
    return formatTensor(this); // on WebGPU an AsyncReadError naming `await t.array()` (formatTensor reads synchronously)
  }

  // ---- moving between backends ----
  /**
   * A copy of this tensor on backend `name` ("webgpu", "wasm", "js"), cut from the graph; the tensor
   * itself when it is already there. From a host backend it is synchronous (host to GPU is an upload);
   * from WebGPU to the CPU use `await t.cpu()`.
   * @example const g = x.toBackend("webgpu"); const y = g.matmul(g); const values = await y.data();
   */
  toBackend(name: string): Tensor {
    const target = backendNamed(name);
    if (target === this.storage.backend) return this;
    const values = this.#readSync(`toBackend("${name}")`, "cpu");
    return fromValues(target, values, this.shape, this.dtype);
  }
  /**
   * A copy of this tensor on the CPU (the default host backend), once its values are read: works from every backend.
   * @example const host = await gpuTensor.cpu(); host.toArray();
   */
  async cpu(): Promise<Tensor> {
    if (this.storage.backend.host) return this;
    return fromValues(hostBackend(), await this.data(), this.shape, this.dtype);
  }

  // ---- autograd ----
  /**
   * Accumulated gradient after backward(); null until then or after zeroGrad.
   * @example const x = tg.tensor([3], { requiresGrad: true }); x.mul(x).sum().backward(); x.grad  // [6] (d(x²)/dx at 3)
   */
  get grad(): Tensor | null {
    const g = this.#grad;
    if (g !== null) g.#gradShared = true;
    return g;
  }

  /** Replaces the accumulated gradient (`null` clears it, as optimizer.zeroGrad does). */
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

  /**
   * Backpropagates from this tensor, accumulating into the `.grad` of every leaf that requires it.
   * @example const x = tg.tensor([1, 2], { requiresGrad: true }); x.pow(2).sum().backward(); x.grad!.toArray();  // [2, 4]
   */
  backward(grad?: Tensor | null, opts?: BackwardOptions): void;
  /** The options alone, as `loss.backward({ createGraph: true })`: the gradient is implied (a one-element tensor). */
  backward(opts: BackwardOptions): void;
  backward(grad?: Tensor | BackwardOptions | null, opts?: BackwardOptions): void {
    if (grad != null && !(grad instanceof Tensor)) {
      // The README's backward({ createGraph }) puts the options where PyTorch's gradient goes.
      if (opts !== undefined || typeof grad !== "object" || Array.isArray(grad))
        throw new ValueError(`backward: grad must be a Tensor or null, got ${Array.isArray(grad) ? "an array" : typeof grad}`);
      return runBackward(this, null, grad);
    }
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
  /**
   * A tensor sharing this one's data, cut from the graph.
   * @example const target = net.forward(x).detach();  // a fixed target: no gradient flows into net through it
   */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }
  /**
   * A copy with its own storage that stays in the graph: gradients flow back to this tensor (torch.clone).
   * @example const a = tg.tensor([1, 2]); const b = a.clone(); b.add_(1); a  // [1, 2] (the clone has its own storage)
   */
  clone(): Tensor {
    return ops.clone(this);
  }
  /**
   * This tensor when contiguous, else a row-major copy (torch's contiguous()).
   * @example tg.zeros([2, 3]).transpose(0, 1).contiguous().isContiguous  // true
   */
  contiguous(): Tensor {
    return this.isContiguous ? this : ops.contiguous(this);
  }
  /**
   * This tensor converted to `dtype` (itself when it already has it); casting to int32 truncates toward
   * zero (torch's to(dtype)).
   * @example tg.tensor([1.7, -1.7]).to("int32")  // [1, -1], int32
   */
  to(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  /**
   * Converted to float32 (torch's float()).
   * @example tg.tensor([1, 2], { dtype: "int32" }).float().dtype  // "float32"
   */
  float(): Tensor {
    return ops.cast(this, "float32");
  }
  /**
   * Converted to int32, truncating toward zero (torch's int(), which gives int32 too).
   * @example tg.tensor([2.9]).int()  // [2], int32
   */
  int(): Tensor {
    return ops.cast(this, "int32");
  }
  /**
   * Converted to float64 (torch's double()).
   * @example tg.tensor([0.1]).double().dtype  // "float64"
   */
  double(): Tensor {
    return ops.cast(this, "float64");
  }
  /**
   * Converted to float16, each value rounded to nearest-even as torch's half(); values beyond ±65504
   * become ±inf. Held in float32 memory; ops on it compute and return float32. On WebGPU a DTypeError
   * (the rounding runs on the CPU).
   * @example tg.tensor([1 / 3, 70000]).half()  // [0.33325, Infinity], float16 (65504 is float16's largest)
   */
  half(): Tensor {
    return ops.cast(this, "float16");
  }
  /**
   * Converted to bfloat16 (8-bit mantissa, float32's range), rounded to nearest-even as torch's bfloat16(); see half().
   * @example tg.tensor([1.00390625, 3.14159]).bfloat16()  // [1, 3.1406], bfloat16 (8 bits of mantissa)
   */
  bfloat16(): Tensor {
    return ops.cast(this, "bfloat16");
  }
  /**
   * Converted to bool: true where non-zero (NaN included), as torch's bool().
   * @example tg.tensor([0, 0.5, NaN]).bool().toArray()  // [false, true, true]
   */
  bool(): Tensor {
    return ops.cast(this, "bool");
  }
  /**
   * A tensor of ones with this tensor's shape and dtype (torch.ones_like).
   * @example tg.zeros([2, 3], { dtype: "int32" }).onesLike()  // [[1, 1, 1], [1, 1, 1]], int32
   */
  onesLike(): Tensor {
    return ops.fullLike(this, 1);
  }
  /**
   * A tensor of zeros with this tensor's shape and dtype (torch.zeros_like).
   * @example tg.ones([2, 2]).zerosLike()  // [[0, 0], [0, 0]]
   */
  zerosLike(): Tensor {
    return ops.fullLike(this, 0);
  }

  // ---- element-wise ----
  /**
   * this + alpha·o, element-wise with NumPy broadcasting (torch.add); `o` may be a plain number.
   *
   * float beats int in the result dtype; a plain number keeps an int32 tensor int32 only if it is an
   * integer.
   * @example
   * ```ts
   * tg.tensor([[1], [2]]).add(tg.tensor([10, 20])).toArray(); // [[11, 21], [12, 22]]
   * tg.tensor([1, 2]).add(1, { alpha: 3 }).toArray();         // [4, 5]
   * ```
   */
  add(o: Operand, opts?: ops.AlphaOptions): Tensor {
    return ops.add(this, o, opts);
  }
  /**
   * this - alpha·o, element-wise with broadcasting (torch.sub); `o` may be a number.
   * @example tg.tensor([10, 20]).sub(tg.tensor([1, 2]), { alpha: 5 })  // [5, 10] (10 - 5·1, 20 - 5·2)
   */
  sub(o: Operand, opts?: ops.AlphaOptions): Tensor {
    return ops.sub(this, o, opts);
  }
  /**
   * this · o, element-wise with broadcasting (torch.mul); `o` may be a number.
   * @example tg.tensor([[1, 2], [3, 4]]).mul(tg.tensor([10, 100]))  // [[10, 200], [30, 400]] (broadcast over the rows)
   */
  mul(o: Operand): Tensor {
    return ops.mul(this, o);
  }
  /**
   * this / o, element-wise with broadcasting (true division: two int32 operands give float32, as
   * torch.div).
   * With `{ roundingMode: "floor" | "trunc" }` the quotient is rounded, int32 for two integer operands.
   * @example tg.tensor([1, 3], { dtype: "int32" }).div(2)  // [0.5, 1.5] (int32 / int32 is float32)
   */
  div(o: Operand, opts?: ops.DivOptions): Tensor {
    return opts === undefined ? ops.div(this, o) : ops.divide(this, o, opts);
  }
  /**
   * this raised to the power `o`, element-wise with broadcasting (torch.pow); `x.pow(2)` squares.
   * @example tg.tensor([1, 2, 3]).pow(2)  // [1, 4, 9]
   */
  pow(o: Operand): Tensor {
    return ops.pow(this, o);
  }
  /**
   * The element-wise larger of this and `o`, broadcasting; ties split the gradient (torch.maximum).
   * @example tg.tensor([1, 5, 3]).maximum(tg.tensor([4, 2, 3]))  // [4, 5, 3]
   */
  maximum(o: Operand): Tensor {
    return ops.maximum(this, o);
  }
  /**
   * The element-wise smaller of this and `o`, broadcasting; ties split the gradient (torch.minimum).
   * @example tg.tensor([1, 5, 3]).minimum(2)  // [1, 2, 2]
   */
  minimum(o: Operand): Tensor {
    return ops.minimum(this, o);
  }
  /**
   * true where this == o, broadcasting; a bool tensor (torch.eq).
   * @example tg.tensor([1, 2, 3]).eq(tg.tensor([1, 0, 3]))  // [true, false, true], bool
   */
  eq(o: Operand): Tensor {
    return ops.eq(this, o);
  }
  /**
   * true where this != o, broadcasting; a bool tensor (torch.ne).
   * @example tg.tensor([1, 2, 3]).ne(2)  // [true, false, true], bool
   */
  ne(o: Operand): Tensor {
    return ops.ne(this, o);
  }
  /**
   * true where this > o, broadcasting; a bool tensor (torch.gt).
   * @example tg.tensor([1, 2, 3]).gt(2)  // [false, false, true], bool
   */
  gt(o: Operand): Tensor {
    return ops.gt(this, o);
  }
  /**
   * true where this < o, broadcasting; a bool tensor (torch.lt).
   * @example tg.tensor([1, 2, 3]).lt(2)  // [true, false, false], bool
   */
  lt(o: Operand): Tensor {
    return ops.lt(this, o);
  }
  /**
   * true where this >= o, broadcasting; a bool tensor (torch.ge).
   * @example tg.tensor([1, 2, 3]).ge(2)  // [false, true, true], bool
   */
  ge(o: Operand): Tensor {
    return ops.ge(this, o);
  }
  /**
   * true where this <= o, broadcasting; a bool tensor (torch.le).
   * @example tg.tensor([1, 2, 3]).le(2)  // [true, true, false], bool
   */
  le(o: Operand): Tensor {
    return ops.le(this, o);
  }
  /**
   * -this, element-wise (torch.neg); keeps the dtype.
   * @example tg.tensor([1, -2]).neg()  // [-1, 2]
   */
  neg(): Tensor {
    return ops.neg(this);
  }
  /**
   * e^x element-wise (torch.exp); int32 input gives float32.
   * @example tg.tensor([0, 1]).exp()  // [1, 2.7183]
   */
  exp(): Tensor {
    return ops.exp(this);
  }
  /**
   * e^x - 1, accurate for small x (torch.expm1).
   * @example tg.tensor([0, 1e-7]).expm1()  // [0, 1e-7] (exp(x) - 1 in float32 gives 1.1921e-7)
   */
  expm1(): Tensor {
    return ops.expm1(this);
  }
  /**
   * Natural logarithm element-wise; -inf at 0, NaN below (torch.log).
   * @example tg.tensor([1, Math.E, 0]).log()  // [0, 1, -Infinity]
   */
  log(): Tensor {
    return ops.log(this);
  }
  /**
   * log(1 + x), accurate for small x (torch.log1p).
   * @example tg.tensor([0, 1e-7]).log1p()  // [0, 1e-7] (log(1 + x) in float32 gives 1.1921e-7)
   */
  log1p(): Tensor {
    return ops.log1p(this);
  }
  /**
   * Square root element-wise; NaN for negative inputs (torch.sqrt).
   * @example tg.tensor([4, 2]).sqrt()  // [2, 1.4142]
   */
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  /**
   * this · this (torch.square; a bool tensor gives its 0/1 as int32, where torch gives int64).
   * @example tg.tensor([-2, 3]).square()  // [4, 9]
   */
  square(): Tensor {
    return this.dtype === "bool" ? ops.cast(this, "int32") : ops.mul(this, this);
  }
  /**
   * |x| element-wise, keeping the dtype; gradient sign(x), 0 at 0 (torch.abs).
   * @example tg.tensor([-1.5, 0, 2]).abs()  // [1.5, 0, 2]
   */
  abs(): Tensor {
    return ops.abs(this);
  }
  /**
   * -1, 0 or 1 by the sign of each element; its gradient is zero (torch.sign).
   * @example tg.tensor([-3, 0, 2]).sign()  // [-1, 0, 1]
   */
  sign(): Tensor {
    return ops.sign(this);
  }
  /**
   * Sine element-wise, in radians (torch.sin).
   * @example tg.tensor([0, Math.PI / 2]).sin()  // [0, 1]
   */
  sin(): Tensor {
    return ops.sin(this);
  }
  /**
   * Cosine element-wise, in radians (torch.cos).
   * @example tg.tensor([0, Math.PI]).cos()  // [1, -1]
   */
  cos(): Tensor {
    return ops.cos(this);
  }
  /**
   * Hyperbolic tangent element-wise, in (-1, 1) (torch.tanh).
   * @example tg.tensor([0, 1]).tanh()  // [0, 0.76159]
   */
  tanh(): Tensor {
    return ops.tanh(this);
  }
  /**
   * Logistic function 1 / (1 + e^-x) element-wise, in (0, 1) (torch.sigmoid).
   * @example tg.tensor([0, 2]).sigmoid()  // [0.5, 0.8808]
   */
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  /**
   * The Gauss error function element-wise (torch.erf).
   * @example tg.tensor([0, 1]).erf()  // [0, 0.8427]
   */
  erf(): Tensor {
    return ops.erf(this);
  }
  /**
   * max(x, 0) element-wise; the gradient at 0 is 0, as torch.relu.
   * @example tg.tensor([-1, 0, 2]).relu()  // [0, 0, 2]
   */
  relu(): Tensor {
    return ops.relu(this);
  }
  /**
   * x for x > 0, slope·x otherwise (torch's leaky_relu, negative_slope = 0.01).
   * @example tg.tensor([-10, 0, 5]).leakyRelu()  // [-0.1, 0, 5] (negative slope 0.01)
   */
  leakyRelu(slope = 0.01): Tensor {
    return ops.leakyRelu(this, slope);
  }
  /**
   * x·Φ(x) with the exact erf form, or the tanh approximation with `{ approximate: "tanh" }` (torch's
   * gelu).
   * @example tg.tensor([-1, 0, 1]).gelu()  // [-0.15866, 0, 0.84134] (the exact erf form)
   */
  gelu(opts?: { approximate?: "none" | "tanh" }): Tensor {
    return ops.gelu(this, opts);
  }
  /**
   * x for x > 0, alpha·(e^x - 1) otherwise (torch's elu, alpha = 1).
   * @example tg.tensor([-1, 0, 2]).elu()  // [-0.63212, 0, 2]
   */
  elu(alpha = 1): Tensor {
    return ops.elu(this, alpha);
  }
  /**
   * log(1 + e^(beta·x)) / beta, and x itself where beta·x > threshold (torch's softplus: beta 1, threshold
   * 20).
   * @example tg.tensor([0, 30]).softplus()  // [0.69315, 30] (x itself above the threshold 20)
   */
  softplus(opts?: { beta?: number; threshold?: number }): Tensor {
    return ops.softplus(this, opts);
  }
  /**
   * x·sigmoid(x), also called swish (torch's silu).
   * @example tg.tensor([0, 1]).silu()  // [0, 0.73106]
   */
  silu(): Tensor {
    return ops.silu(this);
  }
  /**
   * Each element limited to [min, max] (either bound may be null or omitted); the gradient passes inside
   * the range (torch.clamp).
   * @example tg.tensor([-2, 0.5, 3]).clamp(0, 1)  // [0, 0.5, 1]
   */
  clamp(min?: number | null, max?: number | null): Tensor {
    return ops.clamp(this, min, max);
  }
  /**
   * Largest integer ≤ x, element-wise (torch.floor); gradient 0.
   * @example tg.tensor([-1.5, 0.2, 2]).floor()  // [-2, 0, 2]
   */
  floor(): Tensor {
    return ops.floor(this);
  }
  /**
   * Smallest integer ≥ x, element-wise (torch.ceil); gradient 0.
   * @example tg.tensor([-1.5, 0.2, 2]).ceil()  // [-1, 1, 2]
   */
  ceil(): Tensor {
    return ops.ceil(this);
  }
  /**
   * Rounds halves to even, as torch.round.
   * @example tg.tensor([0.5, 1.5, 2.5, -0.5]).round()  // [0, 2, 2, -0] (halves to even)
   */
  round(): Tensor {
    return ops.round(this);
  }
  /**
   * x rounded toward zero, element-wise (torch.trunc); gradient 0.
   * @example tg.tensor([-1.7, 1.7]).trunc()  // [-1, 1]
   */
  trunc(): Tensor {
    return ops.trunc(this);
  }
  /**
   * x - trunc(x): the fractional part with x's sign (torch.frac).
   * @example tg.tensor([-1.5, 2.25]).frac()  // [-0.5, 0.25]
   */
  frac(): Tensor {
    return ops.frac(this);
  }
  /**
   * 1 / x element-wise (torch.reciprocal).
   * @example tg.tensor([2, 0.5, 0]).reciprocal()  // [0.5, 2, Infinity]
   */
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  /**
   * 1 / √x element-wise (torch.rsqrt).
   * @example tg.tensor([4, 0.25]).rsqrt()  // [0.5, 2]
   */
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  /**
   * Tangent element-wise, in radians (torch.tan).
   * @example tg.tensor([0, Math.PI / 4]).tan()  // [0, 1]
   */
  tan(): Tensor {
    return ops.tan(this);
  }
  /**
   * Arcsine element-wise; NaN outside [-1, 1] (torch.asin).
   * @example tg.tensor([0, 1]).asin()  // [0, 1.5708]
   */
  asin(): Tensor {
    return ops.asin(this);
  }
  /**
   * Arccosine element-wise; NaN outside [-1, 1] (torch.acos).
   * @example tg.tensor([1, 0, -1]).acos()  // [0, 1.5708, 3.1416]
   */
  acos(): Tensor {
    return ops.acos(this);
  }
  /**
   * Arctangent element-wise (torch.atan).
   * @example tg.tensor([0, 1]).atan()  // [0, 0.7854]
   */
  atan(): Tensor {
    return ops.atan(this);
  }
  /**
   * Hyperbolic sine element-wise (torch.sinh).
   * @example tg.tensor([0, 1]).sinh()  // [0, 1.1752]
   */
  sinh(): Tensor {
    return ops.sinh(this);
  }
  /**
   * Hyperbolic cosine element-wise (torch.cosh).
   * @example tg.tensor([0, 1]).cosh()  // [1, 1.5431]
   */
  cosh(): Tensor {
    return ops.cosh(this);
  }
  /**
   * Inverse hyperbolic sine element-wise (torch.asinh).
   * @example tg.tensor([0, 1]).asinh()  // [0, 0.88137]
   */
  asinh(): Tensor {
    return ops.asinh(this);
  }
  /**
   * Inverse hyperbolic tangent element-wise; ±inf at ±1 (torch.atanh).
   * @example tg.tensor([0, 0.5]).atanh()  // [0, 0.54931]
   */
  atanh(): Tensor {
    return ops.atanh(this);
  }
  /**
   * Base-2 logarithm element-wise (torch.log2).
   * @example tg.tensor([1, 8]).log2()  // [0, 3]
   */
  log2(): Tensor {
    return ops.log2(this);
  }
  /**
   * Base-10 logarithm element-wise (torch.log10).
   * @example tg.tensor([1, 100]).log10()  // [0, 2]
   */
  log10(): Tensor {
    return ops.log10(this);
  }
  /**
   * 2^x element-wise (torch.exp2).
   * @example tg.tensor([0, 3, -1]).exp2()  // [1, 8, 0.5]
   */
  exp2(): Tensor {
    return ops.exp2(this);
  }
  /**
   * log(p / (1 - p)), the inverse of sigmoid; with `eps`, p is first clamped to [eps, 1 - eps]
   * (torch.logit).
   * @example tg.tensor([0.5, 0.75]).logit()  // [0, 1.0986] (the inverse of sigmoid)
   */
  logit(eps: number | null = null): Tensor {
    return ops.logit(this, eps);
  }
  /**
   * this - floor(this / o)·o: the remainder with the divisor's sign, as Python's % (torch.remainder).
   * @example tg.tensor([5, -5]).remainder(3)  // [2, 1] (the divisor's sign, as Python's %)
   */
  remainder(o: Operand): Tensor {
    return ops.remainder(this, o);
  }
  /**
   * this + weight·(end - this): linear interpolation toward `end` (torch.lerp).
   * @example tg.tensor([0, 10]).lerp(tg.tensor([10, 20]), 0.25)  // [2.5, 12.5]
   */
  lerp(end: Tensor, weight: Operand): Tensor {
    return ops.lerp(this, end, weight);
  }
  /**
   * this + value·t1·t2, broadcasting (torch.addcmul; value defaults to 1).
   * @example tg.tensor([1, 1]).addcmul(tg.tensor([2, 3]), tg.tensor([4, 5]), { value: 0.5 })  // [5, 8.5] (1 + 0.5·2·4, 1 + 0.5·3·5)
   */
  addcmul(t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor {
    return ops.addcmul(this, t1, t2, opts);
  }
  /**
   * true where the element is NaN; a bool tensor (torch.isnan).
   * @example tg.tensor([1, Infinity, NaN]).isnan()  // [false, false, true], bool
   */
  isnan(): Tensor {
    return ops.isnan(this);
  }
  /**
   * true where the element is +inf or -inf; a bool tensor (torch.isinf).
   * @example tg.tensor([1, -Infinity, NaN]).isinf()  // [false, true, false], bool
   */
  isinf(): Tensor {
    return ops.isinf(this);
  }
  /**
   * true where the element is neither NaN nor infinite; a bool tensor (torch.isfinite).
   * @example tg.tensor([1, Infinity, NaN]).isfinite()  // [true, false, false], bool
   */
  isfinite(): Tensor {
    return ops.isfinite(this);
  }
  /**
   * true where this is zero; a bool tensor (torch's logical_not, `~mask`).
   * @example tg.tensor([0, 2, 0]).logicalNot()  // [true, false, true], bool
   */
  logicalNot(): Tensor {
    return ops.logicalNot(this);
  }
  /**
   * true where this and `o` are both non-zero; a bool tensor (torch's logical_and, `a & b` on masks).
   * @example tg.tensor([true, true, false]).logicalAnd(tg.tensor([true, false, false]))  // [true, false, false], bool
   */
  logicalAnd(o: Tensor): Tensor {
    return ops.logicalAnd(this, o);
  }
  /**
   * true where this or `o` is non-zero; a bool tensor (torch's logical_or, `a | b` on masks).
   * @example tg.tensor([true, false, false]).logicalOr(tg.tensor([false, false, true]))  // [true, false, true], bool
   */
  logicalOr(o: Tensor): Tensor {
    return ops.logicalOr(this, o);
  }
  /**
   * true where exactly one of this and `o` is non-zero; a bool tensor (torch's logical_xor).
   * @example tg.tensor([true, true, false]).logicalXor(tg.tensor([true, false, false]))  // [false, true, false], bool
   */
  logicalXor(o: Tensor): Tensor {
    return ops.logicalXor(this, o);
  }
  /**
   * NaN, +inf and -inf replaced by finite numbers (0 and the dtype's extremes unless given;
   * torch.nan_to_num).
   * @example tg.tensor([NaN, Infinity, -1]).nanToNum({ nan: 0, posinf: 1e6 })  // [0, 1000000, -1]
   */
  nanToNum(opts?: ops.NanToNumOptions): Tensor {
    return ops.nanToNum(this, opts);
  }
  /**
   * A copy with `value` wherever the bool `mask` (broadcast to this shape) is true (torch's
   * masked_fill; another mask dtype is a DTypeError, as in torch).
   * @example tg.tensor([1, 2, 3]).maskedFill(tg.tensor([false, true, false]), -1)  // [1, -1, 3]
   */
  maskedFill(mask: Tensor, value: number): Tensor {
    return ops.maskedFill(this, mask, value);
  }
  /**
   * The elements where the bool `mask` (broadcast with this) is true, as a 1-D tensor (torch's masked_select).
   * @example tg.tensor([[1, 2], [3, 4]]).maskedSelect(tg.tensor([[true, false], [false, true]]))  // [1, 4]
   */
  maskedSelect(mask: Tensor): Tensor {
    return ops.maskedSelect(this, mask);
  }

  // ---- in place (torch's trailing underscore): allowed under noGrad for tensors that require grad ----
  /** this += alpha·o in place; returns this. @example tg.noGrad(() => w.sub_(w.grad!.mul(lr))) */
  add_(o: Operand, opts?: ops.AlphaOptions): this {
    return inplace.add_(this, o, opts) as this;
  }
  /**
   * this -= alpha·o in place; returns this (torch's sub_). Under noGrad for tensors that require grad.
   * @example tg.noGrad(() => w.sub_(w.grad!, { alpha: lr }));  // w ← w − lr·∇w
   */
  sub_(o: Operand, opts?: ops.AlphaOptions): this {
    return inplace.sub_(this, o, opts) as this;
  }
  /**
   * this *= o in place; returns this (torch's mul_).
   * @example tg.tensor([1, 2]).mul_(10)  // [10, 20], the same tensor
   */
  mul_(o: Operand): this {
    return inplace.mul_(this, o) as this;
  }
  /**
   * this /= o in place; returns this (torch's div_).
   * @example tg.tensor([1, 2]).div_(2)  // [0.5, 1], the same tensor
   */
  div_(o: Operand): this {
    return inplace.div_(this, o) as this;
  }
  /**
   * Copies `src` (broadcast, converted to this dtype) into this tensor.
   * @example tg.zeros([2, 2]).copy_(tg.tensor([1, 2]))  // [[1, 2], [1, 2]] (broadcast)
   */
  copy_(src: Tensor): this {
    return inplace.copy_(this, src) as this;
  }
  /**
   * Sets every element to `value` in place; returns this (torch's fill_).
   * @example tg.zeros([3]).fill_(7)  // [7, 7, 7]
   */
  fill_(value: number): this {
    return inplace.fill_(this, value) as this;
  }
  /**
   * Sets every element to 0 in place; returns this (torch's zero_).
   * @example tg.ones([2]).zero_()  // [0, 0]
   */
  zero_(): this {
    return inplace.zero_(this) as this;
  }
  /**
   * Clamps every element to [min, max] in place; returns this (torch's clamp_).
   * @example tg.tensor([-2, 0.5, 3]).clamp_(0, 1)  // [0, 0.5, 1]
   */
  clamp_(min?: number | null, max?: number | null): this {
    return inplace.clamp_(this, min, max) as this;
  }
  /**
   * How many times this tensor's storage was changed in place (torch's _version).
   * @example const w = tg.zeros([2]); w.add_(1); w.mul_(3); w.version  // 2 (one bump per in-place write)
   */
  get version(): number {
    return versionOf(this);
  }

  // ---- reductions ----
  /**
   * Sum over `dim` (a number, a list, negative from the end; all elements when absent), the reduced dims
   * dropped unless `keepdim` (torch.sum). int32 sums stay int32.
   * @example
   * ```ts
   * const x = tg.tensor([[1, 2, 3], [4, 5, 6]]);
   * x.sum().item();             // 21
   * x.sum(0).toArray();         // [5, 7, 9]
   * x.sum(-1, true).shape;      // [2, 1]
   * ```
   */
  sum(dim?: Dims, keepdim = false): Tensor {
    return ops.sum(this, dim, keepdim);
  }
  /**
   * Mean over `dim` (all elements when absent), keepdim as sum (torch.mean). Floating-point tensors only
   * (a DTypeError for int32).
   * @example tg.tensor([[1, 2], [3, 4]]).mean(0)  // [2, 3]
   */
  mean(dim?: Dims, keepdim = false): Tensor {
    return ops.mean(this, dim, keepdim);
  }
  /**
   * Maximum values over `dim` (all elements when absent). Unlike torch.max(dim), which returns (values,
   * indices), this returns the values only: use argmax for the indices.
   * @example tg.tensor([[1, 9, 3], [7, 2, 7]]).max(1)  // [9, 7] (values only; argmax(1) gives the indices)
   */
  max(dim?: Dims, keepdim = false): Tensor {
    return ops.max(this, dim, keepdim);
  }
  /**
   * Minimum values over `dim` (all elements when absent); the values only, use argmin for the indices
   * (torch.min returns both).
   * @example tg.tensor([[1, 9, 3], [7, 2, 7]]).min(1, true)  // [[1], [2]] (keepdim)
   */
  min(dim?: Dims, keepdim = false): Tensor {
    return ops.min(this, dim, keepdim);
  }
  /**
   * Maximum over one or more dims, the gradient split evenly among ties (torch.amax).
   * @example tg.tensor([[1, 5], [7, 2]]).amax([0, 1])  // 7 (over both dims)
   */
  amax(dim?: Dims, keepdim = false): Tensor {
    return ops.amax(this, dim, keepdim);
  }
  /**
   * Minimum over one or more dims, the gradient split evenly among ties (torch.amin).
   * @example tg.tensor([[1, 5], [7, 2]]).amin(0)  // [1, 2]
   */
  amin(dim?: Dims, keepdim = false): Tensor {
    return ops.amin(this, dim, keepdim);
  }
  /**
   * Index (int32) of the first maximum along `dim`, or into the flattened tensor when `dim` is absent
   * (torch.argmax).
   * @example tg.tensor([[1, 9, 3], [7, 2, 7]]).argmax(1)  // [1, 0], int32
   */
  argmax(dim?: number, keepdim = false): Tensor {
    return ops.argmax(this, dim, keepdim);
  }
  /**
   * [values, indices] sorted along `dim` (stable), as torch.sort gives them.
   * @example const [values, indices] = tg.tensor([3, 1, 2]).sort(-1, true); indices  // [0, 2, 1], int32 (values [3, 2, 1])
   */
  sort(dim = -1, descending = false): [Tensor, Tensor] {
    return ops.sort(this, dim, descending);
  }
  /**
   * Indices (int32) that sort the tensor along `dim` (default the last), stable; NaN sorts last ascending
   * (torch.argsort).
   * @example tg.tensor([3, 1, 2]).argsort()  // [1, 2, 0], int32
   */
  argsort(dim = -1, descending = false): Tensor {
    return ops.argsort(this, dim, descending);
  }
  /**
   * [values, indices] of the k largest (or smallest) along `dim`, as torch.topk gives them.
   * @example const [values, indices] = tg.tensor([1, 9, 3, 7]).topk(2); values  // [9, 7] (indices [1, 3], int32)
   */
  topk(k: number, dim = -1, largest = true): [Tensor, Tensor] {
    return ops.topk(this, k, dim, largest);
  }
  /**
   * Running sum along `dim`, same shape (torch.cumsum).
   * @example tg.tensor([[1, 2, 3], [4, 5, 6]]).cumsum(1)  // [[1, 3, 6], [4, 9, 15]]
   */
  cumsum(dim: number): Tensor {
    return ops.cumsum(this, dim);
  }
  /**
   * Running products along `dim` (torch's cumprod).
   * @example tg.tensor([1, 2, 3, 4]).cumprod(0)  // [1, 2, 6, 24]
   */
  cumprod(dim: number): Tensor {
    return ops.cumprod(this, dim);
  }
  /**
   * The product of all elements, or along `dim` (torch's prod).
   * @example tg.tensor([[1, 2], [3, 4]]).prod(1)  // [2, 12]
   */
  prod(dim?: number, keepdim = false): Tensor {
    return ops.prod(this, dim, keepdim);
  }
  /**
   * 1 with probability p for each element p of this tensor, else 0 (torch's bernoulli).
   * @example tg.tensor([0, 1, 1, 0]).bernoulli()  // [0, 1, 1, 0] (each element is its own probability)
   */
  bernoulli(): Tensor {
    return ops.bernoulli(this);
  }
  /**
   * Category indices drawn in proportion to this tensor's weights (torch's multinomial).
   * @example tg.tensor([0, 0, 1, 0]).multinomial(3, { replacement: true })  // [2, 2, 2], int32 (all the weight is on index 2)
   */
  multinomial(numSamples: number, opts?: ops.MultinomialOptions): Tensor {
    return ops.multinomial(this, numSamples, opts);
  }
  /**
   * Whether any element over `dim` is non-zero (all elements when absent); a bool tensor (torch.any).
   * @example tg.tensor([[0, 0], [0, 3]]).any(1)  // [false, true], bool
   */
  any(dim?: Dims, keepdim = false): Tensor {
    return ops.any(this, dim, keepdim);
  }
  /**
   * Whether every element over `dim` is non-zero (all elements when absent); a bool tensor (torch.all).
   * @example tg.tensor([[1, 0], [2, 3]]).all(1)  // [false, true], bool
   */
  all(dim?: Dims, keepdim = false): Tensor {
    return ops.all(this, dim, keepdim);
  }
  /**
   * Index (int32) of the first minimum along `dim`, or into the flattened tensor when `dim` is absent
   * (torch.argmin).
   * @example tg.tensor([[1, 9, 3], [7, 2, 7]]).argmin(1)  // [0, 1], int32
   */
  argmin(dim?: number, keepdim = false): Tensor {
    return ops.argmin(this, dim, keepdim);
  }
  /**
   * log Σ exp(x) over `dim`, computed stably with the maximum taken out first (torch.logsumexp).
   * @example tg.tensor([[1, 2, 3], [1000, 1000, 1000]]).logsumexp(1)  // [3.4076, 1001.0986] (stable where exp overflows)
   */
  logsumexp(dim: Dims, keepdim = false): Tensor {
    return ops.logsumexp(this, dim, keepdim);
  }
  /**
   * Variance (unbiased by default); the second argument is keepdim or `{ correction, unbiased, keepdim }`.
   * @example tg.tensor([1, 2, 3, 4]).var()  // 1.6667 (unbiased: divides by n - 1)
   */
  var(dim?: Dims, keepdim: boolean | ops.VarianceOptions = false): Tensor {
    return ops.variance(this, dim, keepdim);
  }
  /**
   * Standard deviation over `dim`, unbiased by default; the second argument is keepdim or `{ correction,
   * unbiased, keepdim }` (torch.std).
   * @example tg.tensor([1, 2, 3, 4]).std()  // 1.291 (unbiased: divides by n - 1)
   */
  std(dim?: Dims, keepdim: boolean | ops.VarianceOptions = false): Tensor {
    return ops.std(this, dim, keepdim);
  }
  /**
   * The p-norm (2 by default) over `dim`, or over all elements (torch's norm).
   * @example tg.tensor([[3, 4], [6, 8]]).norm(2, 1)  // [5, 10] (the 2-norm of each row)
   */
  norm(p: number | "fro" = 2, dim?: Dims, keepdim = false): Tensor {
    return ops.norm(this, p, dim, keepdim);
  }

  // ---- linear algebra ----
  /**
   * Matrix product with torch.matmul's rules: 1-D·1-D is a dot product, 2-D·2-D a matrix product, and N-D
   * operands are batches of matrices whose leading dims broadcast ([b, n, k]·[k, m] → [b, n, m]).
   * @example
   * ```ts
   * const a = tg.randn([4, 2, 3]), b = tg.randn([3, 5]);
   * a.matmul(b).shape; // [4, 2, 5]
   * ```
   */
  matmul(o: Tensor): Tensor {
    return ops.matmul(this, o);
  }
  /**
   * Product of two 2-D matrices [n, k]·[k, m] → [n, m], no broadcasting (torch.mm).
   * @example tg.tensor([[1, 2], [3, 4]]).mm(tg.tensor([[1], [1]]))  // [[3], [7]]
   */
  mm(o: Tensor): Tensor {
    return ops.mm(this, o);
  }
  /**
   * Batched product [B, n, k]·[B, k, m] → [B, n, m], batch sizes equal (torch.bmm).
   * @example tg.ones([4, 2, 3]).bmm(tg.ones([4, 3, 5])).shape  // [4, 2, 5]
   */
  bmm(o: Tensor): Tensor {
    return ops.bmm(this, o);
  }
  /**
   * Σ a·b of two 1-D tensors of one length, a 0-d tensor (torch.dot).
   * @example tg.tensor([1, 2, 3]).dot(tg.tensor([4, 5, 6]))  // 32
   */
  dot(o: Tensor): Tensor {
    return ops.dot(this, o);
  }
  /**
   * Outer product of two 1-D tensors: [n] and [m] give [n, m] (torch.outer).
   * @example tg.tensor([1, 2]).outer(tg.tensor([1, 10, 100]))  // [[1, 10, 100], [2, 20, 200]]
   */
  outer(o: Tensor): Tensor {
    return ops.outer(this, o);
  }
  /**
   * The last two dims swapped (torch's .mT).
   * @example tg.zeros([5, 2, 3]).mT.shape  // [5, 3, 2]
   */
  get mT(): Tensor {
    return ops.mT(this);
  }
  /**
   * For a 1-D tensor, a square matrix with it on diagonal `k`; for a 2-D one, its diagonal `k` as 1-D
   * (torch.diag).
   * @example tg.tensor([1, 2]).diag()  // [[1, 0], [0, 2]]
   */
  diag(k = 0): Tensor {
    return ops.diag(this, k);
  }
  /**
   * Sum of the main diagonal of a 2-D tensor, a 0-d tensor (torch.trace).
   * @example tg.tensor([[1, 2], [3, 4]]).trace()  // 5
   */
  trace(): Tensor {
    return ops.trace(this);
  }
  /**
   * The lower triangle (on and below diagonal `k`) of the last two dims, the rest 0 (torch.tril).
   * @example tg.ones([3, 3]).tril()  // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
   */
  tril(k = 0): Tensor {
    return ops.tril(this, k);
  }
  /**
   * The upper triangle (on and above diagonal `k`) of the last two dims, the rest 0 (torch.triu).
   * @example tg.ones([3, 3]).triu(1)  // [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
   */
  triu(k = 0): Tensor {
    return ops.triu(this, k);
  }

  // ---- shape ----
  /**
   * The same elements in a new shape (one dim may be -1, inferred); a view when the layout allows, else a
   * copy (torch.reshape).
   * @example
   * ```ts
   * tg.arange(6).reshape([2, -1]).shape; // [2, 3]
   * ```
   */
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  /**
   * Like reshape, but never copies: a ShapeError when the strides do not allow a view (torch.view).
   * @example tg.arange(6).view([3, 2]).shape  // [3, 2] (shares memory; a ShapeError when the strides cannot be kept)
   */
  view(shape: readonly number[]): Tensor {
    return ops.view(this, shape);
  }
  /**
   * Dims startDim…endDim merged into one (all dims by default, giving 1-D) (torch.flatten).
   * @example tg.zeros([2, 3, 4]).flatten(1).shape  // [2, 12]
   */
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  /**
   * Size-1 dims removed: all of them, or only the given ones that have size 1 (torch.squeeze).
   * @example tg.zeros([2, 1, 3, 1]).squeeze(1).shape  // [2, 3, 1]
   */
  squeeze(dim?: Dims): Tensor {
    return ops.squeeze(this, dim);
  }
  /**
   * A size-1 dim inserted at `dim` (negative counts from the end of the result) (torch.unsqueeze).
   * @example tg.zeros([2, 3]).unsqueeze(-1).shape  // [2, 3, 1]
   */
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  /**
   * A view with dims `dim0` and `dim1` swapped (torch.transpose).
   * @example tg.zeros([2, 3, 4]).transpose(0, 2).shape  // [4, 3, 2]
   */
  transpose(dim0: number, dim1: number): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  /**
   * A view with the dims reordered: the result's dim i is this tensor's dims[i] (torch.permute).
   * @example tg.zeros([2, 3, 4]).permute([2, 0, 1]).shape  // [4, 2, 3]
   */
  permute(dims: readonly number[]): Tensor {
    return ops.permute(this, dims);
  }
  /**
   * The transpose of a 2-D tensor (for other ranks, torch's reversed dims).
   * @example tg.tensor([[1, 2, 3], [4, 5, 6]]).T  // [[1, 4], [2, 5], [3, 6]]
   */
  get T(): Tensor {
    return ops.permute(this, reversedDims(this.ndim));
  }
  /**
   * A view broadcast to `shape` without copying; -1 keeps a dim's size, size-1 dims stretch
   * (torch.expand).
   * @example tg.tensor([[1], [2]]).expand([-1, 3])  // [[1, 1, 1], [2, 2, 2]] (a view: nothing copied)
   */
  expand(shape: readonly number[]): Tensor {
    return ops.expand(this, shape);
  }
  /**
   * expand(other.shape) (torch.expand_as).
   * @example tg.tensor([[1], [2]]).expandAs(tg.zeros([2, 3]))  // [[1, 1, 1], [2, 2, 2]]
   */
  expandAs(other: Tensor): Tensor {
    return ops.expand(this, other.shape);
  }
  /**
   * Elements start, start+step, … before end along `dim`, a view: Python slicing `x[start:end:step]` on
   * one dim (negative start/end count from the end).
   * @example tg.arange(10).slice(0, 1, 8, 3)  // [1, 4, 7] (x[1:8:3], a view)
   */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return ops.slice(this, dim, start, end, step);
  }
  /**
   * Values at `index` (int32, same rank) along `dim`: out[i][j] = this[index[i][j]][j] for dim 0
   * (torch.gather).
   * @example tg.tensor([[1, 2], [3, 4]]).gather(1, tg.tensor([[1], [0]], { dtype: "int32" }))  // [[2], [3]] (out[i][j] = x[i][index[i][j]])
   */
  gather(dim: number, index: Tensor): Tensor {
    return ops.gather(this, dim, index);
  }
  /**
   * The entries of a 1-D int32 `index` along `dim` (torch's index_select).
   * @example tg.tensor([[1, 2], [3, 4], [5, 6]]).indexSelect(0, tg.tensor([2, 0], { dtype: "int32" }))  // [[5, 6], [1, 2]]
   */
  indexSelect(dim: number, index: Tensor): Tensor {
    return ops.indexSelect(this, dim, index);
  }
  /**
   * The tensor tiled `reps[d]` times along each dim; extra leading reps add dims (torch's Tensor.repeat,
   * not numpy's).
   * @example tg.tensor([1, 2]).repeat([2, 2])  // [[1, 2, 1, 2], [1, 2, 1, 2]]
   */
  repeat(reps: readonly number[]): Tensor {
    return ops.repeat(this, reps);
  }
  /**
   * As repeat, with missing leading reps taken as 1 (torch.tile).
   * @example tg.tensor([1, 2]).tile([2])  // [1, 2, 1, 2]
   */
  tile(reps: readonly number[]): Tensor {
    return ops.tile(this, reps);
  }
  /**
   * Views along `dim`: pieces of `sizes` each (the last may be smaller), or of the listed sizes
   * (torch.split).
   * @example tg.arange(5).split([2, 3])  // [[0, 1], [2, 3, 4]] (two tensors)
   */
  split(sizes: number | readonly number[], dim = 0): Tensor[] {
    return ops.split(this, sizes, dim);
  }
  /**
   * `chunks` views of ceil(n / chunks) along `dim`, the last smaller (torch.chunk).
   * @example tg.arange(5).chunk(2)  // [[0, 1, 2], [3, 4]] (two tensors)
   */
  chunk(chunks: number, dim = 0): Tensor[] {
    return ops.chunk(this, chunks, dim);
  }
  /**
   * The slices along `dim`, that dim removed (torch.unbind).
   * @example tg.tensor([[1, 2], [3, 4]]).unbind(1)  // [[1, 3], [2, 4]] (the columns)
   */
  unbind(dim = 0): Tensor[] {
    return ops.unbind(this, dim);
  }
  /**
   * `length` elements of `dim` from `start`, a view (torch.narrow).
   * @example tg.arange(6).narrow(0, 2, 3)  // [2, 3, 4] (a view)
   */
  narrow(dim: number, start: number, length: number): Tensor {
    return ops.narrow(this, dim, start, length);
  }
  /**
   * Reversed along each of `dims` (torch.flip).
   * @example tg.tensor([[1, 2], [3, 4]]).flip(1)  // [[2, 1], [4, 3]]
   */
  flip(dims: number | readonly number[]): Tensor {
    return ops.flip(this, dims);
  }
  /**
   * Elements shifted by `shifts` along `dims`, wrapping around; with no dims, over the flattened tensor
   * (torch.roll).
   * @example tg.tensor([1, 2, 3, 4]).roll(1)  // [4, 1, 2, 3]
   */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return ops.roll(this, shifts, dims);
  }

  // ---- neural-network helpers ----
  /**
   * exp(x) / Σ exp(x) along `dim`, computed stably; rows sum to 1 (torch.softmax). `{ dtype }` casts the
   * input first.
   * @example
   * ```ts
   * tg.tensor([1, 2, 3]).softmax(0).toArray(); // [0.0900, 0.2447, 0.6652]
   * ```
   */
  softmax(dim: number, opts?: ops.SoftmaxOptions): Tensor {
    return ops.softmax(this, dim, opts);
  }
  /**
   * log(softmax(x)) along `dim`, exact for very large logits (torch's log_softmax).
   * @example tg.tensor([[1, 2, 3]]).logSoftmax(1)  // [[-2.4076, -1.4076, -0.40761]]
   */
  logSoftmax(dim: number, opts?: ops.SoftmaxOptions): Tensor {
    return ops.logSoftmax(this, dim, opts);
  }
  /**
   * Zeroes each element with probability `p` and scales the rest by 1 / (1 - p) when `training`; the
   * identity otherwise (torch's dropout).
   * @example tg.ones([4]).dropout(0.5, false)  // [1, 1, 1, 1] (not training: the identity)
   */
  dropout(p = 0.5, training = true): Tensor {
    return ops.dropout(this, p, training);
  }
}

/** A new contiguous tensor on `backend` holding `values`. */
// [n - 1, …, 0] for each rank `.T` has met: one shared array rather than one per call.
const REVERSED: (readonly number[])[] = [];
function reversedDims(n: number): readonly number[] {
  let dims = REVERSED[n];
  if (dims === undefined) {
    const d: number[] = [];
    for (let i = n - 1; i >= 0; i--) d.push(i);
    dims = Object.freeze(d);
    if (n < 64) REVERSED[n] = dims;
  }
  return dims;
}

function fromValues(backend: Backend, values: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  const storage = backend.alloc(
    values instanceof Int32Array ? "int32" : values instanceof Float64Array ? "float64" : "float32",
    values.length,
    false,
  );
  backend.write(storage, 0, values);
  // float16/bfloat16 values move as the float32 values they are held in, and stay tagged.
  if (dtype === "float16" || dtype === "bfloat16") tagHalf(storage, dtype);
  if (dtype === "bool") tagBool(storage);
  return new Tensor(storage, shape);
}
