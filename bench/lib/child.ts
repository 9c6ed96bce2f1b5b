// The orchestrator's handle on one contender's child process: spawn it, send requests of the line
// protocol (protocol.ts), await the matching replies, collect its CPU and memory figures at the end.

import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { MARK, type ProcessStats, type Reply } from "./protocol.js";

export interface ChildSpec {
  /** Label in tables and messages ("tensorgrad/js", "tfjs-cpu", "PyTorch"). */
  id: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Variables removed from the inherited environment. */
  unsetEnv?: string[];
  cwd?: string;
}

/** Thrown when a contender answers with an error, exits, or does not answer in time. */
export class ContenderError extends Error {
  constructor(
    readonly contender: string,
    message: string,
  ) {
    super(`${contender}: ${message}`);
    this.name = "ContenderError";
  }
}

export class Contender {
  readonly id: string;
  private readonly proc: ChildProcess;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private exited: string | null = null;
  /** The last lines the child wrote to stderr, quoted when it fails. */
  private readonly stderrTail: string[] = [];
  private readonly exitPromise: Promise<void>;
  get pid(): number | undefined {
    return this.proc.pid;
  }
  /** CPU seconds the child had used when it last reported (stats or close). */
  cpuSeconds = 0;

  constructor(spec: ChildSpec, { echo = false }: { echo?: boolean } = {}) {
    this.id = spec.id;
    this.proc = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: childEnv(spec),
      stdio: ["pipe", "pipe", "pipe"],
    });
    createInterface({ input: this.proc.stdout! }).on("line", (line) => {
      if (line.startsWith(MARK)) this.onReply(JSON.parse(line.slice(MARK.length)) as Reply);
      else if (echo) process.stderr.write(`  [${this.id}] ${line}\n`);
    });
    createInterface({ input: this.proc.stderr! }).on("line", (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
      if (echo) process.stderr.write(`  [${this.id}] ${line}\n`);
    });
    this.exitPromise = new Promise((resolve) => {
      this.proc.on("error", (e) => this.fail(`could not start (${e.message})`, resolve));
      this.proc.on("exit", (code, signal) => this.fail(`exited (${signal ?? `code ${code}`})`, resolve));
    });
  }

  private fail(why: string, resolve: () => void): void {
    this.exited ??= why;
    const detail = this.stderrTail
      .filter((l) => l.trim())
      .slice(-3)
      .join(" / ");
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ContenderError(this.id, `${why}${detail ? `: ${detail}` : ""}`));
    }
    this.pending.clear();
    resolve();
  }

  private onReply(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new ContenderError(this.id, reply.error));
  }

  /** Sends `cmd` with `params` and resolves with the child's result (rejects with ContenderError). */
  request<T>(cmd: string, params: Record<string, unknown> = {}, timeoutSeconds = 600): Promise<T> {
    if (this.exited) return Promise.reject(new ContenderError(this.id, this.exited));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ContenderError(this.id, `no answer to "${cmd}" within ${timeoutSeconds} s`));
        this.proc.kill("SIGKILL");
      }, timeoutSeconds * 1000);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.proc.stdin!.write(`${JSON.stringify({ id, cmd, ...params })}\n`);
    });
  }

  /** The child's peak memory and CPU so far. */
  async stats(): Promise<ProcessStats> {
    const s = await this.request<ProcessStats>("stats", {}, 60);
    this.cpuSeconds = s.cpuSeconds;
    return s;
  }

  /** Asks for final stats, then for the child to exit; kills it if it lingers. Never throws. */
  async close(): Promise<ProcessStats | null> {
    let stats: ProcessStats | null = null;
    try {
      stats = await this.stats();
    } catch {
      // A child that already died has no stats to give.
    }
    if (!this.exited) {
      this.proc.stdin!.write(`${JSON.stringify({ id: 0, cmd: "exit" })}\n`);
      this.proc.stdin!.end();
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), 10_000);
      await this.exitPromise;
      clearTimeout(timer);
    }
    return stats;
  }
}

/** The environment a contender's process gets: this one's, with the spec's additions and removals. */
export function childEnv(spec: ChildSpec): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
  for (const name of spec.unsetEnv ?? []) delete env[name];
  return env;
}
