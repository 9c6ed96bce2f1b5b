// The run folder's report and charts kept current while training runs: after an epoch, report.md,
// report.html and the chart PNGs are rewritten (each atomically, so a viewer never reads half a
// file), at most once every `every` seconds and never more than a tenth of the time: drawing the
// charts costs tens of milliseconds, more than a whole epoch of a small table.

import { train } from "../src/index.js";
import { writeCharts, writeReports, type RunSummary } from "./report.js";

export class LiveReport extends train.Callback {
  private last = -Infinity;
  /** How long the last rewrite took, in ms. */
  private cost = 0;
  private readonly started = performance.now();
  constructor(
    private readonly base: Omit<RunSummary, "seconds" | "progress">,
    private readonly epochs: number,
    private readonly every: number,
  ) {
    super();
  }
  override onEpochEnd(epoch: number): void {
    const now = performance.now();
    // The last epoch is left to the final report, which follows at once with the test figures.
    if (epoch + 1 >= this.epochs || now - this.last < Math.max(this.every * 1000, 9 * this.cost)) return;
    const summary: RunSummary = { ...this.base, seconds: (now - this.started) / 1000, progress: { epoch: epoch + 1, epochs: this.epochs } };
    writeReports(summary, writeCharts(summary));
    this.last = performance.now();
    this.cost = this.last - now;
  }
}
