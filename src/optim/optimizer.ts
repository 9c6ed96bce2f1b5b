// The optimizer base (torch.optim.Optimizer): parameter groups with per-group options falling back to
// the defaults, per-parameter state, zeroGrad, step and PyTorch-shaped state dicts. A subclass writes
// only the update maths for one parameter.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { zeros } from "../tensor/creation.js";
import { isFloat } from "../tensor/dtype.js";
import { shapesEqual } from "../tensor/shape.js";
import { noGrad, setGradEnabled, withGradMode } from "../autograd/grad-mode.js";
import { bumpVersion } from "../tensor/version.js";
import { kernelFor } from "../backend/current.js";
import type { KernelParams } from "../backend/kernel-table.js";
import { checkOptions } from "../tensor/options.js";

/**
 * One parameter group: its tensors and its options (the optimizer's defaults filled in). Schedulers
 * add their own keys (`initialLr`, `maxLr`, …) as torch's do; any extra key is kept and saved.
 */
export type ParamGroup<O = Record<string, unknown>> = O & {
  /** The group's parameters. */
  params: Tensor[];
  /** The group's current learning rate (schedulers change it in place). */
  lr: number;
  [key: string]: unknown;
};

/** A parameter group as given to a constructor: `params` plus any options overriding the defaults. */
export type ParamGroupInput<O = Record<string, unknown>> = Partial<O> & {
  /** The group's parameters (one tensor or any iterable of them). */
  params: Iterable<Tensor> | Tensor;
  [key: string]: unknown;
};

/** What an optimizer is built over: tensors (one group) or parameter groups. */
export type Params<O = Record<string, unknown>> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** The per-parameter state of an optimizer: buffers (Tensors shaped like the parameter) and counters. */
export type ParamState = Record<string, Tensor | number>;

/**
 * An optimizer's state, shaped like torch's `optimizer.state_dict()`:
 * `{ state: { [paramIndex]: { step: 3, exp_avg: Tensor, … } }, paramGroups: [{ lr, …, params: [0, 1] }] }`.
 * Parameters are numbered in group order; a parameter that has never been stepped has no entry.
 * Per-parameter state keys use PyTorch's spelling (`exp_avg`, `momentum_buffer`, …) so they map 1:1.
 *
 * For a checkpoint writer: every value in `state[i]` is either a Tensor (a float buffer of the
 * parameter's shape and dtype: store it as a tensor, e.g. under `optimizer.state.<i>.<key>` in
 * safetensors) or a plain number (`step`: store it in the JSON metadata). Everything in `paramGroups`
 * is JSON-serialisable (numbers, booleans, strings, arrays of numbers). The dict is a snapshot: its
 * tensors are copies, so it does not change as training goes on, and `loadStateDict` copies again
 * (casting each buffer to its parameter's dtype; a one-element Tensor is also accepted for `step`).
 */
export interface OptimizerStateDict {
  /** Per-parameter state by parameter index (numbered across the groups in order). */
  state: Record<number, ParamState>;
  /** Each group's options, with its parameters as indices. */
  paramGroups: Array<
    Record<string, unknown> & {
      /** Indices of the group's parameters. */
      params: number[];
    }
  >;
}

/** Options every optimizer has. */
export interface OptimizerOptions {
  /** The learning rate. */
  lr: number;
}

/** Throws the ValueError an invalid option gets: names the optimizer, the group, the value and the rule. */
export function checkOption(ok: boolean, where: string, name: string, value: unknown, expected: string): void {
  if (!ok) throw new ValueError(`${where}: invalid ${name} ${fmtValue(value)} (expected ${expected})`);
}

