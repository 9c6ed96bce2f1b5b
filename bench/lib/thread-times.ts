// Per-thread CPU time of this process on Linux (/proc/self/task/*/schedstat and stat): how much each
// thread ran, how long the calling thread waited runnable for a core, and its own page faults. Splits
// a training epoch's time between the calling thread, the kernel pool's workers and the engine's
// threads (JIT compilers, garbage-collector helpers). Elsewhere every figure reads null.

import { readdirSync, readFileSync } from "node:fs";

export interface ThreadTimes {
  /** Milliseconds the calling (main) thread ran. */
  mainMs: number;
  /** Milliseconds the calling thread was runnable but waited for a core (another thread had it). */
  mainWaitMs: number;
  /** Page faults the calling thread took (each first touch of a fresh page). */
  mainFaults: number;
  /** Milliseconds each other thread ran, by thread id. */
  others: Map<number, { name: string; ms: number }>;
}

function schedstat(tid: number | string): [number, number] {
  const f = readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ");
  return [Number(f[0]) / 1e6, Number(f[1]) / 1e6];
}

/** The process's thread times now, or null where /proc does not have them. */
export function threadTimes(): ThreadTimes | null {
  try {
    const main = process.pid;
    const [mainMs, mainWaitMs] = schedstat(main);
    // Fields after the command name, which is in parentheses: minflt is the 10th field of the line.
    const stat = readFileSync(`/proc/self/task/${main}/stat`, "utf8");
    const mainFaults = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
    const others = new Map<number, { name: string; ms: number }>();
    for (const t of readdirSync("/proc/self/task")) {
      const tid = Number(t);
      if (tid === main) continue;
      try {
        others.set(tid, { name: readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim(), ms: schedstat(t)[0] });
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return { mainMs, mainWaitMs, mainFaults, others };
  } catch {
    return null;
  }
}

/** Ids of the process's threads other than the calling one (empty where /proc is missing). */
export function threadIds(): Set<number> {
  try {
    return new Set(
      readdirSync("/proc/self/task")
        .map(Number)
        .filter((t) => t !== process.pid),
    );
  } catch {
    return new Set();
  }
}

/**
 * What ran between two readings: the calling thread, its wait for a core and its faults, then the
 * other threads' CPU split into `poolTids` (the kernel pool's workers) and the rest (the engine's
 * threads: JIT compilers, garbage-collector helpers).
 */
export function threadDelta(
  a: ThreadTimes | null,
  b: ThreadTimes | null,
  poolTids: ReadonlySet<number>,
): { mainMs: number; mainWaitMs: number; mainFaults: number; poolMs: number; engineMs: number } | null {
  if (a === null || b === null) return null;
  let poolMs = 0,
    engineMs = 0;
  for (const [tid, t] of b.others) {
    const ms = t.ms - (a.others.get(tid)?.ms ?? 0);
    if (poolTids.has(tid)) poolMs += ms;
    else engineMs += ms;
  }
  return {
    mainMs: b.mainMs - a.mainMs,
    mainWaitMs: b.mainWaitMs - a.mainWaitMs,
    mainFaults: b.mainFaults - a.mainFaults,
    poolMs,
    engineMs,
  };
}
