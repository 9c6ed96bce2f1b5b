// L-BFGS (torch.optim.LBFGS, PyTorch 1.13): a quasi-Newton method over the flattened parameters, with
// an optional strong-Wolfe line search. Its loop needs scalars (the loss, dot products, maxima) after
// every evaluation: it is written once as a generator that yields each one-element tensor it needs
// read, driven by synchronous reads (step) or awaited ones (stepAsync, for WebGPU). Vectors stay
// tensors of the parameters' dtype; scalars are float64 numbers, as torch's Python floats are.

import { UnsupportedOpError, ShapeError, ValueError, fmtShape } from "../errors.js";
import { noGrad, withGradMode } from "../autograd/grad-mode.js";
import { cat } from "../ops/composite/shape.js";
import { tensor, zeros } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { Optimizer, checkOption, nonNegative, type OptimizerStateDict, type ParamState, type Params } from "./optimizer.js";
import { strongWolfe, type Reads } from "./line-search.js";

/** Options of {@link LBFGS} (torch.optim.LBFGS's, in camelCase). */
export interface LBFGSOptions {
  /** The step length (default 1); with the line search, its first trial step. */
  lr?: number;
  /** Most iterations per `step` call (default 20). */
  maxIter?: number;
  /** Most function evaluations per `step` call (default ⌊maxIter·5/4⌋). */
  maxEval?: number;
  /** Stop when every gradient element is at most this in magnitude (default 1e-7). */
  toleranceGrad?: number;
  /** Stop when the loss or the step changes by less than this (default 1e-9). */
  toleranceChange?: number;
  /** How many curvature pairs are remembered (default 100). */
  historySize?: number;
  /** null (default): fixed steps of `lr`; "strong_wolfe": a line search satisfying the strong Wolfe conditions. */
  lineSearchFn?: "strong_wolfe" | null;
}

type Hyper = Required<LBFGSOptions>;

/** The algorithm's memory between `step` calls (torch keeps it as the first parameter's state). */
interface Memory {
  funcEvals: number;
  nIter: number;
  d: Tensor | null;
  t: number;
  oldDirs: Tensor[];
  oldStps: Tensor[];
  ro: number[];
  hDiag: number;
  prevFlatGrad: Tensor | null;
  prevLoss: number;
}

const freshMemory = (): Memory => ({
  funcEvals: 0,
  nIter: 0,
  d: null,
  t: 0,
  oldDirs: [],
  oldStps: [],
  ro: [],
  hDiag: 1,
  prevFlatGrad: null,
  prevLoss: 0,
});

/**
 * torch.optim.LBFGS: limited-memory BFGS over all parameters as one flat vector. `step(closure)`
 * runs up to `maxIter` iterations, calling `closure` (which must clear the gradients, compute the
 * loss, call `backward` and return the loss) as often as it needs, and returns the first loss. One
 * parameter group only, as torch. Its loop reads the loss and dot products after every evaluation:
 * `step` reads them synchronously (CPU backends), `await stepAsync(closure)` works on every backend,
 * WebGPU included.
 * @example
 *   const opt = new optim.LBFGS(model.parameters(), { lineSearchFn: "strong_wolfe" });
 *   for (let i = 0; i < 10; i++) {
 *     opt.step(() => { opt.zeroGrad(); const loss = lossOf(model); loss.backward(); return loss; });
 *   }
 */
export class LBFGS extends Optimizer<Hyper> {
  #memory: Memory = freshMemory();

  constructor(params: Params<Hyper>, options: LBFGSOptions = {}) {
    const { lr = 1, maxIter = 20, toleranceGrad = 1e-7, toleranceChange = 1e-9, historySize = 100, lineSearchFn = null } = options;
    const maxEval = options.maxEval ?? Math.floor((maxIter * 5) / 4);
    super(params, { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn }, options);
    if (this.paramGroups.length !== 1) {
      throw new ValueError(
        `LBFGS: got ${this.paramGroups.length} parameter groups; LBFGS supports one (no per-parameter options), as torch`,
      );
    }
  }

