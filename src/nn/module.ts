// nn.Module: the base of every layer and model. Parameters, buffers and child modules are registered
// explicitly under PyTorch's key spelling, or by assigning them to a field (as PyTorch's __setattr__).

import { castStateInPlace } from "./module-dtype.js";
import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";
import { noGrad } from "../autograd/grad-mode.js";
import { registeringFields } from "./field-registration.js";
import { checkOptions } from "../tensor/options.js";
import type { RemovableHandle } from "../autograd/hooks.js";
import {
  registerForwardHook,
  registerForwardPreHook,
  registerFullBackwardHook,
  type ForwardHook,
  type ForwardPreHook,
  type FullBackwardHook,
} from "./module-hooks.js";

/** Options of Module.loadStateDict. */
export interface LoadStateDictOptions {
  /** When true (the default), missing and unexpected keys are errors too, not only shape mismatches. */
  strict?: boolean;
}

/** What Module.loadStateDict did not match (both empty after a strict load). */
export interface LoadStateDictResult {
  /** Keys the module has that the record lacked (left unchanged). */
  missingKeys: string[];
  /** Keys in the record that the module does not have (ignored). */
  unexpectedKeys: string[];
}

interface BufferEntry {
  tensor: Tensor | null;
  persistent: boolean;
}

const forwardsKeepingNoActivation = new WeakSet<object>();

/**
 * Declares that a layer's `forward` keeps no reference to its input or its output: they reach
 * nothing but the returned tensor and the autograd graph (true of the built-in layers that call
 * this). Sequential lets backward free the activations between two such layers at once, as torch
 * frees them by reference count. A subclass that overrides forward without declaring the same is
 * assumed to keep them.
 * @example class Swish extends nn.Module {
 *   static { nn.keepsNoActivation(this.prototype.forward); }
 *   forward(x: Tensor) { return x.mul(x.sigmoid()); }
 * }
 */
export function keepsNoActivation(forward: object): void {
  forwardsKeepingNoActivation.add(forward);
}

/** Whether `m`'s forward was declared with keepsNoActivation. */
export function keepsNoActivationIn(m: Module): boolean {
  return forwardsKeepingNoActivation.has(m.forward);
}

/**
 * Base class of layers and models (torch.nn.Module). Subclasses implement `forward`; modules are
 * not callable, so call `model.forward(x)`. As in PyTorch, a field (or `this.x = …` anywhere) that
 * holds a Module, a Parameter or an array of Modules registers it under the field's name, in
 * assignment order; assigning a Parameter over a registered one shares it (weight tying), and
 * assigning a Tensor to a buffer's field replaces the buffer. `registerModule`/`registerParameter`/
 * `registerBuffer` register under another key (PyTorch's snake_case state-dict keys).
 * @example
 * class Net extends nn.Module {
 *   fc1 = new nn.Linear(4, 8);
 *   fc2 = new nn.Linear(8, 1);
 *   forward(x: Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 */
export abstract class Module {
  /** Train mode (the default) or eval mode; Dropout and BatchNorm behave differently. */
  training = true;
  private readonly _parameters = new Map<string, Parameter | null>();
  private readonly _buffers = new Map<string, BufferEntry>();
  private readonly _modules = new Map<string, Module | null>();
  // Field names that stand for a registration under another key (runningMean -> running_mean).
  private readonly _aliases = new Map<string, string>();

  constructor() {
    // Every field a subclass defines and every later assignment passes through this proxy, which
    // registers modules and parameters as PyTorch's __setattr__ does (see field-registration.ts).
    return registeringFields(this);
  }

  /**
   * The computation of the module, written by each subclass (PyTorch's forward). Modules are not
   * callable: call `model.forward(x)`.
   * @example const logits = model.forward(x);  // PyTorch: model(x)
   */
  abstract forward(...args: any[]): any;

  // ---- registration ----

  /**
   * Registers a parameter under `name` (its state-dict key, e.g. "weight") and returns it. A plain
   * tensor is wrapped in a Parameter sharing its storage; null records an absent parameter (bias=False).
   * @example this.scale = this.registerParameter("scale", tg.ones([dim]));  // key "scale" in stateDict()
   */
  registerParameter(name: string, value: Tensor): Parameter;
  registerParameter(name: string, value: Tensor | null): Parameter | null;
  registerParameter(name: string, value: Tensor | null): Parameter | null {
    this.checkName(name, this._parameters);
    const p = value === null || value instanceof Parameter ? value : new Parameter(value);
    this._parameters.set(name, p);
    return p;
  }

