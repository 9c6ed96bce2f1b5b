// The run folder: made one level at a time with the failing path named (Node's recursive mkdir
// spins forever under /proc), locked against a second training, stale locks and temporary files
// of killed runs cleared.

import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { claimNewRunDir, LOCK_FILE, lockRunDir, makeRunDir, removeIfEmpty, timestamp } from "../../../cli/run-dir.js";

const root = mkdtempSync(join(tmpdir(), "tg-run-dir-"));
after(() => rmSync(root, { recursive: true, force: true }));
const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid!;

describe("makeRunDir", () => {
  it("creates missing parents and reports them; removeIfEmpty takes them back", () => {
    const dir = join(root, "a", "b", "c");
    assert.deepEqual(makeRunDir(dir), [join(root, "a"), join(root, "a", "b"), dir]);
    assert.deepEqual(makeRunDir(dir), []);
    removeIfEmpty([join(root, "a"), join(root, "a", "b"), dir]);
    assert.equal(existsSync(join(root, "a")), false);
  });

  it("fails with the path named under /proc instead of spinning", { skip: !existsSync("/proc/self") }, () => {
    assert.throws(() => makeRunDir("/proc/run"), {
      name: "CliError",
      message: "cannot create run folder /proc/run: ENOENT: no such file or directory (at /proc/run)",
    });
  });

  it("refuses a file where the folder should be", () => {
    const f = join(root, "a-file");
    writeFileSync(f, "");
    assert.throws(() => makeRunDir(f), { name: "CliError", message: `--out ${f}: ${f} exists and is not a folder` });
    assert.throws(() => makeRunDir(join(f, "sub")), {
      name: "CliError",
      message: `cannot create run folder ${join(f, "sub")}: ${f} is not a folder`,
    });
  });
});

describe("claimNewRunDir", () => {
  it("names folders by local time and gives trainings started in the same second folders of their own", () => {
    assert.equal(timestamp(new Date(2026, 11, 7, 9, 5, 3)), "20261207-090503");
    const parent = join(root, "runs");
    const first = claimNewRunDir(parent, "20261207-090503");
    assert.deepEqual(first, { dir: join(parent, "20261207-090503"), created: [parent, join(parent, "20261207-090503")] });
    assert.deepEqual(claimNewRunDir(parent, "20261207-090503"), {
      dir: join(parent, "20261207-090503-2"),
      created: [join(parent, "20261207-090503-2")],
    });
    mkdirSync(join(parent, "20261207-090503-3"));
    assert.equal(claimNewRunDir(parent, "20261207-090503").dir, join(parent, "20261207-090503-4"));
    assert.deepEqual(readdirSync(parent).sort(), ["20261207-090503", "20261207-090503-2", "20261207-090503-3", "20261207-090503-4"]);
  });
});

describe("lockRunDir", () => {
  it("holds the folder until released; a second lock fails at once naming the holder", () => {
    const dir = mkdtempSync(join(root, "lock-"));
    const release = lockRunDir(dir);
    const lock = join(dir, LOCK_FILE);
    assert.ok(existsSync(lock));
    // The same holder (a live process on this host) seen by another training:
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname(), started: "2026-01-01T00:00:00.000Z" }));
    assert.throws(() => lockRunDir(dir), {
      name: "CliError",
      message: `${dir} is in use by another training (pid ${process.ppid} on ${hostname()}, since 2026-01-01T00:00:00.000Z); wait for it or choose another --out (if that run is gone, delete ${lock})`,
    });
    release(); // not ours any more: left alone
    assert.ok(existsSync(lock));
  });

  it("takes over a lock whose process is gone and clears the temporary files killed writers left", () => {
    const dir = mkdtempSync(join(root, "stale-"));
    const dead = deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), started: "2026-01-01T00:00:00.000Z" }));
    const leftover = `.checkpoint-last.safetensors.${dead}.m1abc.3.tmp`;
    writeFileSync(join(dir, leftover), "half a checkpoint");
    writeFileSync(join(dir, "metrics.csv"), "epoch\n");
    const release = lockRunDir(dir);
    assert.deepEqual(readdirSync(dir).sort(), [LOCK_FILE, "metrics.csv"]);
    release();
    assert.deepEqual(readdirSync(dir), ["metrics.csv"]);
  });

  it("treats an unreadable lock file as stale", () => {
    const dir = mkdtempSync(join(root, "garbage-"));
    writeFileSync(join(dir, LOCK_FILE), "{half");
    lockRunDir(dir)();
    assert.deepEqual(readdirSync(dir), []);
  });
});