  protected validate(o: Partial<Hyper>, where: string): void {
    const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
    checkOption(nonNegative(o.lr), where, "lr", o.lr, "a number >= 0");
    checkOption(positiveInt(o.maxIter), where, "maxIter", o.maxIter, "a positive integer");
    checkOption(positiveInt(o.maxEval), where, "maxEval", o.maxEval, "a positive integer");
    checkOption(nonNegative(o.toleranceGrad), where, "toleranceGrad", o.toleranceGrad, "a number >= 0");
    checkOption(nonNegative(o.toleranceChange), where, "toleranceChange", o.toleranceChange, "a number >= 0");
    checkOption(positiveInt(o.historySize), where, "historySize", o.historySize, "a positive integer");
    checkOption(
      o.lineSearchFn === null || o.lineSearchFn === "strong_wolfe",
      where,
      "lineSearchFn",
      o.lineSearchFn,
      'null or "strong_wolfe"',
    );
  }

  protected update(): void {
    throw new Error("internal: LBFGS updates in step(closure)");
  }

  get #params(): Tensor[] {
    return this.paramGroups[0].params;
  }

  #numel(): number {
    return this.#params.reduce((n, p) => n + p.size, 0);
  }

  /** Every parameter's gradient (zeros where there is none), flattened and concatenated. */
  #flatGrad(): Tensor {
    return cat(
      this.#params.map((p) => (p.grad ?? zeros([p.size], { dtype: p.dtype })).reshape([p.size]).to(p.dtype)),
      0,
    );
  }

  /** params += stepSize · update (update flat, in parameter order). */
  #addGrad(stepSize: number, update: Tensor): void {
    let offset = 0;
    for (const p of this.#params) {
      p.add_(update.slice(0, offset, offset + p.size).reshape(p.shape), { alpha: stepSize });
      offset += p.size;
    }
  }

  /** The loss and flat gradient at params + t·d, the parameters left as they were (`x`). */
  *#directionalEvaluate(evaluate: () => Reads<number>, x: Tensor[], t: number, d: Tensor): Reads<[number, Tensor]> {
    this.#addGrad(t, d);
    const loss = yield* evaluate();
    const g = this.#flatGrad();
    this.#params.forEach((p, i) => p.copy_(x[i]));
    return [loss, g];
  }

  /**
   * Runs up to `maxIter` L-BFGS iterations; `closure` clears the gradients, evaluates the loss, calls
   * `backward` and returns the loss. Returns the loss of the first evaluation, as torch. Reads
   * scalars synchronously, so parameters must be on a CPU backend; on WebGPU use `stepAsync`.
   */
  override step<T = undefined>(closure?: () => T): T | undefined {
    const run = this.#start("step", closure);
    for (const p of this.#params) {
      if (!p.storage.backend.host) {
        throw new UnsupportedOpError(
          `LBFGS.step: a parameter lives on the "${p.storage.backend.name}" backend, whose values cannot be read synchronously; L-BFGS reads the loss and dot products after every evaluation: use \`await opt.stepAsync(closure)\``,
          "LBFGS",
          p.storage.backend.name,
        );
      }
    }
    let r = noGrad(() => run.next(NaN));
    while (!r.done) {
      const v = r.value.item();
      r = noGrad(() => run.next(v));
    }
    return r.value;
  }

  /**
   * `step` for every backend, WebGPU included: the same iterations, with each scalar (the loss, dot
   * products, maxima) read back by an awaited read.
   * @example await opt.stepAsync(() => { opt.zeroGrad(); const loss = lossOf(model); loss.backward(); return loss; });
   */
  async stepAsync<T = undefined>(closure: () => T): Promise<T | undefined> {
    const run = this.#start("stepAsync", closure);
    let r = noGrad(() => run.next(NaN));
    while (!r.done) {
      const v = await r.value.itemAsync();
      r = noGrad(() => run.next(v));
    }
    return r.value;
  }

  #start<T>(method: string, closure: (() => T) | undefined): Reads<T | undefined> {
    if (typeof closure !== "function")
      throw new ValueError(
        `LBFGS.${method}: a closure is required (it clears the gradients, computes the loss, calls backward and returns the loss)`,
      );
    return this.#iterate(closure);
  }

  /** The L-BFGS iterations of one step, yielding each one-element tensor whose value they need next. */
  *#iterate<T>(closure: () => T): Reads<T | undefined> {
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = group;
    const state = this.#memory;
    let origLoss: T | undefined;
    const evaluate = function* (): Reads<number> {
      const out = withGradMode(true, closure);
      origLoss ??= out;
      return yield* lossValue(out);
    };
    const absMax = (a: Tensor) => a.abs().max();

    let loss = yield* evaluate();
    let currentEvals = 1;
    state.funcEvals += 1;
    let flatGrad = this.#flatGrad();
    let optCond = (yield absMax(flatGrad)) <= toleranceGrad;
    if (optCond) return origLoss;

    let { d, t } = state;
    let nIter = 0;
    while (nIter < maxIter) {
      nIter += 1;
      state.nIter += 1;
      // The descent direction: the gradient's negative first, then the two-loop recursion.
      if (state.nIter === 1) {
        d = flatGrad.neg();
        state.oldDirs = [];
        state.oldStps = [];
        state.ro = [];
        state.hDiag = 1;
      } else {
        const y = flatGrad.sub(state.prevFlatGrad!);
        const s = d!.mul(t);
        const ys = yield y.dot(s);
        if (ys > 1e-10) {
          if (state.oldDirs.length === historySize) {
            state.oldDirs.shift();
            state.oldStps.shift();
            state.ro.shift();
          }
          state.oldDirs.push(y);
          state.oldStps.push(s);
          state.ro.push(1 / ys);
          state.hDiag = ys / (yield y.dot(y));
        }
        const numOld = state.oldDirs.length;
        const al = new Array<number>(numOld);
        let q = flatGrad.neg();
        for (let i = numOld - 1; i >= 0; i--) {
          al[i] = (yield state.oldStps[i].dot(q)) * state.ro[i];
          q = q.add(state.oldDirs[i], { alpha: -al[i] });
        }
        let r = q.mul(state.hDiag);
        for (let i = 0; i < numOld; i++) {
          const be = (yield state.oldDirs[i].dot(r)) * state.ro[i];
          r = r.add(state.oldStps[i], { alpha: al[i] - be });
        }
        d = r;
      }
      state.prevFlatGrad = flatGrad.clone();
      state.prevLoss = loss;

      // The first trial step: scaled down on the very first iteration, as torch.
      t = state.nIter === 1 ? Math.min(1, 1 / (yield flatGrad.abs().sum())) * lr : lr;
      const gtd = yield flatGrad.dot(d!);
      if (gtd > -toleranceChange) break;

      let lsFuncEvals = 0;
      if (lineSearchFn === "strong_wolfe") {
        const xInit = this.#params.map((p) => p.clone());
        const found = yield* strongWolfe(
          (x, step, dir) => this.#directionalEvaluate(evaluate, x, step, dir),
          xInit,
          t,
          d!,
          loss,
          flatGrad,
          gtd,
        );
        [loss, flatGrad, t, lsFuncEvals] = [found.loss, found.grad, found.t, found.evals];
        this.#addGrad(t, d!);
        optCond = (yield absMax(flatGrad)) <= toleranceGrad;
      } else {
        this.#addGrad(t, d!);
        if (nIter !== maxIter) {
          loss = yield* evaluate();
          flatGrad = this.#flatGrad();
          optCond = (yield absMax(flatGrad)) <= toleranceGrad;
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      state.funcEvals += lsFuncEvals;

      if (nIter === maxIter || currentEvals >= maxEval || optCond) break;
      if ((yield absMax(d!.mul(t))) <= toleranceChange) break;
      if (Math.abs(loss - state.prevLoss) < toleranceChange) break;
    }
    state.d = d;
    state.t = t;
    return origLoss;
  }

  /** LBFGS keeps one state, under the first parameter (as torch): that state for it, empty for the others. */
  override stateOf(p: Tensor): Readonly<ParamState> {
    return p === this.#params[0] ? (this.stateDict().state[0] ?? {}) : {};
  }

  /**
   * The state as torch shapes it, under the first parameter's index: `func_evals`, `n_iter`, `t`,
   * `H_diag`, `prev_loss` (numbers), `d` and `prev_flat_grad` (flat [N] tensors) and the history
   * `old_dirs`, `old_stps` ([k, N], torch's lists stacked) and `ro` ([k]), so a checkpoint can hold it.
   */
  override stateDict(): OptimizerStateDict {
    const dict = super.stateDict();
    const m = this.#memory;
    if (m.nIter === 0 && m.funcEvals === 0) return dict;
    const dtype = this.#params[0].dtype;
    const entry: ParamState = { func_evals: m.funcEvals, n_iter: m.nIter, t: m.t, H_diag: m.hDiag, prev_loss: m.prevLoss };
    if (m.d) entry.d = m.d.clone();
    if (m.prevFlatGrad) entry.prev_flat_grad = m.prevFlatGrad.clone();
    if (m.oldDirs.length > 0) {
      entry.old_dirs = noGrad(() =>
        cat(
          m.oldDirs.map((v) => v.unsqueeze(0)),
          0,
        ),
      );
      entry.old_stps = noGrad(() =>
        cat(
          m.oldStps.map((v) => v.unsqueeze(0)),
          0,
        ),
      );
      entry.ro = tensor(m.ro, { dtype });
    }
    dict.state[0] = entry;
    return dict;
  }

  /** Restores a state from `stateDict()` (or torch's, converted the same way); validated before anything changes. */
  override loadStateDict(dict: OptimizerStateDict): void {
    const where = "LBFGS.loadStateDict";
    const n = this.#numel();
    const dtype = this.#params[0].dtype;
    const entries = dict?.state && typeof dict.state === "object" ? Object.entries(dict.state) : [];
    if (entries.some(([k]) => k !== "0"))
      throw new ValueError(`${where}: LBFGS keeps its state under parameter 0 only, got keys ${entries.map(([k]) => k).join(", ")}`);
    const memory = freshMemory();
    const raw = entries.length > 0 ? (entries[0][1] as Record<string, unknown>) : null;
    if (raw !== null) {
      const number = (k: string, fallback: number): number => {
        const v = raw[k];
        if (v === undefined) return fallback;
        const x = v instanceof Tensor && v.size === 1 ? v.item() : v;
        if (typeof x !== "number" || Number.isNaN(x)) throw new ValueError(`${where}: state[0].${k} must be a number, got ${String(v)}`);
        return x;
      };
      const vector = (k: string, rows: number | null): Tensor | null => {
        const v = raw[k];
        if (v === undefined) return null;
        const want = rows === null ? [n] : [rows, n];
        if (!(v instanceof Tensor) || v.ndim !== want.length || (rows === null ? v.shape[0] !== n : v.shape[1] !== n)) {
          throw new ShapeError(
            `${where}: state[0].${k} must be a tensor of shape ${fmtShape(rows === null ? want : (["k", n] as never))}, got ${v instanceof Tensor ? fmtShape(v.shape) : String(v)}`,
          );
        }
        return noGrad(() => v.to(dtype).clone());
      };
      memory.funcEvals = number("func_evals", 0);
      memory.nIter = number("n_iter", 0);
      memory.t = number("t", 0);
      memory.hDiag = number("H_diag", 1);
      memory.prevLoss = number("prev_loss", 0);
      memory.d = vector("d", null);
      memory.prevFlatGrad = vector("prev_flat_grad", null);
      const dirs = vector("old_dirs", -1);
      const stps = vector("old_stps", -1);
      const ro = raw.ro;
      const k = dirs?.shape[0] ?? 0;
      if ((stps?.shape[0] ?? 0) !== k || (k > 0 && !(ro instanceof Tensor && ro.ndim === 1 && ro.shape[0] === k))) {
        throw new ShapeError(
          `${where}: old_dirs, old_stps and ro must hold the same number of history entries, got ${dirs ? fmtShape(dirs.shape) : "none"}, ${stps ? fmtShape(stps.shape) : "none"} and ${ro instanceof Tensor ? fmtShape(ro.shape) : String(ro)}`,
        );
      }
      if (k > this.paramGroups[0].historySize)
        throw new ValueError(`${where}: the saved history holds ${k} pairs, more than historySize ${this.paramGroups[0].historySize}`);
      if (k > 0) {
        memory.oldDirs = dirs!.unbind(0);
        memory.oldStps = stps!.unbind(0);
        memory.ro = Array.from((ro as Tensor).to("float64").toTypedArray(), Number);
      }
    }
    super.loadStateDict({ state: {}, paramGroups: dict.paramGroups });
    this.#memory = memory;
  }
}

/** A closure's return value as a number (a one-element tensor is read through the driver). */
function* lossValue(out: unknown): Reads<number> {
  if (out instanceof Tensor) {
    if (out.size !== 1)
      throw new ShapeError(
        `LBFGS.step: the closure must return the loss as a one-element tensor or a number, got a tensor of shape ${fmtShape(out.shape)}`,
      );
    return yield out;
  }
  if (typeof out === "number") return out;
  throw new ValueError(
    `LBFGS.step: the closure must return the loss (a one-element tensor or a number), got ${out === null ? "null" : typeof out}`,
  );
}
