// OneCycleLR (torch.optim.lr_scheduler.OneCycleLR): the 1cycle policy, stepped once per batch. The lr
// rises from maxLr/divFactor to maxLr, then falls to initialLr/finalDivFactor; momentum (or Adam's
// beta1) cycles the opposite way.

import { ValueError } from "../../errors.js";
import { LRScheduler, checkKeys, checkOption, checkOptimizer, finite, positiveInt, type AnyOptimizer } from "./lr-scheduler.js";

/** Options of OneCycleLR (torch's names and defaults, camelCase). */
export interface OneCycleLROptions {
  /** Peak learning rate: one number, or one per param group. */
  maxLr: number | number[];
  /** Length of the cycle in steps; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  /** Epochs of the cycle (with stepsPerEpoch, instead of totalSteps). */
  epochs?: number;
  /** Steps per epoch (with epochs, instead of totalSteps). */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr. */
  pctStart?: number;
  /** How the lr moves between its phases: "cos" (default) or "linear". */
  annealStrategy?: "cos" | "linear";
  /**
   * Cycle momentum (or Adam's beta1) inversely to the lr, between baseMomentum and maxMomentum (default
   * true).
   */
  cycleMomentum?: boolean;
  /** The lowest momentum, at the lr's peak (default 0.85). */
  baseMomentum?: number | number[];
  /** The highest momentum, at the cycle's ends (default 0.95). */
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor. */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor. */
  finalDivFactor?: number;
  /** A third phase that annihilates the lr (fast.ai's schedule) instead of the symmetric two. */
  threePhase?: boolean;
  /** -1 (the default) for a fresh schedule; the index of the last epoch to resume one. */
  lastEpoch?: number;
}

type Phase = { endStep: number; startLr: string; endLr: string; startMomentum: string; endMomentum: string };
type Resolved = { totalSteps: number; annealStrategy: "cos" | "linear"; cycleMomentum: boolean; useBeta1: boolean; phases: Phase[] };

const KEYS = [
  "maxLr",
  "totalSteps",
  "epochs",
  "stepsPerEpoch",
  "pctStart",
  "annealStrategy",
  "cycleMomentum",
  "baseMomentum",
  "maxMomentum",
  "divFactor",
  "finalDivFactor",
  "threePhase",
  "lastEpoch",
];

/**
 * torch's OneCycleLR. Constructing it sets `initialLr`, `maxLr`, `minLr` (and with cycleMomentum
 * `maxMomentum`, `baseMomentum`, and `momentum` or `betas[0]`) on every group. Stepping more than
 * totalSteps times throws a ValueError, as torch does.
 * @example const sched = new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: epochs * batches });
 */
export class OneCycleLR extends LRScheduler<Resolved> {
  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    super(optimizer, prepare(optimizer, options), options?.lastEpoch ?? -1);
  }

  protected getLr(): number[] {
    const { totalSteps, phases, cycleMomentum, useBeta1 } = this.options;
    const t = this.lastEpoch;
    if (t > totalSteps) {
      throw new ValueError(`OneCycleLR.step: tried to step ${t + 1} times; the specified number of total steps is ${totalSteps}`);
    }
    const anneal = this.options.annealStrategy === "cos" ? annealCos : annealLinear;
    return this.optimizer.paramGroups.map((group) => {
      let start = 0;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i];
        if (t <= phase.endStep || i === phases.length - 1) {
          const pct = (t - start) / (phase.endStep - start);
          const lr = anneal(group[phase.startLr] as number, group[phase.endLr] as number, pct);
          if (cycleMomentum) {
            const m = anneal(group[phase.startMomentum] as number, group[phase.endMomentum] as number, pct);
            if (useBeta1) group.betas = [m, (group.betas as number[])[1]];
            else group.momentum = m;
          }
          return lr;
        }
        start = phase.endStep;
      }
      throw new Error("unreachable: the last phase always matches");
    });
  }
}

