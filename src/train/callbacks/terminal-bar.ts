// The live progress line ProgressBar draws on a terminal: a bar, the step count and whatever figures
// the caller passes, redrawn in place with a carriage return at most a few times a second.
import type { TextSink } from "../../platform/platform.js";

const WIDTH = 24;
const FULL = "\u2588",
  EMPTY = "\u2591";
/** Redraws at most this often (ms); the last step of an epoch always draws. */
const FRAME_MS = 125;

export class TerminalBar {
  private last = -Infinity;
  private drawn = false;

  constructor(
    private readonly sink: TextSink,
    private readonly label: string,
    private readonly total: number,
  ) {
    // Hide the cursor while the bar is live, as a terminal progress bar does.
    sink.write("\x1b[?25l");
  }

  /** Draws step `value` of `total` followed by `suffix` (throttled unless `value` is the last step). */
  update(value: number, suffix: string): void {
    const now = performance.now();
    if (value < this.total && now - this.last < FRAME_MS) return;
    this.last = now;
    const filled = this.total > 0 ? Math.round((WIDTH * Math.min(value, this.total)) / this.total) : WIDTH;
    const bar = FULL.repeat(filled) + EMPTY.repeat(WIDTH - filled);
    this.sink.write(`\r\x1b[2K${this.label} ${bar} ${value}/${this.total} ${suffix}`);
    this.drawn = true;
  }

  /** Clears the line and shows the cursor again. */
  stop(): void {
    this.sink.write(`${this.drawn ? "\r\x1b[2K" : ""}\x1b[?25h`);
  }
}
