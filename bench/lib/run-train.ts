// Runs the training sections: for each task, every contender (tensorgrad per backend with an eager
// loop and with train.fit, TF.js model.fit, PyTorch's loop) in a fresh process; a probe, a warm-up
// epoch, then measured epochs in rounds of shuffled turns; test accuracy and peak RSS at the end.
//
// The plain-JavaScript contenders (tensorgrad/js, tfjs-cpu: 1-45 s an epoch) take their warm-up and
// rounds after the others have taken theirs. Mixed into every round they left each fast contender idle
// 10-50 s between its epochs, which no training run does, and which V8 punishes: its young generation
// is uncommitted after every collection while the allocation rate it averages over the last 5 s is
// low, and an idle gap keeps it low for the whole next (short) epoch. Every 4 KiB of JavaScript
// objects allocated then costs a page fault (measured on tensorgrad/wasm's small MLP: 2,400-4,000
// faults an epoch after 12-15 s idle, 80-200 after 1 s; 10-13 us a fault on the VM that day).

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

function variants(specs: readonly ContenderSpec[], hasFit: boolean): { variants: Variant[]; missing: string[] } {
  const out: Variant[] = [], missing: string[] = [];
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

async function runTask(ctx: TrainContext, task: TaskKey, list: Variant[]): Promise<{ task: TrainTask; infos: ContenderInfo[]; cpu: number; failed: string[] }> {
  const plan = ctx.plan;
  const perEpoch = Math.ceil(ctx.trainSamples / BATCH_SIZE);
  const { started, failed } = await startAll(list.map((v) => v.spec), ctx.echo);
  const live: Live[] = [];
  let parameters: number | null = null;
  for (const s of started) {
    const variant = list.find((v) => v.spec.id === s.info.id)!;
    const row: TrainRow = { contender: variant.contender, loop: variant.loop, epochSeconds: [], accuracy: null, trainedBatches: 0, maxRssBytes: null };
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
  for (const l of shuffled(live, ctx.random)) {
    const r = await turn(l, plan.probeBatches);
    if (!r) continue;
    const estimate = (r.seconds / r.batches) * perEpoch;
    if (estimate > plan.wholeEpochAbove) l.batches = Math.min(perEpoch, Math.max(3, Math.floor((plan.partialSeconds / r.seconds) * r.batches)));
    ctx.log(`    ${l.started.info.id}: probe ${r.batches} batches in ${r.seconds.toFixed(2)} s (≈ ${estimate.toFixed(1)} s an epoch${l.batches < perEpoch ? `; ${l.batches} batches a round` : ""})`);
  }
  const groups = trainingGroups(live, (l) => l.variant.spec.slow === true);
  for (const group of groups) {
    // A sampled contender was warmed by its probe; the others warm up on a whole epoch.
    if (plan.warmupEpoch) for (const l of shuffled(group, ctx.random)) if (l.batches === perEpoch) await turn(l, perEpoch);
    for (let round = 0; round < plan.trainRounds; round++) {
      for (const l of shuffled(group, ctx.random)) {
        const r = await turn(l, l.batches);
        if (r) l.row.epochSeconds[round] = (r.seconds / r.batches) * perEpoch;
      }
      ctx.log(`    round ${round + 1}: ${group.filter((l) => l.row.epochSeconds[round] !== undefined).map((l) => `${l.started.info.id} ${l.row.epochSeconds[round]!.toFixed(2)} s`).join(", ")}`);
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
  const watch = watchLoad(), cpu0 = ownCpuSeconds();
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
      date: new Date().toISOString(), command: ctx.command, quick: ctx.quick,
      load: watch.finish(cpu + ownCpuSeconds() - cpu0), unavailable: [...ctx.unavailable, ...missing, ...failed],
    },
    contenders: [...infos.values()],
    tasks: out,
  };
}
