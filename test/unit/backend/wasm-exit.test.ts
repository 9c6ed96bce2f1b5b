// A process that ends on its own must exit cleanly, whatever its `beforeExit` and `exit` listeners
// do with tensors: the residency cache's FinalizationRegistry may have cleanup pending as the process
// ends (a registry made in a vm context, as the wasm backend once used, aborted the process there with
// exit code 134, "illegal access"). And when the loop does turn, finalizers free dead blocks.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const root = new URL("../../..", import.meta.url).pathname;
const src = new URL("../../../src/index.ts", import.meta.url).href;
const wasm = new URL("../../../src/backend/wasm/index.ts", import.meta.url).href;

/** Runs `body` as an ES module with the library's sources and a global gc(); returns code and output. */
function child(body: string): { code: number | null; stdout: string; stderr: string } {
  const script = `import * as tg from ${JSON.stringify(src)};\nimport { wasmBackend } from ${JSON.stringify(wasm)};\n${churn}\n${body}`;
  const r = spawnSync(
    process.execPath,
    ["--expose-gc", "--conditions=tensorgrad-source", "--import", "tsx", "--input-type=module", "-e", script],
    {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, TENSORGRAD_BACKEND: "wasm" },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// 100 tensors that die unreferenced, 400 storages for the collector to find. A function, so that no
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

  test("tensors that die while the event loop turns get their blocks back through finalizers, without copying", () => {
    const r = child(`
      const stats = () => wasmBackend.memoryStats();
      const tick = () => new Promise((done) => setTimeout(done, 10));
      const base = stats().blocksInUse;
      churn();
      const held = stats().blocksInUse - base;
      for (let i = 0; i < 5 && stats().blocksInUse > base; i++) {
        globalThis.gc();
        await tick();
      }
      console.log(held, stats().blocksInUse - base, stats().evictions);`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.equal(
      r.stdout,
      "400 0 0\n",
      "the 400 dead storages resident (randn, the scalar 1, add, sum), then all freed by their finalizers, none copied out",
    );
  });
});
