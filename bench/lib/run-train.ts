// Runs the training sections: for each task, every contender (tensorgrad per backend with an eager
// loop and with train.fit, TF.js model.fit, PyTorch's loop) in a fresh process; a probe, a warm-up
// epoch, then measured epochs in rounds of shuffled turns; test accuracy and peak RSS at the end.
//
// Contenders whose warm-up epoch takes over LATE_ABOVE_SECONDS (options.ts), and the plain-JavaScript ones
// (tensorgrad/js, tfjs-cpu: 1-45 s an epoch), take their warm-up and rounds after the others have taken
// theirs. Mixed into every round, a 7-50 s turn leaves each fast contender idle that long between its
// epochs, which no training run does, and which V8 punishes. After every collection V8 shrinks its
// young generation when the allocation rate it measures over its last GCs (about 5 s) is under
// 1 KB/ms, and an idle gap of several seconds is one long interval of nearly no allocation. Measured on
// tensorgrad/wasm's big MLP after 7 s idle (--trace-gc-verbose): the young generation went from 32 MB
// to 1 MB at the first full collection of the next epoch, then took 6-9 scavenges an epoch instead of
// none, each growing it again into fresh pages: 1,500-1,700 page faults and 10-20 % longer epochs,
// every epoch, where gaps under 1 s cost nothing. Earlier, on the small MLP: 2,400-4,000 faults an
// epoch after 12-15 s idle, 80-200 after 1 s (10-13 us a fault on that VM). PyTorch does not care.

import { closeAll, startAll, type ContenderSpec, type Started } from "./contenders.js";
import { ownCpuSeconds, waitQuiet, watchLoad } from "./machine.js";
import type { GridContext } from "./run-grid.js";
import type { ContenderInfo, TrainRow, TrainSection, TrainTask } from "./results.js";
import { median, shuffled } from "./stats.js";
import { BATCH_SIZE, type TaskKey } from "./tasks.js";

export interface TrainContext extends GridContext {
  hasFit: boolean;
  trainSamples: number;
}

interface Variant {
  spec: ContenderSpec;
  contender: string;
  loop: string;
  mode: "eager" | "fit";
}

interface Live {
  variant: Variant;
  started: Started;
  row: TrainRow;
  /** Batches per turn: every batch of an epoch, or a sample of them for a slow contender. */
  batches: number;
}

/**
 * Whether a contender takes its rounds in the late group: a plain-JavaScript one (`slow`), or one whose
 * epoch took over `lateAbove` seconds: its warm-up epoch, or as its probe estimated when that made it a
 * sampled contender (null: neither, or the probe failed).
 */
export function takesLateTurns(slow: boolean | undefined, estimate: number | null, lateAbove: number): boolean {
  return slow === true || (estimate !== null && estimate > lateAbove);
}

function variants(specs: readonly ContenderSpec[], hasFit: boolean): { variants: Variant[]; missing: string[] } {
  const out: Variant[] = [],
    missing: string[] = [];
  for (const spec of specs) {
    if (spec.kind === "tensorgrad") {
      out.push({ spec: { ...spec, id: `${spec.id} eager` }, contender: spec.id, loop: "eager loop", mode: "eager" });
      if (hasFit) out.push({ spec: { ...spec, id: `${spec.id} fit` }, contender: spec.id, loop: "train.fit", mode: "fit" });
      else missing.push(`${spec.id} through train.fit (src/train has no fit yet)`);
    } else {
      out.push({ spec, contender: spec.id, loop: spec.kind === "tfjs" ? "model.fit" : "eager loop", mode: "eager" });
    }
  }
  return { variants: out, missing };
}

/** The fast contenders, then the slow ones (see the top of this file); empty groups left out. */
export function trainingGroups<T>(items: readonly T[], isSlow: (item: T) => boolean): T[][] {
  return [items.filter((i) => !isSlow(i)), items.filter(isSlow)].filter((g) => g.length > 0);
}

type TrainReply = { seconds: number; batches: number; loss: number };

