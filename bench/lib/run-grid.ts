// Runs the two "grid" sections — matmul GFLOP/s by size and inference latency by batch — with all
// contenders alive at once and taking turns round by round in shuffled order.

import { closeAll, startAll, type ContenderSpec, type Started } from "./contenders.js";
import { ownCpuSeconds, waitQuiet, watchLoad } from "./machine.js";
import { SEQ_WARMUP_STEPS, type Plan } from "./options.js";
import type { Cell, GridSection } from "./results.js";
import { median, shuffled } from "./stats.js";
import { SEQ_WORKLOADS } from "./tasks.js";

export interface GridContext {
  plan: Plan;
  specs: ContenderSpec[];
  unavailable: string[];
  command: string;
  quick: boolean;
  random: () => number;
  echo: boolean;
  dataDir: string;
  log: (line: string) => void;
}

interface Timed {
  seconds: number;
  calls: number;
}

/**
 * Measures every contender on every column. `estimate(id, column)` predicts one call's seconds from
 * what was measured so far (null: unknown); `request` builds the child request for one turn, and
 * `value` turns its median seconds per call into the reported figure.
 */
async function runGrid(
  ctx: GridContext,
  columns: number[],
  cmd: string,
  opts: {
    params: (column: number) => Record<string, unknown>;
    estimate: (cells: Record<string, Record<string, Cell>>, id: string, column: number) => number | null;
    value: (seconds: number, column: number) => number;
    label: (column: number) => string;
    /** Calls before a contender's first timed round of a column (default 2). */
    firstWarmup?: number;
  },
): Promise<GridSection> {
  const watch = watchLoad(),
    cpu0 = ownCpuSeconds();
  const { started, failed } = await startAll(ctx.specs, ctx.echo);
  const cells: Record<string, Record<string, Cell>> = {};
  for (const s of started) cells[s.info.id] = {};
  const dropped = new Set<string>();
  for (const column of columns) {
    const active: { s: Started; est: number | null }[] = [];
    for (const s of started) {
      if (dropped.has(s.info.id)) continue;
      const est = opts.estimate(cells, s.info.id, column);
      if (est !== null && est > ctx.plan.skipCallAbove) {
        cells[s.info.id][column] = { rounds: [], note: `skipped (≈ ${est < 10 ? est.toFixed(1) : Math.round(est)} s a call)` };
      } else {
        active.push({ s, est });
        cells[s.info.id][column] = { rounds: [] };
      }
    }
    for (let r = 0; r < ctx.plan.rounds; r++) {
      for (const { s, est } of shuffled(active, ctx.random)) {
        const cell = cells[s.info.id][column];
        if (cell.note) continue;
        // A slow call is its own warm-up after the first round; fast ones re-warm caches every turn.
        const slow = est !== null && est > 0.5;
        const turn = slow
          ? { warmup: r === 0 ? 1 : 0, minCalls: 1, minTime: 0 }
          : { warmup: r === 0 ? (opts.firstWarmup ?? 2) : 1, minCalls: 3, minTime: ctx.plan.minTime };
        await waitQuiet(active.filter((o) => o.s !== s).map((o) => o.s.contender.pid));
        try {
          const t = await s.contender.request<Timed>(cmd, { ...opts.params(column), ...turn });
          cell.rounds[r] = opts.value(t.seconds, column);
        } catch (e) {
          cell.note = (e as Error).message.replace(`${s.info.id}: `, "");
          if (/exited|no answer/.test(cell.note)) dropped.add(s.info.id);
        }
      }
    }
    ctx.log(
      `  ${opts.label(column)}: ${active.map(({ s }) => `${s.info.id} ${median(cells[s.info.id][column].rounds)?.toPrecision(3) ?? cells[s.info.id][column].note}`).join(", ")}`,
    );
  }
  const childCpu = await closeAll(started);
  return {
    meta: {
      date: new Date().toISOString(),
      command: ctx.command,
      quick: ctx.quick,
      load: watch.finish(childCpu + ownCpuSeconds() - cpu0),
      unavailable: [...ctx.unavailable, ...failed],
    },
    contenders: started.map((s) => s.info),
    columns,
    cells,
  };
}

export function runMatmul(ctx: GridContext): Promise<GridSection> {
  ctx.log(`matmul: sizes ${ctx.plan.matmulSizes.join(", ")}`);
  const flops = (n: number) => 2 * n ** 3;
  return runGrid(ctx, ctx.plan.matmulSizes, "matmul", {
    params: (n) => ({ n }),
    // Predict from the largest size measured so far, at its GFLOP/s (throughput stays or falls with n).
    estimate: (cells, id, n) => {
      const done = Object.entries(cells[id])
        .map(([k, c]) => [Number(k), median(c.rounds)] as const)
        .filter(([, g]) => g !== null);
      if (!done.length) return null;
      const [, gflops] = done.reduce((a, b) => (b[0] > a[0] ? b : a));
      return flops(n) / (gflops! * 1e9);
    },
    value: (seconds, n) => flops(n) / seconds / 1e9,
    label: (n) => `n = ${n} (GFLOP/s)`,
  });
}

/**
 * Training steps of sequence models and an attention-shaped batched matmul (SEQ_WORKLOADS), seconds a
 * call. The fast contenders only: tensorgrad's plain-TypeScript backend would take seconds a step, and
 * TF.js has no such workloads here.
 */
export function runSeq(ctx: GridContext): Promise<GridSection> {
  ctx.log(`seq: ${SEQ_WORKLOADS.map((w) => w.key).join(", ")}`);
  const specs = ctx.specs.filter((s) => (s.kind === "tensorgrad" && !s.slow) || s.kind === "torch");
  return runGrid(
    { ...ctx, specs },
    SEQ_WORKLOADS.map((_, i) => i),
    "step",
    {
      params: (i) => ({ workload: SEQ_WORKLOADS[i]!.key, model: SEQ_WORKLOADS[i]!.model }),
      estimate: () => null,
      value: (seconds) => seconds,
      label: (i) => `${SEQ_WORKLOADS[i]!.key} (s a call)`,
      firstWarmup: SEQ_WARMUP_STEPS(ctx.quick),
    },
  );
}

export function runInfer(ctx: GridContext): Promise<GridSection> {
  ctx.log(`inference: batches ${ctx.plan.inferBatches.join(", ")}`);
  return runGrid(ctx, ctx.plan.inferBatches, "infer", {
    params: (batch) => ({ batch, dataDir: ctx.dataDir }),
    estimate: () => null,
    value: (seconds) => seconds,
    label: (b) => `batch ${b} (s a call)`,
  });
}
