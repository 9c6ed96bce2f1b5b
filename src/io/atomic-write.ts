// Crash-safe file writes: everything tensorgrad writes goes to a temporary file in the target's
// directory, is fsynced, then renamed over the target, so a failure never leaves a half-written file.

import { closeSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync, chmodSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { withPath } from "../errors.js";

/** Appends bytes to the file being written. */
export type WriteChunk = (bytes: Uint8Array) => void;

let counter = 0;

/**
 * Writes `path` atomically: `content` (bytes or text) or the chunks a `content(write)` callback
 * produces go to a temporary file next to `path` (same file system, so rename is atomic), which is
 * fsynced and then renamed into place. If anything throws midway (the callback, a full disk), the
 * temporary file is removed and the previous `path`, if any, is left exactly as it was. A
 * file-system error (EISDIR, ENOSPC, EACCES …) names `path`, never the temporary file.
 * @example io.writeFileAtomic("log.csv", "epoch,loss\n0,1.5\n");
 */
export function writeFileAtomic(path: string, content: Uint8Array | string | ((write: WriteChunk) => void)): void {
  const target = resolve(path);
  const dir = dirname(target);
  // Unique without drawing from the random generator, which would perturb seeded training.
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.${counter++}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, "wx", 0o644);
  } catch (e) {
    throw withPath(e, "write", path);
  }
  let closed = false;
  try {
    const write: WriteChunk = (bytes) => {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    };
    if (typeof content === "function") content(write);
    else write(typeof content === "string" ? Buffer.from(content, "utf8") : content);
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    keepMode(target, tmp);
    renameSync(tmp, target);
  } catch (e) {
    if (!closed) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw withPath(e, "write", path);
  }
  syncDirectory(dir);
}

/** Gives the new file the permissions of the one it replaces. */
function keepMode(target: string, tmp: string): void {
  let mode: number;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch {
    return; // no previous file
  }
  chmodSync(tmp, mode);
}

/** Persists the rename itself; not every platform can fsync a directory, which is then skipped. */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // e.g. Windows: directories cannot be opened for fsync
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** The temporary files writeFileAtomic names: `.<target>.<pid>.<time>.<counter>.tmp`. */
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-z]+\.\d+\.tmp$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM"; // exists, owned by someone else
  }
}

/**
 * Removes the temporary files that writes in `dir` left behind when their process was killed
 * midway (kill -9, power loss): those whose writing process no longer runs. Returns their names.
 * @example io.removeStaleTempFiles("runs/mnist");
 */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = TEMP_FILE.exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // another cleaner got there first
    }
  }
  return removed;
}