async function runTask(
  ctx: TrainContext,
  task: TaskKey,
  list: Variant[],
): Promise<{ task: TrainTask; infos: ContenderInfo[]; cpu: number; failed: string[] }> {
  const plan = ctx.plan;
  const perEpoch = Math.ceil(ctx.trainSamples / BATCH_SIZE);
  const { started, failed } = await startAll(
    list.map((v) => v.spec),
    ctx.echo,
  );
  const live: Live[] = [];
  let parameters: number | null = null;
  for (const s of started) {
    const variant = list.find((v) => v.spec.id === s.info.id)!;
    const row: TrainRow = {
      contender: variant.contender,
      loop: variant.loop,
      epochSeconds: [],
      accuracy: null,
      trainedBatches: 0,
      maxRssBytes: null,
    };
    try {
      const r = await s.contender.request<{ parameters: number }>("setup", { task, mode: variant.mode, dataDir: ctx.dataDir, seed: 0 });
      parameters ??= r.parameters;
      live.push({ variant, started: s, row, batches: perEpoch });
    } catch (e) {
      row.note = `cannot train: ${(e as Error).message.replace(`${s.info.id}: `, "")}`;
      live.push({ variant, started: s, row, batches: 0 });
    }
  }
  const turn = async (l: Live, batches: number): Promise<TrainReply | null> => {
    if (l.row.note?.startsWith("cannot train")) return null;
    // The others' processes idle first: a peer's threads can stay busy after its own turn.
    await waitQuiet(live.filter((o) => o !== l).map((o) => o.started.contender.pid));
    try {
      const r = await l.started.contender.request<TrainReply>("train", batches < perEpoch ? { batches } : {}, 1800);
      l.row.trainedBatches += r.batches;
      return r;
    } catch (e) {
      l.row.note = `cannot train: ${(e as Error).message.replace(`${l.started.info.id}: `, "")}`;
      return null;
    }
  };
  // Probe: warms up each contender and tells how long its epoch would take.
  const estimates = new Map<Live, number>();
  for (const l of shuffled(live, ctx.random)) {
    const r = await turn(l, plan.probeBatches);
    if (!r) continue;
    const estimate = (r.seconds / r.batches) * perEpoch;
    if (estimate > plan.wholeEpochAbove) {
      l.batches = Math.min(perEpoch, Math.max(3, Math.floor((plan.partialSeconds / r.seconds) * r.batches)));
      // Sampled: far too slow for the fast group, and it gets no warm-up epoch to time.
      estimates.set(l, estimate);
    }
    ctx.log(
      `    ${l.started.info.id}: probe ${r.batches} batches in ${r.seconds.toFixed(2)} s (≈ ${estimate.toFixed(1)} s an epoch${l.batches < perEpoch ? `; ${l.batches} batches a round` : ""})`,
    );
  }
  // Warm-up: a whole epoch for each contender that trains whole epochs, the plain-JavaScript ones just
  // before their own rounds (see the top of this file). A sampled contender was warmed by its probe.
  // The first warm-up epoch's time, not the probe's, decides the groups: a probe's first batches run
  // cold (compiling; 2.2 s an epoch estimated for tensorgrad/wasm's big MLP, whose epochs take 0.4 s).
  // With no warm-up epoch (--quick) only the plain-JavaScript and sampled contenders go late.
  const warmUp = async (l: Live) => {
    if (plan.warmupEpochs < 1 || l.batches < perEpoch) return;
    const r = await turn(l, perEpoch);
    if (!r) return;
    const seconds = (r.seconds / r.batches) * perEpoch;
    (l.row.warmupSeconds ??= []).push(seconds);
    if (!estimates.has(l)) estimates.set(l, seconds);
  };
  for (const l of shuffled(live, ctx.random)) if (!l.variant.spec.slow) await warmUp(l);
  for (const l of live) {
    if (takesLateTurns(l.variant.spec.slow, estimates.get(l) ?? null, plan.lateAbove)) l.row.late = true;
  }
  const late = live.filter((l) => l.row.late);
  if (late.length) ctx.log(`    late group: ${late.map((l) => l.started.info.id).join(", ")}`);
  const groups = trainingGroups(live, (l) => l.row.late === true);
  for (const group of groups) {
    for (const l of shuffled(group, ctx.random)) if (l.variant.spec.slow) await warmUp(l);
    // The fast group's other warm-up epochs, in turns like its rounds. A JIT-compiled contender settles
    // over hundreds of steps, not seconds: tensorgrad/wasm's small MLP took 0.25, 0.19, 0.12, 0.11, 0.12,
    // 0.09 and 0.09 s for epochs 1-7 in one process (V8 optimizes functions that run a few times a step
    // only after several epochs), where PyTorch's took 0.11 s, then
    // 0.08-0.09 s from its second. Measured rounds then time the steady state; the first warm-up epoch stays in the report
    // as the cold cost. The late group's epochs (2 s and more) are kernel time, and settled after one.
    if (!group.some((l) => l.row.late)) {
      for (let w = 1; w < plan.warmupEpochs; w++) for (const l of shuffled(group, ctx.random)) await warmUp(l);
    }
    for (let round = 0; round < plan.trainRounds; round++) {
      for (const l of shuffled(group, ctx.random)) {
        const r = await turn(l, l.batches);
        if (r) l.row.epochSeconds[round] = (r.seconds / r.batches) * perEpoch;
      }
      ctx.log(
        `    round ${round + 1}: ${group
          .filter((l) => l.row.epochSeconds[round] !== undefined)
          .map((l) => `${l.started.info.id} ${l.row.epochSeconds[round]!.toFixed(2)} s`)
          .join(", ")}`,
      );
    }
  }
  for (const l of live) {
    if (l.batches < perEpoch) l.row.partialBatches = l.batches;
    if (l.row.note?.startsWith("cannot train") || l.row.trainedBatches === 0) continue;
    try {
      l.row.accuracy = (await l.started.contender.request<{ accuracy: number }>("evaluate", {})).accuracy;
    } catch (e) {
      l.row.note = `evaluation failed: ${(e as Error).message}`;
    }
  }
  for (const l of live) l.row.maxRssBytes = (await l.started.contender.stats().catch(() => null))?.maxRssBytes ?? null;
  const cpu = await closeAll(started);
  const rows = live.map((l) => l.row);
  const infos = started.map((s) => ({ ...s.info, id: live.find((l) => l.started === s)!.row.contender }));
  return { task: { task, parameters, batchesPerEpoch: perEpoch, rows }, infos, cpu, failed };
}

