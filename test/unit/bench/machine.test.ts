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

describe("waitQuiet", () => {
  it("returns at once (after one quiet window) when nobody is busy", async () => {
    const waited = await waitQuiet([undefined], { quietMs: 30, maxMs: 1000 });
    assert.ok(waited >= 30 && waited < 500, `waited ${waited} ms`);
  });

  it("waits while a process burns CPU, and gives up after maxMs", { skip: !linux && "needs /proc" }, async () => {
    // Busy for 400 ms, then idle until killed.
    const child = spawn(process.execPath, ["-e", "const t = Date.now(); while (Date.now() - t < 400); setInterval(() => {}, 1000);"]);
    try {
      await new Promise((resolve) => child.once("spawn", resolve));
      const t0 = performance.now();
      const capped = await waitQuiet([child.pid], { quietMs: 50, maxMs: 150 });
      assert.ok(capped >= 150 && capped < 400, `capped wait ${capped} ms`);
      const waited = await waitQuiet([child.pid], { quietMs: 50, maxMs: 5000 });
      assert.ok(performance.now() - t0 >= 400, `returned ${(performance.now() - t0).toFixed(0)} ms after the start, before the busy spell ended`);
      assert.ok(waited < 4000, `waited ${waited} ms`);
    } finally {
      child.kill();
    }
  });
});