/** Whether `v` is a finite number >= 0. */
export function nonNegative(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

function fmtValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(", ")}]`;
  if (typeof v === "string") return JSON.stringify(v);
  if (v !== null && typeof v === "object") return `a ${v.constructor?.name ?? "Object"}`;
  return String(v);
}

const updatesKeepingNoGradient = new WeakSet<object>();

/**
 * Declares that an optimizer's `update` method keeps no reference to the gradient it is given (true
 * of the built-in ones), so that zeroGrad may free gradients at once. A subclass that overrides
 * update without declaring this gets gradients as handed out, freed by the garbage collector only.
 * @example class Clipped extends optim.SGD {
 *   static { optim.keepsNoGradient(this.prototype.update); }
 *   protected override update(...) { ... }
 * }
 */
export function keepsNoGradient(update: object): void {
  updatesKeepingNoGradient.add(update);
}

/**
 * Base of every optimizer (torch.optim.Optimizer). Subclasses give their defaults, validate options
 * and implement `update` for one parameter; the base class walks the groups, skips frozen parameters
 * (requiresGrad false) and parameters without a gradient, and keeps the state.
 * @example
 *   const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 */
export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions> {
  /** The options a group falls back to (torch's `defaults`). */
  readonly defaults: Readonly<O>;
  /** The parameter groups; a group's options may be changed in place (that is how schedulers work). */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first update. */
  protected readonly state = new Map<Tensor, ParamState>();
  /** The class name, for messages. */
  protected readonly name: string;

  protected constructor(params: Params<O>, defaults: O, given: object) {
    this.name = new.target.name;
    // PyTorch's positional lr (Adam(params, 0.01)) would otherwise leave the default lr in place, silently.
    if (given === null || typeof given !== "object" || Array.isArray(given))
      throw new ValueError(
        `${this.name}: options must be an object${typeof given === "number" ? `, as { lr: ${given} }` : ""}, got ${Array.isArray(given) ? "an array" : given === null ? "null" : typeof given}`,
      );
    for (const key of Object.keys(given)) {
      if (!(key in defaults)) {
        throw new ValueError(`${this.name}: unknown option "${key}" (expected one of ${Object.keys(defaults).join(", ")})`);
      }
    }
    this.defaults = Object.freeze({ ...defaults });
    this.validate(defaults, this.name, false);
    if (params instanceof Tensor) {
      throw new ValueError(
        `${this.name}: params must be an iterable of Tensors or parameter groups, got a single Tensor of shape ${fmtShape(params.shape)} (wrap it in an array)`,
      );
    }
    if (params === null || typeof params !== "object" || !(Symbol.iterator in params)) {
      throw new ValueError(`${this.name}: params must be an iterable of Tensors or parameter groups, got ${fmtValue(params)}`);
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new ValueError(`${this.name}: got an empty parameter list`);
    const groups = (list[0] instanceof Tensor ? [{ params: list }] : list) as ParamGroupInput<O>[];
    for (const g of groups) this.addParamGroup(g);
  }

  /**
   * Checks options and throws ValueError naming `where`: the defaults (`isGroup` false: an option may
   * still be missing there, as SGD's lr) or a group's merged options (`isGroup` true: all present).
   */
  protected abstract validate(options: Partial<O>, where: string, isGroup: boolean): void;

  /**
   * Updates one parameter in place from its gradient (contiguous, same shape), through the backend's
   * update kernel (see runUpdate) or tensor ops; storage memory is the backend's alone.
   */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /**
   * Adds a parameter group (torch's add_param_group); its missing options come from the defaults.
   * @example opt.addParamGroup({ params: head.parameters(), lr: 1e-2 });  // e.g. after unfreezing a new head
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    const index = this.paramGroups.length;
    const where = `${this.name}: param group ${index}`;
    if (group === null || typeof group !== "object" || !("params" in group)) {
      throw new ValueError(`${where}: expected a Tensor or an object { params, ...options }, got ${fmtValue(group)}`);
    }
    const { params: given, ...options } = group;
    const params = given instanceof Tensor ? [given] : [...(given as Iterable<Tensor>)];
    const seen = new Set<Tensor>();
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new ValueError(`${where}: parameter ${i} is ${fmtValue(p)}, expected a Tensor`);
      if (!p.isLeaf)
        throw new ValueError(
          `${where}: parameter ${i} (shape ${fmtShape(p.shape)}) is not a leaf tensor; optimize leaves (e.g. x.detach().requiresGrad_())`,
        );
      if (!isFloat(p.dtype)) throw new DTypeError(`${where}: parameter ${i} has dtype ${p.dtype}, expected a floating-point tensor`);
      if (p.dtype === "float16" || p.dtype === "bfloat16") {
        throw new DTypeError(
          `${where}: parameter ${i} has dtype ${p.dtype}; optimizers update float32 or float64 parameters (train in float32 and convert with model.half() or t.half() to save)`,
        );
      }
      if (!p.isContiguous)
        throw new ValueError(
          `${where}: parameter ${i} (shape ${fmtShape(p.shape)}, strides ${fmtShape(p.strides)}) is not contiguous; optimizers update contiguous tensors`,
        );
      if (seen.has(p)) throw new ValueError(`${where}: parameter ${i} (shape ${fmtShape(p.shape)}) appears twice in the group`);
      seen.add(p);
      this.paramGroups.forEach((other, j) => {
        if (other.params.includes(p)) {
          throw new ValueError(
            `${where}: parameter ${i} (shape ${fmtShape(p.shape)}) is already in param group ${j}; a parameter may be in one group only`,
          );
        }
      });
    });
    const merged = { ...this.defaults, ...options } as unknown as O;
    this.validate(merged, where, true);
    this.paramGroups.push({ ...copyValue(merged), params } as ParamGroup<O>);
  }

  /** The first group's learning rate. */
  get lr(): number {
    return this.paramGroups[0].lr;
  }
  /** Sets the learning rate of every group. */
  set lr(value: number) {
    checkOption(nonNegative(value), `${this.name}.lr`, "lr", value, "a number >= 0");
    for (const g of this.paramGroups) g.lr = value;
  }

  /**
   * Clears the gradients of every parameter: `.grad = null` (torch's set_to_none default), or zeros
   * them in place with `{ setToNone: false }`.
   * @example opt.zeroGrad(); loss.backward(); opt.step();
   */
  zeroGrad(opts?: { setToNone?: boolean }): void {
    checkOptions("zeroGrad", opts, ["setToNone"]);
    const setToNone = opts?.setToNone ?? true;
    // Index loops: V8's unoptimized code makes an iterator result per element of a for…of.
    for (let gi = 0; gi < this.paramGroups.length; gi++) {
      const params = this.paramGroups[gi].params;
      for (let pi = 0; pi < params.length; pi++) {
        const p = params[pi];
        const grad = p._peekGrad();
        if (grad === null) continue;
        if (setToNone) p._dropGrad();
        else p._setFreshGrad(zeros(grad.shape, { dtype: grad.dtype }));
      }
    }
  }

  /**
   * One optimization step over every parameter that requires grad and has a gradient. `closure`, if
   * given, re-evaluates the model (with gradients recorded) and returns the loss, which step returns.
   * @example opt.zeroGrad(); F.crossEntropy(model.forward(x), y).backward(); opt.step();
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    const loss = closure ? withGradMode(true, closure) : undefined;
    // An update method that may keep the gradient it is given (a subclass's) gets it as handed out.
    const handsOut = !updatesKeepingNoGradient.has(this.update);
    // Grad mode set and restored by hand: a closure here would be made on every step.
    const prevMode = setGradEnabled(false);
    try {
      for (let gi = 0; gi < this.paramGroups.length; gi++) {
        const group = this.paramGroups[gi];
        for (let pi = 0; pi < group.params.length; pi++) {
          const p = group.params[pi];
          if (!p.requiresGrad || p._peekGrad() === null) continue;
          const grad = handsOut ? p.grad! : p._peekGrad()!;
          if (!shapesEqual(grad.shape, p.shape)) {
            throw new ShapeError(
              `${this.name}.step: gradient of shape ${fmtShape(grad.shape)} does not match its parameter of shape ${fmtShape(p.shape)}`,
            );
          }
          let st = this.state.get(p);
          if (st === undefined) this.state.set(p, (st = {}));
          this.update(p, grad.contiguous(), st, group);
          bumpVersion(p);
        }
      }
    } finally {
      setGradEnabled(prevMode);
    }
    return loss;
  }

  /**
   * The state of parameter `p` (empty until its first update); for inspection and tests.
   * @example opt.stateOf(model.parameters()[0]).exp_avg  // Adam's first moment, after the first step
   */
  stateOf(p: Tensor): Readonly<ParamState> {
    return this.state.get(p) ?? {};
  }

  /**
   * A snapshot of the optimizer's state, shaped like torch's (see OptimizerStateDict).
   * @example io.saveCheckpoint("ckpt.safetensors", { model, optimizer: opt, epoch });  // stores opt.stateDict()
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      const ids = params.map((p) => {
        index.set(p, index.size);
        return index.size - 1;
      });
      return { ...copyValue(options), params: ids };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = copyValue(s);
    }
    return { state, paramGroups };
  }

  /**
   * Restores a state from `stateDict()` (of an optimizer of the same kind over parameters of the same
   * shapes in the same order): group options and per-parameter state are copied in.
   * @example const fresh = new optim.Adam(model.parameters()); fresh.loadStateDict(opt.stateDict());
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    const saved = dict?.paramGroups;
    if (
      !Array.isArray(saved) ||
      dict.state === null ||
      typeof dict.state !== "object" ||
      !saved.every((g) => g !== null && typeof g === "object")
    ) {
      throw new ValueError(`${where}: expected { state, paramGroups } as made by stateDict()`);
    }
    if (saved.length !== this.paramGroups.length) {
      throw new ValueError(`${where}: the saved state has ${saved.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    saved.forEach((sg, gi) => {
      const mine = this.paramGroups[gi].params;
      if (!Array.isArray(sg.params) || sg.params.length !== mine.length) {
        throw new ValueError(`${where}: saved param group ${gi} has ${sg.params?.length} parameters, this optimizer's has ${mine.length}`);
      }
      sg.params.forEach((id, k) => byIndex.set(id, mine[k]));
    });
    // Validate everything before changing anything, so a bad dict leaves the optimizer as it was.
    const groups = saved.map((sg, gi) => {
      const { params: _ids, ...options } = sg;
      const merged = { ...this.defaults, ...copyValue(options) } as unknown as O;
      this.validate(merged, `${where}: param group ${gi}`, true);
      return { ...merged, params: this.paramGroups[gi].params } as ParamGroup<O>;
    });
    const state = new Map<Tensor, ParamState>();
    for (const [key, entry] of Object.entries(dict.state)) {
      const p = byIndex.get(Number(key));
      if (p === undefined) throw new ValueError(`${where}: state for parameter ${key}, which is in no saved param group`);
      if (entry === null || typeof entry !== "object")
        throw new ValueError(`${where}: state[${key}] is ${fmtValue(entry)}, expected an object`);
      const st: ParamState = Object.create(null);
      for (const [name, value] of Object.entries(entry)) st[name] = loadValue(p, name, value, `${where}: state[${key}].${name}`);
      state.set(p, st);
    }
    groups.forEach((g, gi) => (this.paramGroups[gi] = g));
    this.state.clear();
    for (const [p, st] of state) this.state.set(p, st);
  }
}

