// The benchmark's view of other processes (bench/lib/machine.ts): CPU time read from /proc, and the
// wait for the other contenders to go idle before a turn.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { processCpuMs, waitQuiet } from "../../../bench/lib/machine.js";

const linux = existsSync("/proc/self/stat");

describe("processCpuMs", () => {
  it("is null without a process, and counts a live one's CPU in 10 ms ticks", { skip: !linux && "needs /proc" }, () => {
    assert.equal(processCpuMs(undefined), null);
    assert.equal(processCpuMs(2 ** 30), null);
    const own = processCpuMs(process.pid);
    assert.ok(own !== null && own > 0 && own % 10 === 0, `own CPU ${own}`);
  });
});

// Only the logic is asserted (a wait is never shorter than its quiet window, and a process that
// never stops burning CPU holds the wait until maxMs); how long past that a loaded machine takes is not.
describe("waitQuiet", () => {
  it("returns after one quiet window when nobody is busy", async () => {
    const waited = await waitQuiet([undefined], { quietMs: 30, maxMs: 60_000 });
    assert.ok(waited >= 30, `waited ${waited} ms`);
  });

  it("waits while a process burns CPU, gives up after maxMs, and returns once it is gone", { skip: !linux && "needs /proc" }, async () => {
    const child = spawn(process.execPath, ["-e", "process.stdout.write('spinning'); for (;;);"]);
    try {
      // Wait until it has started spinning (node's own start-up may sit on I/O for a while).
      await new Promise((resolve) => child.stdout.once("data", resolve));
      // A 1 s quiet window: even on a machine loaded 20 deep on 2 cores, a spinning process is given
      // some CPU (counted in 10 ms ticks) every second.
      const capped = await waitQuiet([child.pid], { quietMs: 1000, maxMs: 3000 });
      assert.ok(capped >= 3000, `returned after ${capped} ms although the process never went quiet`);
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      const waited = await waitQuiet([child.pid], { quietMs: 50, maxMs: 60_000 });
      assert.ok(waited >= 50 && waited < 60_000, `waited ${waited} ms for a process that is gone`);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