  /**
   * Registers a buffer: state that is saved and loaded but not trained (running statistics).
   * Non-persistent buffers are left out of the state dict.
   * @example this.registerBuffer("running_mean", tg.zeros([n]));  // saved and loaded, never trained
   */
  registerBuffer<T extends Tensor | null>(name: string, value: T, opts: { persistent?: boolean } = {}): T {
    checkOptions("registerBuffer", opts, ["persistent"]);
    const { persistent = true } = opts;
    this.checkName(name, this._buffers);
    this._buffers.set(name, { tensor: value, persistent });
    return value;
  }

  /**
   * Registers a child module; its state appears under `name.` in the state dict.
   * @example this.registerModule("encoder", new nn.Linear(16, 8));  // what `this.encoder = …` does for you
   */
  registerModule<M extends Module | null>(name: string, module: M): M {
    this.checkName(name, this._modules);
    this._modules.set(name, module);
    return module;
  }

  /**
   * @internal Called for every data property defined on this module (a class field, `this.x = v`):
   * registers, re-points or aliases the state behind field `key` as PyTorch's __setattr__ does.
   */
  _assignField(key: string, value: unknown): void {
    if (value === undefined) return; // a declared field before the constructor assigns it
    const name = this._aliases.get(key) ?? key;
    if (value instanceof Parameter) {
      if (this._parameters.get(name) === value) return;
      if (name === key && !this._parameters.has(name) && this.aliasIfOwn(key, this._parameters, value)) return;
      this._buffers.delete(name);
      this._modules.delete(name);
      this._parameters.set(name, value);
    } else if (value instanceof Module) {
      if (this._modules.get(name) === value) return;
      if (name === key && !this._modules.has(name) && this.aliasIfOwn(key, this._modules, value)) return;
      this._parameters.delete(name);
      this._buffers.delete(name);
      this._modules.set(name, value);
    } else if (Array.isArray(value) && value.every((v) => v instanceof Module) && !this._parameters.has(name) && !this._buffers.has(name)) {
      this._modules.set(name, new ModuleArray(value as unknown[]));
    } else if (this._parameters.has(name)) {
      if (value !== null) {
        throw new ValueError(
          `${this.constructor.name}: cannot assign ${describeValue(value)} as parameter "${name}" (an nn.Parameter or null expected)`,
        );
      }
      this._parameters.set(name, null);
    } else if (this._buffers.has(name)) {
      if (value !== null && !(value instanceof Tensor)) {
        throw new ValueError(
          `${this.constructor.name}: cannot assign ${describeValue(value)} as buffer "${name}" (a Tensor or null expected)`,
        );
      }
      this._buffers.get(name)!.tensor = value as Tensor | null;
    } else if (this._modules.has(name)) {
      if (value !== null) {
        throw new ValueError(
          `${this.constructor.name}: cannot assign ${describeValue(value)} as child module "${name}" (an nn.Module or null expected)`,
        );
      }
      this._modules.set(name, null);
    } else if (value instanceof Tensor && name === key) {
      for (const [bufName, entry] of this._buffers) if (entry.tensor === value) this._aliases.set(key, bufName);
    }
  }

  /** Records `key` as another name for `value` when `own` already holds it (the camelCase field of a snake_case key). */
  private aliasIfOwn(key: string, own: Map<string, unknown>, value: unknown): boolean {
    for (const [name, v] of own) {
      if (v === value) {
        this._aliases.set(key, name);
        return true;
      }
    }
    return false;
  }

  private checkName(name: string, own: Map<string, unknown>): void {
    if (typeof name !== "string" || name === "" || name.includes(".")) {
      throw new ValueError(`${this.constructor.name}: invalid name "${name}" (expected a non-empty string without ".")`);
    }
    for (const [kind, map] of [
      ["parameter", this._parameters],
      ["buffer", this._buffers],
      ["module", this._modules],
    ] as const) {
      if (map !== own && map.has(name)) {
        throw new ValueError(`${this.constructor.name}: "${name}" is already registered as a ${kind}`);
      }
    }
  }