/** A copy of a state or option value: tensors cloned, arrays and plain objects copied deeply. */
function copyValue<T>(v: T): T {
  if (v instanceof Tensor) return copyTensor(v, v.dtype) as T;
  if (Array.isArray(v)) return v.map(copyValue) as T;
  if (v !== null && typeof v === "object") {
    // fromEntries defines own properties: a key "__proto__" (from a loaded file) stays a plain key.
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyValue(x)])) as T;
  }
  return v;
}

function copyTensor(t: Tensor, dtype: Tensor["dtype"]): Tensor {
  return noGrad(() => zeros(t.shape, { dtype }).copy_(t));
}

/** One loaded state value: buffers must match the parameter's shape and take its dtype. */
function loadValue(p: Tensor, name: string, value: unknown, where: string): Tensor | number {
  if (typeof value === "number") return value;
  if (!(value instanceof Tensor)) throw new ValueError(`${where}: expected a Tensor or a number, got ${fmtValue(value)}`);
  if (name === "step" && value.size === 1) return value.item();
  if (!shapesEqual(value.shape, p.shape)) {
    throw new ShapeError(
      `${where}: saved buffer of shape ${fmtShape(value.shape)} does not match its parameter of shape ${fmtShape(p.shape)}`,
    );
  }
  return copyTensor(value, p.dtype);
}

/** Creates buffer `name` of `state` (zeros shaped like `param`, or filled with `fill`) if missing. */
export function ensureBuffer(state: ParamState, name: string, param: Tensor, fill = 0): Tensor {
  let t = state[name];
  if (!(t instanceof Tensor)) {
    t = zeros(param.shape, { dtype: param.dtype });
    if (fill !== 0) fillWithoutGrad(t, fill);
    state[name] = t;
  }
  return t;
}

// Apart from ensureBuffer: a closure there would capture `fill`, and the engine would then make a scope
// object on every call (the optimizers call it per parameter per step).
function fillWithoutGrad(t: Tensor, fill: number): void {
  noGrad(() => t.fill_(fill));
}

/**
 * Runs the current backend's fused update kernel `name` on parameter `param`: it updates the
 * parameter and the state buffers among `inputs` (the contiguous gradient first) in place, in one
 * call per parameter.
 */
export function runUpdate<K extends UpdateKernel>(name: K, param: Tensor, inputs: readonly Tensor[], params: KernelParams[K]): void {
  if (param.size > 0) kernelFor(name)(param, inputs, params);
}

type UpdateKernel = "adamStep" | "sgdStep" | "rmspropStep" | "adagradStep";
