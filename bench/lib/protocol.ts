// The line protocol between the orchestrator (bench/run.ts) and each contender's child process:
// one JSON request per stdin line, one reply per stdout line that starts with MARK (libraries may
// print their own chatter to stdout; lines without the mark are ignored). Shared by the JS children;
// bench/peers/torch_bench.py speaks the same protocol.

import { createInterface } from "node:readline";
import { ownCpuSeconds } from "./machine.js";

export const MARK = "@@bench ";

export interface Request {
  id: number;
  cmd: string;
  [param: string]: unknown;
}

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** What every contender answers to "hello". */
export interface Hello {
  name: string;
  version: string;
  /** Threads it computes with, in words ("1", "2 (OpenBLAS)"). */
  threads: string;
  [extra: string]: unknown;
}

/** What every contender answers to "stats": its peak and current memory and the CPU it has used. */
export interface ProcessStats {
  maxRssBytes: number;
  rssBytes: number;
  cpuSeconds: number;
}

export type Handler = (req: Request) => unknown | Promise<unknown>;

/** The stats of this Node process (resourceUsage().maxRSS is in KiB). */
export function nodeProcessStats(): ProcessStats {
  return { maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBytes: process.memoryUsage.rss(), cpuSeconds: ownCpuSeconds() };
}

/**
 * Serves requests from stdin until "exit" or end of input, one at a time in arrival order. A
 * handler's exception becomes an error reply (its first line), so one failing measurement, such as a
 * kernel a peer lacks, does not take the contender's other measurements down with it.
 */
export async function serve(handlers: Record<string, Handler>): Promise<void> {
  const all: Record<string, Handler> = { stats: () => nodeProcessStats(), ...handlers };
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let req: Request;
    try {
      req = JSON.parse(line) as Request;
    } catch {
      continue;
    }
    if (req.cmd === "exit") break;
    let reply: Reply;
    try {
      const handler = all[req.cmd];
      if (!handler) throw new Error(`unknown command "${req.cmd}" (known: ${Object.keys(all).join(", ")})`);
      reply = { id: req.id, ok: true, result: await handler(req) };
    } catch (e) {
      const message = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
      reply = { id: req.id, ok: false, error: message.split("\n")[0] };
    }
    process.stdout.write(`${MARK}${JSON.stringify(reply)}\n`);
  }
  lines.close();
}

/**
 * Median seconds per call of `fn`: `warmup` calls first, then calls until both `minCalls` calls and
 * `minTime` seconds are reached. Used by every JS contender so they are timed the same way.
 */
export function timeCalls(fn: () => unknown, { warmup = 2, minCalls = 3, minTime = 0.3 } = {}): { seconds: number; calls: number } {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minCalls || performance.now() - start < minTime * 1000) {
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) / 1000);
  }
  samples.sort((a, b) => a - b);
  const mid = samples.length >> 1;
  const seconds = samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  return { seconds, calls: samples.length };
}
