// The run folder a training writes into: created one level at a time (Node's recursive mkdir spins
// forever under /proc), held by a lock file so that two trainings cannot mix their files in it, and
// cleared of the temporary files a killed run left behind.

import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { io } from "../src/index.js";
import { CliError } from "./errors.js";

export const LOCK_FILE = ".tensorgrad.lock";

const reason = (e: unknown): string => /^E[A-Z]+: [^,]*/.exec((e as Error).message)?.[0] ?? String(e);

/** Creates `dir` and any missing parents; returns the folders it created, deepest last. */
export function makeRunDir(dir: string): string[] {
  const missing: string[] = [];
  let p = resolve(dir);
  while (!existsSync(p)) {
    missing.unshift(p);
    if (dirname(p) === p) break;
    p = dirname(p);
  }
  if (missing.length === 0) {
    if (!statSync(p).isDirectory()) throw new CliError(`--out ${dir}: ${p} exists and is not a folder`);
    return [];
  }
  const parent = dirname(missing[0]);
  if (!statSync(parent).isDirectory()) throw new CliError(`cannot create run folder ${dir}: ${parent} is not a folder`);
  try {
    accessSync(parent, constants.W_OK);
  } catch (e) {
    // An error without a code is the runtime declining the check (Deno needs --allow-sys for the user
    // id it takes); mkdirSync below then reports a folder that really is not writable.
    if ((e as { code?: string }).code !== undefined)
      throw new CliError(`cannot create run folder ${dir}: ${parent} is not writable (${reason(e)})`);
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      if ((e as { code?: string }).code === "EEXIST" && statSync(m).isDirectory()) continue;
      throw new CliError(`cannot create run folder ${dir}: ${reason(e)} (at ${m})`);
    }
  }
  return missing;
}

/** The local time as YYYYMMDD-hhmmss, a new run folder's name. */
export function timestamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Creates a fresh `parent/<stamp>` folder (`<stamp>-2`, `-3`, … when that name is taken) and returns
 * it with the folders created. The folder is claimed by its own mkdir, so two trainings started in
 * the same second from the same folder each get their own.
 */
export function claimNewRunDir(parent: string, stamp = timestamp()): { dir: string; created: string[] } {
  let created = makeRunDir(parent);
  for (let k = 1, retries = 0; ;) {
    const dir = join(parent, k === 1 ? stamp : `${stamp}-${k}`);
    try {
      mkdirSync(dir);
      return { dir, created: [...created, resolve(dir)] };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "EEXIST") k++;
      // A training that failed at the same moment removed the parent it had created, still empty.
      else if (code === "ENOENT" && retries++ < 3) created = makeRunDir(parent);
      else throw new CliError(`cannot create run folder ${dir}: ${reason(e)}`);
    }
  }
}

/** Removes folders makeRunDir created if they are still empty (a run that failed before writing). */
export function removeIfEmpty(created: string[]): void {
  for (const d of [...created].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty, or gone
    }
  }
}

export interface Holder {
  pid: number;
  host: string;
  started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // Only "no such process" means gone: EPERM, or a runtime that may not signal (Deno without
    // --allow-run), leaves the lock standing rather than taking over a live run's folder.
    return (e as { code?: string }).code !== "ESRCH";
  }
}

/** This machine's name, or "" where the runtime will not tell (Deno without --allow-sys). */
function hostName(): string {
  try {
    return hostname();
  } catch {
    return "";
  }
}

function readHolder(path: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(path, "utf8")) as Holder;
    return Number.isSafeInteger(h?.pid) && h.pid > 0 ? h : null;
  } catch {
    return null; // unreadable or half-written: treated as stale
  }
}

/** The live training holding `dir`'s lock, or null when none does (no lock, or a stale one). */
export function lockHolder(dir: string): Holder | null {
  const holder = readHolder(join(dir, LOCK_FILE));
  return holder && (holder.host !== hostName() || alive(holder.pid)) ? holder : null;
}

/**
 * Takes the run folder's lock, or fails at once if another live training holds it. A lock whose
 * process is gone (killed, crashed, rebooted) is stale and taken over. Returns the release function.
 */
export function lockRunDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostName(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx", 0o644);
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw new CliError(`cannot lock run folder ${dir}: ${reason(e)}`);
      const holder = readHolder(path);
      // A lock from another machine (a shared disk) cannot be checked: it stands until removed.
      if (holder && (holder.host !== me.host || alive(holder.pid)) && holder.pid !== process.pid) {
        throw new CliError(
          `${dir} is in use by another training (pid ${holder.pid} on ${holder.host}, since ${holder.started}); wait for it or choose another --out (if that run is gone, delete ${path})`,
        );
      }
      try {
        unlinkSync(path);
      } catch {
        // another run took it over first; try again
      }
      continue;
    }
    writeSync(fd, JSON.stringify(me) + "\n");
    closeSync(fd);
    const release = (): void => {
      process.off("exit", release);
      if (readHolder(path)?.pid === process.pid) {
        try {
          unlinkSync(path);
        } catch {
          // already removed
        }
      }
    };
    process.on("exit", release);
    io.removeStaleTempFiles(dir);
    return release;
  }
  throw new CliError(`cannot lock run folder ${dir}: another training keeps taking it`);
}
