// CyclicLR (torch.optim.lr_scheduler.CyclicLR): the learning rate cycles between baseLr and maxLr
// (triangular, triangular2 or exp_range), stepped once per batch; momentum (or Adam's beta1) cycles
// inversely between maxMomentum and baseMomentum.

import { ValueError } from "../../errors.js";
import { LRScheduler, checkKeys, checkOption, finite, positiveInt, type AnyOptimizer } from "./lr-scheduler.js";

/** Options of CyclicLR (torch's names and defaults, camelCase; scaleFn is not supported). */
export interface CyclicLROptions {
  /** Lower bound of the cycle, for every group or per group (also each group's initial lr). */
  baseLr: number | readonly number[];
  /** Upper bound of the cycle. */
  maxLr: number | readonly number[];
  /** Steps of the rising half (default 2000). */
  stepSizeUp?: number;
  /** Steps of the falling half (default stepSizeUp). */
  stepSizeDown?: number | null;
  /**
   * The amplitude's shape over time: "triangular" (default) keeps it, "triangular2" halves it each
   * cycle, "exp_range" scales it by gamma^step.
   */
  mode?: "triangular" | "triangular2" | "exp_range";
  /** exp_range's decay per step (default 1). */
  gamma?: number;
  /** Cycle momentum inversely to the lr (default true; needs momentum or betas). */
  cycleMomentum?: boolean;
  /** The momentum (or beta1) at the lr's peak, for every group or per group (default 0.8). */
  baseMomentum?: number | readonly number[];
  /** The momentum (or beta1) at the lr's trough, where each cycle starts (default 0.9). */
  maxMomentum?: number | readonly number[];
  /** -1 (the default) for a fresh schedule; the index of the last batch to resume one. */
  lastEpoch?: number;
}

type Resolved = {
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: "triangular" | "triangular2" | "exp_range";
  gamma: number;
  cycleMomentum: boolean;
  useBeta1: boolean;
  baseMomenta: number[];
  maxMomenta: number[];
};

function perGroup(where: string, name: string, v: number | readonly number[], n: number): number[] {
  const list = typeof v === "number" ? new Array<number>(n).fill(v) : Array.isArray(v) ? [...v] : [];
  if (list.length !== n || !list.every(finite))
    throw new ValueError(`${where}: ${name} must be a number or ${n} numbers (one per param group), got ${JSON.stringify(v)}`);
  return list;
}

/**
 * Cyclical learning rates (Smith, 2017), as torch: call step() after every batch.
 * @example const sched = new optim.lrScheduler.CyclicLR(opt, { baseLr: 0.001, maxLr: 0.1, stepSizeUp: 500 });
 */
export class CyclicLR extends LRScheduler<Resolved> {
  constructor(optimizer: AnyOptimizer, options: CyclicLROptions) {
    const where = "CyclicLR";
    checkKeys(where, options, [
      "baseLr",
      "maxLr",
      "stepSizeUp",
      "stepSizeDown",
      "mode",
      "gamma",
      "cycleMomentum",
      "baseMomentum",
      "maxMomentum",
      "lastEpoch",
    ]);
    const {
      baseLr,
      maxLr,
      stepSizeUp = 2000,
      stepSizeDown = null,
      mode = "triangular",
      gamma = 1,
      cycleMomentum = true,
      baseMomentum = 0.8,
      maxMomentum = 0.9,
      lastEpoch = -1,
    } = options ?? ({} as CyclicLROptions);
    const groups = optimizer?.paramGroups ?? [];
    const n = groups.length;
    const baseLrs = perGroup(where, "baseLr", baseLr, n);
    const maxLrs = perGroup(where, "maxLr", maxLr, n);
    checkOption(positiveInt(stepSizeUp), where, "stepSizeUp", stepSizeUp, "a positive integer");
    checkOption(stepSizeDown === null || positiveInt(stepSizeDown), where, "stepSizeDown", stepSizeDown, "a positive integer or null");
    checkOption(
      ["triangular", "triangular2", "exp_range"].includes(mode),
      where,
      "mode",
      mode,
      '"triangular", "triangular2" or "exp_range"',
    );
    checkOption(finite(gamma), where, "gamma", gamma, "a finite number");
    const down = stepSizeDown ?? stepSizeUp;
    const useBeta1 = optimizer !== undefined && optimizer !== null && "betas" in (optimizer.defaults ?? {});
    let baseMomenta: number[] = [],
      maxMomenta: number[] = [];
    if (cycleMomentum) {
      if (!("momentum" in (optimizer?.defaults ?? {})) && !useBeta1) {
        throw new ValueError(
          `CyclicLR: cycleMomentum needs an optimizer with momentum or betas, ${optimizer?.constructor?.name} has neither (pass cycleMomentum: false)`,
        );
      }
      baseMomenta = perGroup(where, "baseMomentum", baseMomentum, n);
      maxMomenta = perGroup(where, "maxMomentum", maxMomentum, n);
    }
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.lr = baseLrs[i];
        if (cycleMomentum) {
          if (useBeta1) g.betas = [maxMomenta[i], (g.betas as number[])[1]];
          else g.momentum = maxMomenta[i];
        }
      });
    }
    super(
      optimizer,
      {
        maxLrs,
        totalSize: stepSizeUp + down,
        stepRatio: stepSizeUp / (stepSizeUp + down),
        mode,
        gamma,
        cycleMomentum,
        useBeta1,
        baseMomenta,
        maxMomenta,
      },
      lastEpoch,
    );
    this.baseLrs = baseLrs;
  }

  protected getLr(): number[] {
    const o = this.options;
    const t = this.lastEpoch;
    const cycle = Math.floor(1 + t / o.totalSize);
    const x = 1 + t / o.totalSize - cycle;
    const scaleFactor = x <= o.stepRatio ? x / o.stepRatio : (x - 1) / (o.stepRatio - 1);
    // triangular and triangular2 scale per cycle, exp_range per step.
    const scale = o.mode === "triangular" ? 1 : o.mode === "triangular2" ? 1 / 2 ** (cycle - 1) : o.gamma ** t;
    // torch's base class fills baseLrs from initialLr before the subclass sets them: the same values.
    const bases = this.baseLrs ?? this.optimizer.paramGroups.map((g) => g.initialLr as number);
    const lrs = bases.map((base, i) => base + (o.maxLrs[i] - base) * scaleFactor * scale);
    if (o.cycleMomentum) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const m = o.maxMomenta[i] - (o.maxMomenta[i] - o.baseMomenta[i]) * scaleFactor * scale;
        if (o.useBeta1) g.betas = [m, (g.betas as number[])[1]];
        else g.momentum = m;
      });
    }
    return lrs;
  }
}
