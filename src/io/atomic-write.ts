// Crash-safe file writes: everything tensorgrad writes goes to a temporary file in the target's
// directory, is fsynced, then renamed over the target, so a failure never leaves a half-written file.

import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync, chmodSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** Appends bytes to the file being written. */
export type WriteChunk = (bytes: Uint8Array) => void;

let counter = 0;

/**
 * Writes `path` atomically: `content` (bytes or text) or the chunks a `content(write)` callback
 * produces go to a temporary file next to `path` (same file system, so rename is atomic), which is
 * fsynced and then renamed into place. If anything throws midway (the callback, a full disk), the
 * temporary file is removed and the previous `path`, if any, is left exactly as it was.
 * @example io.writeFileAtomic("log.csv", "epoch,loss\n0,1.5\n");
 */
export function writeFileAtomic(path: string, content: Uint8Array | string | ((write: WriteChunk) => void)): void {
  const target = resolve(path);
  const dir = dirname(target);
  // Unique without drawing from the random generator, which would perturb seeded training.
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.${counter++}.tmp`);
  const fd = openSync(tmp, "wx", 0o644);
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
    throw e;
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