  // ---- traversal ----

  /**
   * Direct children with their names (torch's named_children).
   * @example new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU()).namedChildren().map(([k]) => k)  // ["0", "1"]
   */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [name, m] of this.childEntries()) if (m) out.push([name, m]);
    return out;
  }

  /** @internal this module's child slots in key order; an array field holding no module yet is left out. */
  *childEntries(): Iterable<[string, Module | null]> {
    for (const entry of this._modules) if (!(entry[1] instanceof ModuleArray && entry[1].length === 0)) yield entry;
  }

  /**
   * Direct child modules in registration order (torch's children()).
   * @example model.children().length  // 3 for Sequential(Linear, ReLU, Linear)
   */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module and every descendant, each once, with dotted names ("" for this one).
   * @example new nn.Sequential(new nn.Linear(2, 2)).namedModules().map(([k]) => k)  // ["", "0"]
   */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, name: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [child, sub] of m.namedChildren()) visit(sub, name ? `${name}.${child}` : child);
    };
    visit(this, prefix);
    return out;
  }

  /**
   * This module and every descendant, each once, depth first (torch's modules()).
   * @example model.modules().filter((m) => m instanceof nn.Linear).length
   */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * Every parameter with its dotted key ("0.weight", "fc1.bias"); a shared one appears once.
   * @example new nn.Sequential(new nn.Linear(2, 2)).namedParameters().map(([k]) => k)  // ["0.weight", "0.bias"]
   */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m._parameters) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${name}` : name, p]);
      }
    }
    return out;
  }

  /**
   * Every parameter of this module and its descendants, a shared one once, in state-dict order (torch's
   * parameters()); pass them to an optimizer.
   * @example const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
   */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Every buffer (persistent or not) with its dotted key; a shared one appears once.
   * @example new nn.BatchNorm1d(4).namedBuffers().map(([k]) => k)  // ["running_mean", "running_var", "num_batches_tracked"]
   */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, { tensor }] of m._buffers) {
        if (!tensor || seen.has(tensor)) continue;
        seen.add(tensor);
        out.push([prefix ? `${prefix}.${name}` : name, tensor]);
      }
    }
    return out;
  }

  /**
   * Every buffer (running statistics and the like) of this module and its descendants (torch's buffers()).
   * @example new nn.BatchNorm1d(4).buffers().length  // 3
   */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /**
   * Total element count of the parameters (each shared parameter counted once).
   * @example new nn.Linear(784, 10).numParameters()  // 7850
   */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    checkOptions("numParameters", opts, ["trainableOnly"]);
    const { trainableOnly = false } = opts;
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /**
   * Calls `fn` on every descendant and then on this module (torch's apply, e.g. for custom init).
   * @example model.apply((m) => { if (m instanceof nn.Linear) nn.init.xavierUniform(m.weight); });
   */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes and gradients ----

  /**
   * Sets train mode (or eval mode with `false`) on this module and all descendants.
   * @example model.train();  // before the training loop: Dropout drops, BatchNorm updates its statistics
   */
  train(mode = true): this {
    // As torch: "training mode is expected to be boolean" (train({ mode: false }) would be truthy).
    if (typeof mode !== "boolean") throw new ValueError(`train: mode must be true or false, got ${mode === null ? "null" : typeof mode}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /**
   * Sets eval mode on this module and all descendants (Dropout off, BatchNorm uses running statistics);
   * the same as train(false). Returns this.
   * @example model.eval(); const pred = tg.noGrad(() => model.forward(x));
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Stops training every parameter (requiresGrad = false, gradient cleared): frozen parameters get
   * no gradient and optimizers skip them. For transfer learning, freeze a feature extractor.
   * @example backbone.freeze(); const opt = new optim.SGD(head.parameters(), { lr: 0.01 });
   */
  freeze(): this {
    for (const p of this.parameters()) {
      p.requiresGrad = false;
      p._dropGrad();
    }
    return this;
  }

  /**
   * Makes every parameter trainable again.
   * @example backbone.unfreeze();  // fine-tune everything once the head has settled
   */
  unfreeze(): this {
    for (const p of this.parameters()) p.requiresGrad = true;
    return this;
  }

  /**
   * Clears every parameter's gradient (to null, as torch's default set_to_none=True).
   * @example model.zeroGrad();  // or opt.zeroGrad(), which clears the same gradients
   */
  zeroGrad(): void {
    for (const p of this.parameters()) p._dropGrad();
  }

  // ---- state dict ----

  /**
   * Parameters and persistent buffers keyed exactly as PyTorch keys the same model: each module's
   * own parameters, then its buffers, then its children's entries under "name.". The tensors share
   * storage with the model (detached), as torch's state_dict does.
   * @example Object.keys(new nn.Linear(2, 1).stateDict())  // ["weight", "bias"]
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    // Defined, not assigned: a key read from a file (an ONNX initializer named "__proto__") must
    // become an own entry, not replace the record's prototype.
    const put = (key: string, t: Tensor) =>
      Object.defineProperty(out, key, { value: t, enumerable: true, writable: true, configurable: true });
    const visit = (m: Module, prefix: string): void => {
      for (const [name, p] of m._parameters) if (p) put(prefix + name, p.detach());
      for (const [name, { tensor, persistent }] of m._buffers) if (tensor && persistent) put(prefix + name, tensor.detach());
      for (const [name, child] of m.childEntries()) if (child) visit(child, `${prefix}${name}.`);
    };
    visit(this, "");
    return out;
  }

  /**
   * Copies values from `record` into this model's parameters and buffers in place, so optimizers
   * holding them keep working. Shape mismatches are always errors; with `strict` (the default)
   * missing and unexpected keys are too. The error lists every problem at once.
   * @example model.loadStateDict(io.loadSafetensors("model.safetensors"));
   */
  loadStateDict(record: Record<string, Tensor>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    checkOptions("loadStateDict", opts, ["strict"]);
    const { strict = true } = opts;
    const own = this.ownStateTensors();
    const missingKeys: string[] = [];
    const mismatches: string[] = [];
    const toCopy: [Tensor, Tensor][] = [];
    for (const [key, target] of own) {
      const src = Object.hasOwn(record, key) ? record[key] : undefined;
      if (src === undefined) missingKeys.push(key);
      else if (!shapesEqual(src.shape, target.shape)) {
        mismatches.push(`shape mismatch for "${key}": the state dict has ${fmtShape(src.shape)}, the model ${fmtShape(target.shape)}`);
      } else toCopy.push([target, src]);
    }
    const unexpectedKeys = Object.keys(record).filter((k) => !own.has(k));

    const problems: string[] = [];
    if (strict && missingKeys.length > 0) problems.push(`missing keys: ${missingKeys.map((k) => `"${k}"`).join(", ")}`);
    if (strict && unexpectedKeys.length > 0) problems.push(`unexpected keys: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}`);
    problems.push(...mismatches);
    if (problems.length > 0) {
      const msg = `loadStateDict: error(s) loading the state dict into ${this.constructor.name}:\n  ${problems.join("\n  ")}`;
      // Only shape problems: a ShapeError; any key problem makes it a ValueError.
      throw mismatches.length === problems.length ? new ShapeError(msg) : new ValueError(msg);
    }
    // Copy only after every check passed, so a failed load leaves the model untouched.
    for (const [target, src] of toCopy) copyInto(target, src);
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Converts every floating parameter and buffer to float16 in place, rounding as torch's
   * module.half(); fields and optimizers holding them see the change. float16 is held in float32
   * memory and computing on it gives float32, so a half model's outputs are float32 (torch: float16).
   * int32 buffers are left alone; float64 state is a DTypeError; WebGPU state too (rounding runs on
   * the CPU: convert before moving the model).
   * @example model.half(); io.saveSafetensors("model-f16.safetensors", model.stateDict());
   */
  half(): this {
    castStateInPlace("half", [...this.parameters(), ...this.buffers()], "float16");
    return this;
  }

  /** Converts every floating parameter and buffer to bfloat16 in place (torch's module.bfloat16()); see half(). */
  bfloat16(): this {
    castStateInPlace("bfloat16", [...this.parameters(), ...this.buffers()], "bfloat16");
    return this;
  }

  /** Converts float16/bfloat16 parameters and buffers back to float32 in place (torch's module.float()); exact. */
  float(): this {
    castStateInPlace("float", [...this.parameters(), ...this.buffers()], "float32");
    return this;
  }

  /** The live tensors behind stateDict()'s keys (not detached copies). */
  private ownStateTensors(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const visit = (m: Module, prefix: string): void => {
      for (const [name, p] of m._parameters) if (p) out.set(prefix + name, p);
      for (const [name, { tensor, persistent }] of m._buffers) if (tensor && persistent) out.set(prefix + name, tensor);
      for (const [name, child] of m.childEntries()) if (child) visit(child, `${prefix}${name}.`);
    };
    visit(this, "");
    return out;
  }

  // ---- hooks ----

  /**
   * Runs `hook(module, args)` before every forward (torch's register_forward_pre_hook); an array it
   * returns replaces the arguments, another value replaces the single argument.
   * @example const h = layer.registerForwardPreHook((m, args) => console.log(m.constructor.name, args[0].shape)); h.remove();
   */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    return registerForwardPreHook(this, hook);
  }

  /**
   * Runs `hook(module, args, output)` after every forward (torch's register_forward_hook); a value it
   * returns replaces the output. Capturing activations: `layer.registerForwardHook((m, a, out) => { acts.push(out); })`.
   * @example const acts: Tensor[] = []; const h = model.registerForwardHook((_m, _args, out) => { acts.push(out); });
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    return registerForwardHook(this, hook);
  }

  /**
   * Runs `hook(module, gradInput, gradOutput)` when backward has computed the gradients of this
   * module's tensor inputs (torch's register_full_backward_hook); an array it returns replaces them.
   * @example layer.registerFullBackwardHook((_m, gradIn, gradOut) => console.log(gradOut[0]?.norm().item()));
   */
  registerFullBackwardHook(hook: FullBackwardHook): RemovableHandle {
    return registerFullBackwardHook(this, hook);
  }

  // ---- printing ----

  /**
   * The text inside this module's parentheses in toString(), e.g. "in_features=4, out_features=2, bias=True".
   * @example new nn.Linear(4, 2).extraRepr()  // "in_features=4, out_features=2, bias=True"
   */
  extraRepr(): string {
    return "";
  }

  /**
   * A multi-line description like torch's repr: `Sequential(\n  (0): Linear(in_features=…)\n)`.
   * @example String(new nn.Sequential(new nn.Linear(4, 2)))  // "Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n)"
   */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split("\n") : [];
    const childLines = this.namedChildren().map(([name, child]) => `(${name}): ${child.toString().split("\n").join("\n  ")}`);
    const lines = [...extraLines, ...childLines];
    const name = this.constructor.name;
    if (lines.length === 0) return `${name}()`;
    if (extraLines.length === 1 && childLines.length === 0) return `${name}(${extraLines[0]})`;
    return `${name}(\n  ${lines.join("\n  ")}\n)`;
  }
}

