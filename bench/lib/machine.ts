// What machine a benchmark ran on and how busy it was: CPU model, cores, memory, Node version, load
// averages, and the CPU time that processes other than the benchmark's own used during a section.

import { readFileSync } from "node:fs";
import os from "node:os";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown CPU",
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/**
 * Seconds of CPU time the whole machine has spent busy since boot (all cores: user, nice, system,
 * irq, softirq; not idle, iowait or time stolen by the hypervisor), from /proc/stat. Null where
 * that file does not exist (not Linux).
 */
export function machineBusySeconds(): number | null {
  try {
    const line = readFileSync("/proc/stat", "utf8")
      .split("\n")
      .find((l) => l.startsWith("cpu "));
    if (!line) return null;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq] = f;
    // /proc/stat counts in USER_HZ ticks, 100 a second on every Linux architecture Node runs on.
    return (user + nice + system + irq + softirq) / 100;
  } catch {
    return null;
  }
}

/** How loaded the machine was while a section ran, and how much of that load was someone else's. */
export interface LoadReport {
  /** 1-minute load average when the section started and when it ended. */
  loadStart: number;
  loadEnd: number;
  wallSeconds: number;
  /** Average number of cores kept busy by processes outside this benchmark (null off Linux). */
  foreignCores: number | null;
}

/**
 * Starts watching the machine for a section. `finish(benchCpuSeconds)` takes the CPU seconds used by
 * the benchmark's own processes (orchestrator and children) over the same interval; the rest of the
 * machine's busy time is other people's work competing for the cores.
 */
export function watchLoad(): { finish(benchCpuSeconds: number): LoadReport } {
  const t0 = performance.now();
  const busy0 = machineBusySeconds();
  const load0 = os.loadavg()[0];
  return {
    finish(benchCpuSeconds: number): LoadReport {
      const wall = (performance.now() - t0) / 1000;
      const busy1 = machineBusySeconds();
      const foreign = busy0 === null || busy1 === null || wall <= 0 ? null : Math.max(0, (busy1 - busy0 - benchCpuSeconds) / wall);
      return { loadStart: load0, loadEnd: os.loadavg()[0], wallSeconds: wall, foreignCores: foreign };
    },
  };
}

/** CPU seconds (user + system, all threads) this process has used so far. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * CPU seconds (user + system) used by this process's children that have exited and been waited for,
 * from /proc/self/stat (cutime, cstime): exact for a child from start to exit, where sampling its own
 * /proc entry misses what it did after the last sample. Null off Linux.
 */
export function childrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[13]) + Number(f[14])) / 100; // USER_HZ = 100
  } catch {
    return null;
  }
}

/** CPU milliseconds (user + system, all threads) process `pid` has used, from /proc; null off Linux or once it is gone. */
export function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10; // USER_HZ = 100
  } catch {
    return null;
  }
}

/**
 * Waits until the processes `pids` have used no CPU for `quietMs` in a row (polled every 10 ms, the
 * kernel's accounting tick), or `maxMs` passed; returns the milliseconds waited. A contender's turn
 * starts only once the others are idle: a peer's threads can stay busy after it answered (measured:
 * PyTorch's OpenBLAS workers spin for 60-90 ms of CPU after its training turn, which took a core
 * from whoever went next).
 */
export async function waitQuiet(pids: readonly (number | undefined)[], { quietMs = 30, maxMs = 2000 } = {}): Promise<number> {
  const t0 = performance.now();
  let last = pids.map(processCpuMs);
  let quietSince = t0;
  while (performance.now() - t0 < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = pids.map(processCpuMs);
    if (now.some((v, i) => v !== null && last[i] !== null && v !== last[i])) quietSince = performance.now();
    last = now;
    if (performance.now() - quietSince >= quietMs) break;
  }
  return performance.now() - t0;
}
