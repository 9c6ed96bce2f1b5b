// A process that ends on its own must exit cleanly, whatever its `beforeExit` and `exit` listeners
// do with tensors. V8 runs a FinalizationRegistry's cleanup as a task; one scheduled by a collection
// after the event loop's last turn was run by Node while it tore the environment down, with
// JavaScript disallowed, and aborted the process (exit code 134, "illegal access"). The reclaimer now
// drops its registry first thing in those listeners (Reclaimer.retire).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Reclaimer } from "../../../src/backend/wasm/storage.js";
import type { WasmAllocator } from "../../../src/backend/wasm/allocator.js";

const root = new URL("../../..", import.meta.url).pathname;
const src = new URL("../../../src/index.ts", import.meta.url).href;
const wasm = new URL("../../../src/backend/wasm/index.ts", import.meta.url).href;

/** Runs `body` as an ES module with the library's sources and a global gc(); returns code and output. */
function child(body: string): { code: number | null; stdout: string; stderr: string } {
  const script = `import * as tg from ${JSON.stringify(src)};\nimport { wasmBackend } from ${JSON.stringify(wasm)};\n${churn}\n${body}`;
  const r = spawnSync(process.execPath, ["--expose-gc", "--conditions=tensorgrad-source", "--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root, encoding: "utf8", env: { ...process.env, TENSORGRAD_BACKEND: "wasm" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// 100 tensors that die unreferenced, 300 storages for the collector to find. A function, so that no
// interpreter register of the caller's frame still holds the last one.
const churn = "function churn() { for (let i = 0; i < 100; i++) tg.randn([64, 64]).add(1).sum(); }";

describe("wasm backend at process exit", () => {
  for (const event of ["beforeExit", "exit"]) {
    test(`a full collection in an '${event}' listener, after tensors died there and before, exits with code 0`, () => {
      const r = child(`
        if (tg.getBackend().name !== "wasm") throw new Error("not on wasm");
        churn();
        process.on(${JSON.stringify(event)}, () => {
          churn();
          globalThis.gc();
          console.log("listener done");
        });`);
      assert.equal(r.stderr.includes("illegal access"), false, r.stderr);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "listener done\n");
    });
  }

  test("work started from 'beforeExit' gets back the blocks of tensors that died in the listener and after it", () => {
    const r = child(`
      churn();
      let again = true;
      process.on("beforeExit", () => {
        if (!again) return;
        again = false;
        wasmBackend.collect();
        const before = wasmBackend.memoryStats().blocksInUse;
        churn();
        setTimeout(() => {
          churn();
          wasmBackend.collect();
          console.log(wasmBackend.memoryStats().blocksInUse - before);
        }, 1);
      });`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "0\n", "every block of the 200 dead tensors' 600 storages is back");
  });

  test("storages made while retired are held weakly: on resume the dead ones' blocks are freed and the live ones tracked", async () => {
    const freed: number[] = [];
    const allocator = { tagOf: (ptr: number) => ptr, freeTagged: (tag: number) => void freed.push(tag) } as unknown as WasmAllocator;
    const r = new Reclaimer(allocator);
    // Capture the resume callbacks instead of letting the loop run them, so a collection can come first.
    const scheduled: Array<() => void> = [];
    const { setTimeout: realTimeout, setImmediate: realImmediate } = globalThis;
    const capture = ((fn: () => void) => (scheduled.push(fn), { unref: () => undefined })) as never;
    globalThis.setTimeout = capture;
    globalThis.setImmediate = capture;
    try {
      r.retire(false);
    } finally {
      globalThis.setTimeout = realTimeout;
      globalThis.setImmediate = realImmediate;
    }
    assert.equal(scheduled.length, 2, "a timer and an immediate");
    let live: object | undefined = { live: true };
    r.track(live, 64);
    (() => r.track({ dead: true }, 128))();
    // A WeakRef keeps its target until the job that made it ends: collect in a later one.
    await new Promise((done) => realTimeout(done, 0));
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
    scheduled[0]!();
    scheduled[1]!(); // the second does nothing
    assert.deepEqual(freed, [128]);
    // The live one went to the new registry: once it dies, a collection frees it.
    live = undefined;
    await new Promise((done) => realTimeout(done, 0));
    r.collect();
    assert.deepEqual(freed, [128, 64]);
    // After 'exit' nothing is tracked or held.
    r.retire(true);
    r.track({}, 192);
    assert.deepEqual((r as unknown as { pending: unknown[] }).pending, []);
  });
});