/** Copies `src`'s values into `target` in place (bumping its version), converting the element type if needed. */
function copyInto(target: Tensor, src: Tensor): void {
  noGrad(() => target.copy_(src));
}

function describeValue(v: unknown): string {
  if (v === null || typeof v !== "object") return `${typeof v} ${String(v)}`;
  return `a ${(v as object).constructor?.name ?? "object"}`;
}

/**
 * An array of modules assigned to a field, registered as PyTorch registers an nn.ModuleList (keys
 * "layers.0.weight", …). It reads the array live, so modules pushed after the assignment count too;
 * elements that are not modules are skipped.
 */
class ModuleArray extends Module {
  readonly #items: readonly unknown[];

  constructor(items: readonly unknown[]) {
    super();
    this.#items = items;
  }

  get length(): number {
    let n = 0;
    for (const m of this.#items) if (m instanceof Module) n++;
    return n;
  }

  override *childEntries(): Iterable<[string, Module | null]> {
    for (let i = 0; i < this.#items.length; i++) {
      const m = this.#items[i];
      if (m instanceof Module) yield [String(i), m];
    }
  }

  override toString(): string {
    return super.toString().replace(/^ModuleArray/, "ModuleList");
  }

  forward(): never {
    throw new ValueError("an array of modules has no forward(); call its modules in a loop");
  }
}
