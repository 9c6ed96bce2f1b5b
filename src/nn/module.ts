// nn.Module: the base of every layer and model. Parameters, buffers and child modules are registered
// explicitly under PyTorch's key spelling, which makes state-dict keys data rather than reflection.

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";

export interface LoadStateDictOptions {
  /** When true (the default), missing and unexpected keys are errors too, not only shape mismatches. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
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
 */
export function keepsNoActivation(forward: object): void {
  forwardsKeepingNoActivation.add(forward);
}

/** Whether `m`'s forward was declared with keepsNoActivation. */
export function keepsNoActivationIn(m: Module): boolean {
  return forwardsKeepingNoActivation.has(m.forward);
}

/**
 * Base class of layers and models (torch.nn.Module). Subclasses register their state in the
 * constructor and implement `forward`; modules are not callable, so call `model.forward(x)`.
 * @example
 * class Net extends nn.Module {
 *   fc1 = this.registerModule("fc1", new nn.Linear(4, 8));
 *   fc2 = this.registerModule("fc2", new nn.Linear(8, 1));
 *   forward(x: Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 */
export abstract class Module {
  /** Train mode (the default) or eval mode; Dropout and BatchNorm behave differently. */
  training = true;
  private readonly _parameters = new Map<string, Parameter | null>();
  private readonly _buffers = new Map<string, BufferEntry>();
  private readonly _modules = new Map<string, Module | null>();

  abstract forward(...args: any[]): any;

  // ---- registration ----

  /**
   * Registers a parameter under `name` (its state-dict key, e.g. "weight") and returns it. A plain
   * tensor is wrapped in a Parameter sharing its storage; null records an absent parameter (bias=False).
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
   */
  registerBuffer<T extends Tensor | null>(name: string, value: T, { persistent = true }: { persistent?: boolean } = {}): T {
    this.checkName(name, this._buffers);
    this._buffers.set(name, { tensor: value, persistent });
    return value;
  }

  /** Registers a child module; its state appears under `name.` in the state dict. */
  registerModule<M extends Module | null>(name: string, module: M): M {
    this.checkName(name, this._modules);
    this._modules.set(name, module);
    return module;
  }

  private checkName(name: string, own: Map<string, unknown>): void {
    if (typeof name !== "string" || name === "" || name.includes(".")) {
      throw new ValueError(`${this.constructor.name}: invalid name "${name}" (expected a non-empty string without ".")`);
    }
    for (const [kind, map] of [["parameter", this._parameters], ["buffer", this._buffers], ["module", this._modules]] as const) {
      if (map !== own && map.has(name)) {
        throw new ValueError(`${this.constructor.name}: "${name}" is already registered as a ${kind}`);
      }
    }
  }

  // ---- traversal ----

  /** Direct children with their names (torch's named_children). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [name, m] of this._modules) if (m) out.push([name, m]);
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, each once, with dotted names ("" for this one). */
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

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter with its dotted key ("0.weight", "fc1.bias"); a shared one appears once. */
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

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer (persistent or not) with its dotted key; a shared one appears once. */
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

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Total element count of the parameters (each shared parameter counted once). */
  numParameters({ trainableOnly = false }: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /** Calls `fn` on every descendant and then on this module (torch's apply, e.g. for custom init). */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes and gradients ----

  /** Sets train mode (or eval mode with `false`) on this module and all descendants. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Stops training every parameter (requiresGrad = false, gradient cleared): frozen parameters get
   * no gradient and optimizers skip them. For transfer learning, freeze a feature extractor.
   */
  freeze(): this {
    for (const p of this.parameters()) {
      p.requiresGrad = false;
      p._dropGrad();
    }
    return this;
  }

  /** Makes every parameter trainable again. */
  unfreeze(): this {
    for (const p of this.parameters()) p.requiresGrad = true;
    return this;
  }

  /** Clears every parameter's gradient (to null, as torch's default set_to_none=True). */
  zeroGrad(): void {
    for (const p of this.parameters()) p._dropGrad();
  }

  // ---- state dict ----

  /**
   * Parameters and persistent buffers keyed exactly as PyTorch keys the same model: each module's
   * own parameters, then its buffers, then its children's entries under "name.". The tensors share
   * storage with the model (detached), as torch's state_dict does.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    // Defined, not assigned: a key read from a file (an ONNX initializer named "__proto__") must
    // become an own entry, not replace the record's prototype.
    const put = (key: string, t: Tensor) => Object.defineProperty(out, key, { value: t, enumerable: true, writable: true, configurable: true });
    const visit = (m: Module, prefix: string): void => {
      for (const [name, p] of m._parameters) if (p) put(prefix + name, p.detach());
      for (const [name, { tensor, persistent }] of m._buffers) if (tensor && persistent) put(prefix + name, tensor.detach());
      for (const [name, child] of m._modules) if (child) visit(child, `${prefix}${name}.`);
    };
    visit(this, "");
    return out;
  }

  /**
   * Copies values from `record` into this model's parameters and buffers in place, so optimizers
   * holding them keep working. Shape mismatches are always errors; with `strict` (the default)
   * missing and unexpected keys are too. The error lists every problem at once.
   */
  loadStateDict(record: Record<string, Tensor>, { strict = true }: LoadStateDictOptions = {}): LoadStateDictResult {
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

  /** The live tensors behind stateDict()'s keys (not detached copies). */
  private ownStateTensors(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const visit = (m: Module, prefix: string): void => {
      for (const [name, p] of m._parameters) if (p) out.set(prefix + name, p);
      for (const [name, { tensor, persistent }] of m._buffers) if (tensor && persistent) out.set(prefix + name, tensor);
      for (const [name, child] of m._modules) if (child) visit(child, `${prefix}${name}.`);
    };
    visit(this, "");
    return out;
  }

  // ---- printing ----

  /** The text inside this module's parentheses in toString(), e.g. "in_features=4, out_features=2, bias=True". */
  extraRepr(): string {
    return "";
  }

  /** A multi-line description like torch's repr: `Sequential(\n  (0): Linear(in_features=…)\n)`. */
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

/** Copies `src`'s values into contiguous `target` in place, converting the element type if needed. */
function copyInto(target: Tensor, src: Tensor): void {
  if (!target.isContiguous) throw new ValueError(`loadStateDict: cannot copy into a non-contiguous tensor of shape ${fmtShape(target.shape)}`);
  const values = src.contiguousData();
  target.storage.data.set(values, target.offset);
}