/** Trains every contender on `tasks` (one section: "mlp" has two tasks, "cnn" one). */
export async function runTrain(ctx: TrainContext, tasks: TaskKey[]): Promise<TrainSection> {
  const watch = watchLoad(),
    cpu0 = ownCpuSeconds();
  const { variants: list, missing } = variants(ctx.specs, ctx.hasFit);
  const out: TrainTask[] = [];
  const infos = new Map<string, ContenderInfo>();
  const failed: string[] = [];
  let cpu = 0;
  for (const task of tasks) {
    ctx.log(`training ${task}`);
    const r = await runTask(ctx, task, list);
    out.push(r.task);
    for (const i of r.infos) infos.set(i.id, i);
    failed.push(...r.failed.filter((f) => !failed.includes(f)));
    cpu += r.cpu;
    const med = r.task.rows.map((row) => `${row.contender} ${row.loop}: ${median(row.epochSeconds)?.toFixed(2) ?? row.note}`);
    ctx.log(`  ${med.join("; ")}`);
  }
  return {
    meta: {
      date: new Date().toISOString(),
      command: ctx.command,
      quick: ctx.quick,
      load: watch.finish(cpu + ownCpuSeconds() - cpu0),
      unavailable: [...ctx.unavailable, ...missing, ...failed],
    },
    contenders: [...infos.values()],
    tasks: out,
  };
}