/** Cosine anneal from start to end as pct goes from 0 to 1 (torch's expression order, for exact parity). */
function annealCos(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/** Validates the options and writes the schedule's keys into the groups (before the initial step). */
function prepare(optimizer: AnyOptimizer, options: OneCycleLROptions): Resolved {
  const W = "OneCycleLR";
  checkOptimizer(W, optimizer);
  checkKeys(W, options, KEYS);
  const {
    maxLr,
    totalSteps,
    epochs,
    stepsPerEpoch,
    pctStart = 0.3,
    annealStrategy = "cos",
    cycleMomentum = true,
    baseMomentum = 0.85,
    maxMomentum = 0.95,
    divFactor = 25,
    finalDivFactor = 1e4,
    threePhase = false,
    lastEpoch = -1,
  } = options ?? ({} as OneCycleLROptions);
  let total: number;
  if (totalSteps !== undefined) {
    checkOption(positiveInt(totalSteps), W, "totalSteps", totalSteps, "a positive integer");
    total = totalSteps;
  } else if (epochs !== undefined || stepsPerEpoch !== undefined) {
    checkOption(positiveInt(epochs), W, "epochs", epochs, "a positive integer");
    checkOption(positiveInt(stepsPerEpoch), W, "stepsPerEpoch", stepsPerEpoch, "a positive integer");
    total = epochs! * stepsPerEpoch!;
  } else {
    throw new ValueError("OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch");
  }
  checkOption(finite(pctStart) && pctStart >= 0 && pctStart <= 1, W, "pctStart", pctStart, "a number in [0, 1]");
  checkOption(annealStrategy === "cos" || annealStrategy === "linear", W, "annealStrategy", annealStrategy, '"cos" or "linear"');
  checkOption(finite(divFactor) && divFactor > 0, W, "divFactor", divFactor, "a number > 0");
  checkOption(finite(finalDivFactor) && finalDivFactor > 0, W, "finalDivFactor", finalDivFactor, "a number > 0");
  const groups = optimizer.paramGroups;
  const perGroup = (name: string, v: number | number[] | undefined): number[] => {
    if (v === undefined) throw new ValueError(`OneCycleLR: ${name} is required (e.g. { ${name}: 0.1, totalSteps: 1000 })`);
    const list = Array.isArray(v) ? v : groups.map(() => v);
    if (list.length !== groups.length)
      throw new ValueError(`OneCycleLR: expected ${groups.length} values for ${name} (one per param group), got ${list.length}`);
    list.forEach((x) => checkOption(finite(x) && x >= 0, W, name, x, "a number >= 0"));
    return list;
  };
  const maxLrs = perGroup("maxLr", maxLr);
  const useBeta1 = "betas" in optimizer.defaults;
  let maxMomenta: number[] = [],
    baseMomenta: number[] = [];
  if (cycleMomentum) {
    if (!("momentum" in optimizer.defaults) && !useBeta1) {
      throw new ValueError(
        `OneCycleLR: cycleMomentum needs an optimizer with momentum or betas, ${optimizer.constructor.name} has neither (pass cycleMomentum: false)`,
      );
    }
    maxMomenta = perGroup("maxMomentum", maxMomentum);
    baseMomenta = perGroup("baseMomentum", baseMomentum);
  }
  if (lastEpoch === -1) {
    groups.forEach((g, i) => {
      g.initialLr = maxLrs[i] / divFactor;
      g.maxLr = maxLrs[i];
      g.minLr = g.initialLr / finalDivFactor;
      if (cycleMomentum) {
        if (useBeta1) g.betas = [maxMomenta[i], (g.betas as number[])[1]];
        else g.momentum = maxMomenta[i];
        g.maxMomentum = maxMomenta[i];
        g.baseMomentum = baseMomenta[i];
      }
    });
  }
  const phases: Phase[] = threePhase
    ? [
        { endStep: pctStart * total - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
        {
          endStep: 2 * pctStart * total - 2,
          startLr: "maxLr",
          endLr: "initialLr",
          startMomentum: "baseMomentum",
          endMomentum: "maxMomentum",
        },
        { endStep: total - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
      ]
    : [
        { endStep: pctStart * total - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
        { endStep: total - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
      ];
  return { totalSteps: total, annealStrategy, cycleMomentum, useBeta1, phases };
}
