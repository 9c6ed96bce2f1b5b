// CosineAnnealingWarmRestarts (torch.optim.lr_scheduler): cosine annealing from initialLr to etaMin
// over t0 epochs, restarting each time, each period tMult times longer than the last (SGDR).

import { ValueError } from "../../errors.js";
import { LRScheduler, checkKeys, checkOption, finite, positiveInt, type AnyOptimizer } from "./lr-scheduler.js";

/** Options of CosineAnnealingWarmRestarts (torch's T_0, T_mult, eta_min, last_epoch, camelCase). */
export interface CosineAnnealingWarmRestartsOptions {
  /** Epochs of the first period. */
  t0: number;
  /** Growth factor of each period, an integer (default 1). */
  tMult?: number;
  /** The minimum learning rate, reached at the end of each period (default 0). */
  etaMin?: number;
  /** -1 (the default) for a fresh schedule; the index of the last epoch to resume one. */
  lastEpoch?: number;
}

type State = { t0: number; tMult: number; etaMin: number; tI: number; tCur: number };

/**
 * lr = etaMin + (initialLr − etaMin)·(1 + cos(π·tCur/tI))/2, tCur counting epochs since the last
 * restart. `step(epoch)` may also jump to a (fractional) epoch, as torch's step(epoch) does, for
 * updates within an epoch.
 * @example const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 });
 */
export class CosineAnnealingWarmRestarts extends LRScheduler<State> {
  constructor(optimizer: AnyOptimizer, options: CosineAnnealingWarmRestartsOptions) {
    checkKeys("CosineAnnealingWarmRestarts", options, ["t0", "tMult", "etaMin", "lastEpoch"]);
    const { t0, tMult = 1, etaMin = 0, lastEpoch = -1 } = options ?? ({} as CosineAnnealingWarmRestartsOptions);
    checkOption(positiveInt(t0), "CosineAnnealingWarmRestarts", "t0", t0, "a positive integer");
    checkOption(positiveInt(tMult), "CosineAnnealingWarmRestarts", "tMult", tMult, "an integer >= 1");
    checkOption(finite(etaMin), "CosineAnnealingWarmRestarts", "etaMin", etaMin, "a finite number");
    super(optimizer, { t0, tMult, etaMin, tI: t0, tCur: lastEpoch }, lastEpoch);
  }

  protected getLr(): number[] {
    const { etaMin, tCur, tI } = this.options;
    return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2);
  }

  /** Advances one epoch, or jumps to `epoch` (which may be fractional). */
  override step(epoch?: number): void {
    const o = this.options;
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      o.tCur += 1;
      if (o.tCur >= o.tI) {
        o.tCur -= o.tI;
        o.tI *= o.tMult;
      }
    } else {
      if (!(epoch >= 0)) throw new ValueError(`CosineAnnealingWarmRestarts.step: expected a non-negative epoch, got ${epoch}`);
      if (epoch >= o.t0) {
        if (o.tMult === 1) o.tCur = epoch % o.t0;
        else {
          const n = Math.floor(Math.log((epoch / o.t0) * (o.tMult - 1) + 1) / Math.log(o.tMult));
          o.tCur = epoch - (o.t0 * (o.tMult ** n - 1)) / (o.tMult - 1);
          o.tI = o.t0 * o.tMult ** n;
        }
      } else {
        o.tI = o.t0;
        o.tCur = epoch;
      }
    }
    this.stepCount++;
    this.lastEpoch = Math.floor(epoch);
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = values[i]));
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
}
